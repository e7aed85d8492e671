package anomaly

import "math"

// Scores and their meaning.
const (
	// alertScore is the score from which an anomaly alerts.
	alertScore = 50
	// ruleScore is the least score of an anomaly crossing one of the
	// protocol's thresholds and the learned one.
	ruleScore = 60
	// listedScore is the score of a protocol rule's finding too small to
	// alert (a new failing source of a few messages): listed, as the
	// protocol asks, but quiet.
	listedScore = 20
)

// deviationScore maps a deviation of dev MADs to 0-100: threshold MADs is
// 50, each MAD beyond it about 15 more at first.
func deviationScore(dev, threshold float64) int {
	return clampScore(100 / (1 + math.Exp(-0.7*(dev-threshold))))
}

// shareScore maps the share of a usual day's volume a finding carries to
// 0-100: 2% is 50, 20% is 75, twice a usual day 100.
func shareScore(share float64) int {
	if share <= 0 {
		return 0
	}
	return clampScore(50 + 25*math.Log10(share/0.02))
}

func clampScore(x float64) int {
	return int(math.Round(min(100, max(0, x))))
}

// confidenceOf is high, medium or low as a baseline of n days compares
// with the full days of its class in the window.
func confidenceOf(n, full int) string {
	switch r := float64(n) / float64(max(full, 1)); {
	case r >= 0.75:
		return "high"
	case r >= 0.4:
		return "medium"
	}
	return "low"
}

// severityOf is the protocol's severity of a score.
func severityOf(score int) string {
	switch {
	case score >= 80:
		return "high"
	case score >= alertScore:
		return "medium"
	}
	return "low"
}
