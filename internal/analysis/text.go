package analysis

import (
	"math"
	"strconv"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/textfmt"
)

// percent returns n as a percentage of d, 0-100 rounded to 2 decimals; 0
// when d is 0.
func percent(n, d int64) float64 {
	if d <= 0 {
		return 0
	}
	return math.Round(float64(n)*10000/float64(d)) / 100
}

// atLeast reports whether n is at least pct percent of d, unrounded. It is
// false when d is 0.
func atLeast(n, d int64, pct float64) bool {
	return d > 0 && float64(n)*100 >= pct*float64(d)
}

// num formats n with thousands separators: 12,345.
func num(n int64) string { return textfmt.Int(n) }

// messages formats a message count with its noun: "1 message", "12,345
// messages".
func messages(n int64) string {
	return plural(n, "message", "messages")
}

// part says how many of all messages: "1 message", "all 12 messages", "3
// of their 12 messages".
func part(n, all int64) string {
	switch {
	case n == all && n > 1:
		return "all " + messages(n)
	case n == all:
		return messages(n)
	}
	return num(n) + " of their " + messages(all)
}

// plural formats n with the singular or plural noun.
func plural(n int64, one, many string) string { return textfmt.Count(n, one, many) }

// rate formats a percentage of n in d: "99.2%".
func rate(n, d int64) string {
	return strconv.FormatFloat(percent(n, d), 'f', -1, 64) + "%"
}

// join lists items in prose: "a", "a and b", "a, b and c".
func join(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
