package analysis_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
)

func TestClassification(t *testing.T) {
	t.Parallel()
	const ip = "192.0.2.1"
	tests := []struct {
		name             string
		recs             []*aggregate.Record
		class, conf      string
		passRate         float64
		evidence         []string // each an element of the evidence
		evidenceContains string   // a part of some element
	}{
		{
			name:  "legitimate, aligned DKIM",
			recs:  []*aggregate.Record{own(ip, 60), own(ip, 40)},
			class: analysis.ClassLegitimate, conf: analysis.ConfidenceHigh, passRate: 100,
			evidence: []string{
				"passed DMARC for 100 of 100 messages",
				"aligned with header_from example.com: DKIM on 100 messages and SPF on 100 messages",
				"DKIM pass for example.com (selector s1)",
				"SPF pass for example.com",
			},
		},
		{
			name: "legitimate, SPF only",
			recs: []*aggregate.Record{
				rec(ip, 50, "fail", "pass", "none", dkim("example.com", "s1", "none"), spf("mail.example.com", "pass")),
			},
			class: analysis.ClassLegitimate, conf: analysis.ConfidenceMedium, passRate: 100,
			evidence: []string{"aligned with header_from example.com: SPF on 50 messages", "SPF pass for mail.example.com"},
		},
		{
			name:  "legitimate despite a few failures",
			recs:  []*aggregate.Record{own(ip, 97), spoofed(ip, 3, "none")},
			class: analysis.ClassLegitimate, conf: analysis.ConfidenceHigh, passRate: 97,
			evidence: []string{"passed DMARC for 97 of 100 messages", "failed DMARC for 3 messages"},
		},
		{
			// Exactly LegitimatePassRate is not more than it.
			name:  "not legitimate at the threshold",
			recs:  []*aggregate.Record{own(ip, 95), spoofed(ip, 5, "none")},
			class: analysis.ClassUnknown, conf: analysis.ConfidenceLow, passRate: 95,
			evidence: []string{"mixed results over 100 messages: 95 passed DMARC and 5 failed without any authentication"},
		},
		{
			name:  "forwarding, override reason",
			recs:  []*aggregate.Record{forwarded(ip, 30)},
			class: analysis.ClassForwarding, conf: analysis.ConfidenceHigh,
			evidence: []string{
				"failed DMARC for 30 of 30 messages, 30 of them relayed by a forwarder or mailing list",
				"policy override reason: forwarded",
				"DKIM fail for example.com (selector s1)",
			},
		},
		{
			name: "forwarding, DKIM survived",
			recs: []*aggregate.Record{
				// Strict DKIM alignment (adkim=s) failed for a subdomain signature.
				rec(ip, 20, "fail", "fail", "none", dkim("mail.example.com", "s1", "pass"), spf("example.com", "fail")),
				// Passes whenever the aligned signature survived.
				rec(ip, 20, "pass", "fail", "none", dkim("example.com", "s1", "pass"), spf("example.com", "fail")),
			},
			class: analysis.ClassForwarding, conf: analysis.ConfidenceMedium, passRate: 50,
			evidence: []string{
				"DKIM signature of mail.example.com and example.com verified but SPF failed: typical of forwarding",
				"SPF fail for example.com",
			},
		},
		{
			name: "forwarding, mailing list re-signed",
			recs: []*aggregate.Record{
				rec(ip, 12, "fail", "fail", "none", dkim("example.com", "s1", "fail"), dkim("lists.example.org", "l1", "pass"), spf("lists.example.org", "pass")),
			},
			class: analysis.ClassForwarding, conf: analysis.ConfidenceMedium,
			evidence: []string{
				"DKIM signature of example.com failed but lists.example.org's verified: a mailing list modified and re-signed the message",
				"DKIM pass for lists.example.org (selector l1), unrelated to header_from",
			},
		},
		{
			name: "forwarding, mailing_list reason",
			recs: []*aggregate.Record{
				rec(ip, 5, "fail", "fail", "none", reason("mailing_list"), spf("lists.example.org", "pass")),
			},
			class: analysis.ClassForwarding, conf: analysis.ConfidenceHigh,
			evidence: []string{"policy override reason: mailing_list"},
		},
		{
			name:  "suspicious, nothing of the domain, unrelated SPF softfail",
			recs:  []*aggregate.Record{spoofed(ip, 40, "none")},
			class: analysis.ClassSuspicious, conf: analysis.ConfidenceHigh,
			evidence: []string{
				"failed DMARC for 40 of 40 messages: neither DKIM nor SPF authenticated, and no sign of forwarding",
				"no DKIM signature of example.com",
				"receivers delivered 40 of them (disposition none)",
				"SPF softfail for spam.example.net, unrelated to header_from",
			},
		},
		{
			name:  "suspicious, SPF of the domain itself fails",
			recs:  []*aggregate.Record{rec(ip, 8, "fail", "fail", "reject", spf("example.com", "fail"))},
			class: analysis.ClassSuspicious, conf: analysis.ConfidenceMedium,
			evidence: []string{"no DKIM signature of example.com", "SPF fail for example.com"},
		},
		{
			name: "suspicious, failing signature of the domain",
			recs: []*aggregate.Record{
				rec(ip, 9, "fail", "fail", "reject", dkim("example.com", "old", "permerror"), spf("example.com", "fail")),
			},
			class: analysis.ClassSuspicious, conf: analysis.ConfidenceLow,
			evidence: []string{
				"a failing DKIM signature of example.com on 9 messages: possibly a server of the domain with a broken key",
				"DKIM permerror for example.com (selector old)",
			},
		},
		{
			name:  "unknown, authenticated as another domain",
			recs:  []*aggregate.Record{viaESP(ip, 25, "none")},
			class: analysis.ClassUnknown, conf: analysis.ConfidenceLow,
			evidence: []string{
				"DKIM pass for sendgrid.net (selector smtpapi), unrelated to header_from",
				"SPF pass for em123.sendgrid.net, unrelated to header_from",
			},
			evidenceContains: "authenticated only as a domain not aligned with header_from example.com",
		},
		{
			// Not forwarding: no signature of the From domain survived.
			name:  "unknown, signed only by an unrelated domain",
			recs:  []*aggregate.Record{rec(ip, 3, "fail", "fail", "none", dkim("bulk.example.org", "default", "pass"), spf("", "none"))},
			class: analysis.ClassUnknown, conf: analysis.ConfidenceLow,
			evidence: []string{
				"DKIM pass for bulk.example.org (selector default), unrelated to header_from",
				"SPF none, no domain reported",
			},
			evidenceContains: "authenticated only as a domain not aligned",
		},
		{
			name:  "unknown, partly passing",
			recs:  []*aggregate.Record{own(ip, 50), spoofed(ip, 30, "none"), forwarded(ip, 20)},
			class: analysis.ClassUnknown, conf: analysis.ConfidenceLow, passRate: 50,
			evidence: []string{"mixed results over 100 messages: 50 passed DMARC, 20 failed after forwarding and 30 failed without any authentication"},
		},
		{
			name:  "unknown, no verdict",
			recs:  []*aggregate.Record{rec(ip, 4, "", "", "none")},
			class: analysis.ClassUnknown, conf: analysis.ConfidenceLow,
			evidence: []string{"no DMARC verdict for its 4 messages: policy_evaluated has neither pass nor fail"},
		},
		{
			name:  "unknown, no messages",
			recs:  []*aggregate.Record{rec(ip, 0, "pass", "pass", "none")},
			class: analysis.ClassUnknown, conf: analysis.ConfidenceLow,
			evidence: []string{"no messages: its records have count 0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srcs := accumulate(nil, tt.recs...).Sources()
			if len(srcs) != 1 {
				t.Fatalf("%d sources", len(srcs))
			}
			s := srcs[0]
			if s.SourceIP != ip || s.Classification != tt.class || s.Confidence != tt.conf || s.PassRate != tt.passRate {
				t.Errorf("got %s %s/%s pass rate %v, want %s/%s %v", s.SourceIP, s.Classification, s.Confidence, s.PassRate, tt.class, tt.conf, tt.passRate)
			}
			for _, e := range tt.evidence {
				if !slices.Contains(s.Evidence, e) {
					t.Errorf("evidence lacks %q:\n%s", e, strings.Join(s.Evidence, "\n"))
				}
			}
			if c := tt.evidenceContains; c != "" && !slices.ContainsFunc(s.Evidence, func(e string) bool { return strings.Contains(e, c) }) {
				t.Errorf("no evidence contains %q:\n%s", c, strings.Join(s.Evidence, "\n"))
			}
		})
	}
}

