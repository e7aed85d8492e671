// Package textfmt writes numbers the way Parse DMARC's plain-English
// sentences show them (explanations, fixes, alerts, digests): whole
// numbers with thousands separators and counts with their noun. English
// only: the separator is always a comma.
package textfmt

import "strconv"

// Int writes n with thousands separators: 12,345 and -1,000.
func Int(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n > -1000 && n < 1000 {
		return s
	}
	digits := s
	if n < 0 {
		digits = s[1:]
	}
	b := make([]byte, 0, len(s)+len(digits)/3)
	if n < 0 {
		b = append(b, '-')
	}
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, digits[i])
	}
	return string(b)
}

// Count writes n with its noun, one or many: "1 message", "12,345
// messages", "0 messages".
func Count(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Int(n) + " " + many
}
