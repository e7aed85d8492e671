package remedy

import (
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/senders"
)

// TestNextStep walks the ladder: none → quarantine → reject, with pct
// steps when cautious and t=y removed first.
func TestNextStep(t *testing.T) {
	t.Parallel()
	st := func(p string, pct int, testing string) PolicyState {
		return PolicyState{Policy: p, SubdomainPolicy: p, Percent: pct, ADKIM: "r", ASPF: "r", Testing: testing}
	}
	tests := []struct {
		cur      PolicyState
		cautious bool
		want     string
		ok       bool
	}{
		{st("none", 100, ""), false, "p=quarantine", true},
		{st("none", 100, ""), true, "p=quarantine pct=25", true},
		{st("", 0, ""), true, "p=quarantine pct=25", true},
		{st("quarantine", 25, ""), true, "p=quarantine pct=50", true},
		{st("quarantine", 30, ""), true, "p=quarantine pct=50", true},
		{st("quarantine", 50, ""), true, "p=quarantine", true},
		{st("quarantine", 25, ""), false, "p=quarantine", true},
		{st("quarantine", 100, ""), true, "p=reject pct=25", true},
		{st("quarantine", 100, ""), false, "p=reject", true},
		{st("quarantine", 100, "y"), false, "p=quarantine", true},
		{st("reject", 50, ""), true, "p=reject", true},
		{st("reject", 100, ""), false, "p=reject", false},
	}
	for _, tc := range tests {
		next, ok := nextStep(tc.cur, tc.cautious)
		next.SubdomainPolicy = next.Policy
		if ok != tc.ok || next.String() != tc.want {
			t.Errorf("nextStep(%s, %v) = %s %v, want %s %v", tc.cur, tc.cautious, next, ok, tc.want, tc.ok)
		}
	}
}

// TestJudge checks the verdict rules and thresholds with counts at and
// around them.
func TestJudge(t *testing.T) {
	t.Parallel()
	base := counts{domain: "example.com", target: "quarantine", days: 30, reporters: 3, messages: 100000, legitimate: 100000}
	with := func(f func(c *counts)) counts {
		c := base
		f(&c)
		return c
	}
	tests := []struct {
		name    string
		c       counts
		verdict string
		reason  string // part of the first reason
	}{
		{"clean", base, VerdictReady, "0% of legitimate mail fails DMARC, within the 2%"},
		{"noise only", with(func(c *counts) { c.legitimateFailing = 100 }), VerdictReady, "0.1% of legitimate mail"},
		{"some legitimate failing", with(func(c *counts) { c.legitimateFailing = 1500; c.legitimateSources = 2 }), VerdictCaution, "1.5% of legitimate mail (1,500 messages) fails DMARC: within the 2%"},
		{"at the quarantine threshold", with(func(c *counts) { c.legitimateFailing = 2000 }), VerdictCaution, "2% of legitimate mail"},
		{"over the quarantine threshold", with(func(c *counts) { c.legitimateFailing = 2001; c.legitimateSources = 1 }), VerdictNotYet, "2% of example.com's legitimate mail (2,001 messages from 1 source) fails DMARC, over the 2% that p=quarantine allows"},
		{"over the reject threshold", with(func(c *counts) { c.target = "reject"; c.legitimateFailing = 600; c.legitimateSources = 3 }), VerdictNotYet, "over the 0.5% that p=reject allows"},
		{"within the reject threshold", with(func(c *counts) { c.target = "reject"; c.legitimateFailing = 500 }), VerdictCaution, "within the 0.5% that p=reject allows"},
		{"too few days", with(func(c *counts) { c.days = 13 }), VerdictNotYet, "Reports cover 13 days of the period; at least 14"},
		{"too few messages", with(func(c *counts) { c.messages, c.legitimate = 199, 199 }), VerdictNotYet, "The reports count 199 messages; at least 200"},
		{"one reporter", with(func(c *counts) { c.reporters = 1 }), VerdictCaution, "Only 1 organization reported"},
		{"forwarding", with(func(c *counts) { c.forwardingFailing = 2500 }), VerdictCaution, "2.5% of all mail (2,500 messages) fails after forwarding"},
		{"forwarding under the limit", with(func(c *counts) { c.forwardingFailing = 2000 }), VerdictReady, ""},
		{"unclassified", with(func(c *counts) { c.unclassifiedFailing = 2500 }), VerdictCaution, "fails from sources not classified"},
		{"spoofing stopped", with(func(c *counts) { c.spoofingFailing = 5000 }), VerdictReady, ""},
		{"complete", with(func(c *counts) { c.target = "" }), VerdictComplete, ""},
		{"complete, rejecting legitimate mail", with(func(c *counts) { c.target = ""; c.legitimateFailing = 10 }), VerdictComplete, "is rejected now"},
	}
	for _, tc := range tests {
		v, reasons := judge(tc.c)
		if v != tc.verdict {
			t.Errorf("%s: %s, want %s: %q", tc.name, v, tc.verdict, reasons)
			continue
		}
		if tc.reason != "" && (len(reasons) == 0 || !strings.Contains(reasons[0], tc.reason)) {
			t.Errorf("%s: reasons %q, want the first to hold %q", tc.name, reasons, tc.reason)
		}
	}
	// Spoofing is told whatever the verdict.
	_, reasons := judge(with(func(c *counts) { c.spoofingFailing = 5000 }))
	if !strings.Contains(strings.Join(reasons, "\n"), "p=quarantine would stop 5,000 messages of spoofing (5% of all mail)") {
		t.Errorf("spoofing: %q", reasons)
	}
}

