package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/enrich"
	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/senders"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// The sources of the classification test: a Google Workspace server of
// example.com, SendGrid not set up for it, Cloudflare Email Routing
// forwarding its mail, and a spoofer.
const (
	googleIP     = "209.85.220.41"
	sendgridIP   = "167.89.100.10"
	forwarderIP  = "104.30.0.5"
	spooferIP    = "203.0.113.66"
	historyDays  = 20
	spoofedCount = 30
)

// directory is IP data from a table.
type directory map[string]enrich.Info

func (d directory) Lookup(_ context.Context, a netip.Addr) enrich.Info {
	i := d[a.String()]
	i.Hostname = ""
	return i
}
func (d directory) Reverse(_ context.Context, a netip.Addr) string { return d[a.String()].Hostname }
func (directory) Status() enrich.Status                            { return enrich.Status{} }

// spfTable answers AuthorizedBySPF from a table of "domain ip"; pairs it
// lacks are unknown.
type spfTable map[string]bool

func (s spfTable) AuthorizedBySPF(_ context.Context, domain string, ip netip.Addr) (bool, bool) {
	auth, ok := s[domain+" "+ip.String()]
	return auth, ok
}

// testRecord is one record of a report: source, count, aligned verdicts
// and raw results (DKIM domain and result, SPF domain and result; empty
// domains are left out).
type testRecord struct {
	ip                     string
	count                  int
	dkim, spf              string
	dkimDomain, dkimResult string
	spfDomain, spfResult   string
}

// classifyReport is a report of example.com (p=none) for the day begin.
func classifyReport(begin time.Time, recs []testRecord) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>google.com</org_name><email>noreply@google.com</email>
    <report_id>classify-%d</report_id><date_range><begin>%d</begin><end>%d</end></date_range></report_metadata>
  <policy_published><domain>example.com</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><pct>100</pct></policy_published>
`, begin.Unix(), begin.Unix(), begin.Add(24*time.Hour-time.Second).Unix())
	for _, r := range recs {
		fmt.Fprintf(&b, `  <record><row><source_ip>%s</source_ip><count>%d</count>
    <policy_evaluated><disposition>none</disposition><dkim>%s</dkim><spf>%s</spf></policy_evaluated></row>
    <identifiers><header_from>example.com</header_from></identifiers>
    <auth_results>`, r.ip, r.count, r.dkim, r.spf)
		if r.dkimDomain != "" {
			fmt.Fprintf(&b, `<dkim><domain>%s</domain><selector>s1</selector><result>%s</result></dkim>`, r.dkimDomain, r.dkimResult)
		}
		fmt.Fprintf(&b, `<spf><domain>%s</domain><result>%s</result></spf></auth_results></record>
