package dnscheck

import (
	"context"
	"errors"
	"net/netip"
	"reflect"
	"testing"
)

const evalZone = `
e1.example.              TXT "v=spf1 ip4:192.0.2.0/25 ip6:2001:db8:1::/48 a:web.e1.example/24 a:web6.e1.example//64 mx/30 include:_inc.e1.example exists:%{i}._ex.e1.example -all"
e1.example.              MX  10 mx.e1.example.
mx.e1.example.           A   203.0.113.9
web.e1.example.          A   198.51.100.5
web6.e1.example.         AAAA 2001:db8:2::1
_inc.e1.example.         TXT "v=spf1 ip4:203.0.113.128/25 -all"
192.0.2.200._ex.e1.example. A 127.0.0.2

r.example.               TXT "v=spf1 ip4:192.0.2.1 redirect=_spf.r.example"
_spf.r.example.          TXT "v=spf1 ip4:198.51.100.0/24 ~all"
rnone.example.           TXT "v=spf1 redirect=nothing.example"
neutral.example.         TXT "v=spf1 ip4:192.0.2.1 ?all"
default.example.         TXT "v=spf1 ip4:192.0.2.1"
bad.example.             TXT "v=spf1 ip4:300.1.1.1 -all"
two.example.             TXT "v=spf1 -all"
two.example.             TXT "v=spf1 +all"
void.example.            TXT "v=spf1 a:gone1.void.example mx:gone2.void.example exists:gone3.void.example ip4:192.0.2.1 -all"
tmp.example.             TXT "v=spf1 a:down.tmp.example -all"
incnone.example.         TXT "v=spf1 include:nothing.example -all"
expl.example.            TXT "v=spf1 -all exp=explain.expl.example"
explain.expl.example.    TXT "%{i} is not allowed to send mail for %{d}"
mac.example.             TXT "v=spf1 exists:%{l}.%{o}._u.mac.example -all"
alice.mac.example._u.mac.example. A 127.0.0.2
ptr.example.             TXT "v=spf1 ptr:ptr.example -all"
77.2.0.192.in-addr.arpa. PTR host.ptr.example.
78.2.0.192.in-addr.arpa. PTR liar.ptr.example.
host.ptr.example.        A   192.0.2.77
liar.ptr.example.        A   192.0.2.99
deep.example.            TXT "v=spf1 include:d1.deep.example -all"
d1.deep.example.         TXT "v=spf1 include:d2.deep.example -all"
d2.deep.example.         TXT "v=spf1 include:d3.deep.example -all"
d3.deep.example.         TXT "v=spf1 include:d4.deep.example -all"
d4.deep.example.         TXT "v=spf1 include:d5.deep.example -all"
d5.deep.example.         TXT "v=spf1 include:d6.deep.example -all"
d6.deep.example.         TXT "v=spf1 include:d7.deep.example -all"
d7.deep.example.         TXT "v=spf1 include:d8.deep.example -all"
d8.deep.example.         TXT "v=spf1 include:d9.deep.example -all"
d9.deep.example.         TXT "v=spf1 include:d10.deep.example -all"
d10.deep.example.        TXT "v=spf1 include:d11.deep.example -all"
d11.deep.example.        TXT "v=spf1 ip4:192.0.2.1 -all"
ten.example.             TXT "v=spf1 include:d2.deep.example -all"
upper.example.           TXT "v=spf1 include:_INC.E1.Example -all"
`

