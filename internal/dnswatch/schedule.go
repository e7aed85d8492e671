package dnswatch

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// LockName is the store lock a round holds (store.TryLock), so that of
// several replicas on one store one checks.
const LockName = "dns-checks"

// MinInterval is the shortest interval Run accepts: checks ask many DNS
// questions and one a minute per domain is plenty.
const MinInterval = time.Minute

// tick is how often Run starts a round for checks every interval: an
// eighth of it, at most an hour.
func tick(every time.Duration) time.Duration {
	return min(every/8, time.Hour)
}

// Run checks every domain of the store every interval until ctx ends:
// a round at once, then every tick(every), each checking the domains that
// are due (RunOnce). Errors are logged.
func (w *Watcher) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(tick(every))
	defer t.Stop()
	for {
		checked, err := w.RunOnce(ctx, every)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			w.log().Warn("scheduled DNS checks", "err", err)
		case checked > 0:
			w.log().Info("scheduled DNS checks", "domains", checked)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce is one round of checks every interval: when it gets the store's
// lock, it checks the domains with reports whose newest check is older
// than every (less half a tick, as rounds come a tick apart), at most
// Concurrency at once, and returns how many it checked. Without the lock
// (another replica holds it) it checks none.
func (w *Watcher) RunOnce(ctx context.Context, every time.Duration) (checked int, err error) {
	if w.Store == nil || w.Checker == nil {
		return 0, errNoChecker
	}
	unlock, ok, err := w.Store.TryLock(ctx, LockName)
	if err != nil || !ok {
		return 0, err
	}
	defer unlock()
	due, err := w.due(ctx, every-tick(every)/2)
	if err != nil {
		return 0, err
	}
	n := w.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	work := make(chan dueDomain)
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for range min(n, len(due)) {
		wg.Go(func() {
			for d := range work {
				err := w.scheduled(ctx, d)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					checked++
				}
				mu.Unlock()
			}
		})
	}
	for _, d := range due {
		select {
		case work <- d:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	return checked, errors.Join(errs...)
}

// dueDomain is a domain a round checks, with its newest check, if any.
type dueDomain struct {
	domain string // normalized
	stored string // as the store's reports name it
	latest *store.DNSCheck
}

// due lists the domains with reports whose newest check is at least age
// old, by name. Names that are no mail domain (dnscheck.NormalizeDomain
// refuses them) are left out.
func (w *Watcher) due(ctx context.Context, age time.Duration) ([]dueDomain, error) {
	domains, err := w.Store.Domains(ctx)
	if err != nil {
		return nil, err
	}
	latest, err := w.Store.LatestDNSChecks(ctx)
	if err != nil {
		return nil, err
	}
	byDomain := map[string]*store.DNSCheck{}
	for i := range latest {
		byDomain[latest[i].Domain] = &latest[i]
	}
	now := w.now()
	var out []dueDomain
	seen := map[string]bool{}
	for _, dt := range domains {
		d, err := dnscheck.NormalizeDomain(dt.Domain)
		if err != nil || seen[d] {
			continue
		}
		seen[d] = true
		l := byDomain[d]
		if l == nil || now.Sub(l.CheckedAt) >= age {
			out = append(out, dueDomain{d, dt.Domain, l})
		}
	}
	return out, nil
}

// scheduled makes the scheduled check of d.
func (w *Watcher) scheduled(ctx context.Context, d dueDomain) error {
	sels, err := w.scheduledSelectors(ctx, d.stored, d.latest)
	if err != nil {
		return err
	}
	if _, err := w.CheckNow(ctx, Request{Domain: d.domain, Selectors: sels, Origin: OriginSchedule}); err != nil {
		return fmt.Errorf("scheduled check of %s: %w", d.domain, err)
	}
	return nil
}
