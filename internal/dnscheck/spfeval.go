package dnscheck

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// SPFVerdict is a result of SPF's check_host() (RFC 7208 §2.6).
type SPFVerdict string

const (
	SPFPass      SPFVerdict = "pass"
	SPFFail      SPFVerdict = "fail"
	SPFSoftFail  SPFVerdict = "softfail"
	SPFNeutral   SPFVerdict = "neutral"
	SPFNone      SPFVerdict = "none"
	SPFPermError SPFVerdict = "permerror"
	SPFTempError SPFVerdict = "temperror"
)

// SPFResult is the outcome of evaluating SPF for one sending IP.
type SPFResult struct {
	Result SPFVerdict `json:"result"`
	// Domain is the domain whose SPF record was evaluated.
	Domain string `json:"domain"`
	// Mechanism is the term of Domain's record that decided the result,
	// e.g. "include:_spf.google.com" or "-all"; empty when no term matched
	// (a "neutral" default) or on none, permerror and temperror.
	Mechanism string `json:"mechanism,omitempty"`
	// Matched is the path to the mechanism that matched: each include or
	// redirect followed, then the mechanism, e.g. example.com
	// "include:_spf.google.com", _spf.google.com "include:_netblocks.google.com",
	// _netblocks.google.com "ip4:209.85.128.0/17".
	Matched []SPFStep `json:"matched,omitempty"`
	// Explanation is the text of the exp= modifier of a "fail" (§6.2).
	Explanation string `json:"explanation,omitempty"`
	// Reason says why the result is none, neutral by default, permerror
	// or temperror.
	Reason string `json:"reason,omitempty"`
	// Lookups and VoidLookups are what the evaluation counted against the
	// limits of RFC 7208 §4.6.4.
	Lookups     int `json:"lookups"`
	VoidLookups int `json:"void_lookups"`
}

// SPFStep is one term on the way to a match.
type SPFStep struct {
	Domain string `json:"domain"`
	Term   string `json:"term"`
}

// ErrInvalidIP: EvaluateSPF was given no valid IP address.
var ErrInvalidIP = errors.New("invalid IP address")

// EvaluateSPF evaluates the SPF record of domain for mail from ip with
// the envelope sender sender: check_host() of RFC 7208 §4, including
// includes, redirects, macros (§7; %{h} expands to domain, as the HELO
// name is not known) and the limits of 10 DNS-querying terms and 2 void
// lookups (§4.6.4). An empty sender means postmaster@domain; a sender
// without "@" is taken as a domain. DNS failures give temperror, as the
// RFC says; the error is for an invalid ip or ctx ending.
func (c *Checker) EvaluateSPF(ctx context.Context, ip netip.Addr, domain, sender string) (SPFResult, error) {
	if !ip.IsValid() {
		return SPFResult{}, ErrInvalidIP
	}
	s, err := c.newSession()
	if err != nil {
		return SPFResult{}, err
	}
	domain = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(domain), "."))
	local, senderDomain, ok := strings.Cut(sender, "@")
	switch {
	case sender == "":
		local, senderDomain = "postmaster", domain
	case !ok:
		local, senderDomain = "postmaster", sender
	case local == "":
		local = "postmaster"
	}
	e := &spfEval{s: s, ip: ip.Unmap(), env: macroEnv{
		sender: local + "@" + senderDomain, local: local, senderDomain: senderDomain,
		ip: ip.Unmap(), helo: domain, now: time.Now(),
	}}
	e.env.ptr = sync.OnceValue(func() string { return e.validatedName(ctx, "") })
	r := e.checkHost(ctx, domain)
	if err := ctx.Err(); err != nil {
		return SPFResult{}, err
	}
	r.Domain, r.Lookups, r.VoidLookups = domain, e.lookups, e.voids
	if len(r.Matched) > 0 {
		r.Mechanism = r.Matched[0].Term
	}
	return r, nil
}

// spfEval is one evaluation of check_host().
type spfEval struct {
	s       *session
	ip      netip.Addr
	env     macroEnv
	lookups int
	voids   int
}

// errResult is a result that ends the evaluation: permerror or temperror.
type errResult struct {
	verdict SPFVerdict
	reason  string
}

func (e *errResult) Error() string { return string(e.verdict) + ": " + e.reason }

func permerror(format string, args ...any) *errResult {
	return &errResult{SPFPermError, fmt.Sprintf(format, args...)}
}

func temperror(format string, args ...any) *errResult {
	return &errResult{SPFTempError, fmt.Sprintf(format, args...)}
}