// TestSources checks the order, the per-IP totals and the JSON shape.
func TestSources(t *testing.T) {
	t.Parallel()
	a := accumulate(nil,
		own("192.0.2.2", 5),
		spoofed("192.0.2.9", 7, "none"),
		own("192.0.2.1", 5),
		own("192.0.2.9", 3),
		rec("192.0.2.3", 1, "", "", ""),
	)
	srcs := a.Sources()
	var got []string
	for _, s := range srcs {
		got = append(got, s.SourceIP)
	}
	if want := []string{"192.0.2.9", "192.0.2.1", "192.0.2.2", "192.0.2.3"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	if s := srcs[0]; s.MessageCount != 10 || s.PassRate != 30 || s.Classification != analysis.ClassUnknown {
		t.Errorf("192.0.2.9: %+v", s)
	}
	b, err := json.Marshal(analysis.SourceClassification{})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"source_ip":"","classification":"","confidence":"","evidence":[],"message_count":0,"pass_rate":0}`; string(b) != want {
		t.Errorf("zero JSON %s", b)
	}
	for _, s := range srcs {
		if s.Evidence == nil {
			t.Errorf("%s: nil evidence", s.SourceIP)
		}
	}
}

// TestSourceMemoryBounded checks that the facts kept per source stay
// bounded however many distinct results its records carry.
func TestSourceMemoryBounded(t *testing.T) {
	t.Parallel()
	a := analysis.NewAccumulator(nil)
	for i := range 1000 {
		d := strings.Repeat("x", i%50+1) + ".example.net"
		a.Add(rec("192.0.2.1", 1, "fail", "fail", "none", dkim(d, "s", "fail"), spf(d, "softfail")))
	}
	s := a.Sources()[0]
	if len(s.Evidence) > 12 {
		t.Errorf("%d evidence lines: %v", len(s.Evidence), s.Evidence)
	}
	if s.MessageCount != 1000 || s.Classification != analysis.ClassSuspicious {
		t.Errorf("%+v", s)
	}
}
