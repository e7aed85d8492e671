package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/synth"
)

// scrape returns the exposition of m.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Result().Body)
	if rec.Code != 200 {
		t.Fatalf("scrape: %d %s", rec.Code, b)
	}
	return string(b)
}

func openTestStore(t *testing.T) *store.SQLite {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestFetchMetrics: every pass is timed and failures are counted, per
// account; an account's series exist at zero before its first pass.
func TestFetchMetrics(t *testing.T) {
	t.Parallel()
	m := NewMetrics(openTestStore(t))
	m.FetchAccount("a")
	m.FetchAccount("b")
	m.Fetched("a", 2*time.Second, nil)
	m.Fetched("a", 300*time.Millisecond, errors.New("login refused"))
	m.Fetched("a", time.Second, nil)
	out := scrape(t, m)
	for _, want := range []string{
		`parse_dmarc_fetch_duration_seconds_count{account="a"} 3`,
		`parse_dmarc_fetch_duration_seconds_sum{account="a"} 3.3`,
		`parse_dmarc_fetch_errors_total{account="a"} 1`,
		`parse_dmarc_fetch_duration_seconds_count{account="b"} 0`,
		`parse_dmarc_fetch_errors_total{account="b"} 0`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("metrics lack %q", want)
		}
	}
	var nilMetrics *Metrics // a server without metrics
	nilMetrics.FetchAccount("a")
	nilMetrics.Fetched("a", time.Second, nil)
}

// gatherSources collects c and returns its series (domain → value).
func gatherSources(t *testing.T, c *sourcesCollector) (map[string]float64, error) {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			out[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
		}
	}
	return out, err
}

// TestSourcesUnique: distinct source IPs of the last 30 days per domain,
// the most recently reported domains first up to the bound, and a scrape
// error rather than a partial list when the store fails or is too slow.
func TestSourcesUnique(t *testing.T) {
	t.Parallel()
	st := openTestStore(t)
	im := &ingest.Importer{Store: st}
	day := time.Now().UTC().Truncate(24 * time.Hour)
	for i, r := range []struct {
		domain  string
		sources int
		begin   time.Time
	}{
		{"old.example", 5, day.AddDate(0, 0, -60)},
		{"a.example", 3, day.AddDate(0, 0, -3)},
		{"b.example", 4, day.AddDate(0, 0, -1)},
		{"b.example", 4, day.AddDate(0, 0, -40)}, // outside the window
	} {
		var b bytes.Buffer
		synth.Write(&b, synth.Options{Records: 40, Sources: r.sources, Domain: r.domain, Begin: r.begin, Seed: uint64(i + 1)})
		if _, err := im.ImportReader(context.Background(), r.domain, &b); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]float64{}
	for _, d := range []string{"a.example", "b.example"} {
		tot, err := st.Summary(context.Background(), store.AggregateFilter{Domain: d, Since: day.AddDate(0, 0, -29)})
		if err != nil || tot.UniqueSources == 0 {
			t.Fatalf("%s: %+v, %v", d, tot, err)
		}
		want[d] = float64(tot.UniqueSources)
	}
	tests := []struct {
		name string
		c    *sourcesCollector
		want map[string]float64
		err  bool
	}{
		{"all recent domains", &sourcesCollector{st: st}, want, false},
		{"bounded to the most recent", &sourcesCollector{st: st, max: 1}, map[string]float64{"b.example": want["b.example"]}, false},
		{"failing store", &sourcesCollector{st: slowStore{Store: st, fail: true}}, map[string]float64{}, true},
		{"slow store", &sourcesCollector{st: slowStore{Store: st}, timeout: 50 * time.Millisecond}, map[string]float64{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := gatherSources(t, tt.c)
			if (err != nil) != tt.err {
				t.Fatalf("error %v, want one: %v", err, tt.err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if out := scrape(t, NewMetrics(st)); !strings.Contains(out, "# HELP parse_dmarc_sources_unique ") {
		t.Error("the gauge is not registered")
	}
}

// slowStore is a store whose aggregates fail, or wait for the end of their
// context.
type slowStore struct {
	store.Store
	fail bool
}

func (s slowStore) Summary(ctx context.Context, f store.AggregateFilter) (store.Totals, error) {
	if s.fail {
		return store.Totals{}, errors.New("injected store failure")
	}
	<-ctx.Done()
	return store.Totals{}, ctx.Err()
}
