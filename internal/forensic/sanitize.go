package forensic

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime"
	"net/netip"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
)

// field is one header field as read: its name as written and its value,
// unfolded.
type field struct {
	name, value string
}

// recipientFields are the header fields that name recipients. Their
// addresses are collected and redacted everywhere (see sanitizer.known).
var recipientFields = map[string]bool{
	"to": true, "cc": true, "bcc": true, "delivered-to": true, "x-original-to": true,
	"envelope-to": true, "x-envelope-to": true, "apparently-to": true, "resent-to": true,
	"resent-cc": true, "resent-bcc": true, "x-rcpt-to": true, "x-forwarded-to": true,
	"original-recipient": true, "final-recipient": true, "x-original-recipient": true,
	"original-rcpt-to": true,
}

// idField tells the fields that hold message IDs, whose local parts are
// not addresses and are kept for finding the message again.
func idField(lname string) bool {
	return strings.HasSuffix(lname, "message-id") || lname == "in-reply-to" || lname == "references" || lname == "content-id"
}

// signatureFields have a signature (b=, bh=) and copied headers (z=)
// reduced under RedactAddresses.
var signatureFields = map[string]bool{
	"dkim-signature": true, "arc-seal": true, "arc-message-signature": true,
	"x-google-dkim-signature": true, "domainkey-signature": true,
}

// sanitizer applies a Redaction policy to the texts of one report.
type sanitizer struct {
	policy Redaction
	// known holds the recipient addresses found in the report (keyOf
	// form), redacted wherever they appear under every policy.
	known map[string]bool
}

// collect adds the recipient addresses of the fields to known: those of
// recipientFields and of the "for" clause of Received fields.
func (s *sanitizer) collect(fields []field) {
	for _, f := range fields {
		lname := strings.ToLower(f.name)
		v := decodeWords(f.value)
		switch {
		case recipientFields[lname]:
			s.add(addresses(v))
		case lname == "received" || lname == "x-received":
			s.add(addresses(receivedFor(v)))
		}
	}
}

func (s *sanitizer) add(addrs []string) {
	if s.known == nil {
		s.known = map[string]bool{}
	}
	for _, a := range addrs {
		s.known[a] = true
	}
}

// text applies the policy to a free text (a field value of the feedback
// report, a subject): under off only the known recipients are redacted,
// under the other policies every address.
func (s *sanitizer) text(v string) string {
	v = strings.ToValidUTF8(v, "\uFFFD")
	return replaceAddresses(v, func(local, domain string) string {
		if s.policy != RedactOff || s.known[keyOf(local, domain)] {
			return redactAddress(local, domain)
		}
		return local + "@" + domain
	})
}

// recipients reduces a list of recipient addresses to ***@domain, or to
// nothing under RedactFull.
func (s *sanitizer) recipients(v string) []string {
	if s.policy == RedactFull {
		return nil
	}
	var out []string
	replaceAddresses(v, func(_, domain string) string {
		// A display name often repeats the address: one entry for both.
		if r := redactAddress("", domain); !slices.Contains(out, r) {
			out = append(out, r)
		}
		return ""
	})
	return out
}

// header returns the sanitised header of the reported message, one
// "Name: value" line per field.
func (s *sanitizer) header(fields []field) string {
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.ToValidUTF8(f.name, "\uFFFD"))
		b.WriteByte(':')
		if v := s.value(f); v != "" {
			b.WriteByte(' ')
			b.WriteString(v)
		}
	}
	return b.String()
}

// value applies the policy to the value of one header field.
func (s *sanitizer) value(f field) string {
	lname := strings.ToLower(f.name)
	v := strings.ToValidUTF8(decodeWords(f.value), "\uFFFD")
	if v == "" {
		return ""
	}
	switch s.policy {
	case RedactOff:
		return s.knownOnly(v)
	case RedactFull:
		if lname == "from" {
			if d := domainOf(v); d != "" {
				return redactAddress("", d)
			}
		}
		return "[redacted]"
	}
	switch {
	case recipientFields[lname]:
		if r := s.recipients(v); len(r) > 0 {
			return strings.Join(r, ", ")
		}
		return "[redacted]"
	case idField(lname):
		return s.knownOnly(v)
	case lname == "received" || lname == "x-received":
		v = reduceReceived(v)
	case signatureFields[lname]:
		v = reduceSignature(v)
	}
	return s.text(v)
}

// knownOnly redacts the known recipient addresses in v.
func (s *sanitizer) knownOnly(v string) string {
	return replaceAddresses(v, func(local, domain string) string {
		if s.known[keyOf(local, domain)] {
			return redactAddress(local, domain)
		}
		return local + "@" + domain
	})
}

// address applies the policy to an address field shown on its own (From,
// Original-Mail-From): under full only ***@domain is left.
func (s *sanitizer) address(v string) string {
	v = strings.ToValidUTF8(decodeWords(v), "\uFFFD")
	if s.policy == RedactFull {
		if d := domainOf(v); d != "" {
			return redactAddress("", d)
		}
		if strings.TrimSpace(v) == "" {
			return ""
		}
		return "[redacted]"
	}
	return s.text(v)
}

// digest replaces a text under RedactFull by a short SHA-256 digest.
func (s *sanitizer) digest(v string) string {
	if s.policy != RedactFull || v == "" {
		return v
	}
	sum := sha256.Sum256([]byte(v))
	return "sha256:" + hex.EncodeToString(sum[:8])
}

