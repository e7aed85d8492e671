package remedy

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/remedy/remedytest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// TestFix answers "Fix this" for each source of the world, from a real
// store and a DNS server on loopback: the category, the failure, the
// service, the DNS changes (checked through DNS) and the text.
func TestFix(t *testing.T) {
	t.Parallel()
	w := newWorld(t, remedytest.Options{})
	ctx := context.Background()
	tests := []struct {
		name, ip        string
		category, class string
		failure         string // type and results: "both not_aligned/not_aligned"
		service         string
		records         []string // "TYPE name status action"
		spfProposed     string
		steps           []string // parts of the step titles, in order
	}{
		{name: "sendgrid", ip: remedytest.SendGridIP, category: CategoryThirdParty, class: "unknown",
			failure: "both not_aligned/not_aligned", service: "sendgrid",
			records: []string{"CNAME s1._domainkey.example.com missing add", "CNAME s2._domainkey.example.com missing add",
				"TXT example.com present replace"},
			spfProposed: "v=spf1 ip4:198.51.100.25 include:_spf.google.com include:sendgrid.net ~all",
			steps:       []string{"Set up DKIM signing for example.com in Twilio SendGrid", "Add Twilio SendGrid to example.com's SPF record: include:sendgrid.net", "Wait for DNS propagation", "Verify"}},
		{name: "office", ip: remedytest.OfficeIP, category: CategoryDNS, class: "legitimate",
			failure: "both fail/fail", records: []string{"TXT mail._domainkey.example.com missing add"},
			steps: []string{"Publish the DKIM key of selector mail", "Wait for DNS propagation", "Verify"}},
		{name: "forwarder", ip: remedytest.ForwarderIP, category: CategoryForwarding, class: "forwarding",
			failure: "both fail/fail", service: "cloudflare-email-routing",
			steps: []string{"Keep signing all of example.com's mail with DKIM", "ARC", "Allow-list", "mailing lists"}},
		{name: "spoofer", ip: remedytest.SpooferIP, category: CategorySpoofing, class: "suspicious",
			failure: "both none/fail", steps: []string{"Do not authorize this source", "Enforcing the policy is not safe yet", "Report it"}},
		{name: "google", ip: remedytest.GoogleIP, category: CategoryNone, class: "legitimate", service: "google"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := w.g.Fix(ctx, tc.ip, remedytest.Domain)
			if err != nil {
				t.Fatal(err)
			}
			if f.Category != tc.category || f.Classification.Classification != tc.class {
				t.Errorf("category %s, class %s; want %s, %s\n%s", f.Category, f.Classification.Classification, tc.category, tc.class,
					strings.Join(f.Classification.Evidence, "\n"))
			}
			failure := ""
			if len(f.Failures) > 0 {
				m := f.Failures[0]
				failure = m.Type + " " + m.DKIM.Result + "/" + m.SPF.Result
			}
			if failure != tc.failure {
				t.Errorf("failure %q, want %q: %+v", failure, tc.failure, f.Failures)
			}
			if id := serviceID(f); id != tc.service {
				t.Errorf("service %q, want %q", id, tc.service)
			}
			var recs []string
			for _, r := range f.Records {
				recs = append(recs, r.Type+" "+r.Name+" "+r.Status+" "+r.Action)
			}
			if !slices.Equal(recs, tc.records) {
				t.Errorf("records %q, want %q", recs, tc.records)
			}
			if tc.spfProposed != "" && (f.SPFChange == nil || f.SPFChange.Proposed != tc.spfProposed) {
				t.Errorf("SPF change %+v, want %q", f.SPFChange, tc.spfProposed)
			}
			if len(f.Steps) != len(tc.steps) {
				t.Errorf("%d steps, want %d: %+v", len(f.Steps), len(tc.steps), f.Steps)
			} else {
				for i, s := range tc.steps {
					if !strings.Contains(f.Steps[i].Title, s) {
						t.Errorf("step %d %q, want %q", i+1, f.Steps[i].Title, s)
					}
				}
			}
			checkText(t, "fix-"+tc.name, func(b *bytes.Buffer) error { return WriteFixText(b, f) })
		})
	}
}

func serviceID(f *Fix) string {
	if f.Service != nil {
		return f.Service.ID
	}
	return ""
}

