package dnscheck

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// spfZone builds the SPF test zone; long records are generated.
func spfZone() string {
	var b strings.Builder
	b.WriteString(`
ok.example.             TXT "v=spf1 ip4:192.0.2.0/24 mx -all"
ok.example.             TXT "google-site-verification=abc"
ok.example.             MX  10 mx.ok.example.
mx.ok.example.          A   192.0.2.10

many.example.           TXT "v=spf1 include:s1.many.example include:s2.many.example include:s3.many.example -all"
many.example.           MX  10 h.many.example.
s1.many.example.        TXT "v=spf1 a mx include:s4.many.example -all"
s1.many.example.        A   192.0.2.1
s1.many.example.        MX  10 h.many.example.
s2.many.example.        TXT "v=spf1 a:h.many.example a:h2.many.example ~all"
s3.many.example.        TXT "v=spf1 exists:h.many.example mx:many.example -all"
s4.many.example.        TXT "v=spf1 a:h.many.example -all"
h.many.example.         A   192.0.2.2
h2.many.example.        AAAA 2001:db8::2

near.example.           TXT "v=spf1 include:s1.many.example include:s2.many.example a:h.many.example mx:many.example ~all"

loop.example.           TXT "v=spf1 include:l2.loop.example -all"
l2.loop.example.        TXT "v=spf1 include:loop.example -all"

void.example.           TXT "v=spf1 a:gone1.void.example mx:gone2.void.example exists:gone3.void.example ip4:192.0.2.1 -all"
gone2.void.example.     TXT "not an spf record"

multi.example.          TXT "v=spf1 ip4:192.0.2.1 -all"
multi.example.          TXT "v=spf1 include:s4.many.example ip4:192.0.2.1 ~all"

passall.example.        TXT "v=spf1 +all"
incpass.example.        TXT "v=spf1 include:passall.example -all"

redirect.example.       TXT "v=spf1 redirect=_spf.redirect.example"
_spf.redirect.example.  TXT "v=spf1 ip4:192.0.2.0/24 mx:ok.example -all"

incmissing.example.     TXT "v=spf1 include:nospf.example -all"
nospf.example.          A   192.0.2.3

split.example.          TXT "v=spf1 include:s4.many.example" "ip4:192.0.2.1 -all"
neutral.example.        TXT "v=spf1 ip4:192.0.2.1 ?all"
noall.example.          TXT "v=spf1 ip4:192.0.2.1"
ptr.example.            TXT "v=spf1 ptr -all"
afterall.example.       TXT "v=spf1 -all include:s4.many.example redirect=ok.example"
dup.example.            TXT "v=spf1 include:s4.many.example include:s4.many.example -all"
macro.example.          TXT "v=spf1 include:%{ir}._spf.macro.example exists:%{l}._u.macro.example -all"
deep.example.           TXT "v=spf1 include:d1.deep.example -all"
`)
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&b, "d%d.deep.example. TXT \"v=spf1 include:d%d.deep.example -all\"\n", i, i+1)
	}
	b.WriteString("d11.deep.example. TXT \"v=spf1 -all\"\n")
	b.WriteString("mxmany.example. TXT \"v=spf1 mx -all\"\n")
	for i := 1; i <= 11; i++ {
		fmt.Fprintf(&b, "mxmany.example. MX %d mx%d.mxmany.example.\n", i, i)
	}
	fmt.Fprintf(&b, "long.example. TXT %s\n", quoteTXT(splitTXT(ip4Record(36))))
	fmt.Fprintf(&b, "huge.example. TXT %s\n", quoteTXT(splitTXT(ip4Record(80))))
	return b.String()
}

// ip4Record is an SPF record of n ip4 terms.
func ip4Record(n int) string {
	parts := []string{"v=spf1"}
	for i := range n {
		parts = append(parts, fmt.Sprintf("ip4:198.51.%d.0/24", i))
	}
	return strings.Join(append(parts, "-all"), " ")
}

