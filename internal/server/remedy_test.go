package server

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck/dnstest"
	"github.com/parse-dmarc/parse-dmarc/internal/remedy"
	"github.com/parse-dmarc/parse-dmarc/internal/remedy/remedytest"
	"github.com/parse-dmarc/parse-dmarc/internal/senders"
)

// remedyNow is the clock of the remedy tests: the world's reports cover
// the 30 days before it.
var remedyNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// newRemedyServer returns a test server whose guide reads remedytest's
// world from a SQLite store and asks a DNS server on loopback serving its
// zone; timeout is the server's request time limit (0: the default).
func newRemedyServer(t *testing.T, o remedytest.Options, timeout time.Duration) *httptest.Server {
	t.Helper()
	st := openTestStore(t)
	o.Now = remedyNow
	if _, err := remedytest.Fill(context.Background(), st, o); err != nil {
		t.Fatal(err)
	}
	dns := dnstest.NewServer(t, remedytest.Zone)
	cat, err := senders.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	checker := &dnscheck.Checker{Servers: []string{dns.Addr}, Timeout: 2 * time.Second}
	s := &Server{Store: st, Senders: cat, Timeout: timeout, Guide: &remedy.Guide{Store: st, Senders: cat, DNS: checker,
		SPF: &dnscheck.SPFAuthorizer{Checker: checker}, IPs: remedytest.IPInfo, Now: func() time.Time { return remedyNow }}}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// TestFixAPI answers "Fix this" for the world's sources through the API:
// the failure type, the category, the service and the DNS changes, the
// SPF record proposed with the service's include, and the policy verdict
// of a spoofer's fix.
func TestFixAPI(t *testing.T) {
	t.Parallel()
	ts := newRemedyServer(t, remedytest.Options{}, 0)
	tests := []struct {
		name, path string
		category   string
		failure    string // type dkim/spf
		service    string
		records    []string // "TYPE name status action"
		spf        string   // the SPF record proposed
		verdict    string   // of the policy outlook
	}{
		{name: "sendgrid", path: "/api/v1/sources/" + remedytest.SendGridIP + "/fix?domain=example.com",
			category: remedy.CategoryThirdParty, failure: "both not_aligned/not_aligned", service: "sendgrid",
			records: []string{"CNAME s1._domainkey.example.com missing add", "CNAME s2._domainkey.example.com missing add", "TXT example.com present replace"},
			spf:     "v=spf1 ip4:198.51.100.25 include:_spf.google.com include:sendgrid.net ~all"},
		{name: "the domain with most of its mail, named in upper case", path: "/api/v1/sources/" + remedytest.SendGridIP + "/fix?domain=Example.COM",
			category: remedy.CategoryThirdParty, failure: "both not_aligned/not_aligned", service: "sendgrid",
			records: []string{"CNAME s1._domainkey.example.com missing add", "CNAME s2._domainkey.example.com missing add", "TXT example.com present replace"},
			spf:     "v=spf1 ip4:198.51.100.25 include:_spf.google.com include:sendgrid.net ~all"},
		{name: "office server without its DKIM key", path: "/api/v1/sources/" + remedytest.OfficeIP + "/fix",
			category: remedy.CategoryDNS, failure: "both fail/fail", records: []string{"TXT mail._domainkey.example.com missing add"}},
		{name: "spoofer", path: "/api/v1/sources/" + remedytest.SpooferIP + "/fix?domain=example.com",
			category: remedy.CategorySpoofing, failure: "both none/fail", verdict: remedy.VerdictNotYet},
		{name: "forwarder", path: "/api/v1/sources/" + remedytest.ForwarderIP + "/fix",
			category: remedy.CategoryForwarding, failure: "both fail/fail", service: "cloudflare-email-routing"},
		{name: "IPv4-mapped address, nothing to fix", path: "/api/v1/sources/::ffff:" + remedytest.GoogleIP + "/fix",
			category: remedy.CategoryNone, service: "google"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var f remedy.Fix
			if r := get(t, ts.URL+tc.path, &f); r.StatusCode != 200 {
				t.Fatalf("%d", r.StatusCode)
			}
			if f.Domain != remedytest.Domain || f.Category != tc.category || f.CategoryTitle != remedy.CategoryTitles[tc.category] {
				t.Errorf("%s: domain %q, category %q %q", f.SourceIP, f.Domain, f.Category, f.CategoryTitle)
			}
			failure := ""
			if len(f.Failures) > 0 {
				failure = f.Failures[0].Type + " " + f.Failures[0].DKIM.Result + "/" + f.Failures[0].SPF.Result
			}
			if failure != tc.failure {
				t.Errorf("failure %q, want %q", failure, tc.failure)
			}
			service := ""
			if f.Service != nil {
				service = f.Service.ID
			}
			if service != tc.service {
				t.Errorf("service %q, want %q", service, tc.service)
			}
			var recs []string
			for _, r := range f.Records {
				recs = append(recs, r.Type+" "+r.Name+" "+r.Status+" "+r.Action)
			}
			if !slices.Equal(recs, tc.records) {
				t.Errorf("records %q, want %q", recs, tc.records)
			}
			switch {
			case tc.spf == "" && f.SPFChange != nil:
				t.Errorf("SPF change %+v", f.SPFChange)
			case tc.spf != "" && (f.SPFChange == nil || f.SPFChange.Proposed != tc.spf || f.SPFChange.Term != "include:sendgrid.net" ||
				!f.SPFChange.Checked || f.SPFChange.Lookups != 3 || f.SPFChange.ExceedsLimit):
				t.Errorf("SPF change %+v, want %q", f.SPFChange, tc.spf)
			}
			if tc.category != remedy.CategoryNone && tc.category != remedy.CategoryForwarding && (!f.DNS.Checked || len(f.Steps) == 0) {
				t.Errorf("dns %+v, steps %+v", f.DNS, f.Steps)
			}
			switch {
			case tc.verdict == "" && f.Policy != nil:
				t.Errorf("policy %+v", f.Policy)
			case tc.verdict != "" && (f.Policy == nil || f.Policy.Verdict != tc.verdict || f.Policy.Current != "p=none" ||
				f.Policy.Next != "v=DMARC1; p=quarantine; pct=25; rua=mailto:dmarc@example.com; ruf=mailto:forensic@example.com; fo=1"):
				t.Errorf("policy %+v, want %s", f.Policy, tc.verdict)
			}
		})
	}
}