`, r.spfDomain, r.spfResult)
	}
	b.WriteString("</feedback>\n")
	return b.Bytes()
}

// sourceClassification is the classification of the API.
type sourceClassification struct {
	Classification, Confidence string
	Evidence                   []string
	Service                    *struct {
		ID, Name, Kind, Confidence string
		MatchedBy                  []string `json:"matched_by"`
	}
	Misconfigured bool
	Fix           string
	SPFAuthorized *bool `json:"spf_authorized"`
	History       struct {
		Messages   int64
		PassRate   float64 `json:"pass_rate"`
		FirstSeen  string  `json:"first_seen"`
		LastSeen   string  `json:"last_seen"`
		ActiveDays int     `json:"active_days"`
	}
}

// TestSourceClassification classifies, through the API on a real store,
// sources of twenty days of reports: Google passing, SendGrid failing
// alignment, a forwarder and a new spoofer.
func TestSourceClassification(t *testing.T) {
	t.Parallel()
	st := openTestStore(t)
	cat, err := senders.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Store: st, Importer: &ingest.Importer{Store: st}, Version: "test", MaxUpload: 4 << 20, Senders: cat,
		IPs: directory{
			googleIP:    {ASN: 15169, Org: "Google LLC", Country: "US", Hostname: "mail-sor-f41.google.com"},
			sendgridIP:  {ASN: 11377, Org: "SENDGRID", Country: "US", Hostname: "o1.ptr2625.sendgrid.net"},
			forwarderIP: {ASN: 13335, Org: "Cloudflare, Inc.", Country: "US", Hostname: "a1-7.smtp-out.cloudflare-email.net"},
			spooferIP:   {ASN: 4134, Org: "Chinanet", Country: "CN"},
		},
		SPF: spfTable{"example.com " + googleIP: true, "example.com " + sendgridIP: false, "example.com " + spooferIP: false}}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)

	today := time.Now().UTC().Truncate(24 * time.Hour)
	first := today.AddDate(0, 0, -historyDays)
	files := map[string][]byte{}
	for d := range historyDays {
		day := first.AddDate(0, 0, d)
		recs := []testRecord{
			{googleIP, 100, "pass", "pass", "example.com", "pass", "example.com", "pass"},
			{sendgridIP, 20, "fail", "fail", "sendgrid.net", "pass", "em123.sendgrid.net", "pass"},
			// Forwarded: the signature survives, SPF fails for the relay.
			{forwarderIP, 5, "pass", "fail", "example.com", "pass", "example.com", "fail"},
		}
		if d == historyDays-1 {
			recs = append(recs, testRecord{spooferIP, spoofedCount, "fail", "fail", "", "", "spam.example.net", "softfail"})
		}
		files[fmt.Sprintf("day%02d.xml", d)] = classifyReport(day, recs)
	}
	if resp, b := upload(t, ts.URL, files); resp.StatusCode != 200 || strings.Count(string(b), `"imported"`) != historyDays {
		t.Fatalf("upload: %d %s", resp.StatusCode, b)
	}
	since := first.Format(time.DateOnly)
	lastDay := first.AddDate(0, 0, historyDays-1).Format(time.DateOnly)

	tests := []struct {
		ip, class, conf, service string
		misconfigured            bool
		spf                      *bool
		activeDays               int
		evidence                 []string
		fix                      string
	}{
		{
			ip: googleIP, class: "legitimate", conf: "high", service: "google", spf: ptr(true), activeDays: historyDays,
			evidence: []string{
				"Identified as Google Workspace / Gmail by reverse DNS mail-sor-f41.google.com and AS15169 (Google LLC)",
				"All 2,000 messages passed DMARC since " + since,
				"Authorized by example.com's SPF record",
				fmt.Sprintf("Seen on %d days between %s and %s", historyDays, since, lastDay),
			},
		},
		{
			ip: sendgridIP, class: "unknown", conf: "medium", service: "sendgrid", misconfigured: true, spf: ptr(false), activeDays: historyDays,
			evidence: []string{
				"None of its 400 messages passed DMARC since " + since,
				"400 messages authenticated only as sendgrid.net and em123.sendgrid.net, not as example.com",
				"Not authorized by example.com's SPF record",
			},
			fix: "If example.com sends through Twilio SendGrid, set up DKIM signing for example.com in Twilio SendGrid (CNAME records s1._domainkey and s2._domainkey) and add include:sendgrid.net to example.com's SPF record",
		},
		{
			ip: forwarderIP, class: "forwarding", conf: "high", service: "cloudflare-email-routing", activeDays: historyDays,
			evidence: []string{
				"Identified as Cloudflare Email Routing by reverse DNS a1-7.smtp-out.cloudflare-email.net",
				"Its mail passed DMARC on DKIM signatures that survived the relay, not on SPF",
			},
		},
		{
			ip: spooferIP, class: "suspicious", conf: "high", spf: ptr(false), activeDays: 1,
			evidence: []string{
				"Not a known sending service by its reverse DNS name, network or authentication domains",
				"None of its 30 messages passed DMARC on " + lastDay,
				"Neither DKIM nor SPF passed for 30 messages, and nothing shows forwarding",
				"Not authorized by example.com's SPF record",
			},
		},
	}
	classes := map[string]sourceClassification{}
	for _, tc := range tests {
		var page struct {
			Domains []struct {
				Domain         string
				Classification *sourceClassification
			}
		}
		get(t, ts.URL+"/api/v1/sources/"+tc.ip, &page)
		if len(page.Domains) != 1 || page.Domains[0].Domain != "example.com" || page.Domains[0].Classification == nil {
			t.Fatalf("%s: domains %+v", tc.ip, page.Domains)
		}
		c := *page.Domains[0].Classification
		classes[tc.ip] = c
		if c.Classification != tc.class || c.Confidence != tc.conf || c.Misconfigured != tc.misconfigured {
			t.Errorf("%s: %s/%s misconfigured %v, want %s/%s %v\n%s", tc.ip, c.Classification, c.Confidence, c.Misconfigured,
				tc.class, tc.conf, tc.misconfigured, strings.Join(c.Evidence, "\n"))
		}
		if id := serviceIDOf(c); id != tc.service {
			t.Errorf("%s: service %+v, want %q", tc.ip, c.Service, tc.service)
		}
		if (c.SPFAuthorized == nil) != (tc.spf == nil) || (c.SPFAuthorized != nil && *c.SPFAuthorized != *tc.spf) {
			t.Errorf("%s: spf_authorized %v, want %v", tc.ip, c.SPFAuthorized, tc.spf)
		}
		if c.History.ActiveDays != tc.activeDays || c.History.LastSeen != lastDay {
			t.Errorf("%s: history %+v", tc.ip, c.History)
		}
		for _, e := range tc.evidence {
			if !slices.Contains(c.Evidence, e) {
				t.Errorf("%s: evidence lacks %q:\n%s", tc.ip, e, strings.Join(c.Evidence, "\n"))
			}
		}
		if !strings.HasPrefix(c.Fix, tc.fix) || (tc.fix == "") != (c.Fix == "") {
			t.Errorf("%s: fix %q, want %q...", tc.ip, c.Fix, tc.fix)
		}
	}

	// The listing classifies the same way.
	var list struct {
		Sources []struct {
			SourceIP       string `json:"source_ip"`
			Classification *sourceClassification
		}
	}
	get(t, ts.URL+"/api/v1/stats/sources?domain=example.com&classify=4", &list)
	if len(list.Sources) != 4 {
		t.Fatalf("sources %+v", list.Sources)
	}
	for _, x := range list.Sources {
		want := classes[x.SourceIP]
		if c := x.Classification; c == nil || c.Classification != want.Classification || c.Confidence != want.Confidence ||
			!slices.Equal(c.Evidence, want.Evidence) {
			t.Errorf("listing of %s: %+v, the source page's %+v", x.SourceIP, c, want)
		}
	}

	// A range of one day shows that day's statistics but classifies from
	// the whole history.
	var page struct {
		Source struct {
			Total int64 `json:"total_messages"`
		}
		Domains []struct{ Classification *sourceClassification }
	}
	get(t, ts.URL+"/api/v1/sources/"+googleIP+"?since="+lastDay, &page)
	if page.Source.Total != 100 || len(page.Domains) != 1 || page.Domains[0].Classification == nil {
		t.Fatalf("one day: %+v", page)
	}
	if h := page.Domains[0].Classification.History; h.ActiveDays != historyDays || h.Messages != 100*historyDays || h.FirstSeen != since {
		t.Errorf("one day's classification history %+v, want the whole history", h)
	}
}

func ptr[T any](v T) *T { return &v }

// serviceIDOf is the id of c's service, "" for none.
func serviceIDOf(c sourceClassification) string {
	if c.Service == nil {
		return ""
	}
	return c.Service.ID
}

// TestClassifyBoundsSPF: every domain of a source is classified, the
// domain's SPF record asked for the first most only.
func TestClassifyBoundsSPF(t *testing.T) {
	t.Parallel()
	st := openTestStore(t)
	spf := spfTable{"example.com " + googleIP: true, "example.org " + googleIP: true}
	s := &Server{Store: st, Importer: &ingest.Importer{Store: st}, SPF: spf}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	org := bytes.ReplaceAll(classifyReport(day, []testRecord{{googleIP, 5, "pass", "pass", "example.com", "pass", "example.com", "pass"}}),
		[]byte("example.com"), []byte("example.org"))
	upload(t, ts.URL, map[string][]byte{
		"com.xml": classifyReport(day, []testRecord{{googleIP, 50, "pass", "pass", "example.com", "pass", "example.com", "pass"}}),
		"org.xml": org,
	})
	out, err := s.classify(t.Context(), googleIP, enrich.Info{}, store.AggregateFilter{}, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0].Domain != "example.com" || out[1].Domain != "example.org" {
		t.Fatalf("domains %+v", out)
	}
	for i, d := range out {
		if c := d.Classification; c == nil || c.Classification != "legitimate" || (c.SPFAuthorized != nil) != (i == 0) {
			t.Errorf("%s: %+v", d.Domain, c)
		}
	}
}
