package trend

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/anomaly"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

func TestPassRate(t *testing.T) {
	t.Parallel()
	tot := func(m, p int64) store.Totals { return store.Totals{Messages: m, DMARCPass: p} }
	tests := []struct {
		name     string
		cur, old store.Totals
		want     string
		change   float64
	}{
		{"same", tot(1000, 950), tot(1000, 950), Stable, 0},
		{"up by chance: small", tot(20, 19), tot(20, 16), Stable, 15},
		{"up", tot(10000, 9900), tot(10000, 9000), Improving, 9},
		{"down", tot(10000, 8000), tot(10000, 9000), Declining, -10},
		{"within a point", tot(1_000_000, 995_000), tot(1_000_000, 990_000), Stable, 0.5},
		{"no mail before", tot(10, 10), tot(0, 0), Unknown, 0},
		{"no mail now", tot(0, 0), tot(10, 5), Unknown, 0},
	}
	for _, tc := range tests {
		p := passRate(tc.cur, tc.old)
		if p.Direction != tc.want || p.ChangePoints != tc.change {
			t.Errorf("%s: %+v, want %s %v", tc.name, p, tc.want, tc.change)
		}
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		t    store.Totals
		want string
	}{
		{store.Totals{Messages: 100, DMARCPass: 95}, Legitimate},
		{store.Totals{Messages: 100, FullyFailed: 60}, Suspicious},
		{store.Totals{Messages: 100, DMARCPass: 60, FullyFailed: 10}, Unclear},
		{store.Totals{}, Unclear},
	} {
		if got := classify(tc.t); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.t, got, tc.want)
		}
	}
}

// begin is the first day of the stored history, a Monday.
var begin = time.Date(2026, 9, 7, 0, 0, 0, 0, time.UTC)

