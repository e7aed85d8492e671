package analysis_test

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
	"github.com/parse-dmarc/parse-dmarc/internal/golden"
)

// counts builds message counts: m messages, d passing DMARC, s SPF, k DKIM.
func counts(m, d, s, k int64) analysis.MessageCounts {
	return analysis.MessageCounts{Messages: m, DMARCPass: d, SPFPass: s, DKIMPass: k}
}

// pol builds a policy with p, pct and t=y.
func pol(p string, pct int, testing bool) analysis.ScorePolicy {
	return analysis.ScorePolicy{Policy: p, Pct: pct, Testing: testing}
}

func TestComputeScore(t *testing.T) {
	t.Parallel()
	reject := pol("reject", 100, false)
	tests := []struct {
		name       string
		c          analysis.MessageCounts
		p          analysis.ScorePolicy
		score      int
		grade      string
		zone       string
		policy     string
		effective  string
		multiplier float64
		confidence string
	}{
		{"all pass, reject", counts(1000, 1000, 1000, 1000), reject, 100, "A", "green", "reject", "reject", 1, "high"},
		{"all pass, quarantine", counts(1000, 1000, 1000, 1000), pol("quarantine", 100, false), 90, "A", "green", "quarantine", "quarantine", 0.9, "high"},
		{"all pass, none", counts(1000, 1000, 1000, 1000), pol("none", 100, false), 70, "C", "yellow", "none", "none", 0.7, "high"},
		{"no policy", counts(1000, 1000, 1000, 1000), pol("", 100, false), 70, "C", "yellow", "", "none", 0.7, "high"},
		{"unknown policy", counts(1000, 1000, 1000, 1000), pol("bogus", 100, false), 70, "C", "yellow", "", "none", 0.7, "high"},
		{"policy case and space", counts(1000, 1000, 1000, 1000), pol(" Reject ", 100, false), 100, "A", "green", "reject", "reject", 1, "high"},
		{"reject pct 50", counts(1000, 1000, 1000, 1000), pol("reject", 50, false), 90, "A", "green", "reject", "quarantine", 0.9, "high"},
		{"reject t=y", counts(1000, 1000, 1000, 1000), pol("reject", 100, true), 90, "A", "green", "reject", "quarantine", 0.9, "high"},
		{"reject pct and t=y weaken once", counts(1000, 1000, 1000, 1000), pol("reject", 10, true), 90, "A", "green", "reject", "quarantine", 0.9, "high"},
		{"quarantine pct 0", counts(1000, 1000, 1000, 1000), pol("quarantine", 0, false), 70, "C", "yellow", "quarantine", "none", 0.7, "high"},
		{"quarantine t=y", counts(1000, 1000, 1000, 1000), pol("quarantine", 100, true), 70, "C", "yellow", "quarantine", "none", 0.7, "high"},
		{"none pct 50 stays none", counts(1000, 1000, 1000, 1000), pol("none", 50, true), 70, "C", "yellow", "none", "none", 0.7, "high"},
		{"pct above 100", counts(1000, 1000, 1000, 1000), pol("reject", 150, false), 100, "A", "green", "reject", "reject", 1, "high"},
		{"negative pct", counts(1000, 1000, 1000, 1000), pol("reject", -1, false), 90, "A", "green", "reject", "quarantine", 0.9, "high"},
		{"nothing passes", counts(1000, 0, 0, 0), reject, 0, "F", "red", "reject", "reject", 1, "high"},
		// Rounding: halves round up, exactly.
		{"37.5 rounds up", counts(2, 1, 1, 0), reject, 38, "F", "red", "reject", "reject", 1, "low"},
		{"89.5 is an A", counts(45, 45, 45, 44), pol("quarantine", 100, false), 90, "A", "green", "quarantine", "quarantine", 0.9, "low"},
		{"89.49825 is a B", counts(10000, 10000, 9999, 9778), pol("quarantine", 100, false), 89, "B", "yellow", "quarantine", "quarantine", 0.9, "high"},
		{"79.5 is a B", counts(50, 50, 30, 29), reject, 80, "B", "yellow", "reject", "reject", 1, "low"},
		{"69.5 is a C", counts(35, 35, 35, 34), pol("none", 100, false), 70, "C", "yellow", "none", "none", 0.7, "low"},
		{"59.5 is a D", counts(50, 50, 10, 9), reject, 60, "D", "red", "reject", "reject", 1, "low"},
		{"59.4975 is an F", counts(10000, 10000, 2000, 1799), reject, 59, "F", "red", "reject", "reject", 1, "high"},
		// Confidence from volume.
		{"99 messages", counts(99, 99, 99, 99), reject, 100, "A", "green", "reject", "reject", 1, "low"},
		{"100 messages", counts(100, 100, 100, 100), reject, 100, "A", "green", "reject", "reject", 1, "high"},
		// Inconsistent counts are clamped.
		{"clamped", counts(10, 20, -5, 10), reject, 75, "C", "yellow", "reject", "reject", 1, "low"},
		{"huge counts", counts(math.MaxInt64, math.MaxInt64, math.MaxInt64, math.MaxInt64-1), reject, 100, "A", "green", "reject", "reject", 1, "high"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok := analysis.ComputeScore(analysis.ScoreInput{Counts: tt.c, Policy: tt.p})
			if !ok {
				t.Fatal("not scored")
			}
			if s.Score != tt.score || s.Grade != tt.grade || s.Zone != tt.zone {
				t.Errorf("score %d %s %s, want %d %s %s", s.Score, s.Grade, s.Zone, tt.score, tt.grade, tt.zone)
			}
			if s.Policy != tt.policy || s.EffectivePolicy != tt.effective || s.Multiplier != tt.multiplier {
				t.Errorf("policy %q effective %q ×%v, want %q %q ×%v", s.Policy, s.EffectivePolicy, s.Multiplier, tt.policy, tt.effective, tt.multiplier)
			}
			if s.Confidence != tt.confidence || (s.Confidence == "low") != (s.ConfidenceReason != "") {
				t.Errorf("confidence %q (%q), want %q", s.Confidence, s.ConfidenceReason, tt.confidence)
			}
			if len(s.Factors) != 4 {
				t.Fatalf("%d factors", len(s.Factors))
			}
			// The points add up to the score before rounding: within
			// half a point of it, plus the rounding of each factor.
			var sum float64
			for i, f := range s.Factors {
				if name := []string{"dmarc", "spf", "dkim", "policy"}[i]; f.Name != name || f.Hint == "" {
					t.Errorf("factor %d is %q with hint %q, want %q", i, f.Name, f.Hint, name)
				}
				sum += f.Points
			}
			if d := math.Abs(sum - float64(s.Score)); d > 0.5+4*0.05+1e-9 {
				t.Errorf("points add up to %v, score %d", sum, s.Score)
			}
		})
	}
}

