package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/remedy/remedytest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/trend"
)

// TestTrendsCommand prints the trend of remedytest's month of reports,
// as text and as the JSON trend.Compute gives, and the errors.
func TestTrendsCommand(t *testing.T) {
	t.Parallel()
	w := newRemedyWorld(t, remedytest.Options{})
	db := filepath.Join(w.data, "parse-dmarc.db")
	runCases(t, []cmdCase{
		{name: "text", args: []string{"trends", "example.com", "--db", db}, code: ExitOK, stdout: []string{
			"example.com: ", ", against ", "Messages   ", "Pass rate  ", "New sources: ", "Disappeared sources: ", "Anomalies: ",
			"Skipped: geographic_shift",
		}},
		{name: "a period", args: []string{"trends", "--db", db, "--since", "2020-01-01", "--until", "2020-01-08", "example.com"}, code: ExitOK,
			stdout: []string{"example.com: 2020-01-01 to 2020-01-07, against 2019-12-25 to 2019-12-31", "Messages   0 (0 before, no mail before)"}},
		{name: "no mail", args: []string{"trends", "other.example", "--db", db}, code: ExitFail, stderr: "no mail of other.example"},
		{name: "backwards", args: []string{"trends", "example.com", "--db", db, "--since", "2026-01-08", "--until", "2026-01-01"}, code: ExitUsage, stderr: "--until must be after --since"},
		{name: "bad day", args: []string{"trends", "example.com", "--db", db, "--since", "yesterday"}, code: ExitUsage, stderr: "--since: a day"},
		{name: "no domain", args: []string{"trends"}, code: ExitUsage, stderr: "Usage: parse-dmarc trends [flags] DOMAIN"},
	})

	env := mapEnv(nil)
	if code := Run(context.Background(), []string{"trends", "--json", "--db", db, "example.com"}, env); code != ExitOK {
		t.Fatalf("--json: exit %d: %s", code, env.Stderr)
	}
	var got trend.Report
	if err := json.Unmarshal(env.Stdout.(*bytes.Buffer).Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	want, err := trend.Compute(t.Context(), st, trend.Query{Domain: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Domain != "example.com" || got.Trends.TotalVolume.Current == 0 || got.Trends.TotalVolume.Current != want.Trends.TotalVolume.Current ||
		got.Trends.PassRate != want.Trends.PassRate || len(got.Trends.Anomalies) != len(want.Trends.Anomalies) || !got.Period.Start.Equal(want.Period.Start) {
		t.Errorf("--json: %+v\nwant %+v", got, want)
	}
}
