package dnscheck

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// macroPart is one piece of an SPF macro-string (RFC 7208 §7.1): literal
// text, or a macro-expand.
type macroPart struct {
	literal string
	letter  byte // lower case; 0 for a literal
	escape  bool // an upper-case letter: URL-escape the value (§7.3)
	digits  int  // keep this many right-hand parts; 0 for all
	reverse bool
	delims  string // the delimiters splitting the value ("." when none)
}

// maxMacroDigits bounds the DIGIT transformer; values are capped at 128
// parts, the most a domain name can have.
const maxMacroDigits = 128

var errMacro = errors.New("macro")

// parseMacroString parses a macro-string (§7.1). In an explanation string
// (exp is true, §6.2) spaces and the c, r and t macros are also allowed.
func parseMacroString(s string, exp bool) ([]macroPart, error) {
	var parts []macroPart
	lit := func(t string) {
		if n := len(parts); n > 0 && parts[n-1].letter == 0 {
			parts[n-1].literal += t
		} else {
			parts = append(parts, macroPart{literal: t})
		}
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '%':
			if i+1 >= len(s) {
				return nil, fmt.Errorf("%w: a lone %% at the end (write %%%% for a percent sign)", errMacro)
			}
			i++
			switch s[i] {
			case '%':
				lit("%")
			case '_':
				lit(" ")
			case '-':
				lit("%20")
			case '{':
				end := strings.IndexByte(s[i:], '}')
				if end < 0 {
					return nil, fmt.Errorf("%w: %%{ without a closing }", errMacro)
				}
				p, err := parseMacroExpand(s[i+1:i+end], exp)
				if err != nil {
					return nil, err
				}
				parts = append(parts, p)
				i += end
			default:
				return nil, fmt.Errorf("%w: %%%c is not a macro (write %%%% for a percent sign)", errMacro, s[i])
			}
		case ch > 0x20 && ch < 0x7f, ch == ' ' && exp:
			lit(string(ch))
		default:
			return nil, fmt.Errorf("%w: character %q is not allowed", errMacro, ch)
		}
	}
	return parts, nil
}

// parseMacroExpand parses the inside of %{...}: a letter, transformers
// (digits and "r") and delimiters.
func parseMacroExpand(in string, exp bool) (macroPart, error) {
	if in == "" {
		return macroPart{}, fmt.Errorf("%w: empty %%{}", errMacro)
	}
	p := macroPart{letter: in[0] | 0x20, escape: in[0] >= 'A' && in[0] <= 'Z'}
	switch p.letter {
	case 's', 'l', 'o', 'd', 'i', 'p', 'h', 'v':
	case 'c', 'r', 't':
		if !exp {
			return p, fmt.Errorf("%w: %%{%c} is only allowed in an exp= explanation", errMacro, in[0])
		}
	default:
		return p, fmt.Errorf("%w: %%{%c} is not a macro letter (s, l, o, d, i, p, h, v)", errMacro, in[0])
	}
	rest := in[1:]
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	if n > 0 {
		d, err := strconv.Atoi(rest[:n])
		if err != nil || d == 0 || n > 3 {
			return p, fmt.Errorf("%w: %%{%s}: the number of parts must be 1 to %d", errMacro, in, maxMacroDigits)
		}
		p.digits = min(d, maxMacroDigits)
		rest = rest[n:]
	}
	if rest != "" && (rest[0] == 'r' || rest[0] == 'R') {
		p.reverse = true
		rest = rest[1:]
	}
	for _, r := range rest {
		if !strings.ContainsRune(".-+,/_=", r) {
			return p, fmt.Errorf("%w: %%{%s}: %q is not a delimiter (. - + , / _ =)", errMacro, in, r)
		}
	}
	p.delims = rest
	return p, nil
}

// hasMacros reports whether parts expand anything.
func hasMacros(parts []macroPart) bool {
	for _, p := range parts {
		if p.letter != 0 {
			return true
		}
	}
	return false
}