func TestEvaluateSPF(t *testing.T) {
	t.Parallel()
	c, srv := newChecker(t, evalZone)
	srv.Fail("down.tmp.example")
	ctx := context.Background()
	tests := []struct {
		ip, domain, sender string
		result             SPFVerdict
		mechanism          string
		lookups, voids     int
	}{
		{"192.0.2.5", "e1.example", "", SPFPass, "ip4:192.0.2.0/25", 0, 0},
		{"::ffff:192.0.2.5", "e1.example", "", SPFPass, "ip4:192.0.2.0/25", 0, 0},
		{"2001:db8:1:ff::1", "e1.example", "", SPFPass, "ip6:2001:db8:1::/48", 0, 0},
		{"198.51.100.200", "e1.example", "", SPFPass, "a:web.e1.example/24", 1, 0},
		{"2001:db8:2::ffff", "e1.example", "", SPFPass, "a:web6.e1.example//64", 2, 1},
		{"2001:db8:3::1", "e1.example", "", SPFFail, "-all", 5, 2},
		{"203.0.113.10", "e1.example", "", SPFPass, "mx/30", 3, 1},
		{"203.0.113.12", "e1.example", "", SPFFail, "-all", 5, 2},
		{"203.0.113.200", "e1.example", "", SPFPass, "include:_inc.e1.example", 4, 1},
		{"192.0.2.200", "e1.example", "", SPFPass, "exists:%{i}._ex.e1.example", 5, 1},
		{"192.0.2.128", "e1.example", "", SPFFail, "-all", 5, 2},
		{"198.51.100.7", "r.example", "", SPFPass, "redirect=_spf.r.example", 1, 0},
		{"203.0.113.1", "r.example", "", SPFSoftFail, "redirect=_spf.r.example", 1, 0},
		{"192.0.2.1", "r.example", "", SPFPass, "ip4:192.0.2.1", 0, 0},
		{"192.0.2.1", "rnone.example", "", SPFPermError, "", 1, 0},
		{"192.0.2.9", "neutral.example", "", SPFNeutral, "?all", 0, 0},
		{"192.0.2.9", "default.example", "", SPFNeutral, "", 0, 0},
		{"192.0.2.9", "nothing.example", "", SPFNone, "", 0, 0},
		{"192.0.2.9", "bad.example", "", SPFPermError, "", 0, 0},
		{"192.0.2.9", "two.example", "", SPFPermError, "", 0, 0},
		{"198.51.100.1", "void.example", "", SPFPermError, "", 3, 3},
		{"192.0.2.1", "tmp.example", "", SPFTempError, "", 1, 0},
		{"192.0.2.1", "incnone.example", "", SPFPermError, "", 1, 0},
		{"192.0.2.1", "mac.example", "alice@mac.example", SPFPass, "exists:%{l}.%{o}._u.mac.example", 1, 0},
		{"192.0.2.1", "mac.example", "bob@mac.example", SPFFail, "-all", 1, 1},
		{"192.0.2.77", "ptr.example", "", SPFPass, "ptr:ptr.example", 1, 0},
		{"192.0.2.78", "ptr.example", "", SPFFail, "-all", 1, 0},
		{"192.0.2.1", "deep.example", "", SPFPermError, "", 11, 0},
		{"192.0.2.1", "ten.example", "", SPFPass, "include:d2.deep.example", 10, 0},
		{"192.0.2.1", "not-a-domain", "", SPFNone, "", 0, 0},
		{"203.0.113.200", "UPPER.example", "", SPFPass, "include:_INC.E1.Example", 1, 0},
	}
	for _, tc := range tests {
		r, err := c.EvaluateSPF(ctx, netip.MustParseAddr(tc.ip), tc.domain, tc.sender)
		if err != nil {
			t.Errorf("%s %s: %v", tc.ip, tc.domain, err)
			continue
		}
		if r.Result != tc.result || r.Mechanism != tc.mechanism || r.Lookups != tc.lookups || r.VoidLookups != tc.voids {
			t.Errorf("%s %s: %s %q, %d lookups, %d void (%s); want %s %q, %d, %d", tc.ip, tc.domain, r.Result, r.Mechanism, r.Lookups, r.VoidLookups, r.Reason,
				tc.result, tc.mechanism, tc.lookups, tc.voids)
		}
		if (r.Result == SPFPermError || r.Result == SPFTempError || r.Result == SPFNone) && r.Reason == "" {
			t.Errorf("%s %s: %s without a reason", tc.ip, tc.domain, r.Result)
		}
	}

	r, _ := c.EvaluateSPF(ctx, netip.MustParseAddr("203.0.113.200"), "e1.example", "")
	want := []SPFStep{{"e1.example", "include:_inc.e1.example"}, {"_inc.e1.example", "ip4:203.0.113.128/25"}}
	if !reflect.DeepEqual(r.Matched, want) {
		t.Errorf("matched %+v, want %+v", r.Matched, want)
	}
	r, _ = c.EvaluateSPF(ctx, netip.MustParseAddr("198.51.100.7"), "r.example", "")
	want = []SPFStep{{"r.example", "redirect=_spf.r.example"}, {"_spf.r.example", "ip4:198.51.100.0/24"}}
	if !reflect.DeepEqual(r.Matched, want) {
		t.Errorf("matched %+v, want %+v", r.Matched, want)
	}
	r, _ = c.EvaluateSPF(ctx, netip.MustParseAddr("192.0.2.9"), "expl.example", "")
	if r.Result != SPFFail || r.Explanation != "192.0.2.9 is not allowed to send mail for expl.example" {
		t.Errorf("explanation: %s %q", r.Result, r.Explanation)
	}
	if _, err := c.EvaluateSPF(ctx, netip.Addr{}, "e1.example", ""); !errors.Is(err, ErrInvalidIP) {
		t.Errorf("invalid IP: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.EvaluateSPF(cancelled, netip.MustParseAddr("192.0.2.1"), "e1.example", ""); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