func TestComputeScoreNoMessages(t *testing.T) {
	t.Parallel()
	for _, c := range []analysis.MessageCounts{{}, counts(-3, 1, 1, 1)} {
		s, ok := analysis.ComputeScore(analysis.ScoreInput{Counts: c, Policy: pol("reject", 100, false)})
		if ok || s.Score != 0 || s.Factors != nil {
			t.Errorf("%+v scored: %+v", c, s)
		}
	}
}

func TestScoreGradeZone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		score       int
		grade, zone string
	}{
		{100, "A", "green"}, {90, "A", "green"}, {89, "B", "yellow"}, {80, "B", "yellow"},
		{79, "C", "yellow"}, {70, "C", "yellow"}, {69, "D", "red"}, {60, "D", "red"},
		{59, "F", "red"}, {0, "F", "red"},
	}
	for _, tt := range tests {
		if g, z := analysis.ScoreGrade(tt.score), analysis.ScoreZone(tt.score); g != tt.grade || z != tt.zone {
			t.Errorf("%d: %s %s, want %s %s", tt.score, g, z, tt.grade, tt.zone)
		}
	}
}

// TestScoreGolden compares the full scores, hints included, of a set of
// inputs with testdata/score.golden.json. Run with -update after an
// intended change, and review the diff.
func TestScoreGolden(t *testing.T) {
	t.Parallel()
	cases := []struct {
		Name   string                 `json:"name"`
		Counts analysis.MessageCounts `json:"counts"`
		Policy analysis.ScorePolicy   `json:"policy"`
		Score  *analysis.HealthScore  `json:"score"`
	}{
		{Name: "typical p=none", Counts: counts(12345, 11800, 9100, 11500), Policy: pol("none", 100, false)},
		{Name: "all pass under full reject", Counts: counts(5000, 5000, 5000, 5000), Policy: pol("reject", 100, false)},
		{Name: "quarantine", Counts: counts(5000, 4990, 4000, 4900), Policy: pol("quarantine", 100, false)},
		{Name: "reject at pct 25", Counts: counts(800, 790, 700, 780), Policy: pol("reject", 25, false)},
		{Name: "reject in testing mode", Counts: counts(800, 790, 700, 780), Policy: pol("reject", 100, true)},
		{Name: "quarantine at pct 50 in testing mode", Counts: counts(800, 790, 700, 780), Policy: pol("quarantine", 50, true)},
		{Name: "no policy known", Counts: counts(300, 200, 150, 180), Policy: pol("", 100, false)},
		{Name: "one message, failing", Counts: counts(1, 0, 0, 0), Policy: pol("reject", 100, false)},
		{Name: "one message, passing", Counts: counts(1, 1, 1, 1), Policy: pol("reject", 100, false)},
		{Name: "nearly all and nearly none", Counts: counts(100000, 99999, 1, 50000), Policy: pol("reject", 100, false)},
	}
	for i := range cases {
		if s, ok := analysis.ComputeScore(analysis.ScoreInput{Counts: cases[i].Counts, Policy: cases[i].Policy}); ok {
			cases[i].Score = &s
		}
	}
	out, err := json.MarshalIndent(cases, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, '\n')
	golden.Check(t, "testdata/score.golden.json", out)
}

