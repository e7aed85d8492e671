package dnswatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// Origins of a check: who asked for it.
const (
	OriginAPI      = "api"
	OriginSchedule = "schedule"
)

// Defaults and bounds of a Watcher.
const (
	// DefaultConcurrency is how many domains a round checks at once.
	DefaultConcurrency = 4
	// MaxSelectors bounds the DKIM selectors of one check: each is a DNS
	// question, and a domain seldom has more than a few senders.
	MaxSelectors = 10
	// selectorRecords is how many of a domain's newest records are read
	// to learn its DKIM selectors.
	selectorRecords = 5000
)

// ErrTooManySelectors: a check was asked for more than MaxSelectors DKIM
// selectors.
var ErrTooManySelectors = fmt.Errorf("more than %d DKIM selectors", MaxSelectors)

// Watcher checks domains' records, on request and on a schedule, and keeps
// their history in Store. Its fields are set before first use and not
// changed after; it is safe for concurrent use.
type Watcher struct {
	Store   store.Store
	Checker *dnscheck.Checker
	Log     *slog.Logger
	// Keep is how many checks are kept per domain (store.DNSChecksKept
	// when zero).
	Keep int
	// Concurrency bounds the domains a round checks at once
	// (DefaultConcurrency when zero).
	Concurrency int
	// Now is the clock, time.Now when nil (for tests).
	Now func() time.Time
	// Checked, when set, is called after each check is stored, with the
	// check and what changed (serve has the alert engine judge the
	// domain's DNS rules); it should be quick, as the check waits.
	Checked func(c *Check)

	mu      sync.Mutex
	flights map[string]*flight
	wg      sync.WaitGroup // of the flights
}

// flight is one check being made, shared by the callers asking for the
// same domain and selectors meanwhile.
type flight struct {
	done  chan struct{}
	check *Check
	err   error
}

// Check is a stored check of a domain, as the API shows it.
type Check struct {
	ID        int64           `json:"id"`
	Domain    string          `json:"domain"`
	CheckedAt time.Time       `json:"checked_at"`
	Origin    string          `json:"origin"`
	Status    dnscheck.Status `json:"status"`
	// Records is the status of each kind of record, in display order.
	Records []RecordStatus `json:"records"`
	// PreviousAt is when the check Changes compare with was made; nil
	// when there was none (the domain's first check kept).
	PreviousAt *time.Time `json:"previous_at"`
	// Changes are the differences from the previous check.
	Changes []Change `json:"changes"`
	// Result is the whole result, where the answer carries it.
	Result *dnscheck.Result `json:"result,omitempty"`
}

// Request asks for a check.
type Request struct {
	// Domain is the domain to check, in any form dnscheck.NormalizeDomain
	// takes.
	Domain string
	// Selectors are the DKIM selectors to check, at most MaxSelectors.
	Selectors []string
	// Origin is OriginAPI or OriginSchedule.
	Origin string
	// Timeout bounds the check: lookups still unanswered then fail, as
	// findings (the Checker's CheckTimeout when zero).
	Timeout time.Duration
}

func (w *Watcher) log() *slog.Logger {
	if w.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return w.Log
}

func (w *Watcher) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// NormalizeSelectors returns selectors in lower case, trimmed, without
// empty ones and repeats, sorted, or ErrTooManySelectors.
func NormalizeSelectors(selectors []string) ([]string, error) {
	var out []string
	for _, s := range selectors {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) > MaxSelectors {
		return nil, ErrTooManySelectors
	}
	slices.Sort(out)
	return out, nil
}

// CheckNow checks a domain, stores the result in its history and returns
// it with what changed since the domain's previous check. Callers asking
// for the same domain and selectors while a check runs share it. A
// requested check goes on when ctx ends (the others may want it, and it
// is stored for the history); a scheduled one stops. The error is dnscheck.ErrInvalidDomain (wrapped),
// ErrTooManySelectors, or a failure to check or store.
func (w *Watcher) CheckNow(ctx context.Context, req Request) (*Check, error) {
	if w.Store == nil || w.Checker == nil {
		return nil, errNoChecker
	}
	domain, err := dnscheck.NormalizeDomain(req.Domain)
	if err != nil {
		return nil, err
	}
	sels, err := NormalizeSelectors(req.Selectors)
	if err != nil {
		return nil, err
	}
	req.Domain, req.Selectors = domain, sels
	key := domain + " " + strings.Join(sels, ",")
	w.mu.Lock()
	f, ok := w.flights[key]
	if !ok {
		if w.flights == nil {
			w.flights = map[string]*flight{}
		}
		f = &flight{done: make(chan struct{})}
		w.flights[key] = f
		fctx := ctx
		if req.Origin != OriginSchedule {
			fctx = context.WithoutCancel(ctx)
		}
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			f.check, f.err = w.check(fctx, req)
			w.mu.Lock()
			delete(w.flights, key)
			w.mu.Unlock()
			close(f.done)
		}()
	}
	w.mu.Unlock()
	select {
	case <-f.done:
		return f.check, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Wait waits for the checks in flight to end, for a clean shutdown: a
// requested check goes on after its caller went away, and a scheduled one
// ends soon after its context.
func (w *Watcher) Wait() { w.wg.Wait() }

// check runs and stores one check of req, whose domain and selectors are
// normalized.
func (w *Watcher) check(ctx context.Context, req Request) (*Check, error) {
	c := *w.Checker
	if req.Timeout > 0 {
		c.CheckTimeout = req.Timeout
	}
	timeout := c.CheckTimeout
	if timeout <= 0 {
		timeout = dnscheck.DefaultCheckTimeout
	}
	// The check ends its lookups at timeout itself; this bounds the rest.
	ctx, cancel := context.WithTimeout(ctx, timeout+30*time.Second)
	defer cancel()
	res, err := c.Check(ctx, req.Domain, dnscheck.Options{DKIMSelectors: req.Selectors})
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", req.Domain, err)
	}
	js, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", req.Domain, err)
	}
	prev, err := w.Store.DNSChecks(ctx, req.Domain, 1)
	if err != nil {
		return nil, err
	}
	sc := store.DNSCheck{Domain: req.Domain, CheckedAt: w.now().UTC().Truncate(time.Second), Origin: req.Origin,
		Status: string(res.Status), Result: js}
	if sc.ID, err = w.Store.AddDNSCheck(ctx, sc, w.Keep); err != nil {
		return nil, err
	}
	out := &Check{ID: sc.ID, Domain: sc.Domain, CheckedAt: sc.CheckedAt, Origin: sc.Origin, Status: res.Status,
		Records: Statuses(res), Changes: []Change{}, Result: res}
	if len(prev) == 1 {
		if p, err := decode(prev[0]); err != nil {
			w.log().Warn("DNS check history", "domain", req.Domain, "err", err)
		} else {
			out.PreviousAt = &prev[0].CheckedAt
			out.Changes = nonNil(Compare(p, res))
		}
	}
	if len(out.Changes) > 0 {
		w.log().Info("DNS records changed", "domain", req.Domain, "changes", len(out.Changes), "status", res.Status)
	}
	if w.Checked != nil {
		w.Checked(out)
	}
	return out, nil
}