// TestFixAPIErrors: a bad address or domain is 400, a source without mail
// (for the domain) 404, a server without a guide 501.
func TestFixAPIErrors(t *testing.T) {
	t.Parallel()
	ts := newRemedyServer(t, remedytest.Options{Days: 2}, 0)
	bare, _ := newServer(t, nil)
	tests := []struct {
		url    string
		status int
		code   string
		msg    string
	}{
		{ts.URL + "/api/v1/sources/not-an-ip/fix", 400, "bad_request", "not an IP address"},
		{ts.URL + "/api/v1/sources/" + remedytest.GoogleIP + "/fix?domain=not_a..domain", 400, "bad_request", "invalid domain name"},
		{ts.URL + "/api/v1/sources/" + remedytest.GoogleIP + "/fix?domain=192.0.2.1", 400, "bad_request", "invalid domain name"},
		{ts.URL + "/api/v1/sources/192.0.2.99/fix", 404, "no_mail", "no reports of mail from 192.0.2.99"},
		{ts.URL + "/api/v1/sources/" + remedytest.GoogleIP + "/fix?domain=other.example", 404, "no_mail", "for other.example"},
		{bare.URL + "/api/v1/sources/" + remedytest.GoogleIP + "/fix", 501, "not_configured", "not configured"},
	}
	for _, tc := range tests {
		var e apiErr
		if r := get(t, tc.url, &e); r.StatusCode != tc.status || e.Error.Code != tc.code || !strings.Contains(e.Error.Message, tc.msg) {
			t.Errorf("%s: %d %+v, want %d %s %q", tc.url, r.StatusCode, e, tc.status, tc.code, tc.msg)
		}
	}
}