func TestCompareScores(t *testing.T) {
	t.Parallel()
	in := func(m, d, s, k int64, p string) analysis.ScoreInput {
		return analysis.ScoreInput{Counts: counts(m, d, s, k), Policy: pol(p, 100, false)}
	}
	tests := []struct {
		name            string
		recent, earlier analysis.ScoreInput
		direction       string
		delta           int
	}{
		{"same", in(100, 90, 90, 90, "reject"), in(100, 90, 90, 90, "reject"), "stable", 0},
		{"up 2 is stable", in(100, 92, 92, 92, "reject"), in(100, 90, 90, 90, "reject"), "stable", 2},
		{"down 2 is stable", in(100, 90, 90, 90, "reject"), in(100, 92, 92, 92, "reject"), "stable", -2},
		{"up 3 improves", in(100, 93, 93, 93, "reject"), in(100, 90, 90, 90, "reject"), "improving", 3},
		{"down 3 declines", in(100, 90, 90, 90, "reject"), in(100, 93, 93, 93, "reject"), "declining", -3},
		{"tighter policy improves", in(100, 100, 100, 100, "reject"), in(100, 100, 100, 100, "none"), "improving", 30},
		{"no recent mail", in(0, 0, 0, 0, "reject"), in(100, 90, 90, 90, "reject"), "unknown", 0},
		{"no earlier mail", in(100, 90, 90, 90, "reject"), in(0, 0, 0, 0, "reject"), "unknown", 0},
	}
	for _, tt := range tests {
		got := analysis.CompareScores(tt.recent, tt.earlier)
		if got.Direction != tt.direction || got.Delta != tt.delta {
			t.Errorf("%s: %+v, want %s %d", tt.name, got, tt.direction, tt.delta)
		}
	}
}

func TestScoreHistory(t *testing.T) {
	t.Parallel()
	day := func(n int) time.Time { return time.Date(2026, 3, n, 0, 0, 0, 0, time.UTC) }
	days := []analysis.DayCounts{
		{Day: day(1), Counts: counts(200, 200, 200, 200)},
		{Day: day(2)}, // no mail: left out, not 0
		{Day: day(3), Counts: counts(50, 25, 25, 25)},
		{Day: day(4), Counts: counts(-1, 0, 0, 0)},
	}
	got := analysis.ScoreHistory(days, pol("reject", 100, false))
	want := []analysis.DailyScore{
		{Day: day(1), Score: 100, Grade: "A", Zone: "green", Confidence: "high", Messages: 200},
		{Day: day(3), Score: 50, Grade: "F", Zone: "red", Confidence: "low", Messages: 50},
	}
	if len(got) != len(want) {
		t.Fatalf("%d days, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("day %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	empty := analysis.ScoreHistory([]analysis.DayCounts{{Day: day(1)}}, pol("none", 100, false))
	if b, _ := json.Marshal(empty); string(b) != "[]" {
		t.Errorf("history without mail is %s, want []", b)
	}
	b, _ := json.Marshal(got[0])
	if want := `{"day":"2026-03-01T00:00:00Z","score":100,"grade":"A","zone":"green","confidence":"high","messages":200}`; string(b) != want {
		t.Errorf("JSON %s, want %s", b, want)
	}
}
