package analysis_test

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
	"github.com/parse-dmarc/parse-dmarc/internal/senders"
)

// fakeSPF answers AuthorizedBySPF from a table of domain and IP; pairs
// it lacks are unknown.
type fakeSPF map[string]bool

func (f fakeSPF) AuthorizedBySPF(_ context.Context, domain string, ip netip.Addr) (bool, bool) {
	auth, ok := f[domain+" "+ip.String()]
	return auth, ok
}

// now is the clock of the history tests.
var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// day is the report day n days before now.
func day(n int) time.Time {
	return time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -n)
}

// spread adds r once a day on days consecutive days ending daysAgo days
// before now, each with its count.
type spread struct {
	r             *aggregate.Record
	days, daysAgo int
}

func TestHistoryClassification(t *testing.T) {
	t.Parallel()
	cat, err := senders.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	const ip = "192.0.2.10"
	google := analysis.IPInfo{PTR: "mail-sor-f41.google.com", ASN: 15169, ASOrg: "Google LLC"}
	sendgrid := analysis.IPInfo{PTR: "o1.ptr2625.sendgrid.net", ASN: 11377, ASOrg: "SENDGRID"}
	microsoft := analysis.IPInfo{PTR: "mail-db8eur05on2101.outbound.protection.outlook.com", ASN: 8075, ASOrg: "Microsoft Corporation"}
	cloudflare := analysis.IPInfo{PTR: "a1-7.smtp-out.cloudflare-email.net"}
	authorized := fakeSPF{"example.com " + ip: true}
	denied := fakeSPF{"example.com " + ip: false}
	sgDocs := "https://www.twilio.com/docs/sendgrid/ui/account-and-settings/how-to-set-up-domain-authentication"
	tests := []struct {
		name          string
		recs          []spread
		ip            analysis.IPInfo
		spf           analysis.SPFAuthorizer
		noCatalogue   bool
		partial       bool
		class, conf   string
		service       string // id, "" for none
		misconfigured bool
		fix           string
		evidence      []string // each an element of the evidence
		absent        []string // parts no element may contain
	}{
		{
			name: "Google Workspace, aligned",
			recs: []spread{{own(ip, 100), 30, 0}},
			ip:   google, spf: authorized,
			class: analysis.ClassLegitimate, conf: analysis.ConfidenceHigh, service: "google",
			evidence: []string{
				"Identified as Google Workspace / Gmail by reverse DNS mail-sor-f41.google.com and AS15169 (Google LLC)",
				"All 3,000 messages passed DMARC since 2026-10-27",
				"Aligned with example.com by DKIM on 3,000 messages and by SPF on 3,000 messages",
				"Authorized by example.com's SPF record",
				"Seen on 30 days between 2026-10-27 and 2026-11-25",
			},
		},
		{
			name:  "legitimate on SPF alone, raised by a known service",
			recs:  []spread{{rec(ip, 10, "fail", "pass", "none", spf("example.com", "pass")), 20, 0}},
			ip:    sendgrid,
			class: analysis.ClassLegitimate, conf: analysis.ConfidenceHigh, service: "sendgrid",
		},
		{
			name:  "legitimate on SPF alone, unknown server",
			recs:  []spread{{rec(ip, 10, "fail", "pass", "none", spf("example.com", "pass")), 20, 0}},
			class: analysis.ClassLegitimate, conf: analysis.ConfidenceMedium,
			evidence: []string{"Not a known sending service by its reverse DNS name, network or authentication domains"},
		},
		{
			name: "SendGrid not set up, not in SPF: misconfigured, not spoofing",
			recs: []spread{{viaESP(ip, 40, "none"), 10, 0}},
			ip:   sendgrid, spf: denied,
			class: analysis.ClassUnknown, conf: analysis.ConfidenceMedium, service: "sendgrid", misconfigured: true,
			fix: "If example.com sends through Twilio SendGrid, set up DKIM signing for example.com in Twilio SendGrid (CNAME records s1._domainkey and s2._domainkey) and add include:sendgrid.net to example.com's SPF record; if not, another of its customers is sending as example.com. See " + sgDocs,
			evidence: []string{
				"Identified as Twilio SendGrid by reverse DNS o1.ptr2625.sendgrid.net, AS11377 (SENDGRID), an SPF pass for its domain em123.sendgrid.net and a DKIM signature of sendgrid.net",
				"None of its 400 messages passed DMARC since 2026-11-16",
				"400 messages authenticated only as sendgrid.net and em123.sendgrid.net, not as example.com",
				"Not authorized by example.com's SPF record",
				"Receivers delivered 400 of its failing messages (disposition none)",
			},
			absent: []string{"Neither DKIM nor SPF passed"},
		},
		{
			name: "SendGrid in the domain's SPF but without DKIM: legitimate, misconfigured",
			recs: []spread{{viaESP(ip, 40, "none"), 10, 0}},
			ip:   sendgrid, spf: authorized,
			class: analysis.ClassLegitimate, conf: analysis.ConfidenceMedium, service: "sendgrid", misconfigured: true,
			fix:      "Set up DKIM signing for example.com in Twilio SendGrid (CNAME records s1._domainkey and s2._domainkey). See " + sgDocs,
			evidence: []string{"Authorized by example.com's SPF record"},
		},
		{
			name:  "SendGrid passing for part of the mail",
			recs:  []spread{{own(ip, 60), 5, 0}, {viaESP(ip, 40, "none"), 5, 0}},
			ip:    sendgrid,
			class: analysis.ClassLegitimate, conf: analysis.ConfidenceLow, service: "sendgrid", misconfigured: true,
			evidence: []string{"60% of 500 messages passed DMARC since 2026-11-21"},
		},
		{
			name:  "Microsoft 365 forwarding: the DKIM signature survived",
			recs:  []spread{{rec(ip, 7, "fail", "fail", "none", dkim("mail.example.com", "s1", "pass"), spf("example.com", "fail")), 12, 1}},
			ip:    microsoft,
			class: analysis.ClassForwarding, conf: analysis.ConfidenceHigh, service: "microsoft",
			evidence: []string{
				"Microsoft 365 / Outlook.com also relays mail its users forward",
				"The DKIM signature of example.com survived on 84 messages while SPF failed: the relay is not in the sender's SPF record, as with forwarding (RFC 7960)",
			},
		},
		{
			name: "a known forwarder whose signatures broke",
			recs: []spread{{rec(ip, 3, "fail", "fail", "none", dkim("example.com", "s1", "fail"), spf("example.com", "fail")), 8, 0}},
			ip:   cloudflare, spf: denied,
			class: analysis.ClassForwarding, conf: analysis.ConfidenceMedium, service: "cloudflare-email-routing",
			evidence: []string{
				"Identified as Cloudflare Email Routing by reverse DNS a1-7.smtp-out.cloudflare-email.net",
				"Its mail failed DMARC on 24 messages: Cloudflare Email Routing is a forwarder, and the original DKIM signatures did not survive its relaying",
			},
		},
		{
			name:  "a known forwarder passing on DKIM only",
			recs:  []spread{{rec(ip, 5, "pass", "fail", "none", dkim("example.com", "s1", "pass"), spf("example.com", "fail")), 4, 0}},
			ip:    cloudflare,
			class: analysis.ClassForwarding, conf: analysis.ConfidenceHigh, service: "cloudflare-email-routing",
			evidence: []string{"Its mail passed DMARC on DKIM signatures that survived the relay, not on SPF"},
		},
		{
			name:  "a mailing list, not in the catalogue, re-signing",
			recs:  []spread{{rec(ip, 12, "fail", "fail", "none", dkim("example.com", "s1", "fail"), dkim("lists.example.org", "l1", "pass"), spf("lists.example.org", "pass")), 3, 0}},
			class: analysis.ClassForwarding, conf: analysis.ConfidenceMedium,
			evidence: []string{"A mailing list changed and re-signed 36 messages: the DKIM signature of example.com failed while lists.example.org's verified"},
		},
		{
			name:  "a new spoofer with no authentication",
			recs:  []spread{{spoofed(ip, 40, "none"), 1, 2}},
			spf:   denied,
			class: analysis.ClassSuspicious, conf: analysis.ConfidenceHigh,
			evidence: []string{
				"Not a known sending service by its reverse DNS name, network or authentication domains",
				"None of its 40 messages passed DMARC on 2026-11-23",
				"Neither DKIM nor SPF passed for 40 messages, and nothing shows forwarding",
				"Not authorized by example.com's SPF record",
				"Seen on 1 day, first 2 days ago: a new source",
				"SPF softfail for spam.example.net, unrelated to header_from",
			},
		},
		{
			// A PTR name anyone can write: the AS says otherwise.
			name:  "a spoofer claiming to be Google",
			recs:  []spread{{spoofed(ip, 40, "reject"), 1, 2}},
			ip:    analysis.IPInfo{PTR: "mail-yw1-f54.google.com", ASN: 3320, ASOrg: "Deutsche Telekom AG"},
			class: analysis.ClassSuspicious, conf: analysis.ConfidenceHigh, service: "google",
			evidence: []string{"Identified as Google Workspace / Gmail by reverse DNS mail-yw1-f54.google.com, but AS3320 (Deutsche Telekom AG) is not one of Google Workspace / Gmail's networks"},
			absent:   []string{"If example.com sends through"},
		},
		{
			name:  "an established server with a broken key",
			recs:  []spread{{rec(ip, 50, "fail", "fail", "reject", dkim("example.com", "old", "permerror"), spf("example.com", "fail")), 45, 0}},
			class: analysis.ClassSuspicious, conf: analysis.ConfidenceLow,
			evidence: []string{
				"2,250 messages carried a failing DKIM signature of example.com: possibly a server of the domain with a broken key",
				"Seen on 45 days between 2026-10-12 and 2026-11-25",
			},
		},
		{
			name:  "an unknown server the domain's SPF authorizes, signing as another domain",
			recs:  []spread{{rec(ip, 9, "fail", "fail", "none", dkim("crm.example.net", "k1", "pass"), spf("bounce.example.net", "pass")), 6, 0}},
			spf:   authorized,
			class: analysis.ClassLegitimate, conf: analysis.ConfidenceMedium, misconfigured: true,
			fix: "Sign this server's mail with DKIM for example.com, or send it with a MAIL FROM address under example.com so that SPF aligns.",
		},
		{
			name:  "mixed results",
			recs:  []spread{{own(ip, 50), 2, 0}, {spoofed(ip, 50, "none"), 2, 0}},
			spf:   fakeSPF{},
			class: analysis.ClassUnknown, conf: analysis.ConfidenceLow,
			evidence: []string{"Mixed results over 200 messages: 100 passed DMARC and 100 failed without any authentication"},
			absent:   []string{"SPF record"},
		},
		{
			name: "no verdicts from a known service the domain's SPF authorizes",
			recs: []spread{{rec(ip, 4, "", "", "none", spf("example.com", "pass")), 3, 0}},
			ip:   sendgrid, spf: authorized,
			class: analysis.ClassUnknown, conf: analysis.ConfidenceLow, service: "sendgrid",
			evidence: []string{"No DMARC verdict for its 12 messages: policy_evaluated has neither pass nor fail"},
		},
		{
			name:  "no messages",
			recs:  []spread{{own(ip, 0), 1, 0}},
			class: analysis.ClassUnknown, conf: analysis.ConfidenceLow,
			evidence: []string{"No messages: its records have count 0"},
		},
		{
			name: "without a catalogue",
			recs: []spread{{viaESP(ip, 40, "none"), 10, 0}},
			ip:   sendgrid, noCatalogue: true,
			class: analysis.ClassUnknown, conf: analysis.ConfidenceLow,
			absent: []string{"Identified", "Not a known sending service"},
		},
		{
			name:    "partial history",
			recs:    []spread{{own(ip, 5), 4, 0}},
			partial: true,
			class:   analysis.ClassLegitimate, conf: analysis.ConfidenceHigh,
			evidence: []string{"All 20 messages passed DMARC since 2026-11-22 (its newest 4 records; older ones were not read)"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := analysis.NewSourceHistory(ip, "example.com")
			for _, s := range tc.recs {
				for d := range s.days {
					h.Add(day(s.daysAgo+d), s.r)
				}
			}
			h.Partial = tc.partial
			c := &analysis.HistoryClassifier{Senders: cat, SPF: tc.spf, Now: func() time.Time { return now }}
			if tc.noCatalogue {
				c.Senders = nil
			}
			got := c.Classify(context.Background(), h, tc.ip)
			if got.Classification != tc.class || got.Confidence != tc.conf || got.Misconfigured != tc.misconfigured {
				t.Errorf("got %s/%s misconfigured %v, want %s/%s %v\n%s", got.Classification, got.Confidence, got.Misconfigured,
					tc.class, tc.conf, tc.misconfigured, strings.Join(got.Evidence, "\n"))
			}
			if id := serviceID(got.Service); id != tc.service {
				t.Errorf("service %q, want %q", id, tc.service)
			}
			if tc.fix != "" && got.Fix != tc.fix {
				t.Errorf("fix %q\nwant %q", got.Fix, tc.fix)
			}
			if !got.Misconfigured && got.Fix != "" {
				t.Errorf("a fix without misconfiguration: %q", got.Fix)
			}
			for _, e := range tc.evidence {
				if !slices.Contains(got.Evidence, e) {
					t.Errorf("evidence lacks %q:\n%s", e, strings.Join(got.Evidence, "\n"))
				}
			}
			for _, a := range tc.absent {
				for _, e := range got.Evidence {
					if strings.Contains(e, a) {
						t.Errorf("evidence %q contains %q", e, a)
					}
				}
				if strings.Contains(got.Fix, a) {
					t.Errorf("fix %q contains %q", got.Fix, a)
				}
			}
		})
	}
}

