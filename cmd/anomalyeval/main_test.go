package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/anomaly"
	"github.com/parse-dmarc/parse-dmarc/internal/synth"
)

// TestFloors replays synthetic histories of the default seed and fails
// when the detector falls below the floors: a change that loses
// incidents or raises false alerts shows here. The command's defaults
// (100 histories) measured recall 0.991 and precision 0.985; 30
// histories keep the test to seconds.
func TestFloors(t *testing.T) {
	t.Parallel()
	histories := 30
	if testing.Short() {
		histories = 10
	}
	cfg := config{seed: 1, histories: histories, days: 150, options: anomaly.Options{LearningDays: anomaly.DefaultLearningDays}}
	res := evaluate(cfg)
	var out strings.Builder
	res.print(func(format string, args ...any) { fmt.Fprintf(&out, format, args...) }, cfg)
	t.Log("\n" + out.String())

	if s := res.overall; s.recall() < 0.9 || s.precision() < 0.9 {
		t.Errorf("overall recall %.3f, precision %.3f: below 0.9", s.recall(), s.precision())
	}
	for _, k := range synth.IncidentKinds {
		s := res.kinds[k]
		if s.incidents > 0 && s.recall() < 0.8 || s.groups > 0 && s.precision() < 0.8 {
			t.Errorf("%s: recall %.3f, precision %.3f: below 0.8", k, s.recall(), s.precision())
		}
	}
	for _, k := range synth.BenignKinds {
		if b := res.benign[k]; b.events > 0 && float64(b.flagged)/float64(b.events) > 0.1 {
			t.Errorf("%s: %d of %d flagged", k, b.flagged, b.events)
		}
	}
	if res.overall.incidents < 20 {
		t.Errorf("only %d incidents: the histories lost their incidents", res.overall.incidents)
	}
}