// receivedTokens splits a Received field (RFC 5321 section 4.4) into the
// words of its clauses, comments as single tokens, and the date after the
// last semicolon outside comments.
func receivedTokens(v string) (tokens []string, date string) {
	depth, semi := 0, -1
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '(':
			depth++
		case ')':
			if depth > 0 {
				depth--
			}
		case ';':
			if depth == 0 {
				semi = i
			}
		}
	}
	clause := v
	if semi >= 0 {
		clause, date = v[:semi], strings.TrimSpace(v[semi+1:])
	}
	depth = 0
	start := -1
	for i := 0; i <= len(clause); i++ {
		c := byte(' ')
		if i < len(clause) {
			c = clause[i]
		}
		switch {
		case c == '(':
			if depth == 0 {
				if start >= 0 {
					tokens = append(tokens, clause[start:i])
				}
				start = i
			}
			depth++
		case c == ')' && depth > 0:
			depth--
			if depth == 0 {
				tokens = append(tokens, clause[start:i+1])
				start = -1
			}
		case depth > 0:
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			if start >= 0 {
				tokens = append(tokens, clause[start:i])
				start = -1
			}
		default:
			if start < 0 {
				start = i
			}
		}
	}
	if depth > 0 && start >= 0 {
		tokens = append(tokens, clause[start:]) // an unclosed comment
	}
	return tokens, date
}

// receivedKeywords start the clauses of a Received field.
var receivedKeywords = map[string]bool{"from": true, "by": true, "via": true, "with": true, "id": true, "for": true}

// receivedFor returns the text of the "for" clause of a Received field,
// which names the recipient.
func receivedFor(v string) string {
	tokens, _ := receivedTokens(v)
	var b strings.Builder
	in := false
	for _, t := range tokens {
		lt := strings.ToLower(t)
		switch {
		case lt == "for":
			in = true
		case receivedKeywords[lt]:
			in = false
		case in && !strings.HasPrefix(t, "("):
			b.WriteString(t)
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// reduceReceived keeps of a Received field the hop it records: the "from"
// host with the first IP address of its comment, the "by" host, and the
// date. The "for" clause (a recipient), the "id", "with" and "via" clauses
// and the other comments (TLS details, internal names, envelope senders)
// are dropped.
func reduceReceived(v string) string {
	tokens, date := receivedTokens(v)
	var from, ip, by string
	kw := ""
	for i := 0; i < len(tokens); i++ {
		t := tokens[i]
		if strings.HasPrefix(t, "(") {
			if kw == "from" && ip == "" {
				ip = firstIP(t)
			}
			continue
		}
		lt := strings.ToLower(t)
		if !receivedKeywords[lt] {
			continue
		}
		kw = lt
		if i+1 >= len(tokens) || strings.HasPrefix(tokens[i+1], "(") || receivedKeywords[strings.ToLower(tokens[i+1])] {
			continue
		}
		switch lt {
		case "from":
			if from == "" {
				from = tokens[i+1]
			}
		case "by":
			if by == "" {
				by = tokens[i+1]
			}
		}
		i++
	}
	var parts []string
	if from != "" {
		if ip != "" && !strings.Contains(from, ip) {
			from += " ([" + ip + "])"
		}
		parts = append(parts, "from "+from)
	}
	if by != "" {
		parts = append(parts, "by "+by)
	}
	out := strings.Join(parts, " ")
	if date != "" {
		out += "; " + date
	}
	return strings.TrimPrefix(out, "; ")
}

// firstIP returns the first IP address in a comment: "[192.0.2.1]",
// "192.0.2.1:4227", "IPv6:2001:db8::1".
func firstIP(comment string) string {
	words := strings.FieldsFunc(comment, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '(' || r == ')' || r == '[' || r == ']' || r == ','
	})
	for _, w := range words {
		if len(w) > 5 && strings.EqualFold(w[:5], "ipv6:") {
			w = w[5:]
		}
		if a, err := netip.ParseAddr(w); err == nil {
			return a.String()
		}
		if ap, err := netip.ParseAddrPort(w); err == nil {
			return ap.Addr().String()
		}
	}
	return ""
}

// reduceSignature drops the signature values (b=, bh=) and the copied
// header fields (z=) of a DKIM or ARC signature (RFC 6376 section 3.5):
// they are long, say nothing a reader needs, and z= copies addresses.
func reduceSignature(v string) string {
	var kept []string
	for _, tag := range strings.Split(v, ";") {
		tag = strings.TrimSpace(tag)
		name, _, _ := strings.Cut(tag, "=")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "", "b", "bh", "z":
			continue
		}
		kept = append(kept, tag)
	}
	return strings.Join(kept, "; ")
}

// decodeWords decodes the RFC 2047 encoded words of a header value, in any
// charset golang.org/x/text knows; undecodable values are returned as they
// are.
func decodeWords(s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	d := mime.WordDecoder{CharsetReader: func(label string, r io.Reader) (io.Reader, error) {
		enc, err := htmlindex.Get(label)
		if err != nil {
			return nil, err
		}
		return enc.NewDecoder().Reader(r), nil
	}}
	t, err := d.DecodeHeader(s)
	if err != nil || !utf8.ValidString(t) {
		return s
	}
	return t
}