func TestCheckSPF(t *testing.T) {
	t.Parallel()
	c, srv := newChecker(t, spfZone())
	ctx := context.Background()
	tests := []struct {
		domain  string
		status  Status
		lookups int
		voids   int
		codes   []string
		summary string
	}{
		{"ok.example", StatusOK, 1, 0, nil, "1/10 DNS lookups | Default: fail (-all)"},
		{"many.example", StatusError, 11, 0, []string{"spf.too_many_lookups"}, "11/10 DNS lookups | Default: fail (-all)"},
		{"near.example", StatusWarning, 10, 0, []string{"spf.lookups_near_limit"}, "10/10 DNS lookups | Default: softfail (~all)"},
		{"deep.example", StatusError, 11, 0, []string{"spf.too_many_lookups"}, ""},
		{"loop.example", StatusError, 2, 0, []string{"spf.include_loop"}, ""},
		{"void.example", StatusError, 3, 3, []string{"spf.void_lookup", "spf.void_lookup", "spf.void_lookup", "spf.too_many_void_lookups"}, ""},
		{"multi.example", StatusError, 0, 0, []string{"spf.multiple"}, ""},
		{"passall.example", StatusError, 0, 0, []string{"spf.pass_all"}, "0/10 DNS lookups | Default: pass (+all)"},
		{"incpass.example", StatusError, 1, 0, []string{"spf.pass_all"}, ""},
		{"redirect.example", StatusOK, 2, 0, nil, "2/10 DNS lookups"},
		{"incmissing.example", StatusError, 1, 1, []string{"spf.include_missing"}, ""},
		{"split.example", StatusError, 0, 0, []string{"spf.syntax"}, ""},
		{"neutral.example", StatusWarning, 0, 0, []string{"spf.neutral_all"}, ""},
		{"noall.example", StatusWarning, 0, 0, []string{"spf.no_all"}, "0/10 DNS lookups | Default: neutral (no all)"},
		{"ptr.example", StatusWarning, 1, 0, []string{"spf.ptr"}, ""},
		{"afterall.example", StatusWarning, 0, 0, []string{"spf.after_all", "spf.redirect_ignored"}, ""},
		{"dup.example", StatusWarning, 4, 0, []string{"spf.duplicate_term"}, ""},
		{"macro.example", StatusOK, 2, 0, nil, ""},
		{"mxmany.example", StatusError, 1, 0, []string{"spf.mx_too_many"}, ""},
		{"long.example", StatusWarning, 0, 0, []string{"spf.record_long", "spf.answer_large"}, ""},
		{"huge.example", StatusWarning, 0, 0, []string{"spf.record_long", "spf.answer_large"}, ""},
		{"nospf.example", StatusMissing, 0, 0, []string{"spf.missing"}, ""},
	}
	for _, tc := range tests {
		s, err := c.newSession()
		if err != nil {
			t.Fatal(err)
		}
		got := s.checkSPFDomain(ctx, tc.domain)
		if got.Status != tc.status || got.Lookups != tc.lookups || got.VoidLookups != tc.voids {
			t.Errorf("%s: status %s, %d lookups, %d void; want %s, %d, %d", tc.domain, got.Status, got.Lookups, got.VoidLookups, tc.status, tc.lookups, tc.voids)
		}
		if tc.summary != "" && got.Summary != tc.summary {
			t.Errorf("%s: summary %q, want %q", tc.domain, got.Summary, tc.summary)
		}
		wantCodes(t, tc.domain, got.Findings, tc.codes...)
	}

	s, _ := c.newSession()
	// The include tree: many.example's lookups per include.
	got := s.checkSPFDomain(ctx, "many.example")
	tree := got.Tree
	if len(tree.Children) != 3 || tree.Total != 11 || tree.Lookups != 3 || tree.Children[0].Total != 4 || tree.Children[0].Children[0].Domain != "s4.many.example" {
		t.Errorf("tree %+v", tree)
	}
	f := finding(t, got.Findings, "spf.too_many_lookups")
	mustContain(t, "too many message", f.Message, "11 DNS lookups")
	mustContain(t, "too many fix", f.Fix, "include:s1.many.example 5, include:s2.many.example 3, include:s3.many.example 3")
	got = s.checkSPFDomain(ctx, "near.example")
	mustContain(t, "near message", finding(t, got.Findings, "spf.lookups_near_limit").Message, "approaching", "(10/10)")

	got = s.checkSPFDomain(ctx, "void.example")
	mustContain(t, "void NXDOMAIN", got.Findings[0].Message, "gone1.void.example does not exist (NXDOMAIN)")
	mustContain(t, "void NODATA", got.Findings[1].Message, "gone2.void.example has no MX records")
	got = s.checkSPFDomain(ctx, "multi.example")
	mustContain(t, "merge fix", got.Findings[0].Fix, "v=spf1 ip4:192.0.2.1 include:s4.many.example -all")
	got = s.checkSPFDomain(ctx, "split.example")
	mustContain(t, "split fix", got.Findings[0].Fix, `"v=spf1 include:s4.many.example ip4:192.0.2.1 -all"`)
	got = s.checkSPFDomain(ctx, "passall.example")
	mustContain(t, "+all fix", got.Findings[0].Fix, "v=spf1 ~all")
	got = s.checkSPFDomain(ctx, "incpass.example")
	mustContain(t, "included +all", got.Findings[0].Message, "In include:passall.example: +all")
	got = s.checkSPFDomain(ctx, "redirect.example")
	if len(got.Tree.Children) != 1 || got.Tree.Children[0].Via != "redirect" || got.Tree.Children[0].Lookups != 1 {
		t.Errorf("redirect tree %+v", got.Tree.Children)
	}
	got = s.checkSPFDomain(ctx, "huge.example")
	if len(got.Records) != 1 || len(got.Records[0]) != len(ip4Record(80)) {
		t.Errorf("huge record not read whole: %d bytes", len(got.Records[0]))
	}
	// Answers too large for UDP were asked again over TCP (once per
	// session).
	var tcp []string
	for _, q := range srv.Queries() {
		if q.Net == "tcp" {
			tcp = append(tcp, q.Name)
		}
	}
	if strings.Join(tcp, " ") != "huge.example. huge.example." {
		t.Errorf("TCP queries %v, want huge.example. twice", tcp)
	}
	// The answers are cached within a session.
	if n := srv.Count("h.many.example", dns.TypeA); n > 1+len(tests) {
		t.Errorf("h.many.example asked %d times", n)
	}
}

