package alert

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/notify"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// LockName is the store lock a round holds (store.TryLock), so that of
// several replicas on one store one judges and sends at a time.
const LockName = "alerts"

// maxOpenPerRound bounds the alerts one rule opens for one domain in a
// round (a spoofing burst of hundreds of new sources): the others open
// in the rounds after.
const maxOpenPerRound = 50

// Notifier sends notifications; *notify.Service has it.
type Notifier interface {
	// Channels lists the channels.
	Channels(ctx context.Context) ([]notify.Channel, error)
	// Enqueue sends m to the listed channels.
	Enqueue(ctx context.Context, channelIDs []int64, m notice.Message) error
	// Publish sends m to the enabled channels subscribed to its event's
	// type.
	Publish(ctx context.Context, m notice.Message) error
}

// Engine judges the alert rules and sends their alerts. Its fields are set
// before first use and not changed after; it is safe for concurrent use.
type Engine struct {
	Store store.Store
	// Notifier sends the alerts; nil: alerts are kept, nothing is sent
	// (they wait in their channels' queues).
	Notifier Notifier
	// IPs, when set, names the organizations of source IPs in alerts and
	// enables the anomaly detector's geographic rule.
	IPs IPData
	// BaseURL is the dashboard's public address, for links in messages;
	// empty: none.
	BaseURL string
	Log     *slog.Logger
	// Now is the clock, time.Now when nil (for tests).
	Now func() time.Time
	// Interval is how often Run judges every rule for every domain
	// (DefaultInterval when zero); Debounce how long it waits after a
	// report was stored before it judges the domains that got reports
	// (DefaultDebounce when zero).
	Interval, Debounce time.Duration

	mu      sync.Mutex // one round at a time
	pmu     sync.Mutex
	pending map[string]bool // domains that got reports
	poke    chan struct{}
}

func (e *Engine) log() *slog.Logger {
	if e.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Log
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now().UTC()
	}
	return time.Now().UTC()
}

// link is the dashboard's address of path, "" without a BaseURL.
func (e *Engine) link(path string) string {
	if e.BaseURL == "" {
		return ""
	}
	return e.BaseURL + path
}

// round is one judging of the rules.
type round struct {
	e       *Engine
	now     time.Time
	domains []store.DomainTotals
	// tlsDomains are the domains with SMTP TLS reports, those the TLS
	// rules of every domain judge.
	tlsDomains []string
	firsts     map[string]time.Time // first report of each domain
	data       map[string]*domainData
}

// Evaluate judges every enabled rule for domains (nil: every domain with
// reports), opens the alerts of conditions found, clears those whose
// condition went, and sends what is due (Flush). Without the store's lock
// (another replica holds it) it does nothing. An error of one rule or
// domain does not stop the others; they are returned joined.
func (e *Engine) Evaluate(ctx context.Context, domains []string) error {
	return e.locked(ctx, func() error { return e.evaluate(ctx, domains) })
}

// locked runs fn holding the engine's mutex and the store's lock, or, when
// another replica holds that, does nothing.
func (e *Engine) locked(ctx context.Context, fn func() error) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	unlock, ok, err := e.Store.TryLock(ctx, LockName)
	if err != nil || !ok {
		return err
	}
	defer unlock()
	return fn()
}

