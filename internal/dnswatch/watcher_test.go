package dnswatch

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck/dnstest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

const zone = `
example.com.         TXT "v=spf1 ip4:192.0.2.0/24 -all"
_dmarc.example.com.  TXT "v=DMARC1; p=none; rua=mailto:dmarc@example.com"
example.org.         TXT "v=spf1 -all"
_dmarc.example.org.  TXT "v=DMARC1; p=reject"
`

// clock is a settable clock, safe for concurrent use.
type clock struct{ ns atomic.Int64 }

func (c *clock) now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) add(d time.Duration) { c.ns.Add(int64(d)) }

// setup returns a Watcher on a new SQLite store asking a loopback DNS
// server of zone, with the clock at a fixed time.
func setup(t *testing.T) (*Watcher, *dnstest.Server, *clock) {
	t.Helper()
	st, err := store.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := dnstest.NewServer(t, zone)
	c := &clock{}
	c.ns.Store(time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC).UnixNano())
	w := &Watcher{Store: st, Checker: &dnscheck.Checker{Servers: []string{srv.Addr}, Timeout: 2 * time.Second}, Now: c.now}
	t.Cleanup(w.Wait)
	return w, srv, c
}

// addReport stores a report of domain with one record whose DKIM
// signature has selector.
func addReport(t *testing.T, st store.Store, domain, id, selector string) {
	t.Helper()
	ctx := t.Context()
	begin := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	tx, err := st.BeginReport(ctx, store.Incoming{Header: &aggregate.Header{
		Metadata: aggregate.Metadata{Reporter: aggregate.Reporter{OrgName: "google.com"}, ReportID: id,
			DateRange: aggregate.DateRange{Begin: begin, End: begin.Add(24*time.Hour - time.Second)}},
		Policy: aggregate.PolicyPublished{Domain: domain, Policy: "none"},
	}, ReceivedAt: begin})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	err = tx.Add(ctx, &aggregate.Record{SourceIP: "192.0.2.1", Count: 5,
		PolicyEvaluated: aggregate.PolicyEvaluated{Disposition: "none", DKIM: "pass", SPF: "pass"},
		Identifiers:     aggregate.Identifiers{HeaderFrom: domain},
		AuthResults:     aggregate.AuthResults{DKIM: []aggregate.DKIMResult{{Domain: domain, Selector: selector, Result: "pass"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(ctx, store.Summary{Status: store.StatusValid}); err != nil {
		t.Fatal(err)
	}
}

func checksOf(t *testing.T, w *Watcher, domain string) []store.DNSCheck {
	t.Helper()
	list, err := w.Store.DNSChecks(t.Context(), domain, 100)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestCheckNow checks a domain twice, the zone changed in between: the
// second check tells what changed; concurrent requests share one check.
func TestCheckNow(t *testing.T) {
	t.Parallel()
	w, srv, clk := setup(t)
	var checked []string
	w.Checked = func(c *Check) { checked = append(checked, c.Domain) } // called by one flight at a time here
	ctx := t.Context()
	first, err := w.CheckNow(ctx, Request{Domain: "Example.COM.", Selectors: []string{" S1 ", "s1", ""}, Origin: OriginAPI})
	if err != nil {
		t.Fatal(err)
	}
	if first.Domain != "example.com" || first.ID == 0 || first.PreviousAt != nil || len(first.Changes) != 0 ||
		first.Result == nil || len(first.Result.DKIM) != 1 || first.Result.DKIM[0].Selector != "s1" {
		t.Fatalf("first check: %+v", first)
	}
	if first.Records[0].Kind != dnscheck.KindDMARC || first.Records[0].Status != dnscheck.StatusWarning {
		t.Errorf("records: %+v", first.Records)
	}

	clk.add(time.Hour)
	srv.Add(t, `_dmarc.example.com. TXT "v=DMARC1; p=reject"`) // now two records: an error
	var wg sync.WaitGroup
	results := make([]*Check, 8)
	for i := range results {
		wg.Go(func() {
			c, err := w.CheckNow(ctx, Request{Domain: "example.com", Selectors: []string{"s1"}, Origin: OriginAPI})
			if err != nil {
				t.Error(err)
			}
			results[i] = c
		})
	}
	wg.Wait()
	if n := len(checksOf(t, w, "example.com")); n != 2 || len(checked) != 2 || checked[1] != "example.com" {
		t.Fatalf("%d checks stored, want 2 (concurrent requests share one); Checked told of %v", n, checked)
	}
	second := results[0]
	for _, r := range results[1:] {
		if r == nil || r.ID != second.ID {
			t.Fatalf("concurrent checks differ: %+v", r)
		}
	}
	if second.PreviousAt == nil || !second.PreviousAt.Equal(first.CheckedAt) || second.Status != dnscheck.StatusError {
		t.Fatalf("second check: %+v", second)
	}
	var types []ChangeType
	for _, c := range second.Changes {
		if c.Kind != dnscheck.KindDMARC {
			t.Errorf("change of %s: %+v", c.Kind, c)
		}
		types = append(types, c.Type)
	}
	if !slices.Contains(types, ChangeRecord) || !slices.Contains(types, ChangeStatus) || !slices.Contains(types, ChangeFindingAdded) {
		t.Errorf("changes %v", types)
	}

	hist, err := w.History(ctx, "example.com", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].ID != second.ID || len(hist[0].Changes) != len(second.Changes) || hist[0].Result != nil ||
		hist[1].ID != first.ID || hist[1].PreviousAt != nil || hist[1].Changes == nil {
		t.Errorf("history: %+v", hist)
	}
	if hist, err := w.History(ctx, "example.com", 1); err != nil || len(hist) != 1 || len(hist[0].Changes) != len(second.Changes) {
		t.Errorf("history of 1 still compares with the one before: %+v %v", hist, err)
	}

	if _, err := w.CheckNow(ctx, Request{Domain: "not a domain"}); !errors.Is(err, dnscheck.ErrInvalidDomain) {
		t.Errorf("invalid domain: %v", err)
	}
	many := make([]string, MaxSelectors+1)
	for i := range many {
		many[i] = string(rune('a' + i))
	}
	if _, err := w.CheckNow(ctx, Request{Domain: "example.com", Selectors: many}); !errors.Is(err, ErrTooManySelectors) {
		t.Errorf("too many selectors: %v", err)
	}
}

// TestRunOnce: a round checks the store's domains that are due, with the
// selectors their reports saw, and records what changed when the zone
// changed between rounds; a round without the lock checks none.
func TestRunOnce(t *testing.T) {
	t.Parallel()
	w, srv, clk := setup(t)
	ctx := t.Context()
	addReport(t, w.Store, "example.com", "1", "s1")
	addReport(t, w.Store, "EXAMPLE.ORG", "2", "s2")
	addReport(t, w.Store, "not_a_domain", "3", "s3")
	const day = 24 * time.Hour

	round := func(want int) {
		t.Helper()
		n, err := w.RunOnce(ctx, day)
		if err != nil || n != want {
			t.Fatalf("round at %v: %d checked, %v; want %d", clk.now(), n, err, want)
		}
	}
	round(2)
	com := checksOf(t, w, "example.com")
	if len(com) != 1 || com[0].Origin != OriginSchedule || len(checksOf(t, w, "example.org")) != 1 {
		t.Fatalf("after the first round: %+v", com)
	}
	latest, err := w.Latest(ctx)
	if err != nil || len(latest) != 2 || latest[0].Domain != "example.com" || len(latest[0].Result.DKIM) != 1 ||
		latest[0].Result.DKIM[0].Selector != "s1" || latest[1].Result.DKIM[0].Selector != "s2" {
		t.Fatalf("latest: %+v, %v", latest, err)
	}

	// Within the interval nothing is due, whatever the rounds.
	for range 5 {
		clk.add(time.Hour)
		round(0)
	}
	// A requested check counts: example.org is due a day after it.
	clk.add(12 * time.Hour)
	if _, err := w.CheckNow(ctx, Request{Domain: "example.org", Selectors: []string{"s2", "s9"}, Origin: OriginAPI}); err != nil {
		t.Fatal(err)
	}
	srv.Add(t, `default._bimi.example.com. TXT "v=BIMI1; l=https://example.com/logo.svg"`)
	before := srv.Count("_dmarc.example.com", dns.TypeTXT)
	clk.add(7 * time.Hour) // a day after the first round, less half a tick
	round(1)
	if srv.Count("_dmarc.example.com", dns.TypeTXT) != before+1 {
		t.Error("example.com was not checked again")
	}
	hist, err := w.History(ctx, "example.com", 10)
	if err != nil || len(hist) != 2 {
		t.Fatalf("history: %+v, %v", hist, err)
	}
	var bimi []ChangeType
	for _, c := range hist[0].Changes {
		if c.Kind == dnscheck.KindBIMI {
			bimi = append(bimi, c.Type)
		}
	}
	if !slices.Contains(bimi, ChangeRecord) {
		t.Errorf("the published BIMI record is no change: %+v", hist[0].Changes)
	}

	// example.org is due a day after the requested check, with its
	// selectors.
	clk.add(17 * time.Hour)
	round(1)
	org, err := w.Latest(ctx)
	if err != nil || org[1].Domain != "example.org" || len(org[1].Result.DKIM) != 2 || org[1].Origin != OriginSchedule {
		t.Fatalf("example.org: %+v, %v", org, err)
	}

	// Another holder of the lock: no checks.
	clk.add(48 * time.Hour)
	unlock, ok, err := w.Store.TryLock(ctx, LockName)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	round(0)
	unlock()
	round(2)
}

// TestRun: the first round runs at once, and Run returns when its context
// ends.
func TestRun(t *testing.T) {
	t.Parallel()
	w, _, _ := setup(t)
	w.Now = nil
	addReport(t, w.Store, "example.com", "1", "s1")
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		w.Run(ctx, time.Hour)
		close(done)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for len(checksOf(t, w, "example.com")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no check within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
}
