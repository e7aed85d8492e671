package alert

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/notify"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/store/storetest"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// fakeNotifier records what the engine sends.
type fakeNotifier struct {
	mu        sync.Mutex
	channels  []notify.Channel
	sent      []sent
	published []notice.Message
}

type sent struct {
	channel int64
	m       notice.Message
}

func (f *fakeNotifier) Channels(ctx context.Context) ([]notify.Channel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.channels), nil
}

func (f *fakeNotifier) Enqueue(ctx context.Context, ids []int64, m notice.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		f.sent = append(f.sent, sent{id, m})
	}
	return nil
}

func (f *fakeNotifier) Publish(ctx context.Context, m notice.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.published = append(f.published, m)
	return nil
}

// take returns what was sent since the last call.
func (f *fakeNotifier) take() ([]sent, []notice.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, p := f.sent, f.published
	f.sent, f.published = nil, nil
	return s, p
}

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// eachStore runs fn as a parallel subtest on a new store of each backend:
// SQLite, and PostgreSQL when storetest.PostgresEnv names a database.
func eachStore(t *testing.T, fn func(t *testing.T, st store.Store)) {
	t.Helper()
	for _, b := range []struct {
		name string
		open func(t testing.TB) store.Store
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, b.open(t))
		})
	}
}

func openSQLite(t testing.TB) store.Store {
	st, err := store.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "alerts.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func openPostgres(t testing.TB) store.Store {
	st, err := store.OpenPostgres(t.Context(), storetest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// newEngine is an engine on st with a fake notifier of channels and a
// clock at now.
func newEngine(st store.Store, now time.Time, channels ...notify.Channel) (*Engine, *fakeNotifier, *clock) {
	n := &fakeNotifier{channels: channels}
	c := &clock{t: now}
	return &Engine{Store: st, Notifier: n, Now: c.now}, n, c
}

// src is the mail of one source IP on a day.
type src struct {
	ip        string
	n         int64
	dkim, spf string
}

func pass(ip string, n int64) src { return src{ip, n, "pass", "pass"} }
func fail(ip string, n int64) src { return src{ip, n, "fail", "fail"} }

// storeDay stores one report of domain for day with the mail of srcs,
// received at received.
func storeDay(t *testing.T, st store.Store, domain string, day, received time.Time, srcs ...src) {
	t.Helper()
	ctx := context.Background()
	h := &aggregate.Header{
		Metadata: aggregate.Metadata{Reporter: aggregate.Reporter{OrgName: "google.com"},
			ReportID:  fmt.Sprintf("%s-%s", domain, day.Format(time.DateOnly)),
			DateRange: aggregate.DateRange{Begin: day, End: day.Add(24*time.Hour - time.Second)}},
		Policy: aggregate.PolicyPublished{Domain: domain, Policy: "none"},
	}
	tx, err := st.BeginReport(ctx, store.Incoming{Header: h, SourceName: "test", ReceivedAt: received})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, s := range srcs {
		r := &aggregate.Record{SourceIP: s.ip, Count: s.n,
			PolicyEvaluated: aggregate.PolicyEvaluated{Disposition: "none", DKIM: s.dkim, SPF: s.spf}}
		if err := tx.Add(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx.Commit(ctx, store.Summary{Status: store.StatusValid}); err != nil {
		t.Fatal(err)
	}
}

// history stores days of example.com ending with the day before last
// (last excluded), each made by mail(i, day), received a day after.
func history(t *testing.T, st store.Store, domain string, last time.Time, days int, mail func(i int, day time.Time) []src) {
	t.Helper()
	for i := range days {
		d := last.AddDate(0, 0, i-days)
		storeDay(t, st, domain, d, d.AddDate(0, 0, 1), mail(i, d)...)
	}
}

// steady is 1,000 messages a day from three sources, 98% passing DMARC.
func steady(int, time.Time) []src {
	return []src{pass("192.0.2.1", 600), pass("192.0.2.2", 380), fail("192.0.2.3", 20)}
}

// addRule stores a rule through the engine.
func addRule(t *testing.T, e *Engine, r Rule) Rule {
	t.Helper()
	r.Enabled = true
	got, err := e.CreateRule(t.Context(), r)
	if err != nil {
		t.Fatalf("rule %s: %v", r.Name, err)
	}
	return got
}

// evaluate runs a round of every domain, failing t on an error.
func evaluate(t *testing.T, e *Engine) {
	t.Helper()
	if err := e.Evaluate(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
}

// alerts lists every alert, the newest first.
func alerts(t *testing.T, e *Engine) []Alert {
	t.Helper()
	list, err := e.Alerts(t.Context(), store.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// fact returns the value of the fact named name, "" when none is.
func fact(facts []webhook.Fact, name string) string {
	for _, f := range facts {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}