// TestAdviceAPI asks the policy advisor through the API: not yet while
// SendGrid's and the office server's mail fails, with those sources
// blocking; ready with caution once SendGrid is set up; not yet with too
// few days of reports; the period in days bounded.
func TestAdviceAPI(t *testing.T) {
	t.Parallel()
	ts := newRemedyServer(t, remedytest.Options{}, 0)
	fixed := newRemedyServer(t, remedytest.Options{FixedSendGrid: true}, 0)
	const next = "v=DMARC1; p=quarantine; pct=25; rua=mailto:dmarc@example.com; ruf=mailto:forensic@example.com; fo=1"

	var a remedy.Advice
	if r := get(t, ts.URL+"/api/v1/domains/example.com/advice", &a); r.StatusCode != 200 {
		t.Fatalf("advice: %d", r.StatusCode)
	}
	var blocking []string
	for _, s := range a.Blocking {
		blocking = append(blocking, s.SourceIP)
	}
	switch {
	case a.Verdict != remedy.VerdictNotYet || a.Days != remedy.DefaultDays || a.Since != "2026-10-26" || a.Until != "2026-11-26":
		t.Errorf("verdict %s, %d days %s to %s", a.Verdict, a.Days, a.Since, a.Until)
	case !slices.Equal(blocking, []string{remedytest.SendGridIP, remedytest.OfficeIP}):
		t.Errorf("blocking %q", blocking)
	case len(a.Reasons) == 0 || !strings.Contains(a.Reasons[0], "4.71% of example.com's legitimate mail (1,500 messages from 2 sources) fails DMARC, over the 2% that p=quarantine allows"):
		t.Errorf("reasons %q", a.Reasons)
	case a.Next == nil || a.Next.Record != next || a.Next.Name != "_dmarc.example.com" || a.Current.Effective.Policy != "none" || !a.DNS.Checked:
		t.Errorf("next %+v, current %+v, dns %+v", a.Next, a.Current, a.DNS)
	case a.Totals.Messages != 32250 || a.Spoofing.Failing != 150 || a.Forwarding.Failing != 240 || !a.Data.Sufficient || a.Data.Reporters != 2:
		t.Errorf("totals %+v, spoofing %+v, forwarding %+v, data %+v", a.Totals, a.Spoofing, a.Forwarding, a.Data)
	}

	var ready remedy.Advice
	get(t, fixed.URL+"/api/v1/domains/example.com/advice?days=30", &ready)
	if ready.Verdict != remedy.VerdictCaution || ready.Next == nil || ready.Next.Record != next ||
		len(ready.Blocking) != 1 || ready.Blocking[0].SourceIP != remedytest.OfficeIP {
		t.Errorf("SendGrid set up: %s, next %+v, blocking %+v", ready.Verdict, ready.Next, ready.Blocking)
	}

	// A week of reports is too little to judge.
	var week remedy.Advice
	get(t, ts.URL+"/api/v1/domains/EXAMPLE.com/advice?days=7", &week)
	if week.Days != 7 || week.Domain != "example.com" || week.Verdict != remedy.VerdictNotYet || week.Data.Days != 7 || week.Data.Sufficient ||
		!strings.Contains(strings.Join(week.Reasons, "\n"), "Reports cover 7 days of the period; at least 14") {
		t.Errorf("7 days: %+v", week)
	}

	bare, _ := newServer(t, nil)
	for _, tc := range []struct {
		url    string
		status int
		code   string
	}{
		{ts.URL + "/api/v1/domains/example.com/advice?days=6", 400, "bad_request"},
		{ts.URL + "/api/v1/domains/example.com/advice?days=366", 400, "bad_request"},
		{ts.URL + "/api/v1/domains/example.com/advice?days=a", 400, "bad_request"},
		{ts.URL + "/api/v1/domains/not_a..domain/advice", 400, "bad_request"},
		{ts.URL + "/api/v1/domains/other.example/advice", 404, "no_reports"},
		{bare.URL + "/api/v1/domains/example.com/advice", 501, "not_configured"},
	} {
		var e apiErr
		if r := get(t, tc.url, &e); r.StatusCode != tc.status || e.Error.Code != tc.code {
			t.Errorf("%s: %d %+v, want %d %s", tc.url, r.StatusCode, e, tc.status, tc.code)
		}
	}
}

