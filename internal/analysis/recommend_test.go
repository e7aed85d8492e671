package analysis_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
)

// want is a recommendation expected: its priority and parts of its action
// and reason.
type want struct {
	priority, action, reason string
	records                  int64
}

func TestRecommendations(t *testing.T) {
	t.Parallel()
	quarantineTesting := header("quarantine", "quarantine", 100)
	quarantineTesting.Policy.Testing = "y"
	strictSPF := header("none", "none", 100)
	strictSPF.Policy.ASPF = "s"
	var services []*aggregate.Record
	for i, d := range []string{"a.example.net", "b.example.net", "c.example.net", "d.example.net", "e.example.net"} {
		services = append(services, rec(fmt.Sprintf("198.51.100.%d", i+1), int64(50-i), "fail", "fail", "reject", spf(d, "pass")))
	}

	tests := []struct {
		name   string
		h      *aggregate.Header
		recs   []*aggregate.Record
		want   []want
		absent []string // parts of no action
		only   bool     // want lists all recommendations
	}{
		{
			name: "none, high pass rate: quarantine",
			h:    header("none", "none", 100),
			recs: []*aggregate.Record{own("192.0.2.10", 992), rec("192.0.2.10", 8, "fail", "fail", "none", spf("example.com", "fail"))},
			want: []want{{analysis.PriorityMedium, "Move example.com from p=none to p=quarantine",
				"99.2% of 1,000 messages from its own senders passed DMARC in this report", 2}},
			only: true,
		},
		{
			name: "none, low pass rate: fix senders first",
			h:    header("none", "none", 100),
			recs: []*aggregate.Record{
				own("192.0.2.10", 800),
				viaESP("198.51.100.7", 100, "none"),
				own("192.0.2.11", 50), spoofed("192.0.2.11", 50, "none"), // unknown: mixed
			},
			want: []want{
				{analysis.PriorityMedium, "Set up DKIM signing for example.com at the service sending through em123.sendgrid.net if it is yours; if not, it is spoofing example.com: 198.51.100.7 (100 failing messages)",
					"Its mail passed SPF for em123.sendgrid.net", 1},
				{analysis.PriorityMedium, "Keep p=none on example.com and fix its failing senders first: 192.0.2.11 (50 failing messages)",
					"Only 85% of 1,000 messages from its own senders passed DMARC in this report; p=quarantine would quarantine the 150 messages that failed, so reach 98% first (100 of them from services authenticating as other domains: see their recommendations).", 2},
			},
			absent: []string{"Move", "pct", "sp="},
			only:   true,
		},
		{
			// The service's recommendation names the only failing sender.
			name: "none, low pass rate from a service only",
			h:    header("none", "none", 100),
			recs: []*aggregate.Record{own("192.0.2.10", 800), viaESP("198.51.100.7", 200, "none")},
			want: []want{{analysis.PriorityMedium, "Set up DKIM signing for example.com at the service sending through em123.sendgrid.net",
				"such mail is delivered now but will be quarantined or rejected once the policy is enforced", 1}},
			absent: []string{"Move", "Keep"},
			only:   true,
		},
		{
			name:   "none, too few messages",
			h:      header("none", "none", 100),
			recs:   []*aggregate.Record{own("192.0.2.10", 50)},
			want:   []want{{analysis.PriorityLow, "Keep p=none on example.com until reports show more of its mail", "Only 50 messages", 1}},
			absent: []string{"Move"},
			only:   true,
		},
		{
			name:   "quarantine, pct 50",
			h:      header("quarantine", "quarantine", 50),
			recs:   []*aggregate.Record{own("192.0.2.10", 1000)},
			want:   []want{{analysis.PriorityMedium, "Raise pct from 50 to 100 on example.com", "with pct=50 receivers apply p=quarantine to only 50%", 1}},
			absent: []string{"p=reject"},
			only:   true,
		},
		{
			name: "quarantine, very high pass rate: reject",
			h:    header("quarantine", "quarantine", 100),
			recs: []*aggregate.Record{own("192.0.2.10", 1000)},
			want: []want{{analysis.PriorityLow, "Move example.com from p=quarantine to p=reject", "100% of 1,000 messages", 1}},
			only: true,
		},
		{
			name: "quarantine, pass rate below reject threshold",
			h:    header("quarantine", "quarantine", 100),
			recs: []*aggregate.Record{own("192.0.2.10", 990), rec("192.0.2.10", 10, "fail", "fail", "quarantine", spf("example.com", "fail"))},
			only: true,
		},
		{
			name: "quarantine, testing",
			h:    quarantineTesting,
			recs: []*aggregate.Record{own("192.0.2.10", 1000)},
			want: []want{{analysis.PriorityMedium, "Remove t=y from the DMARC record of example.com", "next weaker policy than p=quarantine", 1}},
			only: true,
		},
		{
			name: "sp weaker than p",
			h:    header("reject", "none", 100),
			recs: []*aggregate.Record{own("192.0.2.10", 1000), own("192.0.2.11", 100)},
			want: []want{{analysis.PriorityMedium, "Set sp=reject on example.com to match p=reject (now sp=none)",
				"this report has no mail from its subdomains", 0}},
			only: true,
		},
		{
			name: "sp weaker than p, with subdomain mail",
			h:    header("reject", "quarantine", 100),
			recs: []*aggregate.Record{own("192.0.2.10", 1000), rec("192.0.2.11", 100, "pass", "pass", "none", from("mail.example.com"))},
			want: []want{{analysis.PriorityMedium, "Set sp=reject", "100 messages from its subdomains, 100% passing DMARC", 1}},
			only: true,
		},
		{
			name:   "sp weaker than p, low pass rate",
			h:      header("reject", "none", 100),
			recs:   []*aggregate.Record{own("192.0.2.10", 100), viaESP("198.51.100.7", 100, "reject")},
			want:   []want{{analysis.PriorityHigh, "Set up DKIM signing for example.com at the service sending through em123.sendgrid.net", "under p=reject", 1}},
			absent: []string{"sp=", "Fix the failing senders"}, // named by the service's recommendation
			only:   true,
		},
		{
			name: "quarantine, low pass rate",
			h:    header("quarantine", "quarantine", 100),
			recs: []*aggregate.Record{own("192.0.2.10", 100), own("192.0.2.11", 50), rec("192.0.2.11", 50, "fail", "fail", "quarantine", spf("example.com", "fail"))},
			want: []want{{analysis.PriorityHigh, "Keep p=quarantine on example.com and fix its failing senders first: 192.0.2.11 (50 failing messages)",
				"Only 75% of 200 messages from its own senders passed DMARC in this report; receivers may quarantine or reject the 50 messages that failed under p=quarantine.", 1}},
			absent: []string{"p=reject"},
			only:   true,
		},
		{
			name: "spoofed mail delivered under none",
			h:    header("none", "none", 100),
			recs: []*aggregate.Record{own("192.0.2.10", 1000), spoofed("203.0.113.6", 20, "none"), spoofed("203.0.113.5", 300, "none"), spoofed("203.0.113.5", 1, "quarantine")},
			want: []want{
				{analysis.PriorityCritical, "Investigate 2 sources sending as example.com with no authentication: 203.0.113.5 (301 messages) and 203.0.113.6 (20 messages)",
					"receivers delivered 320 of their 321 messages under p=none: only an enforced policy (p=quarantine or p=reject) stops such mail.", 3},
				{analysis.PriorityHigh, "Move example.com from p=none to p=quarantine",
					"(not counting 321 from suspicious sources): receivers can then quarantine mail failing DMARC instead of delivering it (RFC 7489 section 6.3), including the 321 messages from suspicious sources.", 4},
			},
			only: true,
		},
		{
			name: "spoofed mail rejected",
			h:    header("reject", "reject", 100),
			recs: []*aggregate.Record{own("192.0.2.10", 1000), spoofed("203.0.113.5", 300, "reject")},
			want: []want{{analysis.PriorityHigh, "Investigate 1 source sending as example.com with no authentication: 203.0.113.5 (300 messages)",
				"receivers quarantined or rejected all 300 messages under p=reject, so the policy works", 1}},
			only: true,
		},
		{
			name: "forwarding",
			h:    header("reject", "reject", 100),
			recs: []*aggregate.Record{own("192.0.2.10", 1000), forwarded("209.85.220.41", 30)},
			want: []want{{analysis.PriorityLow, "No action needed for 1 forwarder relaying mail of example.com: 209.85.220.41 (30 messages)",
				"30 messages failed DMARC after being relayed", 1}},
			only: true,
		},
		{
			name: "strict SPF alignment",
			h:    strictSPF,
			recs: []*aggregate.Record{own("192.0.2.10", 1000), rec("192.0.2.20", 100, "fail", "fail", "none", spf("bounce.example.com", "pass"))},
			want: []want{
				{analysis.PriorityMedium, "Sign the mail sent through bounce.example.com with DKIM for example.com, or relax SPF alignment to aspf=r: 192.0.2.20 (100 failing messages)",
					"Its mail passed SPF for bounce.example.com, which strict SPF alignment (aspf=s) does not accept for example.com", 1},
			},
			absent: []string{"Move"}, // 90.91% pass
			only:   true,
		},
		{
			name: "signed only by another domain",
			h:    header("quarantine", "quarantine", 100),
			recs: []*aggregate.Record{own("192.0.2.10", 10000), rec("192.0.2.30", 30, "fail", "fail", "quarantine", dkim("bulk.example.org", "default", "pass"))},
			want: []want{
				{analysis.PriorityHigh, "Set up DKIM signing for example.com at the service sending through bulk.example.org if it is yours; if not, it is spoofing example.com: 192.0.2.30 (30 failing messages)",
					"Its mail passed DKIM for bulk.example.org, which is not aligned with example.com", 1},
				{analysis.PriorityLow, "Move example.com from p=quarantine to p=reject",
					"99.7% of 10,030 messages from its own senders passed DMARC in this report: receivers can then reject mail failing DMARC outright rather than deliver it to spam folders (RFC 7489 section 6.3). Settle first the 30 messages of services authenticating as other domains (see their recommendations): a stricter policy also hits those that are yours.", 2},
			},
			only: true,
		},
		{
			name: "broken DKIM key",
			h:    header("reject", "reject", 100),
			recs: []*aggregate.Record{own("192.0.2.10", 1000),
				rec("192.0.2.11", 500, "fail", "pass", "none", dkim("example.com", "s2", "fail"), spf("example.com", "pass"))},
			want: []want{{analysis.PriorityMedium, "Fix DKIM signing for example.com: check that s2._domainkey.example.com in DNS holds the public key the signer uses",
				"failed verification on 500 messages from 1 source", 1}},
			only: true,
		},
		{
			name: "many services",
			h:    header("reject", "reject", 100),
			recs: append([]*aggregate.Record{own("192.0.2.10", 20000)}, services...),
			want: []want{
				{analysis.PriorityHigh, "sending through a.example.net", "under p=reject", 1},
				{analysis.PriorityHigh, "sending through b.example.net", "", 1},
				{analysis.PriorityHigh, "sending through c.example.net", "", 1},
				{analysis.PriorityHigh, "Review 2 more sources sending as example.com while authenticating only as other domains: 198.51.100.4 (47 failing messages) and 198.51.100.5 (46 failing messages)", "", 2},
			},
			only: true,
		},
		{
			name: "no messages",
			h:    header("none", "none", 100),
			recs: []*aggregate.Record{rec("192.0.2.1", 0, "pass", "pass", "none")},
			want: []want{{analysis.PriorityLow, "No action: there is nothing to judge in this report",
				"The report from google.com for example.com has 1 record, all with count 0", 1}},
			only: true,
		},
		{
			name: "no records",
			h:    header("none", "none", 100),
			want: []want{{analysis.PriorityLow, "No action", "holds no records", 0}},
			only: true,
		},
		{
			name: "no policy, all passing",
			recs: []*aggregate.Record{own("192.0.2.10", 1000)},
			only: true,
		},
		{
			name: "no policy, failing",
			recs: []*aggregate.Record{own("192.0.2.11", 10), rec("192.0.2.11", 10, "fail", "fail", "none", dkim("example.com", "s1", "fail"), spf("example.com", "fail"))},
			want: []want{
				{analysis.PriorityMedium, "Fix the failing senders of example.com before enforcing a policy: 192.0.2.11 (10 failing messages)",
					"Only 50% of 20 messages from its own senders passed DMARC in this report; an enforced policy would quarantine or reject the 10 messages that failed", 1},
				{analysis.PriorityMedium, "Fix DKIM signing for example.com: check that s1._domainkey.example.com", "", 1},
			},
			only: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := accumulate(tt.h, tt.recs...)
			recs := a.Recommendations()
			dump := func() string {
				var b strings.Builder
				for _, r := range recs {
					fmt.Fprintf(&b, "\n  [%s] %s\n    %s (%d records)", r.Priority, r.Action, r.Reason, r.AffectedRecords)
				}
				return b.String()
			}
			checkInvariants(t, recs, a.Statistics())
			for _, w := range tt.want {
				if !slices.ContainsFunc(recs, func(r analysis.Recommendation) bool {
					return r.Priority == w.priority && strings.Contains(r.Action, w.action) && strings.Contains(r.Reason, w.reason) && r.AffectedRecords == w.records
				}) {
					t.Errorf("missing %+v in:%s", w, dump())
				}
			}
			if tt.only && len(recs) != len(tt.want) {
				t.Errorf("%d recommendations, want %d:%s", len(recs), len(tt.want), dump())
			}
			for _, s := range tt.absent {
				for _, r := range recs {
					if strings.Contains(r.Action, s) {
						t.Errorf("unexpected %q in:%s", s, dump())
					}
				}
			}
		})
	}
}

// checkInvariants checks what holds for every list of recommendations:
// known priorities, most urgent first, no repeated action, no more affected
// records than there are.
func checkInvariants(t *testing.T, recs []analysis.Recommendation, st analysis.Statistics) {
	t.Helper()
	rank := map[string]int{analysis.PriorityCritical: 0, analysis.PriorityHigh: 1, analysis.PriorityMedium: 2, analysis.PriorityLow: 3}
	seen := map[string]bool{}
	for i, r := range recs {
		p, ok := rank[r.Priority]
		if !ok {
			t.Errorf("priority %q", r.Priority)
		}
		if i > 0 && rank[recs[i-1].Priority] > p {
			t.Errorf("%s after %s", r.Priority, recs[i-1].Priority)
		}
		if seen[r.Action] {
			t.Errorf("repeated %q", r.Action)
		}
		seen[r.Action] = true
		if r.Action == "" || r.Reason == "" || r.AffectedRecords < 0 {
			t.Errorf("incomplete %+v", r)
		}
	}
	_ = st
}
