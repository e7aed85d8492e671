package dnscheck

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// SPFRecord is a parsed SPF record (RFC 7208 §4.6, §12).
type SPFRecord struct {
	// Terms are the directives and modifiers in order, the version
	// excluded.
	Terms []SPFTerm `json:"terms"`
}

// SPFTerm is one directive (a mechanism with its qualifier) or modifier.
type SPFTerm struct {
	// Text is the term as published.
	Text string `json:"text"`
	// Name is the mechanism (all, include, a, mx, ptr, ip4, ip6, exists)
	// or modifier (redirect, exp, or an unknown one), in lower case.
	Name     string `json:"name"`
	Modifier bool   `json:"modifier,omitempty"`
	// Qualifier is the mechanism's result on a match: "+" (pass, the
	// default), "-" (fail), "~" (softfail) or "?" (neutral).
	Qualifier string `json:"qualifier,omitempty"`
	// Domain is the domain-spec of include, a, mx, ptr, exists, redirect
	// and exp, or the value of an unknown modifier; it may hold macros.
	// Empty for a, mx and ptr means the domain being checked.
	Domain string `json:"domain,omitempty"`
	// Prefix is the network of ip4 and ip6.
	Prefix netip.Prefix `json:"prefix,omitzero"`
	// CIDR4 and CIDR6 are the prefix lengths of a and mx (32 and 128
	// when not given).
	CIDR4 int `json:"cidr4,omitempty"`
	CIDR6 int `json:"cidr6,omitempty"`

	macro []macroPart // Domain parsed
}

// Mechanism names that cause DNS lookups, counted against the limit of 10
// (RFC 7208 §4.6.4), with the redirect modifier.
var spfLookupTerms = map[string]bool{"include": true, "a": true, "mx": true, "ptr": true, "exists": true, "redirect": true}

var spfMechanisms = []string{"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"}

// ErrNotSPF: a record does not begin with "v=spf1" (RFC 7208 §4.5).
var ErrNotSPF = errors.New(`not an SPF record (does not begin with "v=spf1")`)

// SPFSyntaxError is a term that does not parse: under RFC 7208 §4.6 the
// whole record is then a permerror.
type SPFSyntaxError struct {
	Term string
	Msg  string
}

func (e *SPFSyntaxError) Error() string { return fmt.Sprintf("%q: %s", e.Term, e.Msg) }

// isSPFRecord reports whether a TXT record is an SPF record: it begins
// with "v=spf1" (case-insensitive), followed by a space or the end
// (RFC 7208 §4.5).
func isSPFRecord(txt string) bool {
	return len(txt) >= 6 && strings.EqualFold(txt[:6], "v=spf1") && (len(txt) == 6 || txt[6] == ' ')
}

// ParseSPF parses an SPF record. It reads every term: the record holds
// those that parsed, and the error joins an *SPFSyntaxError for each that
// did not (or is ErrNotSPF); any error makes the record a permerror.
func ParseSPF(txt string) (*SPFRecord, error) {
	if !isSPFRecord(txt) {
		return nil, ErrNotSPF
	}
	r := &SPFRecord{Terms: []SPFTerm{}}
	var errs []error
	seen := map[string]bool{}
	for _, text := range strings.Split(txt[6:], " ") {
		if text == "" {
			continue
		}
		t, err := parseSPFTerm(text)
		if err != nil {
			errs = append(errs, &SPFSyntaxError{Term: text, Msg: err.Error()})
			continue
		}
		if t.Modifier && (t.Name == "redirect" || t.Name == "exp") {
			if seen[t.Name] {
				errs = append(errs, &SPFSyntaxError{Term: text, Msg: t.Name + "= appears more than once (RFC 7208 §6)"})
				continue
			}
			seen[t.Name] = true
		}
		r.Terms = append(r.Terms, t)
	}
	return r, errors.Join(errs...)
}

