package analysis

import "time"

// Directions of a score trend.
const (
	TrendImproving = "improving"
	TrendDeclining = "declining"
	TrendStable    = "stable"
	// TrendUnknown: one of the periods has no mail, so there is nothing
	// to compare.
	TrendUnknown = "unknown"
)

// TrendThreshold is the change in score, in points, that a trend must
// exceed to be improving or declining: a change of 2 points or less is
// stable. Two integer scores differ by a point from rounding alone, and a
// point more from the day-to-day mix of senders; more than that is a real
// change.
const TrendThreshold = 2

// ScoreTrend compares the score of a recent period with that of the
// period before it.
type ScoreTrend struct {
	// Direction is improving, declining, stable or unknown.
	Direction string `json:"direction"`
	// Delta is the recent score minus the earlier one, 0 when unknown.
	Delta int `json:"delta"`
}

// CompareScores returns the trend from earlier to recent, typically the
// last N days and the N days before. Each period is scored with its own
// policy, so that tightening the policy shows as an improvement. The
// direction is unknown when either period has no messages. Low confidence
// of either score is not considered: the caller shows each score's
// confidence.
func CompareScores(recent, earlier ScoreInput) ScoreTrend {
	r, ok := ComputeScore(recent)
	if !ok {
		return ScoreTrend{Direction: TrendUnknown}
	}
	e, ok := ComputeScore(earlier)
	if !ok {
		return ScoreTrend{Direction: TrendUnknown}
	}
	t := ScoreTrend{Direction: TrendStable, Delta: r.Score - e.Score}
	switch {
	case t.Delta > TrendThreshold:
		t.Direction = TrendImproving
	case t.Delta < -TrendThreshold:
		t.Direction = TrendDeclining
	}
	return t
}

// DayCounts are the message counts of one day.
type DayCounts struct {
	Day    time.Time
	Counts MessageCounts
}

// DailyScore is the score of one day, a point of the score history.
type DailyScore struct {
	Day        time.Time `json:"day"`
	Score      int       `json:"score"`
	Grade      string    `json:"grade"`
	Zone       string    `json:"zone"`
	Confidence string    `json:"confidence"`
	Messages   int64     `json:"messages"`
}

// ScoreHistory scores each day of days under policy p, in the order given.
// Days without messages are left out rather than scored 0: a day no report
// covers says nothing about the domain, and a 0 would draw a false
// collapse in the chart. The result is empty, never nil, when no day has
// mail.
func ScoreHistory(days []DayCounts, p ScorePolicy) []DailyScore {
	out := make([]DailyScore, 0, len(days))
	for _, d := range days {
		s, ok := ComputeScore(ScoreInput{Counts: d.Counts, Policy: p})
		if !ok {
			continue
		}
		out = append(out, DailyScore{
			Day:        d.Day,
			Score:      s.Score,
			Grade:      s.Grade,
			Zone:       s.Zone,
			Confidence: s.Confidence,
			Messages:   s.Messages,
		})
	}
	return out
}