func serviceID(s *analysis.ServiceRef) string {
	if s == nil {
		return ""
	}
	return s.ID
}

// TestHistoryFacts checks the totals a classification reports, and that
// the SPF verdict and service appear as fields.
func TestHistoryFacts(t *testing.T) {
	t.Parallel()
	cat, err := senders.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	const ip = "2001:db8::25"
	h := analysis.NewSourceHistory(ip, "example.com")
	h.Add(day(3), own(ip, 10))
	h.Add(day(3), spoofed(ip, 2, "reject"))
	h.Add(day(1), own(ip, 8))
	h.Add(day(1), nil)
	c := &analysis.HistoryClassifier{Senders: cat, SPF: fakeSPF{"example.com " + ip: true}, Now: func() time.Time { return now }}
	got := c.Classify(context.Background(), h, analysis.IPInfo{ASN: 8075})
	want := analysis.HistoryFacts{Messages: 20, PassRate: 90, FirstSeen: "2026-11-22", LastSeen: "2026-11-24", ActiveDays: 2, Records: 3}
	if got.History != want {
		t.Errorf("history %+v, want %+v", got.History, want)
	}
	if got.SPFAuthorized == nil || !*got.SPFAuthorized {
		t.Errorf("spf_authorized %v", got.SPFAuthorized)
	}
	if s := got.Service; s == nil || s.ID != "microsoft" || s.Confidence != senders.ConfidenceMedium || !slices.Equal(s.MatchedBy, []string{senders.SignalASN}) {
		t.Errorf("service %+v", s)
	}
	if got.Evidence == nil || h.Messages() != 20 || h.ActiveDays() != 2 {
		t.Errorf("evidence %v, messages %d, days %d", got.Evidence, h.Messages(), h.ActiveDays())
	}
}

// BenchmarkHistoryClassify: a source's history of classifyRecords (2,000)
// records, then its classification with service identification.
func BenchmarkHistoryClassify(b *testing.B) {
	cat, err := senders.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	const ip = "167.89.100.10"
	recs := []*aggregate.Record{own(ip, 10), viaESP(ip, 3, "none"), spoofed(ip, 1, "reject"), forwarded(ip, 2)}
	c := &analysis.HistoryClassifier{Senders: cat, SPF: fakeSPF{}, Now: func() time.Time { return now }}
	info := analysis.IPInfo{PTR: "o1.ptr2625.sendgrid.net", ASN: 11377}
	for b.Loop() {
		h := analysis.NewSourceHistory(ip, "example.com")
		for i := range 2000 {
			h.Add(day(i/20), recs[i%len(recs)])
		}
		c.Classify(context.Background(), h, info)
	}
}