// storeDay stores one report of day d of example.com with the given
// records.
func storeDay(t *testing.T, st store.Store, d int, recs []*aggregate.Record) {
	t.Helper()
	ctx := context.Background()
	day := begin.AddDate(0, 0, d)
	h := &aggregate.Header{
		Metadata: aggregate.Metadata{Reporter: aggregate.Reporter{OrgName: "google.com"}, ReportID: fmt.Sprint("r", d),
			DateRange: aggregate.DateRange{Begin: day, End: day.Add(24*time.Hour - time.Second)}},
		Policy: aggregate.PolicyPublished{Domain: "example.com", Policy: "none"},
	}
	tx, err := st.BeginReport(ctx, store.Incoming{Header: h, SourceName: "test", ReceivedAt: day.AddDate(0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, r := range recs {
		if err := tx.Add(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx.Commit(ctx, store.Summary{Status: store.StatusValid}); err != nil {
		t.Fatal(err)
	}
}

func rec(ip string, n int64, dkim, spf string) *aggregate.Record {
	return &aggregate.Record{SourceIP: ip, Count: n, PolicyEvaluated: aggregate.PolicyEvaluated{Disposition: "none", DKIM: dkim, SPF: spf}}
}

// TestCompute stores six weeks of a domain whose last week lost a sender,
// gained a spoofer and a new provider, and failed more, and reads the
// trend of the last week.
func TestCompute(t *testing.T) {
	t.Parallel()
	st, err := store.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "trend.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for d := range 42 {
		recs := []*aggregate.Record{rec("192.0.2.1", 1000, "pass", "pass"), rec("192.0.2.2", 500, "pass", "fail")}
		if d < 35 {
			recs = append(recs, rec("192.0.2.3", 200, "pass", "pass")) // stops in the last week
		} else {
			recs = append(recs, rec("203.0.113.9", 400, "fail", "fail"), rec("198.51.100.4", 50, "pass", "fail"))
		}
		storeDay(t, st, d, recs)
	}
	rep, err := Compute(t.Context(), st, Query{Domain: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Period.Start.Equal(begin.AddDate(0, 0, 35)) || !rep.Period.End.Equal(begin.AddDate(0, 0, 42)) ||
		rep.Period.ReportsAnalyzed != 7 || rep.Previous.ReportsAnalyzed != 7 {
		t.Errorf("periods %+v %+v", rep.Period, rep.Previous)
	}
	tr := rep.Trends
	if tr.TotalVolume.Current != 7*1950 || tr.TotalVolume.Previous != 7*1700 || *tr.TotalVolume.ChangePercent != 14.71 {
		t.Errorf("volume %+v", tr.TotalVolume)
	}
	if tr.PassRate.Current != 79.49 || tr.PassRate.Previous != 100 || tr.PassRate.Direction != Declining {
		t.Errorf("pass rate %+v", tr.PassRate)
	}
	wantNew := []NewSource{
		{IP: "203.0.113.9", FirstSeen: begin.AddDate(0, 0, 35), Classification: Suspicious, Volume: 2800, PassRate: 0},
		{IP: "198.51.100.4", FirstSeen: begin.AddDate(0, 0, 35), Classification: Legitimate, Volume: 350, PassRate: 100},
	}
	if !slices.Equal(tr.NewSources, wantNew) || tr.NewSourcesTotal != 2 {
		t.Errorf("new sources %+v", tr.NewSources)
	}
	wantGone := []GoneSource{{IP: "192.0.2.3", LastSeen: begin.AddDate(0, 0, 34), WasClassified: Legitimate, Volume: 1400}}
	if !slices.Equal(tr.DisappearedSources, wantGone) || tr.DisappearedSourcesTotal != 1 {
		t.Errorf("disappeared %+v", tr.DisappearedSources)
	}
	var kinds []string
	for _, a := range tr.Anomalies {
		if a.Alert {
			kinds = append(kinds, a.Type+" "+a.Key)
		}
	}
	if !slices.Contains(kinds, "new_unauthorized 203.0.113.9") || !slices.Contains(kinds, "pass_rate_drop 2026-10-12") {
		t.Errorf("anomalies %q", kinds)
	}
	if len(rep.Detection.Provisional) != 2 || rep.Detection.Learning {
		t.Errorf("detection %+v", rep.Detection)
	}

	// The detector's own period: 30 days.
	res, h, err := Anomalies(t.Context(), st, Query{Domain: "example.com"})
	if err != nil || !res.Since.Equal(begin.AddDate(0, 0, 12)) || !res.Until.Equal(begin.AddDate(0, 0, 42)) || h.Domain != "example.com" ||
		!slices.ContainsFunc(res.Anomalies, func(a anomaly.Anomaly) bool { return a.Alert && a.Key == "203.0.113.9" }) {
		t.Errorf("anomalies: %+v, %v", res, err)
	}

	// A period of its own; one inside the learning period.
	rep, err = Compute(t.Context(), st, Query{Domain: "example.com", Since: begin.AddDate(0, 0, 3), Until: begin.AddDate(0, 0, 5).Add(time.Hour)})
	if err != nil || !rep.Period.End.Equal(begin.AddDate(0, 0, 6)) || !rep.Previous.Start.Equal(begin) || !rep.Detection.Learning ||
		rep.Trends.TotalVolume.Current != 3*1700 || rep.Trends.PassRate.Direction != Stable {
		t.Errorf("early period: %+v, %v", rep, err)
	}
	if _, err := Compute(t.Context(), st, Query{Domain: "other.example"}); !errors.Is(err, ErrNoMail) {
		t.Errorf("unknown domain: %v", err)
	}
	if _, err := Compute(t.Context(), st, Query{Domain: "example.com", Since: begin.AddDate(0, 0, 5), Until: begin.AddDate(0, 0, 5)}); !errors.Is(err, ErrRange) {
		t.Errorf("empty range: %v", err)
	}
	// A start after the last mail, without an end: an empty day, not an error.
	after := begin.AddDate(1, 0, 0)
	if tr, err := Compute(t.Context(), st, Query{Domain: "example.com", Since: after}); err != nil || tr.Trends.TotalVolume.Current != 0 {
		t.Errorf("start after the last mail: %+v, %v", tr, err)
	}
}