// checkHost is check_host() for domain (§4).
func (e *spfEval) checkHost(ctx context.Context, domain string) SPFResult {
	domain = strings.ToLower(domain)
	if !validDomain(domain) {
		return SPFResult{Result: SPFNone, Reason: fmt.Sprintf("%q is not a valid domain name (§4.3)", domain)}
	}
	recs, a := e.s.spfRecords(ctx, domain)
	switch {
	case a.err != nil:
		return SPFResult{Result: SPFTempError, Reason: a.err.Error()}
	case len(recs) == 0:
		return SPFResult{Result: SPFNone, Reason: "no SPF record at " + domain}
	case len(recs) > 1:
		return SPFResult{Result: SPFPermError, Reason: fmt.Sprintf("%d SPF records at %s (§4.5)", len(recs), domain)}
	}
	rec, err := ParseSPF(recs[0].text)
	if err != nil {
		return SPFResult{Result: SPFPermError, Reason: fmt.Sprintf("%s: %v", domain, err)}
	}
	env := e.env
	env.domain = domain
	for _, t := range rec.Terms {
		if t.Modifier {
			continue
		}
		matched, inner, err := e.match(ctx, &env, t)
		var er *errResult
		if errors.As(err, &er) {
			return SPFResult{Result: er.verdict, Reason: er.reason}
		}
		if !matched {
			continue
		}
		r := SPFResult{Result: qualifierResult(t.Qualifier), Matched: append([]SPFStep{{domain, t.Text}}, inner...)}
		if r.Result == SPFFail {
			r.Explanation = e.explain(ctx, &env, rec)
		}
		return r
	}
	if rd := rec.modifier("redirect"); rd != nil && !rec.hasAll() {
		if er := e.count(); er != nil {
			return SPFResult{Result: er.verdict, Reason: er.reason}
		}
		target := truncateDomain(expand(rd.macro, &env))
		r := e.checkHost(ctx, target)
		if r.Result == SPFNone {
			return SPFResult{Result: SPFPermError, Reason: fmt.Sprintf("%s: %s: %s (§6.1)", domain, rd.Text, r.Reason)}
		}
		if r.Result != SPFPermError && r.Result != SPFTempError {
			r.Matched = append([]SPFStep{{domain, rd.Text}}, r.Matched...)
		}
		return r
	}
	return SPFResult{Result: SPFNeutral, Reason: "no mechanism matched and the record has no all (§4.7)"}
}

// qualifierResult maps a qualifier to its result (§4.6.2).
func qualifierResult(q string) SPFVerdict {
	switch q {
	case "-":
		return SPFFail
	case "~":
		return SPFSoftFail
	case "?":
		return SPFNeutral
	}
	return SPFPass
}

// count counts a DNS-querying term against the limit.
func (e *spfEval) count() *errResult {
	e.lookups++
	if e.lookups > SPFLookupLimit {
		return permerror("more than %d DNS-querying terms (§4.6.4)", SPFLookupLimit)
	}
	return nil
}

// lookup asks for name's records of type qtype for a term, counting void
// answers; a failed lookup is a temperror (§5).
func (e *spfEval) lookup(ctx context.Context, name string, qtype uint16) ([]dns.RR, error) {
	a := e.s.query(ctx, name, qtype)
	if a.err != nil {
		if errors.Is(a.err, ErrInvalidDomain) {
			return nil, nil // an expanded name that cannot exist matches nothing
		}
		return nil, temperror("%v", a.err)
	}
	return a.rrs, nil
}

// void counts a term whose lookups found nothing.
func (e *spfEval) void() error {
	e.voids++
	if e.voids > SPFVoidLimit {
		return permerror("more than %d lookups found nothing (§4.6.4)", SPFVoidLimit)
	}
	return nil
}

