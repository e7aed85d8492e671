// Command anomalyeval measures the anomaly detector (internal/anomaly)
// on synthetic histories with known incidents (internal/synth
// NewHistory): it replays each history's reports in order of arrival,
// runs the detector once a day on what has arrived, as a deployment
// fetching every morning would, and compares the alerts with the ground
// truth. It prints recall, precision and F1 per incident kind (spoofing
// burst, broken DKIM key, new provider without SPF, volume spike and
// drop) and overall, and how often benign changes (holidays, gradual
// growth) were flagged. The output is the same for the same flags.
//
// Usage:
//
//	anomalyeval [--seed 1] [--histories 100] [--days 150] [--threshold 6]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/parse-dmarc/parse-dmarc/internal/anomaly"
)

func main() {
	cfg := config{options: anomaly.Options{LearningDays: anomaly.DefaultLearningDays}}
	flag.Uint64Var(&cfg.seed, "seed", 1, "seed of the histories")
	flag.IntVar(&cfg.histories, "histories", 100, "synthetic histories (domains)")
	flag.IntVar(&cfg.days, "days", 150, "days of each history")
	flag.Float64Var(&cfg.options.Threshold, "threshold", anomaly.DefaultThreshold, "deviation in MADs that alerts")
	flag.IntVar(&cfg.options.BaselineDays, "baseline", anomaly.DefaultBaselineDays, "days baselines are learned from")
	flag.BoolVar(&cfg.verbose, "v", false, "list the false alerts and the missed incidents")
	flag.Parse()
	if cfg.histories <= 0 || cfg.days < 60 {
		fmt.Fprintln(os.Stderr, "anomalyeval: --histories must be positive and --days at least 60")
		os.Exit(2)
	}
	evaluate(cfg).print(func(format string, args ...any) { fmt.Printf(format, args...) }, cfg)
}