// TestFixSendGridDetails checks the numbers of the SendGrid fix: message
// counts, the SPF lookups before and after, the provider's guide and the
// verification command with the service's selectors.
func TestFixSendGridDetails(t *testing.T) {
	t.Parallel()
	w := newWorld(t, remedytest.Options{})
	f, err := w.g.Fix(context.Background(), remedytest.SendGridIP, "")
	if err != nil {
		t.Fatal(err)
	}
	days := int64(30)
	c := f.SPFChange
	switch {
	case f.Domain != remedytest.Domain:
		t.Errorf("domain %q", f.Domain)
	case f.Messages != remedytest.SendGridDaily*days || f.Failing != f.Messages || f.OneMechanism != 0:
		t.Errorf("messages %d failing %d one %d", f.Messages, f.Failing, f.OneMechanism)
	case c == nil || !c.Checked || c.CurrentLookups != 2 || c.Lookups != 3 || c.ExceedsLimit || c.Current != "v=spf1 ip4:198.51.100.25 include:_spf.google.com ~all":
		t.Errorf("SPF change %+v", c)
	case f.Docs != "https://www.twilio.com/docs/sendgrid/ui/account-and-settings/how-to-set-up-domain-authentication":
		t.Errorf("docs %q", f.Docs)
	case f.Verification.Command != "parse-dmarc dns check --selector s1 --selector s2 example.com":
		t.Errorf("verification %+v", f.Verification)
	case !f.DNS.Checked || f.Host.ASN != 11377:
		t.Errorf("dns %+v host %+v", f.DNS, f.Host)
	}
	if !strings.Contains(f.Steps[1].Detail, "SPF aligns only when the envelope sender (Return-Path) is under example.com: Twilio SendGrid uses sendgrid.net now") {
		t.Errorf("SPF step: %q", f.Steps[1].Detail)
	}
}

