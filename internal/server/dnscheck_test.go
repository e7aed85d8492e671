package server

import (
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck/dnstest"
	"github.com/parse-dmarc/parse-dmarc/internal/dnswatch"
	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
)

const dnsZone = `
example.com.                TXT "v=spf1 ip4:192.0.2.0/24 -all"
_dmarc.example.com.         TXT "v=DMARC1; p=none; rua=mailto:dmarc@example.com"
example.net.                TXT "v=spf1 -all"
`

// newDNSServer returns a test server whose DNS checks ask a loopback DNS
// server of dnsZone, with the reports of example.com stored.
func newDNSServer(t *testing.T) (*httptest.Server, *dnstest.Server) {
	t.Helper()
	st := openTestStore(t)
	dns := dnstest.NewServer(t, dnsZone)
	w := &dnswatch.Watcher{Store: st, Checker: &dnscheck.Checker{Servers: []string{dns.Addr}, Timeout: 2 * time.Second}}
	t.Cleanup(w.Wait)
	s := &Server{Store: st, Importer: &ingest.Importer{Store: st}, DNS: w}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	upload(t, ts.URL, map[string][]byte{"a.xml": synthetic(t, 1, 200)})
	return ts, dns
}

// apiErr is an error answer.
type apiErr struct {
	Error struct{ Code, Message string }
}

// TestDNSCheckAPI checks a domain through the API, changes its zone,
// checks again and reads the changes in the answer and the history.
func TestDNSCheckAPI(t *testing.T) {
	t.Parallel()
	ts, dns := newDNSServer(t)

	var first dnswatch.Check
	if r := get(t, ts.URL+"/api/v1/dns/Example.com?selector=google&selector=s1,s2", &first); r.StatusCode != 200 {
		t.Fatalf("check: %d", r.StatusCode)
	}
	if first.Domain != "example.com" || first.Origin != "api" || first.Status != dnscheck.StatusError || first.Result == nil ||
		first.Result.DMARC.Status != dnscheck.StatusWarning || len(first.Result.DKIM) != 3 || first.PreviousAt != nil {
		t.Fatalf("first check: %+v", first)
	}
	if first.Result.DKIM[0].Selector != "google" || first.Result.DKIM[0].Status != dnscheck.StatusError {
		t.Errorf("DKIM: %+v", first.Result.DKIM[0])
	}

	dns.Add(t, `_dmarc.example.com. TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"`)
	var second dnswatch.Check
	get(t, ts.URL+"/api/v1/dns/example.com?selector=google,s1,s2", &second)
	if second.PreviousAt == nil || second.ID == first.ID || len(second.Changes) == 0 {
		t.Fatalf("second check: %+v", second)
	}
	for _, c := range second.Changes {
		if c.Kind != dnscheck.KindDMARC {
			t.Errorf("a change of %s: %+v", c.Kind, c)
		}
	}

	var hist dnsHistory
	if r := get(t, ts.URL+"/api/v1/dns/example.com/history?limit=5", &hist); r.StatusCode != 200 {
		t.Fatalf("history: %d", r.StatusCode)
	}
	if len(hist.Checks) != 2 || hist.Checks[0].ID != second.ID || len(hist.Checks[0].Changes) != len(second.Changes) ||
		hist.Checks[0].Result != nil || len(hist.Checks[0].Records) != 8 {
		t.Errorf("history: %+v", hist.Checks)
	}
	if len(hist.SelectorsSeen) < 2 || hist.SelectorsSeen[0].Selector != "google" || hist.SelectorsSeen[0].Messages <= 0 {
		t.Errorf("selectors seen: %+v", hist.SelectorsSeen)
	}

	var latest struct{ Checks []dnswatch.Check }
	get(t, ts.URL+"/api/v1/dns", &latest)
	if len(latest.Checks) != 1 || latest.Checks[0].ID != second.ID || latest.Checks[0].Result == nil {
		t.Errorf("latest: %+v", latest)
	}

	// A domain without reports is checked only when asked to.
	var e apiErr
	if r := get(t, ts.URL+"/api/v1/dns/example.net", &e); r.StatusCode != 404 || e.Error.Code != "unknown_domain" {
		t.Errorf("unknown domain: %d %+v", r.StatusCode, e)
	}
	var other dnswatch.Check
	if r := get(t, ts.URL+"/api/v1/dns/example.net?any=1", &other); r.StatusCode != 200 || other.Result.SPF.Status != dnscheck.StatusOK {
		t.Errorf("any=1: %d %+v", r.StatusCode, other)
	}
	var empty dnsHistory
	if r := get(t, ts.URL+"/api/v1/dns/unknown.example/history", &empty); r.StatusCode != 200 || len(empty.Checks) != 0 ||
		empty.SelectorsSeen == nil || empty.Checks == nil {
		t.Errorf("empty history: %d %+v", r.StatusCode, empty)
	}
}

// TestDNSCheckAPIErrors: bad domains and parameters are 400, and a server
// without DNS checks answers 501.
func TestDNSCheckAPIErrors(t *testing.T) {
	t.Parallel()
	ts, _ := newDNSServer(t)
	var many []string
	for i := range dnswatch.MaxSelectors + 1 {
		many = append(many, "s"+strconv.Itoa(i))
	}
	for _, path := range []string{
		"/api/v1/dns/not_a..domain?any=1",
		"/api/v1/dns/192.0.2.1?any=1",
		"/api/v1/dns/example.com?selector=" + strings.Join(many, ","),
		"/api/v1/dns/example.com/history?limit=0",
		"/api/v1/dns/example.com/history?limit=101",
		"/api/v1/dns/localhost/history",
	} {
		var e apiErr
		if r := get(t, ts.URL+path, &e); r.StatusCode != 400 || e.Error.Code != "bad_request" {
			t.Errorf("%s: %d %+v", path, r.StatusCode, e)
		}
	}

	bare, _ := newServer(t, nil)
	for _, path := range []string{"/api/v1/dns", "/api/v1/dns/example.com", "/api/v1/dns/example.com/history"} {
		var e apiErr
		if r := get(t, bare.URL+path, &e); r.StatusCode != 501 || e.Error.Code != "not_configured" {
			t.Errorf("%s without DNS: %d %+v", path, r.StatusCode, e)
		}
	}
}