// TestRemedyDeadline: the guide's DNS check is bounded as the API's DNS
// checks are, without changing the server's guide, and a request out of
// time is answered 503.
func TestRemedyDeadline(t *testing.T) {
	t.Parallel()
	g := &remedy.Guide{DNS: &dnscheck.Checker{}}
	s := &Server{Guide: g}
	got, ok := s.guide(httptest.NewRecorder())
	if !ok || got.DNS.CheckTimeout != dnsCheckTimeout || g.DNS.CheckTimeout != 0 {
		t.Errorf("check timeout %v, the server's %v", got.DNS.CheckTimeout, g.DNS.CheckTimeout)
	}
	g.DNS.CheckTimeout = time.Second
	if got, _ := s.guide(httptest.NewRecorder()); got.DNS != g.DNS {
		t.Errorf("a shorter check timeout is changed: %v", got.DNS.CheckTimeout)
	}

	ts := newRemedyServer(t, remedytest.Options{Days: 1}, time.Nanosecond)
	for _, path := range []string{"/api/v1/domains/example.com/advice", "/api/v1/sources/" + remedytest.GoogleIP + "/fix"} {
		var e apiErr
		if r := get(t, ts.URL+path, &e); r.StatusCode != 503 || e.Error.Code != "timeout" {
			t.Errorf("%s: %d %+v", path, r.StatusCode, e)
		}
	}
}

// TestRemedyOpenAPI: every field of real answers of both routes is in
// their schemas in openapi.json.
func TestRemedyOpenAPI(t *testing.T) {
	t.Parallel()
	var doc struct {
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		t.Fatal(err)
	}
	ts := newRemedyServer(t, remedytest.Options{}, 0)
	for _, tc := range []struct{ path, schema string }{
		{"/api/v1/sources/" + remedytest.SendGridIP + "/fix", "Fix"},
		{"/api/v1/sources/" + remedytest.SpooferIP + "/fix", "Fix"},
		{"/api/v1/sources/" + remedytest.OfficeIP + "/fix", "Fix"},
		{"/api/v1/domains/example.com/advice", "Advice"},
	} {
		var v any
		get(t, ts.URL+tc.path, &v)
		for _, miss := range undocumented(doc.Components.Schemas, map[string]any{"$ref": "#/components/schemas/" + tc.schema}, v, tc.schema) {
			t.Errorf("%s: %s is not in the schema", tc.path, miss)
		}
	}
}

// undocumented returns the paths of the fields of v that schema (of
// OpenAPI's: $ref, allOf, properties, items) does not have.
func undocumented(schemas map[string]any, schema, v any, path string) []string {
	sc, _ := schema.(map[string]any)
	if ref, ok := sc["$ref"].(string); ok {
		return undocumented(schemas, schemas[strings.TrimPrefix(ref, "#/components/schemas/")], v, path)
	}
	var out []string
	switch v := v.(type) {
	case map[string]any:
		props := map[string]any{}
		collectProps(schemas, sc, props)
		for k, x := range v {
			p, ok := props[k]
			if !ok {
				out = append(out, path+"."+k)
				continue
			}
			out = append(out, undocumented(schemas, p, x, path+"."+k)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, undocumented(schemas, sc["items"], x, path+"[]")...)
		}
	}
	return out
}

// collectProps gathers the properties of schema and of its allOf parts.
func collectProps(schemas, schema map[string]any, into map[string]any) {
	if ref, ok := schema["$ref"].(string); ok {
		s, _ := schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
		collectProps(schemas, s, into)
		return
	}
	props, _ := schema["properties"].(map[string]any)
	for k, p := range props {
		into[k] = p
	}
	all, _ := schema["allOf"].([]any)
	for _, part := range all {
		s, _ := part.(map[string]any)
		collectProps(schemas, s, into)
	}
}
