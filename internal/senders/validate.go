package senders

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// validate checks s and lower-cases its domains (DNS names compare
// case-insensitively, RFC 4343). The error is a *fieldError naming the
// field when one is wrong.
func (s *Service) validate() error {
	if err := validID(s.ID); err != nil {
		return &fieldError{"id", err}
	}
	s.Match.ReverseDNS = nilIfEmpty(s.Match.ReverseDNS)
	s.Match.ASN = nilIfEmpty(s.Match.ASN)
	s.Match.DKIMDomains = nilIfEmpty(s.Match.DKIMDomains)
	s.Match.SPFDomains = nilIfEmpty(s.Match.SPFDomains)
	s.DKIM.Selectors = nilIfEmpty(s.DKIM.Selectors)
	if strings.TrimSpace(s.Name) == "" {
		return &fieldError{"name", errors.New("missing")}
	}
	if len(s.Name) > 100 || strings.ContainsFunc(s.Name, isControl) || !utf8.ValidString(s.Name) {
		return &fieldError{"name", errors.New("must be one line of UTF-8 text, at most 100 bytes")}
	}
	if !utf8.ValidString(s.Note) {
		return &fieldError{"note", errors.New("must be UTF-8 text")}
	}
	if !slices.Contains(kinds, s.Kind) {
		return &fieldError{"kind", fmt.Errorf("%q is not one of %s", s.Kind, strings.Join(kinds, ", "))}
	}
	for _, l := range []struct {
		field string
		list  []string
	}{{"match.reverse_dns", s.Match.ReverseDNS}, {"match.dkim_domains", s.Match.DKIMDomains}, {"match.spf_domains", s.Match.SPFDomains}} {
		if err := domainList(l.field, l.list); err != nil {
			return err
		}
	}
	for i, asn := range s.Match.ASN {
		field := fmt.Sprintf("match.asn[%d]", i)
		if reservedASN(asn) {
			return &fieldError{field, fmt.Errorf("%d is a private or reserved AS number, which IP data never reports", asn)}
		}
		if slices.Index(s.Match.ASN, asn) < i {
			return &fieldError{field, fmt.Errorf("%d is listed twice", asn)}
		}
	}
	if s.RunsOn != "" && len(s.Match.DKIMDomains)+len(s.Match.SPFDomains) == 0 {
		return &fieldError{"match", errors.New("a service with runs_on is recognized by its dkim_domains or spf_domains only: list some")}
	}
	if s.SPFInclude != "" {
		d, ok := strings.CutPrefix(s.SPFInclude, "include:")
		if !ok {
			return &fieldError{"spf_include", fmt.Errorf("%q must be include:<domain> (RFC 7208 section 5.2)", s.SPFInclude)}
		}
		d, err := domainName(d)
		if err != nil {
			return &fieldError{"spf_include", err}
		}
		s.SPFInclude = "include:" + d
	}
	if err := s.DKIM.validate(); err != nil {
		return err
	}
	if !utf8.ValidString(s.DKIM.Note) {
		return &fieldError{"dkim.note", errors.New("must be UTF-8 text")}
	}
	if s.Docs != "" {
		u, err := url.Parse(s.Docs)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return &fieldError{"docs", fmt.Errorf("%q is not an https URL", s.Docs)}
		}
	}
	return nil
}

// validate checks d.
func (d *DKIMSetup) validate() error {
	switch d.Method {
	case "", "cname", "txt":
	default:
		return &fieldError{"dkim.method", fmt.Errorf("%q is not cname or txt", d.Method)}
	}
	if !d.Custom && (d.Method != "" || len(d.Selectors) > 0) {
		return &fieldError{"dkim.custom", errors.New("must be true when a method or selectors are given")}
	}
	for i, sel := range d.Selectors {
		field := fmt.Sprintf("dkim.selectors[%d]", i)
		s, err := selector(sel)
		if err != nil {
			return &fieldError{field, err}
		}
		if slices.Index(d.Selectors, s) < i {
			return &fieldError{field, fmt.Errorf("%q is listed twice", s)}
		}
		d.Selectors[i] = s
	}
	return nil
}

// domainList checks and lower-cases the domains of a matcher list.
func domainList(field string, list []string) error {
	for i, raw := range list {
		f := fmt.Sprintf("%s[%d]", field, i)
		d, err := domainName(raw)
		if err != nil {
			return &fieldError{f, err}
		}
		list[i] = d
		if slices.Index(list, d) < i {
			return &fieldError{f, fmt.Errorf("%q is listed twice", d)}
		}
	}
	return nil
}

// domainName checks a domain name of at least two labels (letters,
// digits, hyphens, and underscores as in _spf.google.com: RFC 2181 section
// 11 allows them beyond host names) and returns it lower-cased.
// Suffix matching is implied, so a leading dot or "*." is refused with a
// hint rather than silently dropped.
func domainName(raw string) (string, error) {
	d := strings.ToLower(raw)
	switch {
	case d == "":
		return "", errors.New("empty domain name")
	case strings.HasPrefix(d, "*.") || strings.HasPrefix(d, "."):
		return "", fmt.Errorf("%q: write the domain alone, its subdomains match too", raw)
	case strings.HasSuffix(d, "."):
		return "", fmt.Errorf("%q: write the domain without the final dot", raw)
	case len(d) > 253:
		return "", fmt.Errorf("%q is longer than a domain name can be", raw)
	case !strings.Contains(d, "."):
		return "", fmt.Errorf("%q is not a domain name of two labels or more", raw)
	}
	for l := range strings.SplitSeq(d, ".") {
		if !validLabel(strings.ReplaceAll(l, "_", "x")) {
			return "", fmt.Errorf("%q is not a domain name (label %q)", raw, l)
		}
	}
	return d, nil
}

// selector checks a DKIM selector: dot-separated labels (RFC 6376 section
// 3.1), and returns it lower-cased.
func selector(raw string) (string, error) {
	s := strings.ToLower(raw)
	if s == "" || len(s) > 200 {
		return "", fmt.Errorf("%q is not a DKIM selector", raw)
	}
	if strings.HasSuffix(s, "._domainkey") {
		return "", fmt.Errorf("%q: give the selector alone, without ._domainkey", raw)
	}
	for l := range strings.SplitSeq(s, ".") {
		if !validLabel(l) {
			return "", fmt.Errorf("%q is not a DKIM selector (label %q)", raw, l)
		}
	}
	return s, nil
}

// validLabel reports whether l is a DNS label of letters, digits and
// inner hyphens, lower case, at most 63 bytes.
func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := range len(l) {
		c := l[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// validID checks an id: lower case letters and digits in groups joined by
// single hyphens, at most 64 bytes.
func validID(id string) error {
	if id == "" {
		return errors.New("missing")
	}
	if len(id) > 64 || !validLabel(id) || strings.Contains(id, "--") {
		return fmt.Errorf("%q must be lower case letters and digits joined by single hyphens, at most 64", id)
	}
	return nil
}

// reservedASN reports whether asn is not a public AS number: 0, AS_TRANS
// (RFC 6793), documentation (RFC 5398), private use (RFC 6996) or
// reserved (RFC 7300).
func reservedASN(asn uint32) bool {
	return asn == 0 || asn == 23456 || (asn >= 64496 && asn <= 131071) || asn >= 4200000000
}

// nilIfEmpty returns nil for an empty list, so that "[]" and a missing
// list are the same.
func nilIfEmpty[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}

// isControl reports whether r is a control character.
func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
