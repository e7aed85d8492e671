package anomaly

import (
	"fmt"
	"strconv"

	"github.com/parse-dmarc/parse-dmarc/internal/textfmt"
)

// num writes n with thousands separators: 4,210.
func num(n int64) string { return textfmt.Int(n) }

// numf writes x rounded to a whole number with separators.
func numf(x float64) string { return num(int64(x + 0.5)) }

// messages is "1 message" or "4,210 messages".
func messages(n int64) string { return textfmt.Count(n, "message", "messages") }

// pct writes a rate 0-1 as a percentage with one decimal: 97.2%.
func pct(r float64) string { return strconv.FormatFloat(r*100, 'f', 1, 64) + "%" }

// window names the baseline window: "the last 4 weeks" or "the last 10
// days".
func window(days int) string {
	if days%7 == 0 {
		if days == 7 {
			return "the last week"
		}
		return fmt.Sprintf("the last %d weeks", days/7)
	}
	return fmt.Sprintf("the last %d days", days)
}

// mads writes a deviation: 6.3 MADs.
func mads(dev float64) string {
	if dev < 0 {
		dev = -dev
	}
	return strconv.FormatFloat(dev, 'f', 1, 64) + " MADs"
}
