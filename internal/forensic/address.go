package forensic

import (
	"strings"
)

// redactedLocal replaces the local part of a redacted address.
const redactedLocal = "***"

// addrFunc returns the replacement of the address local@domain found in a
// text.
type addrFunc func(local, domain string) string

// replaceAddresses finds the addr-specs (RFC 5322 section 3.4.1: a local
// part of atext and dots, or a quoted string, "@", a domain or a domain
// literal) in s and replaces each with fn's result. It looks for them
// anywhere, in display names, comments and parameter values too, because
// that is where real-world headers hide them ("\"a@b.example\" <a@b.example>",
// envelope-from=a@b.example). An "@" without a local part or a domain on
// either side ("i=@example.com", "<id@ host>") is not an address.
//
// A parameter name before "=" is not part of the local part when it looks
// like one ("smtp.mailfrom=", "envelope-from=", "header.i="): the local
// part is what follows it. A VERP local part ("bounces+x=example.com@...")
// is taken whole, since it encodes the recipient's address.
func replaceAddresses(s string, fn addrFunc) string {
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	last := 0 // s[:last] is written
	for i := 0; i < len(s); i++ {
		if s[i] != '@' {
			continue
		}
		start := localStart(s[last:i]) + last
		end := domainEnd(s, i+1)
		if start == i || end == i+1 {
			continue
		}
		b.WriteString(s[last:start])
		local := s[start:i]
		if local[0] == '"' {
			local = strings.Trim(local, `"`)
		}
		b.WriteString(fn(local, s[i+1:end]))
		last = end
		i = end - 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// localStart returns where the local part ending at the end of s starts,
// len(s) when there is none.
func localStart(s string) int {
	n := len(s)
	if n == 0 {
		return n
	}
	if s[n-1] == '"' {
		// A quoted local part: back to the opening quote.
		for j := n - 2; j >= 0; j-- {
			if s[j] == '"' && (j == 0 || s[j-1] != '\\') {
				if j == n-2 {
					return n // ""@x is no address
				}
				return j
			}
		}
		return n
	}
	j := n
	for j > 0 && localChar(s[j-1]) {
		j--
	}
	if j == n {
		return n
	}
	// A parameter name before the local part: "smtp.mailfrom=user".
	run := s[j:]
	if eq := strings.IndexByte(run, '='); eq > 0 && paramName(run[:eq]) {
		j += eq + 1
	}
	for j < n && s[j] == '.' {
		j++ // a local part does not start with a dot
	}
	return j
}

// domainEnd returns where the domain starting at s[i] ends (i when there
// is none): a domain literal in brackets, or labels of letters, digits,
// hyphens, underscores and non-ASCII bytes separated by dots.
func domainEnd(s string, i int) int {
	if i < len(s) && s[i] == '[' {
		if j := strings.IndexByte(s[i:], ']'); j > 1 {
			return i + j + 1
		}
		return i
	}
	j := i
	for j < len(s) && domainChar(s[j]) {
		j++
	}
	for j > i && (s[j-1] == '.' || s[j-1] == '-') {
		j--
	}
	return j
}

// localChar tells atext (RFC 5322 section 3.2.3), dots, and the bytes of
// UTF-8 local parts (RFC 6532).
func localChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c >= 0x80:
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~.", c) >= 0
}

func domainChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c >= 0x80:
		return true
	}
	return c == '-' || c == '.' || c == '_'
}

// paramNames are the parameter names without a dot that come before an
// address in Received-SPF, Received and similar fields.
var paramNames = map[string]bool{
	"envelope-from": true, "mailfrom": true, "from": true, "helo": true, "sender": true,
	"x-sender": true, "identity": true, "to": true, "rcpt": true, "rcpt-to": true, "i": true,
	"return-path": true, "smtp-mailfrom": true,
}

// paramName tells whether s is a parameter name ("smtp.mailfrom",
// "envelope-from"), not the start of a local part.
func paramName(s string) bool {
	if len(s) > 32 || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !(c >= 'a' && c <= 'z' || s[i] >= '0' && s[i] <= '9' || s[i] == '-' || s[i] == '_' || s[i] == '.') {
			return false
		}
	}
	return strings.Contains(s, ".") || paramNames[strings.ToLower(s)]
}

// redactAddress returns the address with its local part replaced.
func redactAddress(_, domain string) string {
	return redactedLocal + "@" + domain
}

// keyOf is the form addresses are compared in.
func keyOf(local, domain string) string {
	return strings.ToLower(local + "@" + domain)
}

// addresses returns the addresses in s, in the form of keyOf.
func addresses(s string) []string {
	var out []string
	replaceAddresses(s, func(local, domain string) string {
		out = append(out, keyOf(local, domain))
		return ""
	})
	return out
}

// domainOf returns the lower-case domain of the first address in s, or "".
func domainOf(s string) string {
	d := ""
	replaceAddresses(s, func(_, domain string) string {
		if d == "" {
			d = strings.ToValidUTF8(strings.ToLower(domain), "\uFFFD")
		}
		return ""
	})
	return d
}

// firstAddress returns the first address in s as local@domain, or s when
// there is none.
func firstAddress(s string) string {
	a := ""
	replaceAddresses(s, func(local, domain string) string {
		if a == "" {
			a = local + "@" + domain
		}
		return ""
	})
	if a == "" {
		return strings.TrimSpace(s)
	}
	return a
}

// MaskAddresses replaces the local part of every address in s with
// "***", as the addresses policy does in headers: for text beside a
// report that may name people, such as the file name a report came in
// ("sharepoint@example.com.eml").
func MaskAddresses(s string) string { return replaceAddresses(s, redactAddress) }