// TestWithPolicy writes the next record from the current one, keeping
// rua=, ruf= and fo= and the order, leaving defaults out.
func TestWithPolicy(t *testing.T) {
	t.Parallel()
	parse := func(s string) []dnscheck.Tag {
		r, _ := dnscheck.ParseDMARC(s)
		if r == nil {
			t.Fatalf("%q does not parse", s)
		}
		return r.Tags
	}
	tests := []struct {
		cur  string
		next PolicyState
		want string
	}{
		{"v=DMARC1; p=none; rua=mailto:d@example.com; ruf=mailto:f@example.com; fo=1",
			PolicyState{Policy: "quarantine", SubdomainPolicy: "quarantine", Percent: 25},
			"v=DMARC1; p=quarantine; pct=25; rua=mailto:d@example.com; ruf=mailto:f@example.com; fo=1"},
		{"v=DMARC1; p=quarantine; pct=25; sp=none; rua=mailto:d@example.com",
			PolicyState{Policy: "quarantine", SubdomainPolicy: "quarantine", Percent: 100},
			"v=DMARC1; p=quarantine; rua=mailto:d@example.com"},
		{"v=DMARC1; p=quarantine; rua=mailto:d@example.com; adkim=s",
			PolicyState{Policy: "reject", SubdomainPolicy: "none", NonexistentPolicy: "reject", Percent: 100},
			"v=DMARC1; p=reject; sp=none; np=reject; rua=mailto:d@example.com; adkim=s"},
		{"v=DMARC1; p=quarantine; t=y; rua=mailto:d@example.com",
			PolicyState{Policy: "quarantine", SubdomainPolicy: "quarantine", Percent: 100},
			"v=DMARC1; p=quarantine; rua=mailto:d@example.com"},
		{"v=DMARC1; rua=mailto:d@example.com",
			PolicyState{Policy: "quarantine", SubdomainPolicy: "quarantine", Percent: 100},
			"v=DMARC1; p=quarantine; rua=mailto:d@example.com"},
	}
	for _, tc := range tests {
		if got := joinTags(withPolicy(parse(tc.cur), tc.next)); got != tc.want {
			t.Errorf("%q with %s:\n got %q\nwant %q", tc.cur, tc.next, got, tc.want)
		}
		if r, fs := dnscheck.ParseDMARC(joinTags(withPolicy(parse(tc.cur), tc.next))); r == nil || r.Policy != tc.next.Policy {
			t.Errorf("%q: the result does not parse as p=%s: %v", tc.cur, tc.next.Policy, fs)
		}
	}
	if got := joinTags(tagsOfState(PolicyState{Policy: "none", SubdomainPolicy: "quarantine", Percent: 50, ADKIM: "s", ASPF: "r"})); got != "v=DMARC1; p=none; sp=quarantine; pct=50; adkim=s" {
		t.Errorf("tagsOfState: %q", got)
	}
}

// TestCategorize chooses the guidance category.
func TestCategorize(t *testing.T) {
	t.Parallel()
	cat, err := senders.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	sendgrid, _ := cat.Service("sendgrid")
	cloudflare, _ := cat.Service("cloudflare-email-routing")
	class := func(c string, misconfigured bool) analysis.HistoryClassification {
		return analysis.HistoryClassification{Classification: c, Misconfigured: misconfigured}
	}
	tests := []struct {
		name string
		s    situation
		want string
	}{
		{"passing", situation{class: class(analysis.ClassLegitimate, false)}, CategoryNone},
		{"forwarder", situation{class: class(analysis.ClassForwarding, false), service: &cloudflare, failing: true}, CategoryForwarding},
		{"broken key of the domain's server", situation{class: class(analysis.ClassLegitimate, true), failing: true, dnsIssues: 1}, CategoryDNS},
		{"spoofer with a broken signature", situation{class: class(analysis.ClassSuspicious, false), failing: true, dnsIssues: 1}, CategorySpoofing},
		{"service not set up", situation{class: class(analysis.ClassUnknown, true), service: &sendgrid, failing: true, authenticated: true}, CategoryThirdParty},
		{"service of the domain, half set up", situation{class: class(analysis.ClassLegitimate, true), service: &sendgrid, failing: true, authenticated: true}, CategoryMisconfiguration},
		{"own server", situation{class: class(analysis.ClassLegitimate, true), failing: true}, CategoryMisconfiguration},
		{"unidentified service", situation{class: class(analysis.ClassUnknown, false), failing: true, authenticated: true}, CategoryThirdParty},
		{"unauthenticated, established", situation{class: class(analysis.ClassUnknown, false), failing: true}, CategorySpoofing},
	}
	for _, tc := range tests {
		if got := categorize(tc.s); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}
