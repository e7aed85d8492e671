package trend

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/textfmt"
)

// WriteText writes rep for a terminal: the period against the previous
// one, the new and disappeared sources listed, and the anomalies, the
// alerting ones first marked "!", expected ones "~".
func WriteText(w io.Writer, rep *Report) error {
	var b strings.Builder
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	last := func(p Period) string { return day(p.End.AddDate(0, 0, -1)) }
	fmt.Fprintf(&b, "%s: %s to %s, against %s to %s\n\n", rep.Domain, day(rep.Period.Start), last(rep.Period),
		day(rep.Previous.Start), last(rep.Previous))
	t := rep.Trends
	change := "no mail before"
	if p := t.TotalVolume.ChangePercent; p != nil {
		change = fmt.Sprintf("%+.1f%%", *p)
	}
	fmt.Fprintf(&b, "Messages   %s (%s before, %s)\n", textfmt.Int(t.TotalVolume.Current), textfmt.Int(t.TotalVolume.Previous), change)
	fmt.Fprintf(&b, "Pass rate  %.1f%% (%.1f%% before, %+.1f points, %s)\n", t.PassRate.Current, t.PassRate.Previous,
		t.PassRate.ChangePoints, t.PassRate.Direction)
	fmt.Fprintf(&b, "Reports    %s (%s before)\n", textfmt.Int(rep.Period.ReportsAnalyzed), textfmt.Int(rep.Previous.ReportsAnalyzed))

	fmt.Fprintf(&b, "\nNew sources: %d\n", t.NewSourcesTotal)
	for _, s := range t.NewSources {
		fmt.Fprintf(&b, "  %-39s %12s  %5.1f%% pass  %-10s first %s\n", s.IP, textfmt.Count(s.Volume, "message", "messages"),
			s.PassRate, s.Classification, day(s.FirstSeen))
	}
	if more := t.NewSourcesTotal - len(t.NewSources); more > 0 {
		fmt.Fprintf(&b, "  … and %d more\n", more)
	}
	fmt.Fprintf(&b, "\nDisappeared sources: %d\n", t.DisappearedSourcesTotal)
	for _, s := range t.DisappearedSources {
		fmt.Fprintf(&b, "  %-39s %12s before  last %s\n", s.IP, textfmt.Count(s.Volume, "message", "messages"), day(s.LastSeen))
	}
	if more := t.DisappearedSourcesTotal - len(t.DisappearedSources); more > 0 {
		fmt.Fprintf(&b, "  … and %d more\n", more)
	}

	fmt.Fprintf(&b, "\nAnomalies: %d", len(t.Anomalies))
	if rep.Detection.Learning {
		fmt.Fprintf(&b, " (still learning the domain's usual days until %s: only the fixed thresholds apply)", day(rep.Detection.LearningUntil.Time))
	}
	b.WriteString("\n")
	for _, a := range t.Anomalies {
		mark := " "
		switch {
		case a.Expected:
			mark = "~"
		case a.Alert:
			mark = "!"
		}
		fmt.Fprintf(&b, "%s %s  %-8s %3d  %s\n", mark, day(a.Day.Time), a.Severity, a.Score, a.Description)
	}
	if len(t.Anomalies) > 0 {
		b.WriteString("(! alerts, ~ marked expected; score 0-100, 50 alerts)\n")
	}
	for _, s := range rep.Detection.Skipped {
		fmt.Fprintf(&b, "Skipped: %s\n", s)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