func TestCheckSPFRecord(t *testing.T) {
	t.Parallel()
	c, _ := newChecker(t, spfZone()+`
sendgrid.example. TXT "v=spf1 ip4:203.0.113.0/24 include:s4.many.example -all"
`)
	ctx := context.Background()
	got := c.CheckSPFRecord(ctx, "ok.example", "v=spf1 include:s1.many.example include:sendgrid.example ~all")
	if got.Status != StatusWarning || got.Lookups != 8 || got.Name != "ok.example" || got.Records[0] != "v=spf1 include:s1.many.example include:sendgrid.example ~all" {
		t.Errorf("proposed record: %s, %d lookups, %+v", got.Status, got.Lookups, got.Findings)
	}
	got = c.CheckSPFRecord(ctx, "ok.example", "v=spf1 include:many.example include:sendgrid.example ~all")
	if got.Status != StatusError || got.Lookups != 15 {
		t.Errorf("proposed record over the limit: %s, %d lookups", got.Status, got.Lookups)
	}
	long := ip4Record(16)
	got = c.CheckSPFRecord(ctx, "ok.example", long)
	f := finding(t, got.Findings, "spf.split_needed")
	if !strings.HasPrefix(f.Fix, `Publish: "v=spf1 ip4:198.51.0.0/24`) || strings.Count(f.Fix, `" "`) != 1 {
		t.Errorf("split fix %q", f.Fix)
	}
	for _, s := range splitTXT(long) {
		if len(s) > 255 {
			t.Errorf("split string of %d bytes", len(s))
		}
	}
	if strings.Join(splitTXT(long), "") != long {
		t.Error("split strings do not join to the record")
	}
	got = c.CheckSPFRecord(ctx, "ok.example", "v=spf1 include:sendgrid.example ip5:1.2.3.4 -all")
	wantCodes(t, "bad proposal", got.Findings, "spf.syntax")
	got = c.CheckSPFRecord(ctx, "not a domain", "v=spf1 -all")
	wantCodes(t, "bad domain", got.Findings, "spf.check_failed")
}
