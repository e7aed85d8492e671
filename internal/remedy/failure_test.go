package remedy

import (
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// TestAligned checks identifier alignment (RFC 7489 section 3.1) in both
// modes, with the organizational domain from the Public Suffix List.
func TestAligned(t *testing.T) {
	t.Parallel()
	tests := []struct {
		auth, from, mode string
		want             bool
	}{
		{"example.com", "example.com", "s", true},
		{"Example.COM.", "example.com", "s", true},
		{"mail.example.com", "example.com", "r", true},
		{"mail.example.com", "example.com", "s", false},
		{"example.com", "news.example.com", "r", true},
		{"a.example.com", "b.example.com", "r", true},
		{"a.example.com", "b.example.com", "s", false},
		{"sendgrid.net", "example.com", "r", false},
		{"example.co.uk", "shop.example.co.uk", "r", true},
		{"other.co.uk", "example.co.uk", "r", false}, // co.uk is a public suffix
		{"", "example.com", "r", false},
	}
	for _, tc := range tests {
		if got := Aligned(tc.auth, tc.from, tc.mode); got != tc.want {
			t.Errorf("Aligned(%q, %q, %q) = %v, want %v", tc.auth, tc.from, tc.mode, got, tc.want)
		}
	}
}

// TestJudgeRecord types the failures of records: DMARC failures (both)
// with how each mechanism failed, and mail passing on one mechanism.
func TestJudgeRecord(t *testing.T) {
	t.Parallel()
	relaxed := aggregate.PolicyPublished{Domain: "example.com", ADKIM: "r", ASPF: "r"}
	strict := aggregate.PolicyPublished{Domain: "example.com", ADKIM: "s", ASPF: "s"}
	dk := func(domain, sel, result string) aggregate.DKIMResult {
		return aggregate.DKIMResult{Domain: domain, Selector: sel, Result: result}
	}
	sp := func(domain, result string) aggregate.SPFResult {
		return aggregate.SPFResult{Domain: domain, Scope: "mfrom", Result: result}
	}
	tests := []struct {
		name       string
		pp         aggregate.PolicyPublished
		dkim, spf  string // policy_evaluated
		dkimRes    []aggregate.DKIMResult
		spfRes     []aggregate.SPFResult
		ok         bool
		typ, title string
		dkimResult string
		spfResult  string
		relaxedDK  bool
		relaxedSPF bool
	}{
		{name: "all aligned", pp: relaxed, dkim: "pass", spf: "pass",
			dkimRes: []aggregate.DKIMResult{dk("example.com", "s1", "pass")}, spfRes: []aggregate.SPFResult{sp("example.com", "pass")}},
		{name: "no verdict", pp: relaxed, dkim: "", spf: ""},
		{name: "service not set up", pp: relaxed, dkim: "fail", spf: "fail", ok: true,
			dkimRes: []aggregate.DKIMResult{dk("sendgrid.net", "smtpapi", "pass")}, spfRes: []aggregate.SPFResult{sp("sendgrid.net", "pass")},
			typ: TypeBoth, title: "DKIM and SPF not aligned", dkimResult: ResultNotAligned, spfResult: ResultNotAligned},
		{name: "spoofed", pp: relaxed, dkim: "fail", spf: "fail", ok: true,
			spfRes: []aggregate.SPFResult{sp("spam.example.net", "softfail")},
			typ:    TypeBoth, title: "DKIM missing, SPF failed", dkimResult: ResultNone, spfResult: ResultFail},
		{name: "broken key", pp: relaxed, dkim: "fail", spf: "fail", ok: true,
			dkimRes: []aggregate.DKIMResult{dk("example.com", "mail", "fail")}, spfRes: []aggregate.SPFResult{sp("example.com", "softfail")},
			typ: TypeBoth, title: "DKIM and SPF failed", dkimResult: ResultFail, spfResult: ResultFail},
		{name: "helo ignored", pp: relaxed, dkim: "fail", spf: "fail", ok: true,
			spfRes: []aggregate.SPFResult{{Domain: "example.com", Scope: "helo", Result: "pass"}},
			typ:    TypeBoth, title: "DKIM and SPF missing", dkimResult: ResultNone, spfResult: ResultNone},
		{name: "strict alignment", pp: strict, dkim: "fail", spf: "fail", ok: true,
			dkimRes: []aggregate.DKIMResult{dk("mail.example.com", "s1", "pass")}, spfRes: []aggregate.SPFResult{sp("bounces.example.com", "pass")},
			typ: TypeBoth, title: "DKIM and SPF not aligned", dkimResult: ResultNotAligned, spfResult: ResultNotAligned, relaxedDK: true, relaxedSPF: true},
		{name: "forwarded: SPF fails, DKIM survives", pp: relaxed, dkim: "pass", spf: "fail", ok: true,
			dkimRes: []aggregate.DKIMResult{dk("example.com", "google", "pass")}, spfRes: []aggregate.SPFResult{sp("example.com", "softfail")},
			typ: TypeSPFFail, title: "SPF failed (DMARC passed on DKIM)", dkimResult: ResultAligned, spfResult: ResultFail},
		{name: "ESP envelope", pp: relaxed, dkim: "pass", spf: "fail", ok: true,
			dkimRes: []aggregate.DKIMResult{dk("example.com", "s1", "pass")}, spfRes: []aggregate.SPFResult{sp("bounces.esp.example", "pass")},
			typ: TypeSPFNotAligned, title: "SPF not aligned (DMARC passed on DKIM)", dkimResult: ResultAligned, spfResult: ResultNotAligned},
		{name: "signed by the provider only", pp: relaxed, dkim: "fail", spf: "pass", ok: true,
			dkimRes: []aggregate.DKIMResult{dk("example-com.20230601.gappssmtp.com", "20230601", "pass")}, spfRes: []aggregate.SPFResult{sp("example.com", "pass")},
			typ: TypeDKIMNotAligned, title: "DKIM not aligned (DMARC passed on SPF)", dkimResult: ResultNotAligned, spfResult: ResultAligned},
		{name: "unsigned, SPF aligned", pp: relaxed, dkim: "fail", spf: "pass", ok: true,
			spfRes: []aggregate.SPFResult{sp("example.com", "pass")},
			typ:    TypeDKIMFail, title: "DKIM missing (DMARC passed on SPF)", dkimResult: ResultNone, spfResult: ResultAligned},
		{name: "signature failed, SPF aligned", pp: relaxed, dkim: "fail", spf: "pass", ok: true,
			dkimRes: []aggregate.DKIMResult{dk("example.com", "s1", "permerror")}, spfRes: []aggregate.SPFResult{sp("example.com", "pass")},
			typ: TypeDKIMFail, title: "DKIM failed (DMARC passed on SPF)", dkimResult: ResultFail, spfResult: ResultAligned},
	}
	for _, tc := range tests {
		r := &aggregate.Record{Count: 3, PolicyEvaluated: aggregate.PolicyEvaluated{DKIM: tc.dkim, SPF: tc.spf},
			Identifiers: aggregate.Identifiers{HeaderFrom: "example.com"}, AuthResults: aggregate.AuthResults{DKIM: tc.dkimRes, SPF: tc.spfRes}}
		f, ok := judgeRecord(r, tc.pp)
		if ok != tc.ok {
			t.Errorf("%s: failure %v, want %v", tc.name, ok, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		if f.Type != tc.typ || f.Title != tc.title || f.DKIM.Result != tc.dkimResult || f.SPF.Result != tc.spfResult ||
			f.DKIM.RelaxedWouldAlign != tc.relaxedDK || f.SPF.RelaxedWouldAlign != tc.relaxedSPF {
			t.Errorf("%s: %s %q DKIM %+v SPF %+v; want %s %q DKIM %s SPF %s relaxed %v/%v", tc.name, f.Type, f.Title, f.DKIM, f.SPF,
				tc.typ, tc.title, tc.dkimResult, tc.spfResult, tc.relaxedDK, tc.relaxedSPF)
		}
		if f.ADKIM != tc.pp.ADKIM || f.ASPF != tc.pp.ASPF || f.HeaderFrom != "example.com" {
			t.Errorf("%s: modes %s/%s, from %s", tc.name, f.ADKIM, f.ASPF, f.HeaderFrom)
		}
	}
}

// TestFailureTally groups records into patterns, DMARC failures first,
// then by messages, and counts failing and one-mechanism messages.
func TestFailureTally(t *testing.T) {
	t.Parallel()
	pp := aggregate.PolicyPublished{Domain: "example.com"}
	mk := func(n int64, dkim, spf, dkimDomain, spfDomain string) *aggregate.Record {
		r := &aggregate.Record{Count: n, PolicyEvaluated: aggregate.PolicyEvaluated{DKIM: dkim, SPF: spf},
			Identifiers: aggregate.Identifiers{HeaderFrom: "example.com"}}
		if dkimDomain != "" {
			r.AuthResults.DKIM = []aggregate.DKIMResult{{Domain: dkimDomain, Selector: "s", Result: "pass"}}
		}
		r.AuthResults.SPF = []aggregate.SPFResult{{Domain: spfDomain, Result: "pass"}}
		return r
	}
	var tl failureTally
	tl.add(mk(50, "pass", "fail", "example.com", "esp.example"), pp) // one mechanism
	tl.add(mk(10, "fail", "fail", "esp.example", "esp.example"), pp)
	tl.add(mk(5, "fail", "fail", "esp.example", "esp.example"), pp)
	tl.add(mk(7, "fail", "fail", "", "other.example"), pp)
	tl.add(mk(100, "pass", "pass", "example.com", "example.com"), pp)
	got := tl.list()
	if tl.failing != 22 || tl.fragile != 50 || len(got) != 3 {
		t.Fatalf("failing %d fragile %d, %d patterns: %+v", tl.failing, tl.fragile, len(got), got)
	}
	if got[0].Messages != 15 || got[0].Records != 2 || got[1].Messages != 7 || got[2].Type != TypeSPFNotAligned {
		t.Errorf("order: %+v", got)
	}
}