// TestFixLookupLimit: adding an include to a record at 10 lookups would
// exceed the limit, so the change is not proposed as a record and the
// alternatives name the includes with their costs.
func TestFixLookupLimit(t *testing.T) {
	t.Parallel()
	w := newWorld(t, remedytest.Options{Days: 1})
	ctx := context.Background()
	res, err := w.g.check(ctx, remedytest.FullDomain, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &planner{g: w.g}
	c := w.g.spfChange(ctx, remedytest.FullDomain, "include:sendgrid.net", "Twilio SendGrid", res, p.includeName)
	if !c.Checked || c.CurrentLookups != 10 || c.Lookups != 11 || !c.ExceedsLimit || len(c.Alternatives) != 4 {
		t.Fatalf("change %+v", c)
	}
	for _, want := range []string{
		"publish \"v=spf1 include:sendgrid.net -all\" at that subdomain",
		"Rely on DKIM for Twilio SendGrid",
		"include:_a.full.example (4 lookups); include:_b.full.example (3 lookups); include:_c.full.example (1 lookup)",
		"flattening",
	} {
		if !strings.Contains(strings.Join(c.Alternatives, "\n"), want) {
			t.Errorf("alternatives lack %q:\n%s", want, strings.Join(c.Alternatives, "\n"))
		}
	}
	st := spfStep(c, "Twilio SendGrid", Failure{})
	if len(st.Records) != 0 || !strings.HasPrefix(st.Title, "Do not add include:sendgrid.net to full.example's SPF record") ||
		!strings.Contains(st.Detail, "would need 11 DNS lookups, over the limit of 10") {
		t.Errorf("step %+v", st)
	}
	// Under the limit the step has the record.
	c = w.g.spfChange(ctx, remedytest.Domain, "include:sendgrid.net", "Twilio SendGrid", mustCheck(t, w.g, remedytest.Domain), p.includeName)
	if st := spfStep(c, "Twilio SendGrid", Failure{}); len(st.Records) != 1 || st.Records[0].Value != c.Proposed || !strings.Contains(st.Detail, "(3/10 DNS lookups)") {
		t.Errorf("step %+v", st)
	}
}

func mustCheck(t *testing.T, g *Guide, domain string) *dnscheck.Result {
	t.Helper()
	res, err := g.check(context.Background(), domain, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestFixErrors: a bad address, and one without records.
func TestFixErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t, remedytest.Options{Days: 2})
	ctx := context.Background()
	if _, err := w.g.Fix(ctx, "not-an-ip", ""); !errors.Is(err, ErrInvalidIP) {
		t.Errorf("bad ip: %v", err)
	}
	if _, err := w.g.Fix(ctx, "192.0.2.99", ""); !errors.Is(err, ErrNoRecords) {
		t.Errorf("unknown ip: %v", err)
	}
	if _, err := w.g.Fix(ctx, remedytest.GoogleIP, "other.example"); !errors.Is(err, ErrNoRecords) {
		t.Errorf("other domain: %v", err)
	}
}

// TestFixWithoutDNS: without DNS the SPF record cannot be shown, and the
// DKIM records' status is unknown; the steps remain.
func TestFixWithoutDNS(t *testing.T) {
	t.Parallel()
	w := newWorld(t, remedytest.Options{Days: 3})
	g := *w.g
	g.DNS = nil
	f, err := g.Fix(context.Background(), remedytest.SendGridIP, remedytest.Domain)
	if err != nil {
		t.Fatal(err)
	}
	if f.DNS.Checked || f.DNS.Error == "" || f.SPFChange == nil || f.SPFChange.Proposed != "" || f.SPFChange.Checked {
		t.Errorf("dns %+v, change %+v", f.DNS, f.SPFChange)
	}
	for _, r := range f.Records {
		if r.Status != RecordUnknown {
			t.Errorf("record %+v", r)
		}
	}
	if f.Category != CategoryThirdParty || len(f.Steps) != 4 || !strings.Contains(f.Steps[1].Detail, "DNS was not asked") {
		t.Errorf("category %s, steps %+v", f.Category, f.Steps)
	}
}

// TestFixStrictAlignment: mail authenticated as a subdomain fails under
// aspf=s and adkim=s: a DNS configuration issue, fixed by the DMARC
// record without them.
func TestFixStrictAlignment(t *testing.T) {
	t.Parallel()
	w := newWorld(t, remedytest.Options{Days: 1})
	w.dns.Add(t, `
_dmarc.strict.example. TXT "v=DMARC1; p=quarantine; adkim=s; aspf=s; rua=mailto:dmarc@strict.example"
strict.example.        TXT "v=spf1 ip4:192.0.2.0/24 -all"
`)
	ctx := context.Background()
	begin := testNow.Truncate(24*time.Hour).AddDate(0, 0, -1)
	h := &aggregate.Header{Metadata: aggregate.Metadata{Reporter: aggregate.Reporter{OrgName: "google.com"}, ReportID: "strict-1",
		DateRange: aggregate.DateRange{Begin: begin, End: begin.Add(24*time.Hour - time.Second)}},
		Policy: aggregate.PolicyPublished{Domain: "strict.example", ADKIM: "s", ASPF: "s", Policy: "quarantine", SubdomainPolicy: "quarantine", Percentage: 100}}
	tx, err := w.st.BeginReport(ctx, store.Incoming{Header: h, SourceName: "test", ReceivedAt: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Add(ctx, &aggregate.Record{SourceIP: "192.0.2.10", Count: 25,
		PolicyEvaluated: aggregate.PolicyEvaluated{Disposition: "quarantine", DKIM: "fail", SPF: "fail"},
		Identifiers:     aggregate.Identifiers{HeaderFrom: "strict.example"},
		AuthResults: aggregate.AuthResults{DKIM: []aggregate.DKIMResult{{Domain: "mail.strict.example", Selector: "s1", Result: "pass"}},
			SPF: []aggregate.SPFResult{{Domain: "bounces.strict.example", Scope: "mfrom", Result: "pass"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(ctx, store.Summary{Status: store.StatusValid}); err != nil {
		t.Fatal(err)
	}
	f, err := w.g.Fix(ctx, "192.0.2.10", "strict.example")
	if err != nil {
		t.Fatal(err)
	}
	if f.Category != CategoryDNS || len(f.Records) != 1 {
		t.Fatalf("category %s, records %+v, class %+v", f.Category, f.Records, f.Classification)
	}
	r := f.Records[0]
	if r.Name != "_dmarc.strict.example" || r.Current != "v=DMARC1; p=quarantine; adkim=s; aspf=s; rua=mailto:dmarc@strict.example" ||
		r.Value != "v=DMARC1; p=quarantine; rua=mailto:dmarc@strict.example" || r.Action != ActionReplace {
		t.Errorf("record %+v", r)
	}
	if !strings.Contains(f.Steps[0].Detail, "(adkim=s, aspf=s)") || f.Classification.Classification == analysis.ClassSuspicious {
		t.Errorf("step %+v", f.Steps[0])
	}
	if m := f.Failures[0]; !m.DKIM.RelaxedWouldAlign || !m.SPF.RelaxedWouldAlign || m.ADKIM != "s" {
		t.Errorf("failure %+v", m)
	}
}
