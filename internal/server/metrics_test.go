package server

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/store"
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
