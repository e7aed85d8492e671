package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/synth"
)

// stallStore is a store whose Summary waits for the end of its context, and
// whose Records waits for recordsDelay (or the end of its context) first,
// telling recordsDone how it ended.
type stallStore struct {
	store.Store
	recordsDelay time.Duration
	recordsDone  chan error
}

func (s stallStore) Summary(ctx context.Context, f store.AggregateFilter) (store.Totals, error) {
	<-ctx.Done()
	return store.Totals{}, ctx.Err()
}

func (s stallStore) Records(ctx context.Context, id int64, fn func(*aggregate.Record) error) error {
	t := time.NewTimer(s.recordsDelay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		if s.recordsDone != nil {
			s.recordsDone <- ctx.Err()
		}
		return ctx.Err()
	case <-t.C:
	}
	err := s.Store.Records(ctx, id, fn)
	if s.recordsDone != nil {
		s.recordsDone <- err
	}
	return err
}

// stallServer serves st wrapped in a stallStore, with a report stored.
func stallServer(t *testing.T, stall stallStore, timeout time.Duration) *httptest.Server {
	t.Helper()
	st := openTestStore(t)
	im := &ingest.Importer{Store: st}
	if _, err := im.ImportReader(context.Background(), "r.xml", bytes.NewReader(synthetic(t, 51, 20))); err != nil {
		t.Fatal(err)
	}
	stall.Store = st
	s := &Server{Store: stall, Importer: im, Timeout: timeout}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// TestTimeout: an API request that outlives Server.Timeout is answered 503
// with a JSON error, whether its handler reports the store's error or
// returns having sent nothing.
func TestTimeout(t *testing.T) {
	t.Parallel()
	ts := stallServer(t, stallStore{}, 100*time.Millisecond)
	start := time.Now()
	resp, err := http.Get(ts.URL + "/api/v1/stats/summary")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	checkTimeout(t, resp, b)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("answered after %s", d)
	}

	// A handler that stops when its context ends, without a word.
	s := &Server{Timeout: 50 * time.Millisecond}
	h := s.deadlines(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }), http.NewServeMux())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/domains", nil))
	checkTimeout(t, rec.Result(), rec.Body.Bytes())
}

func checkTimeout(t *testing.T, resp *http.Response, body []byte) {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != http.StatusServiceUnavailable || e.Error.Code != "timeout" || e.Error.Message == "" ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("%d %s %q, want a 503 JSON timeout error", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

// TestStreamingRoutes: an export outlives Server.Timeout, and its handler's
// context ends when the client goes away.
func TestStreamingRoutes(t *testing.T) {
	t.Parallel()
	ts := stallServer(t, stallStore{recordsDelay: 300 * time.Millisecond}, 50*time.Millisecond)
	resp, err := http.Get(ts.URL + "/api/v1/export/records.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.Count(string(b), "\n") != 21 {
		t.Errorf("slow export: %d, %d lines, want 200 and 21 lines", resp.StatusCode, strings.Count(string(b), "\n"))
	}

	done := make(chan error, 1)
	ts = stallServer(t, stallStore{recordsDelay: time.Hour, recordsDone: done}, 50*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/api/v1/export/records.csv", nil)
	go func() {
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(200 * time.Millisecond) // past Timeout: the route is not bound by it
	select {
	case err := <-done:
		t.Fatalf("the export ended before its client left: %v", err)
	default:
	}
	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("the export's context ended with %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the export's context did not end when its client went away")
	}
}

// TestStreamingPatterns: every streaming route is a route of Handler, so a
// renamed route cannot silently fall under the short timeout.
func TestStreamingPatterns(t *testing.T) {
	t.Parallel()
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		t.Fatal(err)
	}
	for pattern := range streamingRoutes {
		method, path, _ := strings.Cut(pattern, " ")
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("streaming route %q is not in the API", pattern)
		}
	}
}

// TestUploadOverBodyLimit: the body limit of other routes does not apply to
// uploads.
func TestUploadOverBodyLimit(t *testing.T) {
	t.Parallel()
	ts, _ := newServer(t, nil)
	var big bytes.Buffer
	synth.Write(&big, synth.Options{Records: 4000, Seed: 61})
	if big.Len() <= maxBody {
		t.Fatalf("report of %d bytes, want more than %d", big.Len(), maxBody)
	}
	resp, b := upload(t, ts.URL, map[string][]byte{"big.xml": big.Bytes()})
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"outcome":"imported"`) {
		t.Errorf("upload of %d bytes: %d %s", big.Len(), resp.StatusCode, b)
	}
}

func TestNewHTTPServer(t *testing.T) {
	hs := NewHTTPServer("127.0.0.1:0", http.NotFoundHandler())
	if hs.ReadHeaderTimeout <= 0 || hs.WriteTimeout <= 0 || hs.IdleTimeout <= 0 || hs.ReadTimeout != 0 {
		t.Errorf("timeouts: read header %s, read %s, write %s, idle %s", hs.ReadHeaderTimeout, hs.ReadTimeout, hs.WriteTimeout, hs.IdleTimeout)
	}
}