// validDomainEnd reports whether a domain-spec ends as §7.1 requires: with
// a macro, or with "." and a top label (not all digits) and an optional
// final ".".
func validDomainEnd(parts []macroPart) bool {
	if len(parts) == 0 {
		return false
	}
	last := parts[len(parts)-1]
	if last.letter != 0 {
		return true
	}
	lit := strings.TrimSuffix(last.literal, ".")
	i := strings.LastIndexByte(lit, '.')
	if i < 0 {
		return false
	}
	top := lit[i+1:]
	if top == "" || top[0] == '-' || top[len(top)-1] == '-' {
		return false
	}
	alpha := false
	for _, r := range top {
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			alpha = true
		case r >= '0' && r <= '9':
		case r == '-':
			alpha = true // RFC 7208's second toplabel form: digits with a hyphen
		default:
			return false
		}
	}
	return alpha
}

// macroEnv holds the values macros expand to (§7.3).
type macroEnv struct {
	sender       string // s
	local        string // l
	senderDomain string // o
	domain       string // d: the domain being checked
	ip           netip.Addr
	helo         string        // h
	ptr          func() string // p: the validated name of ip, or "unknown"
	receiver     string        // r
	now          time.Time     // t
}

// expand expands parts for env.
func expand(parts []macroPart, env *macroEnv) string {
	var b strings.Builder
	for _, p := range parts {
		if p.letter == 0 {
			b.WriteString(p.literal)
			continue
		}
		v := p.transform(env.value(p.letter))
		if p.escape {
			v = urlEscape(v)
		}
		b.WriteString(v)
	}
	return b.String()
}

// value returns the value of a macro letter.
func (env *macroEnv) value(letter byte) string {
	switch letter {
	case 's':
		return env.sender
	case 'l':
		return env.local
	case 'o':
		return env.senderDomain
	case 'd':
		return env.domain
	case 'i':
		return dottedIP(env.ip)
	case 'p':
		if env.ptr != nil {
			return env.ptr()
		}
		return "unknown"
	case 'v':
		if env.ip.Is4() {
			return "in-addr"
		}
		return "ip6"
	case 'h':
		return env.helo
	case 'c':
		return env.ip.String()
	case 'r':
		if env.receiver == "" {
			return "unknown"
		}
		return env.receiver
	case 't':
		return strconv.FormatInt(env.now.Unix(), 10)
	}
	return ""
}

// transform splits v on the delimiters, reverses the parts when asked,
// keeps the right-most digits of them and joins them with dots (§7.3).
func (p macroPart) transform(v string) string {
	if p.digits == 0 && !p.reverse && (p.delims == "" || p.delims == ".") {
		return v
	}
	delims := p.delims
	if delims == "" {
		delims = "."
	}
	var parts []string
	start := 0
	for i := 0; i < len(v); i++ {
		if strings.IndexByte(delims, v[i]) >= 0 {
			parts = append(parts, v[start:i])
			start = i + 1
		}
	}
	parts = append(parts, v[start:])
	if p.reverse {
		for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
			parts[i], parts[j] = parts[j], parts[i]
		}
	}
	if p.digits > 0 && p.digits < len(parts) {
		parts = parts[len(parts)-p.digits:]
	}
	return strings.Join(parts, ".")
}

// dottedIP is the %{i} form of ip: dotted quad for IPv4, dot-separated
// nibbles for IPv6 (§7.3).
func dottedIP(ip netip.Addr) string {
	if ip.Is4() {
		return ip.String()
	}
	b := ip.As16()
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 63)
	for i, x := range b {
		if i > 0 {
			out = append(out, '.')
		}
		out = append(out, hex[x>>4], '.', hex[x&0xf])
	}
	return string(out)
}

// urlEscape escapes what RFC 3986 does not list as unreserved (§7.3).
func urlEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// truncateDomain shortens an expanded domain name to at most 253 bytes by
// dropping labels on the left (§5, "domain-spec" expansion).
func truncateDomain(d string) string {
	d = strings.TrimSuffix(d, ".")
	for len(d) > 253 {
		i := strings.IndexByte(d, '.')
		if i < 0 {
			return d[len(d)-253:]
		}
		d = d[i+1:]
	}
	return d
}
