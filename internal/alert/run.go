package alert

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
)

// Defaults of Run.
const (
	// DefaultInterval is how often every rule is judged for every
	// domain: reports come a few times a day, DNS checks daily.
	DefaultInterval = 15 * time.Minute
	// DefaultDebounce is how long Run waits after a report was stored:
	// a mailbox or a directory often brings many at once.
	DefaultDebounce = 10 * time.Second
	// flushEvery is how often Run sends the alerts held by quiet hours or
	// a rate limit that are due.
	flushEvery = time.Minute
)

// Reported tells the engine that reports of domain were stored (or that
// its DNS records were checked): Run judges it soon, after Debounce.
func (e *Engine) Reported(domain string) {
	e.pmu.Lock()
	if e.pending == nil {
		e.pending = map[string]bool{}
	}
	e.pending[domain] = true
	poke := e.pokes()
	e.pmu.Unlock()
	select {
	case poke <- struct{}{}:
	default:
	}
}

// Stored tells the engine of a report ingest stored (ingest.Importer's
// Stored): the report's domain is judged soon. It reads the report's
// domain from the store by id, or a TLS report's policy domains.
func (e *Engine) Stored(ctx context.Context, r ingest.Result) {
	if r.Outcome != ingest.Imported {
		return
	}
	if r.Format == ingest.FormatTLS {
		rep, err := e.Store.TLSReport(ctx, r.ReportID)
		if err != nil {
			e.log().Warn("alerts of a stored TLS report", "id", r.ReportID, "err", err)
			return
		}
		for _, d := range rep.Domains {
			e.Reported(d)
		}
		return
	}
	if r.Format != ingest.FormatAggregate {
		return
	}
	rep, err := e.Store.Report(ctx, r.ReportID)
	if err != nil {
		e.log().Warn("alerts of a stored report", "id", r.ReportID, "err", err)
		return
	}
	e.Reported(rep.Header.Policy.Domain)
}

// pokes is the channel Reported signals on; pmu is held.
func (e *Engine) pokes() chan struct{} {
	if e.poke == nil {
		e.poke = make(chan struct{}, 1)
	}
	return e.poke
}

// takePending returns the domains Reported named since the last call, by
// name.
func (e *Engine) takePending() []string {
	e.pmu.Lock()
	defer e.pmu.Unlock()
	var out []string
	for d := range e.pending {
		out = append(out, d)
	}
	clear(e.pending)
	slices.Sort(out)
	return out
}

// Run judges every rule for every domain at once and every Interval, the
// domains Reported names Debounce after their reports, and sends the
// alerts that are due every minute, until ctx ends. Errors are logged.
func (e *Engine) Run(ctx context.Context) {
	interval, debounce := e.Interval, e.Debounce
	if interval <= 0 {
		interval = DefaultInterval
	}
	if debounce <= 0 {
		debounce = DefaultDebounce
	}
	e.pmu.Lock()
	poke := e.pokes()
	e.pmu.Unlock()
	tick := time.NewTicker(flushEvery)
	defer tick.Stop()
	var next time.Time
	for {
		if !time.Now().Before(next) {
			e.logged("alerts", e.Evaluate(ctx, nil))
			next = time.Now().Add(interval)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if time.Now().Before(next) {
				e.logged("alert notifications", e.Flush(ctx))
			}
		case <-poke:
			t := time.NewTimer(debounce)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			if domains := e.takePending(); len(domains) > 0 {
				e.logged("alerts of new reports", e.Evaluate(ctx, domains))
			}
		}
	}
}

// logged logs err, unless it is nil or the end of ctx.
func (e *Engine) logged(what string, err error) {
	if err != nil && !errors.Is(err, context.Canceled) {
		e.log().Warn(what, "err", err)
	}
}
