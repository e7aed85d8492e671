package dnscheck

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseSPF(t *testing.T) {
	t.Parallel()
	rec, err := ParseSPF("V=SPF1 +a -mx:mail.example.com/24 ~ip4:192.0.2.0/24 ?ip6:2001:db8::/32 a/28//64 mx//48 ptr ptr:example.org " +
		"include:_spf.example.net exists:%{ir}.%{l1r+-}._spf.%{d} IP4:192.0.2.7 redirect=_spf.example.com exp=explain.%{d} foo.bar=%{s} -all")
	if err != nil {
		t.Fatal(err)
	}
	want := []SPFTerm{
		{Text: "+a", Name: "a", Qualifier: "+", CIDR4: 32, CIDR6: 128},
		{Text: "-mx:mail.example.com/24", Name: "mx", Qualifier: "-", Domain: "mail.example.com", CIDR4: 24, CIDR6: 128},
		{Text: "~ip4:192.0.2.0/24", Name: "ip4", Qualifier: "~", Prefix: netip.MustParsePrefix("192.0.2.0/24")},
		{Text: "?ip6:2001:db8::/32", Name: "ip6", Qualifier: "?", Prefix: netip.MustParsePrefix("2001:db8::/32")},
		{Text: "a/28//64", Name: "a", Qualifier: "+", CIDR4: 28, CIDR6: 64},
		{Text: "mx//48", Name: "mx", Qualifier: "+", CIDR4: 32, CIDR6: 48},
		{Text: "ptr", Name: "ptr", Qualifier: "+"},
		{Text: "ptr:example.org", Name: "ptr", Qualifier: "+", Domain: "example.org"},
		{Text: "include:_spf.example.net", Name: "include", Qualifier: "+", Domain: "_spf.example.net"},
		{Text: "exists:%{ir}.%{l1r+-}._spf.%{d}", Name: "exists", Qualifier: "+", Domain: "%{ir}.%{l1r+-}._spf.%{d}"},
		{Text: "IP4:192.0.2.7", Name: "ip4", Qualifier: "+", Prefix: netip.MustParsePrefix("192.0.2.7/32")},
		{Text: "redirect=_spf.example.com", Name: "redirect", Modifier: true, Domain: "_spf.example.com"},
		{Text: "exp=explain.%{d}", Name: "exp", Modifier: true, Domain: "explain.%{d}"},
		{Text: "foo.bar=%{s}", Name: "foo.bar", Modifier: true, Domain: "%{s}"},
		{Text: "-all", Name: "all", Qualifier: "-"},
	}
	if len(rec.Terms) != len(want) {
		t.Fatalf("%d terms, want %d: %+v", len(rec.Terms), len(want), rec.Terms)
	}
	for i, w := range want {
		g := rec.Terms[i]
		g.macro = nil
		if !reflect.DeepEqual(g, w) {
			t.Errorf("term %d:\n got %+v\nwant %+v", i, g, w)
		}
	}

	bad := []struct {
		txt, msg string
	}{
		{"v=spf1 ipv4:192.0.2.1 -all", "did you mean ip4?"},
		{"v=spf1 inclde:example.com -all", "did you mean include?"},
		{"v=spf1 ip4:2001:db8::1", "write ip6:2001:db8::1"},
		{"v=spf1 ip6:192.0.2.1", "write ip4:192.0.2.1"},
		{"v=spf1 ip4:192.0.2.0/33", "prefix length from 0 to 32"},
		{"v=spf1 ip4:192.0.2.0/024", "prefix length"},
		{"v=spf1 ip6:2001:db8::/129", "0 to 128"},
		{"v=spf1 ip4:192.0.2", "not an IP address"},
		{"v=spf1 ip4", "needs an address"},
		{"v=spf1 include", "needs a domain"},
		{"v=spf1 include:example", "not a domain name"},
		{"v=spf1 a:192.0.2.1", "not a domain name"},
		{"v=spf1 exists:%{x}.example.com", "not a macro letter"},
		{"v=spf1 exists:%{c}.example.com", "only allowed in an exp"},
		{"v=spf1 exists:%{i0}.example.com", "number of parts"},
		{"v=spf1 exists:%{i}.example.com%", "lone %"},
		{"v=spf1 exists:%{i.example.com", "without a closing"},
		{"v=spf1 exists:%{i;}.example.com", "not a delimiter"},
		{"v=spf1 a:ex%ample.com", "not a macro"},
		{"v=spf1 all:example.com", "no argument"},
		{"v=spf1 redirect=a.example redirect=b.example", "more than once"},
		{"v=spf1 redirect=example", "needs a domain name"},
	}
	for _, tc := range bad {
		_, err := ParseSPF(tc.txt)
		var se *SPFSyntaxError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %v, want one containing %q", tc.txt, err, tc.msg)
		}
	}
	for _, txt := range []string{"v=spf10 -all", "spf1 -all", "v=spf2.0/pra -all", ""} {
		if _, err := ParseSPF(txt); !errors.Is(err, ErrNotSPF) {
			t.Errorf("%q: error %v, want ErrNotSPF", txt, err)
		}
	}
	// Every bad term is reported, the good ones kept.
	rec, err = ParseSPF("v=spf1 ip4:1 foo:bar mx -all")
	if rec == nil || len(rec.Terms) != 2 || strings.Count(err.Error(), "\n") != 1 {
		t.Errorf("partial parse: %+v, %v", rec, err)
	}
}

