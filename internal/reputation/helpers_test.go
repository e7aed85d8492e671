package reputation

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// The keys of the tests: distinctive, so that finding one in a log or an
// answer is certain to be a leak.
const (
	abuseKey = "abuse-KEY-5f3c9a0e1d"
	vtKey    = "vt-KEY-77b2e41c08"
)

// clock is a settable time for TTLs and rate limits.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// answer is what a stand-in answers about one address.
type answer struct {
	status int    // default 200
	file   string // under testdata/<provider>/
	header http.Header
	delay  time.Duration
	body   string // instead of file
}

// standIn is a local HTTP server speaking one provider's API. It checks
// every request (method, path, query, key header), answers from testdata
// by address, and records the addresses asked about.
type standIn struct {
	*httptest.Server
	provider string // "abuseipdb" or "virustotal"

	mu      sync.Mutex
	asked   []string
	answers map[string]answer
}

func newStandIn(t *testing.T, provider string, answers map[string]answer) *standIn {
	s := &standIn{provider: provider, answers: answers}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip, ok := s.check(t, r)
		if !ok {
			http.Error(w, `{"errors":[{"detail":"bad request"}]}`, http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.asked = append(s.asked, ip)
		a, found := s.answers[ip]
		s.mu.Unlock()
		if !found {
			a = answer{status: http.StatusNotFound, body: `{"error":{"code":"NotFoundError","message":"not found"}}`}
		}
		if a.delay > 0 {
			select {
			case <-time.After(a.delay):
			case <-r.Context().Done():
				return
			}
		}
		body := []byte(a.body)
		if a.file != "" {
			var err error
			if body, err = os.ReadFile(filepath.Join("testdata", provider, a.file)); err != nil {
				t.Error(err)
			}
		}
		for k, v := range a.header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(max(a.status, http.StatusOK))
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

// check asserts that r is the provider's lookup request and returns the
// address it asks about.
func (s *standIn) check(t *testing.T, r *http.Request) (string, bool) {
	if r.Method != http.MethodGet {
		t.Errorf("%s: method %s", s.provider, r.Method)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("%s: Accept %q", s.provider, got)
	}
	switch s.provider {
	case "abuseipdb":
		q := r.URL.Query()
		if r.URL.Path != "/api/v2/check" || q.Get("maxAgeInDays") != "90" || len(q) != 2 {
			t.Errorf("abuseipdb: request %s", r.URL)
			return "", false
		}
		if got := r.Header.Get("Key"); got != abuseKey {
			t.Errorf("abuseipdb: Key header %q", got)
		}
		return q.Get("ipAddress"), true
	case "virustotal":
		ip, ok := strings.CutPrefix(r.URL.Path, "/api/v3/ip_addresses/")
		if !ok || r.URL.RawQuery != "" {
			t.Errorf("virustotal: request %s", r.URL)
			return "", false
		}
		if got := r.Header.Get("x-apikey"); got != vtKey {
			t.Errorf("virustotal: x-apikey header %q", got)
		}
		return ip, true
	}
	t.Fatalf("unknown provider %s", s.provider)
	return "", false
}

// base is the API base URL a Config names for the stand-in.
func (s *standIn) base() string {
	if s.provider == "abuseipdb" {
		return s.URL + "/api/v2"
	}
	return s.URL + "/api/v3"
}

// requests returns the addresses asked about so far.
func (s *standIn) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.asked...)
}

// setAnswer changes the answer about ip.
func (s *standIn) setAnswer(ip string, a answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[ip] = a
}

// openStore opens an empty SQLite store.
func openStore(t testing.TB) *store.SQLite {
	t.Helper()
	st, err := store.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// sent is one row of records of seed: count messages from ip.
type sent struct {
	ip                     string
	count                  int64
	disposition, dkim, spf string
}

// seedN numbers the seeded reports (report ids must differ).
var seedN atomic.Int64

// seed stores one report of domain beginning on day with the records.
func seed(t testing.TB, st store.Store, domain string, day time.Time, recs ...sent) {
	t.Helper()
	h := &aggregate.Header{
		Metadata: aggregate.Metadata{Reporter: aggregate.Reporter{OrgName: "receiver.example"},
			ReportID: fmt.Sprint("r", seedN.Add(1)), DateRange: aggregate.DateRange{Begin: day, End: day.Add(24*time.Hour - time.Second)}},
		Policy: aggregate.PolicyPublished{Domain: domain, Policy: "reject"},
	}
	ctx := t.Context()
	tx, err := st.BeginReport(ctx, store.Incoming{Header: h, SourceName: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, r := range recs {
		rec := &aggregate.Record{SourceIP: r.ip, Count: r.count, PolicyEvaluated: aggregate.PolicyEvaluated{
			Disposition: r.disposition, DKIM: r.dkim, SPF: r.spf}, Identifiers: aggregate.Identifiers{HeaderFrom: domain}}
		if err := tx.Add(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx.Commit(ctx, store.Summary{Status: store.StatusValid}); err != nil {
		t.Fatal(err)
	}
}

// newService returns a Service on st with the stand-ins (nil: that
// provider has no key) and the clock.
func newService(t testing.TB, st Store, abuse, vt *standIn, c *clock, tweak func(*Config)) *Service {
	t.Helper()
	cfg := Config{Store: st, Now: c.Now, Timeout: 2 * time.Second}
	if abuse != nil {
		cfg.AbuseIPDBKey, cfg.AbuseIPDBURL = abuseKey, abuse.base()
	}
	if vt != nil {
		cfg.VirusTotalKey, cfg.VirusTotalURL = vtKey, vt.base()
	}
	if tweak != nil {
		tweak(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func lookup(t testing.TB, s *Service, ip string) *Report {
	t.Helper()
	rep, err := s.Lookup(t.Context(), netip.MustParseAddr(ip))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func equal[T any](t testing.TB, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}
