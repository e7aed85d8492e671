package alert

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/notify"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/synth"
)

// storeHistory stores the reports of h that arrived before until, and
// returns how many.
func storeHistory(tb testing.TB, st store.Store, h *synth.History, until time.Time) int {
	tb.Helper()
	ctx := tb.Context()
	n := 0
	for i := range h.Reports {
		r := &h.Reports[i]
		if !r.Arrival.Before(until) {
			break
		}
		tx, err := st.BeginReport(ctx, store.Incoming{Header: &r.Header, SourceName: "synth", ReceivedAt: r.Arrival})
		if err != nil {
			tb.Fatal(err)
		}
		for _, rec := range r.Records {
			if err := tx.Add(ctx, rec); err != nil {
				tb.Fatal(err)
			}
		}
		if _, err := tx.Commit(ctx, store.Summary{Status: store.StatusValid}); err != nil {
			tb.Fatal(err)
		}
		n++
	}
	return n
}

// presetEngine is an engine with every preset rule, on st, at now.
func presetEngine(tb testing.TB, st store.Store, at time.Time) (*Engine, *fakeNotifier) {
	tb.Helper()
	e, n, _ := newEngine(st, at, notify.Channel{ID: 1, Name: "ops", Kind: notify.KindSlack, Enabled: true})
	for _, p := range Presets() {
		if _, err := e.CreateRule(tb.Context(), p); err != nil {
			tb.Fatal(err)
		}
	}
	return e, n
}

// TestSynthHistory judges every preset rule on synthetic domains (package
// synth) three days into an incident, with the reports that arrived by
// then: an incident raises an alert of a type that fits it, the alerts
// of a round go out in one message, and a second round opens nothing.
func TestSynthHistory(t *testing.T) {
	t.Parallel()
	fits := map[string][]string{
		synth.IncidentSpoofing:   {TypeNewSource, TypeAnomaly, TypeComplianceBelow, TypeFailureRateIncrease},
		synth.IncidentBrokenDKIM: {TypeComplianceBelow, TypeFailureRateIncrease, TypeAnomaly},
		synth.IncidentNewESP:     {TypeNewSource, TypeAnomaly, TypeComplianceBelow, TypeFailureRateIncrease},
		synth.IncidentSpike:      {TypeVolumeChange, TypeAnomaly},
		synth.IncidentDrop:       {TypeVolumeChange, TypeAnomaly},
	}
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for seed := range uint64(8) {
		h := synth.NewHistory(synth.HistoryOptions{Start: start, Days: 120, Seed: seed, Volume: 3000})
		var inc *synth.Incident
		for i := range h.Incidents {
			if c := &h.Incidents[i]; !c.Benign && c.Start.After(start.AddDate(0, 0, 45)) {
				inc = c
				break
			}
		}
		if inc == nil {
			continue
		}
		t.Run(fmt.Sprint(seed, " ", inc.Kind), func(t *testing.T) {
			t.Parallel()
			st := openSQLite(t)
			at := inc.Start.AddDate(0, 0, 3).Add(10 * time.Hour)
			storeHistory(t, st, h, at)
			e, n := presetEngine(t, st, at)
			evaluate(t, e)
			first := alerts(t, e)
			var types []string
			for _, a := range first {
				types = append(types, a.Type)
			}
			if !slices.ContainsFunc(types, func(typ string) bool { return slices.Contains(fits[inc.Kind], typ) }) {
				t.Errorf("%s from %s: alerts %v", inc.Kind, inc.Start.Format(time.DateOnly), keys(first))
			}
			if sent, _ := n.take(); len(sent) != min(1, len(first)) {
				t.Errorf("%d messages for %d alerts, want one", len(sent), len(first))
			}
			evaluate(t, e)
			if again := alerts(t, e); len(again) != len(first) {
				t.Errorf("a second round: %d alerts, was %d", len(again), len(first))
			}
			t.Logf("%s from %s: %v", inc.Kind, inc.Start.Format(time.DateOnly), keys(first))
		})
	}
}

// BenchmarkEvaluate is a round of every preset rule over 20 synthetic
// domains of 90 days (2,000 messages a weekday each).
func BenchmarkEvaluate(b *testing.B) {
	st := openSQLite(b)
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	until := start.AddDate(0, 0, 90)
	for seed := range uint64(20) {
		h := synth.NewHistory(synth.HistoryOptions{Domain: fmt.Sprintf("s%d.example", seed), Start: start, Days: 90, Seed: seed,
			Volume: 2000})
		storeHistory(b, st, h, until)
	}
	e, _ := presetEngine(b, st, until.Add(-time.Hour))
	b.ResetTimer()
	for b.Loop() {
		if err := e.Evaluate(b.Context(), nil); err != nil {
			b.Fatal(err)
		}
	}
}