// evaluate is Evaluate, locked.
func (e *Engine) evaluate(ctx context.Context, domains []string) error {
	r := &round{e: e, now: e.now(), data: map[string]*domainData{}}
	if err := r.readDomains(ctx); err != nil {
		return err
	}
	rules, err := e.enabledRules(ctx)
	if err != nil {
		return err
	}
	active, err := e.Store.ActiveAlerts(ctx, 0)
	if err != nil {
		return err
	}
	byRule := map[int64]map[string]map[string]store.Alert{} // rule, domain, key
	for _, a := range active {
		if byRule[a.RuleID] == nil {
			byRule[a.RuleID] = map[string]map[string]store.Alert{}
		}
		if byRule[a.RuleID][a.Domain] == nil {
			byRule[a.RuleID][a.Domain] = map[string]store.Alert{}
		}
		byRule[a.RuleID][a.Domain][a.Key] = a
	}
	var errs []error
	for _, rule := range rules {
		targets := r.targets(&rule, domains)
		for _, d := range targets {
			v, err := r.judge(ctx, &rule, d)
			if err == nil {
				err = r.reconcile(ctx, &rule, d, v, byRule[rule.ID][d])
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("rule %d (%s), domain %s: %w", rule.ID, rule.Name, d, err))
			}
		}
		if domains == nil {
			// A domain the rule no longer watches (its domain changed).
			for d, keys := range byRule[rule.ID] {
				if !slices.Contains(targets, d) {
					for _, a := range keys {
						errs = append(errs, e.Store.ClearAlert(ctx, a.ID, r.now, ""))
					}
				}
			}
		}
	}
	errs = append(errs, e.route(ctx, r.now), e.flush(ctx, r.now))
	return errors.Join(errs...)
}

// readDomains reads the domains with reports and notes the first report
// of those new to the engine.
func (r *round) readDomains(ctx context.Context) error {
	var err error
	if r.domains, err = r.e.Store.Domains(ctx); err != nil {
		return err
	}
	if r.firsts, err = r.e.Store.DomainFirstReports(ctx); err != nil {
		return err
	}
	tls, err := r.e.Store.TLSDomains(ctx)
	if err != nil {
		return err
	}
	for _, d := range tls {
		r.tlsDomains = append(r.tlsDomains, d.Domain)
	}
	var unseen []string
	for _, d := range r.domains {
		if _, ok := r.firsts[d.Domain]; !ok {
			unseen = append(unseen, d.Domain)
		}
	}
	if len(unseen) == 0 {
		return nil
	}
	if err := r.e.Store.NoteDomains(ctx, unseen); err != nil {
		return err
	}
	r.firsts, err = r.e.Store.DomainFirstReports(ctx)
	return err
}