// parseSPFTerm parses one term.
func parseSPFTerm(text string) (SPFTerm, error) {
	t := SPFTerm{Text: text}
	// A modifier is a name followed by "=" (§4.6.1, §12).
	n := 0
	for n < len(text) && (isAlpha(text[n]) || n > 0 && (isDigit(text[n]) || strings.IndexByte("-_.", text[n]) >= 0)) {
		n++
	}
	if n > 0 && n < len(text) && text[n] == '=' {
		t.Modifier = true
		t.Name = strings.ToLower(text[:n])
		t.Domain = text[n+1:]
		var err error
		t.macro, err = parseMacroString(t.Domain, false)
		if err != nil {
			return t, err
		}
		if (t.Name == "redirect" || t.Name == "exp") && !validDomainEnd(t.macro) {
			return t, fmt.Errorf("%s= needs a domain name", t.Name)
		}
		return t, nil
	}

	rest := text
	t.Qualifier = "+"
	if strings.IndexByte("+-~?", rest[0]) >= 0 {
		t.Qualifier, rest = rest[:1], rest[1:]
	}
	name, arg, hasArg := strings.Cut(rest, ":")
	if i := strings.IndexByte(name, '/'); i >= 0 && !hasArg {
		name, arg = name[:i], name[i:] // a/24 or mx//64: a CIDR length without a domain
	}
	t.Name = strings.ToLower(name)
	switch t.Name {
	case "all":
		if hasArg || arg != "" {
			return t, fmt.Errorf("all takes no argument")
		}
	case "include", "exists":
		if !hasArg {
			return t, fmt.Errorf("%s needs a domain (%s:example.com)", t.Name, t.Name)
		}
		return t, t.setDomain(arg)
	case "ptr":
		if hasArg {
			return t, t.setDomain(arg)
		}
	case "a", "mx":
		t.CIDR4, t.CIDR6 = 32, 128
		spec, err := t.parseDualCIDR(arg)
		if err != nil {
			return t, err
		}
		if hasArg {
			return t, t.setDomain(spec)
		} else if spec != "" {
			return t, fmt.Errorf("unexpected %q", spec)
		}
	case "ip4", "ip6":
		if !hasArg {
			return t, fmt.Errorf("%s needs an address (%s:%s)", t.Name, t.Name, map[string]string{"ip4": "192.0.2.0/24", "ip6": "2001:db8::/32"}[t.Name])
		}
		return t, t.parseIP(arg)
	default:
		msg := fmt.Sprintf("unknown mechanism %q", name)
		if s := suggest(t.Name, spfMechanisms); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
		return t, errors.New(msg)
	}
	return t, nil
}

// setDomain sets and checks a domain-spec.
func (t *SPFTerm) setDomain(spec string) error {
	t.Domain = spec
	var err error
	t.macro, err = parseMacroString(spec, false)
	if err != nil {
		return err
	}
	if !validDomainEnd(t.macro) {
		return fmt.Errorf("%q is not a domain name", spec)
	}
	return nil
}

// parseDualCIDR strips the [/n][//n] of a or mx from the end of arg,
// setting CIDR4 and CIDR6, and returns what precedes it.
func (t *SPFTerm) parseDualCIDR(arg string) (string, error) {
	if i := strings.LastIndex(arg, "//"); i >= 0 {
		n, err := cidrLength(arg[i+2:], 128)
		if err != nil {
			return arg, err
		}
		t.CIDR6, arg = n, arg[:i]
	}
	if i := strings.LastIndexByte(arg, '/'); i >= 0 && isDigits(arg[i+1:]) {
		n, err := cidrLength(arg[i+1:], 32)
		if err != nil {
			return arg, err
		}
		t.CIDR4, arg = n, arg[:i]
	}
	return arg, nil
}

// parseIP parses the network of ip4 or ip6.
func (t *SPFTerm) parseIP(arg string) error {
	addr, length, hasLen := strings.Cut(arg, "/")
	ip, err := netip.ParseAddr(addr)
	max := 32
	if t.Name == "ip6" {
		max = 128
	}
	switch {
	case err != nil || ip.Zone() != "":
		return fmt.Errorf("%q is not an IP address", addr)
	case t.Name == "ip4" && !ip.Is4():
		return fmt.Errorf("%s is an IPv6 address: write ip6:%s", addr, arg)
	case t.Name == "ip6" && ip.Is4():
		return fmt.Errorf("%s is an IPv4 address: write ip4:%s", addr, arg)
	}
	bits := max
	if hasLen {
		if bits, err = cidrLength(length, max); err != nil {
			return err
		}
	}
	t.Prefix = netip.PrefixFrom(ip, bits)
	return nil
}

// cidrLength parses a prefix length of at most max, without leading zeros
// (§12: ip4-cidr-length = "/" ("0" / %x31-39 0*1DIGIT)).
func cidrLength(s string, max int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || !isDigits(s) || len(s) > 1 && s[0] == '0' || n > max {
		return 0, fmt.Errorf("/%s is not a prefix length from 0 to %d", s, max)
	}
	return n, nil
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// modifier returns the modifier named name, or nil.
func (r *SPFRecord) modifier(name string) *SPFTerm {
	for i := range r.Terms {
		if r.Terms[i].Modifier && r.Terms[i].Name == name {
			return &r.Terms[i]
		}
	}
	return nil
}

// hasAll reports whether the record has an "all" mechanism, which makes
// redirect= ignored (§6.1).
func (r *SPFRecord) hasAll() bool {
	for _, t := range r.Terms {
		if !t.Modifier && t.Name == "all" {
			return true
		}
	}
	return false
}