// match evaluates one mechanism; for an include that matched, inner is the
// path inside it. The error is an *errResult.
func (e *spfEval) match(ctx context.Context, env *macroEnv, t SPFTerm) (matched bool, inner []SPFStep, err error) {
	if t.Name == "all" {
		return true, nil, nil
	}
	if t.Name == "ip4" || t.Name == "ip6" {
		return t.Prefix.Addr().Is4() == e.ip.Is4() && t.Prefix.Masked().Contains(e.ip), nil, nil
	}
	if er := e.count(); er != nil {
		return false, nil, er
	}
	target := env.domain
	if t.Domain != "" {
		target = truncateDomain(expand(t.macro, env))
	}
	switch t.Name {
	case "include":
		r := e.checkHost(ctx, target)
		switch r.Result {
		case SPFPass:
			return true, r.Matched, nil
		case SPFTempError:
			return false, nil, temperror("%s: %s", t.Text, r.Reason)
		case SPFPermError, SPFNone:
			return false, nil, permerror("%s: %s (§5.2)", t.Text, r.Reason)
		}
		return false, nil, nil
	case "a":
		addrs, err := e.addresses(ctx, target)
		if err != nil {
			return false, nil, err
		}
		if len(addrs) == 0 {
			return false, nil, e.void()
		}
		return e.inCIDR(addrs, t), nil, nil
	case "mx":
		rrs, err := e.lookup(ctx, target, dns.TypeMX)
		if err != nil {
			return false, nil, err
		}
		if len(rrs) == 0 {
			return false, nil, e.void()
		}
		if len(rrs) > SPFMXLimit {
			return false, nil, permerror("%s: %s has %d MX names, over %d (§4.6.4)", t.Text, target, len(rrs), SPFMXLimit)
		}
		for _, rr := range rrs {
			host := rr.(*dns.MX).Mx
			if host == "." {
				continue // a null MX (RFC 7505)
			}
			addrs, err := e.addresses(ctx, host)
			if err != nil {
				return false, nil, err
			}
			if e.inCIDR(addrs, t) {
				return true, nil, nil
			}
		}
		return false, nil, nil
	case "ptr":
		name := e.validatedName(ctx, target)
		return name != "unknown", nil, nil
	case "exists":
		rrs, err := e.lookup(ctx, target, dns.TypeA)
		if err != nil {
			return false, nil, err
		}
		if len(rrs) == 0 {
			return false, nil, e.void()
		}
		return true, nil, nil
	}
	return false, nil, permerror("unknown mechanism %s", t.Name)
}

// addresses returns the addresses of name of the family of the IP being
// checked (§5.3: A for IPv4, AAAA for IPv6).
func (e *spfEval) addresses(ctx context.Context, name string) ([]netip.Addr, error) {
	qtype := dns.TypeA
	if !e.ip.Is4() {
		qtype = dns.TypeAAAA
	}
	rrs, err := e.lookup(ctx, name, qtype)
	var out []netip.Addr
	for _, rr := range rrs {
		var ip netip.Addr
		switch rr := rr.(type) {
		case *dns.A:
			ip, _ = netip.AddrFromSlice(rr.A.To4())
		case *dns.AAAA:
			ip, _ = netip.AddrFromSlice(rr.AAAA.To16())
		}
		if ip.IsValid() {
			out = append(out, ip.Unmap())
		}
	}
	return out, err
}

// inCIDR reports whether the checked IP is in one of addrs' networks of
// t's prefix length.
func (e *spfEval) inCIDR(addrs []netip.Addr, t SPFTerm) bool {
	bits := t.CIDR4
	if !e.ip.Is4() {
		bits = t.CIDR6
	}
	return slices.ContainsFunc(addrs, func(a netip.Addr) bool {
		p, err := a.Prefix(bits)
		return err == nil && p.Contains(e.ip)
	})
}

// validatedName returns a validated domain name of the IP (§5.5): a PTR
// name whose addresses include the IP and that is target or a subdomain
// of it ("" accepts any name, for %{p}), or "unknown". Lookup errors make
// it fail to match, as §5.5 says.
func (e *spfEval) validatedName(ctx context.Context, target string) string {
	rev, err := dns.ReverseAddr(e.ip.String())
	if err != nil {
		return "unknown"
	}
	a := e.s.query(ctx, rev, dns.TypePTR)
	target = strings.ToLower(strings.TrimSuffix(target, "."))
	for i, rr := range a.rrs {
		if i == SPFMXLimit { // §4.6.4: at most 10 PTR names are looked up
			break
		}
		name := strings.ToLower(strings.TrimSuffix(rr.(*dns.PTR).Ptr, "."))
		if target != "" && name != target && !strings.HasSuffix(name, "."+target) {
			continue
		}
		addrs, _ := e.addresses(ctx, name)
		if slices.Contains(addrs, e.ip) {
			return name
		}
	}
	return "unknown"
}

// explain returns the explanation of a fail: the TXT record that exp=
// names, its macros expanded (§6.2); "" when there is none or it cannot
// be used.
func (e *spfEval) explain(ctx context.Context, env *macroEnv, rec *SPFRecord) string {
	exp := rec.modifier("exp")
	if exp == nil {
		return ""
	}
	recs, a := e.s.txt(ctx, truncateDomain(expand(exp.macro, env)))
	if a.err != nil || len(recs) != 1 {
		return ""
	}
	parts, err := parseMacroString(recs[0].text, true)
	if err != nil {
		return ""
	}
	return expand(parts, env)
}