// enabledRules reads the enabled rules; one that is not valid (stored by
// another version) is logged and left out.
func (e *Engine) enabledRules(ctx context.Context) ([]Rule, error) {
	stored, err := e.Store.AlertRules(ctx)
	if err != nil {
		return nil, err
	}
	var out []Rule
	for _, sr := range stored {
		if !sr.Enabled {
			continue
		}
		r, err := ruleOf(sr)
		if err != nil {
			e.log().Warn("alert rule left out", "err", err)
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

// targets are the domains a rule is judged for in a round of domains
// (nil: all).
func (r *round) targets(rule *Rule, domains []string) []string {
	if rule.Domain != "" {
		if domains == nil || slices.Contains(domains, rule.Domain) {
			return []string{rule.Domain}
		}
		return nil
	}
	if domains != nil {
		return domains
	}
	if isTLS(rule.Type) {
		return r.tlsDomains
	}
	out := make([]string, len(r.domains))
	for i, d := range r.domains {
		out[i] = d.Domain
	}
	return out
}

// judge judges rule for domain.
func (r *round) judge(ctx context.Context, rule *Rule, domain string) (verdict, error) {
	d := r.data[domain]
	if d == nil {
		d = &domainData{e: r.e, domain: domain, now: r.now}
		r.data[domain] = d
	}
	switch s := rule.settings.(type) {
	case *ComplianceBelow:
		return d.complianceBelow(ctx, s)
	case *NewSource:
		return d.newSource(ctx, s)
	case *VolumeChange:
		return d.volumeChange(ctx, s)
	case *FailureRateIncrease:
		return d.failureRateIncrease(ctx, s)
	case *NewDomain:
		var t store.DomainTotals
		for _, dt := range r.domains {
			if dt.Domain == domain {
				t = dt
			}
		}
		return d.newDomain(r.firsts[domain], t), nil
	case *Anomaly:
		return d.anomalies(ctx, s)
	case *DNSRegression:
		return d.dnsRegression(ctx, s)
	case *TLSSuccessBelow:
		return d.tlsSuccessBelow(ctx, s)
	case *TLSNewFailure:
		return d.tlsNewFailure(ctx, s)
	}
	return verdict{skip: true}, fmt.Errorf("rule type %s has no judge", rule.Type)
}

// reconcile brings the alerts of rule and domain in line with v: opens
// those of conditions that trigger and have none active, notes the others
// seen, and clears the active alerts whose condition is gone.
func (r *round) reconcile(ctx context.Context, rule *Rule, domain string, v verdict, active map[string]store.Alert) error {
	if v.skip {
		return nil
	}
	e := r.e
	var seen []int64
	present := map[string]bool{}
	for _, k := range v.hold {
		present[conditionKey(domain, k)] = true
	}
	opened, deferred := 0, 0
	for _, c := range v.conds {
		c.key = conditionKey(domain, c.key)
		present[c.key] = true
		if a, ok := active[c.key]; ok {
			seen = append(seen, a.ID)
			continue
		}
		if !c.trigger {
			continue
		}
		if opened == maxOpenPerRound {
			deferred++
			continue
		}
		a, isNew, err := e.Store.OpenAlert(ctx, r.alertOf(rule, domain, c))
		if err != nil {
			return err
		}
		if !isNew {
			continue
		}
		opened++
		e.log().Info("alert", "id", a.ID, "rule", rule.Name, "domain", domain, "title", a.Title)
		if rule.Type == TypeComplianceBelow {
			e.publishCompliance(ctx, v.compliance)
		}
	}
	if deferred > 0 {
		e.log().Warn("alerts left for the next round", "rule", rule.ID, "domain", domain, "opened", opened, "left", deferred)
	}
	for key, a := range active {
		if present[key] {
			continue
		}
		if err := e.Store.ClearAlert(ctx, a.ID, r.now, ""); err != nil {
			return err
		}
		e.log().Info("alert cleared", "id", a.ID, "rule", rule.Name, "domain", domain, "title", a.Title)
		if rule.Type == TypeComplianceBelow {
			e.publishCompliance(ctx, v.compliance)
		}
	}
	return e.Store.SeeAlerts(ctx, seen, r.now)
}

// conditionKey is the key of a condition of a domain in the store, where
// a rule has at most one active alert per key: "example.com:compliance",
// "example.com:source:192.0.2.7".
func conditionKey(domain, key string) string { return domain + ":" + key }

// alertOf is the alert of condition c, whose key is a conditionKey.
func (r *round) alertOf(rule *Rule, domain string, c condition) store.Alert {
	facts, _ := json.Marshal(c.facts)
	if c.facts == nil {
		facts = []byte("[]")
	}
	return store.Alert{RuleID: rule.ID, RuleName: rule.Name, Key: c.key, Domain: domain, Type: rule.Type,
		Severity: cmp.Or(rule.Severity, c.severity, notice.Warning), Title: c.title, Summary: c.summary, Facts: facts,
		Opened: r.now}
}

// publishCompliance publishes a compliance.changed event of data; a
// failure is logged (the alert itself still goes out).
func (e *Engine) publishCompliance(ctx context.Context, data *webhook.ComplianceChangedData) {
	if e.Notifier == nil || data == nil {
		return
	}
	ev, err := webhook.New(webhook.ComplianceChanged, e.now(), data)
	if err == nil {
		title := fmt.Sprintf("%s: DMARC compliance %s, threshold %s", data.Domain, percent(data.CurrentCompliance), percent(data.Threshold))
		sev := notice.Info
		if data.CurrentCompliance < data.Threshold {
			sev = notice.Warning
		}
		err = e.Notifier.Publish(ctx, notice.Message{Event: ev, Title: title, Severity: sev,
			Summary: fmt.Sprintf("DMARC compliance of %s was %s in its newest %s, %s before; the threshold is %s.", data.Domain,
				percent(data.CurrentCompliance), data.Period, percent(data.PreviousCompliance), percent(data.Threshold)),
			URL: data.URL})
	}
	if err != nil {
		e.log().Warn("publish compliance.changed", "domain", data.Domain, "err", err)
	}
}