// decode reads the result of a stored check.
func decode(sc store.DNSCheck) (*dnscheck.Result, error) {
	var r dnscheck.Result
	if err := json.Unmarshal(sc.Result, &r); err != nil {
		return nil, fmt.Errorf("DNS check %d of %s: %w", sc.ID, sc.Domain, err)
	}
	return &r, nil
}

// fromStored is the Check of a stored one, with its result, without
// changes.
func fromStored(sc store.DNSCheck) (*Check, error) {
	r, err := decode(sc)
	if err != nil {
		return nil, err
	}
	return &Check{ID: sc.ID, Domain: sc.Domain, CheckedAt: sc.CheckedAt, Origin: sc.Origin,
		Status: dnscheck.Status(sc.Status), Records: Statuses(r), Changes: []Change{}, Result: r}, nil
}

// History lists the newest stored checks of domain, at most limit, the
// newest first, each with what changed since the one before it and
// without its result. A stored result that cannot be read (written by
// another version) is left out, and logged.
func (w *Watcher) History(ctx context.Context, domain string, limit int) ([]Check, error) {
	d, err := dnscheck.NormalizeDomain(domain)
	if err != nil {
		return nil, err
	}
	limit = max(limit, 1)
	stored, err := w.Store.DNSChecks(ctx, d, limit+1)
	if err != nil {
		return nil, err
	}
	checks := make([]*Check, len(stored))
	for i, sc := range stored {
		if checks[i], err = fromStored(sc); err != nil {
			w.log().Warn("DNS check history", "domain", d, "err", err)
		}
	}
	out := []Check{}
	for i := 0; i < len(checks) && i < limit; i++ {
		c := checks[i]
		if c == nil {
			continue
		}
		if i+1 < len(checks) && checks[i+1] != nil {
			c.PreviousAt = &checks[i+1].CheckedAt
			c.Changes = nonNil(Compare(checks[i+1].Result, c.Result))
		}
		c.Result = nil
		out = append(out, *c)
	}
	return out, nil
}

// Latest returns the newest stored check of every domain, by domain, with
// its result and without changes.
func (w *Watcher) Latest(ctx context.Context) ([]Check, error) {
	stored, err := w.Store.LatestDNSChecks(ctx)
	if err != nil {
		return nil, err
	}
	out := []Check{}
	for _, sc := range stored {
		c, err := fromStored(sc)
		if err != nil {
			w.log().Warn("DNS check history", "domain", sc.Domain, "err", err)
			continue
		}
		out = append(out, *c)
	}
	return out, nil
}

// SeenSelectors lists the DKIM selectors the reports of domain, named as
// they name it (store.Domains), saw signing its mail, the most messages
// first, at most MaxSelectors.
func (w *Watcher) SeenSelectors(ctx context.Context, domain string) ([]store.SelectorCount, error) {
	sels, err := w.Store.DKIMSelectors(ctx, domain, selectorRecords)
	if err != nil {
		return nil, err
	}
	if sels == nil {
		sels = []store.SelectorCount{}
	}
	return sels[:min(len(sels), MaxSelectors)], nil
}

// scheduledSelectors are the selectors a scheduled check asks for: those
// of the domain's newest check, or else those its reports, which name it
// stored, saw.
func (w *Watcher) scheduledSelectors(ctx context.Context, stored string, latest *store.DNSCheck) ([]string, error) {
	if latest != nil {
		if r, err := decode(*latest); err == nil && len(r.DKIM) > 0 {
			var out []string
			for _, k := range r.DKIM {
				out = append(out, k.Selector)
			}
			return out, nil
		}
	}
	seen, err := w.SeenSelectors(ctx, stored)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range seen {
		out = append(out, s.Selector)
	}
	return out, nil
}

func nonNil(c []Change) []Change {
	if c == nil {
		return []Change{}
	}
	return c
}

// errNoChecker: a Watcher without a Checker or Store.
var errNoChecker = errors.New("dnswatch: Watcher needs a Store and a Checker")
