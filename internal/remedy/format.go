package remedy

import (
	"strconv"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/textfmt"
)

// num writes n with thousands separators: 12,345.
func num(n int64) string { return textfmt.Int(n) }

// plural writes "1 message" or "12,345 messages".
func plural(n int64, one, many string) string { return textfmt.Count(n, one, many) }

// messages writes a count of messages.
func messages(n int64) string { return plural(n, "message", "messages") }

// share is part of whole in percent, 0 when whole is 0.
func share(part, whole int64) float64 {
	if whole <= 0 {
		return 0
	}
	return float64(part) * 100 / float64(whole)
}

// percent writes a share in percent with up to two decimals: "4.62%",
// "0.5%", "100%"; a share above 0 that rounds to 0 is "<0.01%".
func percent(p float64) string {
	if p > 0 && p < 0.005 {
		return "<0.01%"
	}
	s := strconv.FormatFloat(p, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}

// round2 rounds to two decimals, for JSON.
func round2(p float64) float64 {
	return float64(int64(p*100+0.5)) / 100
}

// joinAnd lists items in prose: "a", "a and b", "a, b and c".
func joinAnd(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
