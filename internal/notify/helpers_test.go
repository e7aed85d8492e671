package notify

import (
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/secretbox"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/store/pgtest"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// backend opens stores on one database of a kind; each store is closed
// when the test ends.
type backend struct {
	name string
	// newDB makes an empty database and returns the opener of stores on
	// it; it skips t when the backend is unavailable.
	newDB func(t *testing.T) func() store.Store
}

func backends() []backend {
	open := func(t *testing.T, dsn string) store.Store {
		t.Helper()
		s, err := store.Open(t.Context(), dsn)
		if err != nil {
			t.Fatalf("open store: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	return []backend{
		{"sqlite", func(t *testing.T) func() store.Store {
			path := filepath.Join(t.TempDir(), "notify.db")
			return func() store.Store { return open(t, path) }
		}},
		{"postgres", func(t *testing.T) func() store.Store {
			dsn := pgtest.DSN(t)
			return func() store.Store { return open(t, dsn) }
		}},
	}
}

// forEachBackend runs fn as a parallel subtest for each backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Helper()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

// clock is a clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testKey is a random secret key.
func testKey(t *testing.T) []byte {
	t.Helper()
	key := make([]byte, secretbox.KeySize)
	rand.Read(key)
	return key
}

// newService returns a Service on st sealing with key, on clk, whose
// retries wait a minute per failed attempt.
func newService(t *testing.T, st Store, key []byte, clk *clock) *Service {
	t.Helper()
	box, err := secretbox.New(key)
	if err != nil {
		t.Fatal(err)
	}
	s := New(st, box, nil)
	s.Now = clk.Now
	s.Backoff = func(n int) time.Duration { return time.Duration(n) * time.Minute }
	return s
}

// request is a request a receiver got.
type request struct {
	header http.Header
	body   []byte
	// verified is the result of webhook.Verify with the receiver's
	// secret.
	verified error
}

// receiver is a webhook endpoint on loopback that keeps what it gets and
// answers with the statuses of answers in turn (200 once they run out).
type receiver struct {
	*httptest.Server
	secret []byte

	mu       sync.Mutex
	requests []request
	answers  []int
	got      chan struct{} // a value per request
}

func newReceiver(t *testing.T, secret string, answers ...int) *receiver {
	t.Helper()
	r := &receiver{secret: []byte(secret), answers: answers, got: make(chan struct{}, 1000)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			t.Errorf("receiver: read body: %v", err)
		}
		r.mu.Lock()
		r.requests = append(r.requests, request{header: req.Header.Clone(), body: body,
			verified: webhook.Verify(r.secret, req.Header, body, time.Now(), 0)})
		status := http.StatusOK
		if len(r.answers) > 0 {
			status, r.answers = r.answers[0], r.answers[1:]
		}
		r.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, http.StatusText(status))
		r.got <- struct{}{}
	}))
	t.Cleanup(r.Close)
	return r
}

// Requests returns the requests received so far.
func (r *receiver) Requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.requests...)
}
