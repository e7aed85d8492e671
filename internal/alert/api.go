package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/notify"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// ErrResolved: an alert resolved already cannot be acknowledged.
var ErrResolved = errors.New("the alert is resolved")

// Alert is an alert as the API shows it.
type Alert struct {
	ID       int64          `json:"id"`
	RuleID   int64          `json:"rule_id"`
	Rule     string         `json:"rule"`
	Key      string         `json:"key"`
	Domain   string         `json:"domain"`
	Type     string         `json:"type"`
	Severity string         `json:"severity"`
	Title    string         `json:"title"`
	Summary  string         `json:"summary"`
	Facts    []webhook.Fact `json:"facts"`
	// State is open, acknowledged or resolved.
	State string `json:"state"`
	// Active: its condition has not cleared (an alert resolved by hand
	// stays active, and silent, until it does).
	Active   bool      `json:"active"`
	Opened   time.Time `json:"opened_at"`
	LastSeen time.Time `json:"last_seen"`
	Acked    time.Time `json:"acknowledged_at,omitzero"`
	AckedBy  string    `json:"acknowledged_by,omitempty"`
	Resolved time.Time `json:"resolved_at,omitzero"`
	// ResolvedBy is who resolved it; empty when it resolved as its
	// condition cleared.
	ResolvedBy string    `json:"resolved_by,omitempty"`
	Cleared    time.Time `json:"cleared_at,omitzero"`
	// Notified: it was queued for its channels.
	Notified bool `json:"notified"`
}

// viewOf is the API's view of a stored alert.
func viewOf(a store.Alert) Alert {
	v := Alert{ID: a.ID, RuleID: a.RuleID, Rule: a.RuleName, Key: a.Key, Domain: a.Domain, Type: a.Type, Severity: a.Severity,
		Title: a.Title, Summary: a.Summary, Facts: []webhook.Fact{}, State: a.State, Active: a.Cleared.IsZero(), Opened: a.Opened,
		LastSeen: a.LastSeen, Acked: a.Acked, AckedBy: a.AckedBy, Resolved: a.Resolved, ResolvedBy: a.ResolvedBy,
		Cleared: a.Cleared, Notified: a.Notified}
	json.Unmarshal(a.Facts, &v.Facts) // written by alertOf
	return v
}

// Rules lists the rules by id. A rule stored by another version whose
// settings this one refuses is listed as stored.
func (e *Engine) Rules(ctx context.Context) ([]Rule, error) {
	stored, err := e.Store.AlertRules(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Rule, 0, len(stored))
	for _, sr := range stored {
		r, _ := ruleOf(sr)
		out = append(out, r)
	}
	return out, nil
}

// Rule returns one rule; store.ErrNotFound (wrapped) when none has id.
func (e *Engine) Rule(ctx context.Context, id int64) (Rule, error) {
	sr, err := e.Store.AlertRule(ctx, id)
	if err != nil {
		return Rule{}, err
	}
	r, _ := ruleOf(sr)
	return r, nil
}

// checkChannels refuses channel ids that name no channel.
func (e *Engine) checkChannels(ctx context.Context, ids []int64) error {
	if e.Notifier == nil || len(ids) == 0 {
		return nil
	}
	list, err := e.Notifier.Channels(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !slices.ContainsFunc(list, func(c notify.Channel) bool { return c.ID == id }) {
			return invalid("channels", "no notification channel has id %d", id)
		}
	}
	return nil
}

// CreateRule validates r (a *ValidationError when it is not valid),
// stores it and returns it as stored. Its alerts come with the next
// round, which it asks for.
func (e *Engine) CreateRule(ctx context.Context, r Rule) (Rule, error) {
	if err := r.Validate(); err != nil {
		return Rule{}, err
	}
	if err := e.checkChannels(ctx, r.Channels); err != nil {
		return Rule{}, err
	}
	id, err := e.Store.AddAlertRule(ctx, r.toStore(), e.now())
	if err != nil {
		return Rule{}, err
	}
	e.judgeSoon(r.Domain)
	return e.Rule(ctx, id)
}

// UpdateRule replaces the settings of rule id with those of r, as
// CreateRule validates them. Disabling a rule clears its active alerts.
func (e *Engine) UpdateRule(ctx context.Context, id int64, r Rule) (Rule, error) {
	if err := r.Validate(); err != nil {
		return Rule{}, err
	}
	if err := e.checkChannels(ctx, r.Channels); err != nil {
		return Rule{}, err
	}
	r.ID = id
	if err := e.Store.UpdateAlertRule(ctx, r.toStore(), e.now()); err != nil {
		return Rule{}, err
	}
	e.judgeSoon(r.Domain)
	return e.Rule(ctx, id)
}

// DeleteRule deletes a rule; its alerts stay in the history, cleared.
func (e *Engine) DeleteRule(ctx context.Context, id int64) error {
	return e.Store.DeleteAlertRule(ctx, id, e.now())
}

// judgeSoon asks Run for a round of domain ("" all) after a rule
// changed.
func (e *Engine) judgeSoon(domain string) {
	if domain != "" {
		e.Reported(domain)
	}
}

// Alerts lists the alerts matching f, the newest first.
func (e *Engine) Alerts(ctx context.Context, f store.AlertFilter) ([]Alert, error) {
	list, err := e.Store.Alerts(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]Alert, len(list))
	for i, a := range list {
		out[i] = viewOf(a)
	}
	return out, nil
}

// Alert returns one alert; store.ErrNotFound (wrapped) when none has id.
func (e *Engine) Alert(ctx context.Context, id int64) (Alert, error) {
	a, err := e.Store.Alert(ctx, id)
	if err != nil {
		return Alert{}, err
	}
	return viewOf(a), nil
}

// Acknowledge marks an open alert acknowledged by by: someone is on it.
// Acknowledging again changes nothing; ErrResolved for a resolved alert.
func (e *Engine) Acknowledge(ctx context.Context, id int64, by string) (Alert, error) {
	a, err := e.Store.AckAlert(ctx, id, by, e.now())
	if err != nil {
		return Alert{}, err
	}
	if a.State == store.AlertResolved {
		return viewOf(a), fmt.Errorf("acknowledge alert %d: %w", id, ErrResolved)
	}
	return viewOf(a), nil
}

// Resolve resolves an alert by by. While its condition holds it stays
// active, so the condition opens no other alert until it clears.
// Resolving again changes nothing.
func (e *Engine) Resolve(ctx context.Context, id int64, by string) (Alert, error) {
	a, err := e.Store.ResolveAlert(ctx, id, by, e.now())
	if err != nil {
		return Alert{}, err
	}
	return viewOf(a), nil
}
