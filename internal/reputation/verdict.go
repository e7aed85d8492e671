package reputation

import (
	"slices"
)

// Verdict is a judgement of an address, shown as a traffic light: green
// for Clean, yellow for Limited and Suspicious, red for Bad.
type Verdict string

// The verdicts, from the best to the worst.
const (
	// Clean: authorized by the domains, or known to a service as harmless.
	Clean Verdict = "clean"
	// Limited: too little data to judge, nothing against it either.
	Limited Verdict = "limited_data"
	// Suspicious: some evidence against it, not conclusive.
	Suspicious Verdict = "suspicious"
	// Bad: strong evidence against it (a known bad actor).
	Bad Verdict = "bad"
)

// Color is the verdict's traffic light: "green", "yellow" or "red".
func (v Verdict) Color() string {
	switch v {
	case Clean:
		return "green"
	case Bad:
		return "red"
	}
	return "yellow"
}

// severity orders the verdicts for combining them: limited data counts
// for less than a clean verdict from elsewhere, so a clean external answer
// lifts it, while any suspicion or bad verdict wins over clean ones.
func (v Verdict) severity() int {
	switch v {
	case Limited:
		return 0
	case Clean:
		return 1
	case Suspicious:
		return 2
	case Bad:
		return 3
	}
	return 0
}

// Assessment is a verdict with its score and the reasons for it in plain
// words.
type Assessment struct {
	Verdict Verdict `json:"verdict"`
	// Color is Verdict.Color, for clients.
	Color string `json:"color"`
	// Score is from 0 (certainly bad) to 100 (fully trusted).
	Score int `json:"score"`
	// Reasons explain the verdict, the most telling first.
	Reasons []string `json:"reasons"`
}

// assessment builds an Assessment with its color and the score clamped
// to 0-100.
func assessment(v Verdict, score int, reasons ...string) *Assessment {
	return &Assessment{Verdict: v, Color: v.Color(), Score: min(100, max(0, score)), Reasons: reasons}
}

// combine merges assessments (nil ones skipped) into one: the most severe
// verdict (see severity), the lowest score of those not Limited (all of
// them when every one is Limited), and every reason, those of the most
// severe verdicts first.
func combine(as ...*Assessment) Assessment {
	var list []*Assessment
	for _, a := range as {
		if a != nil {
			list = append(list, a)
		}
	}
	if len(list) == 0 {
		return *assessment(Limited, 50, "Nothing is known of this address")
	}
	// Stable: among equal verdicts the order given (internal first).
	slices.SortStableFunc(list, func(a, b *Assessment) int { return b.Verdict.severity() - a.Verdict.severity() })
	allLimited := list[0].Verdict == Limited // the most severe is Limited
	out := Assessment{Verdict: list[0].Verdict, Color: list[0].Verdict.Color(), Score: 100}
	for _, a := range list {
		out.Reasons = append(out.Reasons, a.Reasons...)
		if allLimited || a.Verdict != Limited {
			out.Score = min(out.Score, a.Score)
		}
	}
	return out
}