func TestMacroExpansion(t *testing.T) {
	t.Parallel()
	env := &macroEnv{
		sender: "strong-bad@email.example.com", local: "strong-bad", senderDomain: "email.example.com",
		domain: "email.example.com", ip: netip.MustParseAddr("192.0.2.3"), helo: "mx.example.org",
		now: time.Unix(1700000000, 0),
	}
	// The examples of RFC 7208 §7.4.
	tests := []struct{ in, want string }{
		{"%{s}", "strong-bad@email.example.com"},
		{"%{o}", "email.example.com"},
		{"%{d}", "email.example.com"},
		{"%{d4}", "email.example.com"},
		{"%{d3}", "email.example.com"},
		{"%{d2}", "example.com"},
		{"%{d1}", "com"},
		{"%{dr}", "com.example.email"},
		{"%{d2r}", "example.email"},
		{"%{l}", "strong-bad"},
		{"%{l-}", "strong.bad"},
		{"%{lr}", "strong-bad"},
		{"%{lr-}", "bad.strong"},
		{"%{l1r-}", "strong"},
		{"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
		{"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
		{"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
		{"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"},
		{"%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"},
		{"%%%_%-", "% %20"},
		{"%{S}", "strong-bad%40email.example.com"},
		{"%{h}", "mx.example.org"},
		{"%{p}", "unknown"},
		{"%{t}", "1700000000"},
		{"%{c}", "192.0.2.3"},
		{"%{r}", "unknown"},
	}
	for _, tc := range tests {
		parts, err := parseMacroString(tc.in, true)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got := expand(parts, env); got != tc.want {
			t.Errorf("%s = %q, want %q", tc.in, got, tc.want)
		}
	}
	env.ip = netip.MustParseAddr("2001:db8::cb01")
	parts, _ := parseMacroString("%{ir}.%{v}._spf.%{d2}", false)
	if got, want := expand(parts, env), "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"; got != want {
		t.Errorf("IPv6 %%{ir} = %q, want %q", got, want)
	}
	if got := truncateDomain(strings.Repeat("abcdefghi.", 30) + "example.com"); len(got) > 253 || !strings.HasSuffix(got, ".example.com") || strings.HasPrefix(got, ".") {
		t.Errorf("truncateDomain = %q (%d)", got, len(got))
	}
}
