package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// AlertStore keeps what the alert engine (package alert) needs: its rules,
// the alerts they raised with their history, the notifications waiting
// for their channel (quiet hours, the rate limit), the messages sent per
// channel, and the first report of each domain. Store has it.
type AlertStore interface {
	// AlertRules lists the rules by id.
	AlertRules(ctx context.Context) ([]AlertRule, error)
	// AlertRule returns one rule; ErrNotFound when none has id.
	AlertRule(ctx context.Context, id int64) (AlertRule, error)
	// AddAlertRule stores a new rule (its ID and times are ignored; a
	// zero at is now) and returns its id.
	AddAlertRule(ctx context.Context, r AlertRule, at time.Time) (int64, error)
	// UpdateAlertRule replaces the settings of rule r.ID; ErrNotFound when
	// there is none. A rule disabled clears its active alerts (resolved
	// by "rule disabled"), in the same transaction.
	UpdateAlertRule(ctx context.Context, r AlertRule, at time.Time) error
	// DeleteAlertRule deletes a rule and clears its active alerts
	// (resolved by "rule deleted"), which stay in the history;
	// ErrNotFound when there is none.
	DeleteAlertRule(ctx context.Context, id int64, at time.Time) error
	// ActiveAlerts lists the alerts whose condition has not cleared, of
	// one rule or, for ruleID 0, of all rules, by id. Resolving an alert
	// by hand leaves it active until its condition clears.
	ActiveAlerts(ctx context.Context, ruleID int64) ([]Alert, error)
	// OpenAlert stores a as a new open alert unless its rule has an
	// active alert with its condition key; it returns the stored alert
	// and whether it is new. Of concurrent callers, one opens it.
	OpenAlert(ctx context.Context, a Alert) (Alert, bool, error)
	// SeeAlerts sets the LastSeen of alerts to at: their conditions still
	// hold.
	SeeAlerts(ctx context.Context, ids []int64, at time.Time) error
	// ClearAlert records that the condition of an active alert cleared
	// at at, and resolves it by by unless someone did; it does nothing to
	// an alert that is not active.
	ClearAlert(ctx context.Context, id int64, at time.Time, by string) error
	// Alert returns one alert; ErrNotFound when none has id.
	Alert(ctx context.Context, id int64) (Alert, error)
	// Alerts lists the alerts matching f, the newest first.
	Alerts(ctx context.Context, f AlertFilter) ([]Alert, error)
	// AckAlert acknowledges an open alert by by at at, and returns the
	// alert as it is after: an alert acknowledged or resolved already is
	// returned unchanged. ErrNotFound when none has id.
	AckAlert(ctx context.Context, id int64, by string, at time.Time) (Alert, error)
	// ResolveAlert resolves an alert by by at at and returns it as it is
	// after: one resolved already is returned unchanged. ErrNotFound
	// when none has id.
	ResolveAlert(ctx context.Context, id int64, by string, at time.Time) (Alert, error)
	// QueueAlert puts the notification of an alert in the queue of each
	// of channels and marks the alert notified, in one transaction.
	QueueAlert(ctx context.Context, alertID int64, channels []int64, at time.Time) error
	// QueuedAlerts lists the queue, by channel and then oldest first.
	QueuedAlerts(ctx context.Context) ([]QueuedAlert, error)
	// AlertsSent removes the alerts sent from a channel's queue, records
	// the message sent (AlertSends counts it) and prunes the records a
	// day older than at, in one transaction.
	AlertsSent(ctx context.Context, channelID int64, alertIDs []int64, at time.Time) error
	// AlertSends counts the messages sent to a channel at or after since.
	AlertSends(ctx context.Context, channelID int64, since time.Time) (int, error)
	// DomainFirstReports returns when the first report of each domain
	// noted (NoteDomains) was received, by domain.
	DomainFirstReports(ctx context.Context) (map[string]time.Time, error)
	// NoteDomains notes the domains not noted yet with the time their
	// first stored report was received (left out when none is stored).
	NoteDomains(ctx context.Context, domains []string) error
}

// AlertRule is a rule of the alert engine as stored; package alert
// checks it and gives Type and Settings their meaning.
type AlertRule struct {
	ID   int64
	Name string
	// Type is the kind of condition, such as "compliance_below".
	Type string
	// Domain is the policy domain the rule watches, "" for all.
	Domain string
	// Settings are the type's thresholds, as JSON.
	Settings []byte
	// Channels are the ids of the notification channels alerts go to.
	Channels []int64
	// Severity is the alerts' severity, "" for the condition's own.
	Severity         string
	Enabled          bool
	Created, Updated time.Time
}

// States of an alert.
const (
	AlertOpen         = "open"
	AlertAcknowledged = "acknowledged"
	AlertResolved     = "resolved"
)

// Alert is a condition a rule found, with its history: opened, perhaps
// acknowledged, resolved (by a person, or when the condition cleared).
type Alert struct {
	ID       int64
	RuleID   int64
	RuleName string
	// Key tells the conditions of a rule apart (a source IP, a DNS
	// finding); a rule has at most one active alert per key.
	Key                    string
	Domain, Type, Severity string
	Title, Summary         string
	// Facts are the details as JSON (name and value pairs).
	Facts []byte
	// State is AlertOpen, AlertAcknowledged or AlertResolved.
	State string
	// Opened is when the condition was found, LastSeen when it was last
	// found to hold.
	Opened, LastSeen time.Time
	// Acked and AckedBy are when and by whom it was acknowledged; zero
	// when it was not.
	Acked   time.Time
	AckedBy string
	// Resolved and ResolvedBy are when and by whom it was resolved;
	// ResolvedBy is "" when it resolved as its condition cleared.
	Resolved   time.Time
	ResolvedBy string
	// Cleared is when its condition cleared, zero while it holds: the
	// alert is active until then.
	Cleared time.Time
	// Notified is true once its notification was queued for its
	// channels.
	Notified bool
}

// AlertFilter selects alerts; zero fields select all.
type AlertFilter struct {
	State  string
	Domain string
	RuleID int64
	// Active selects the alerts whose condition has not cleared.
	Active bool
	// BeforeID continues a listing after the alert with this id.
	BeforeID int64
	// Limit caps the alerts returned; zero or less is no cap.
	Limit int
}

// QueuedAlert is the notification of an alert waiting for its channel.
type QueuedAlert struct {
	ChannelID int64
	AlertID   int64
	Queued    time.Time
}

// alertSendsKept is how long the record of a message sent is kept: the
// rate limit looks back an hour.
const alertSendsKept = 24 * time.Hour

const alertRuleColumns = `id, name, type, domain, settings, channels, severity, enabled, created_at, updated_at`

const alertColumns = `id, rule_id, rule_name, condition_key, domain, type, severity, title, summary, facts, state,
	opened_at, last_seen, acked_at, acked_by, resolved_at, resolved_by, cleared_at, notified`

const (
	addAlertRuleSQL = `INSERT INTO alert_rules (name, type, domain, settings, channels, severity, enabled, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
	updateAlertRuleSQL = `UPDATE alert_rules SET name = ?, type = ?, domain = ?, settings = ?, channels = ?, severity = ?, enabled = ?,
	updated_at = ? WHERE id = ? RETURNING id`
	deleteAlertRuleSQL = `DELETE FROM alert_rules WHERE id = ? RETURNING id`
	// clearRuleAlertsSQL clears the active alerts of a rule.
	clearRuleAlertsSQL = `UPDATE alerts SET cleared_at = ?, state = 'resolved', resolved_at = COALESCE(resolved_at, ?),
	resolved_by = CASE WHEN state = 'resolved' THEN resolved_by ELSE ? END WHERE rule_id = ? AND cleared_at IS NULL`
	// clearAlertSQL clears one active alert. SET expressions see the row
	// as it was, in both databases.
	clearAlertSQL = `UPDATE alerts SET cleared_at = ?, state = 'resolved', resolved_at = COALESCE(resolved_at, ?),
	resolved_by = CASE WHEN state = 'resolved' THEN resolved_by ELSE ? END WHERE id = ? AND cleared_at IS NULL`
	// openAlertSQL inserts an alert unless its rule has an active one with
	// its key (the unique index alerts_active).
	openAlertSQL = `INSERT INTO alerts (rule_id, rule_name, condition_key, domain, type, severity, title, summary, facts, state,
	opened_at, last_seen, acked_by, resolved_by, notified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, '', '', ?)
ON CONFLICT (rule_id, condition_key) WHERE cleared_at IS NULL DO NOTHING RETURNING id`
	activeAlertSQL  = `SELECT ` + alertColumns + ` FROM alerts WHERE rule_id = ? AND condition_key = ? AND cleared_at IS NULL`
	ackAlertSQL     = `UPDATE alerts SET state = 'acknowledged', acked_at = ?, acked_by = ? WHERE id = ? AND state = 'open'`
	resolveAlertSQL = `UPDATE alerts SET state = 'resolved', resolved_at = ?, resolved_by = ? WHERE id = ? AND state <> 'resolved'`
	queueAlertSQL   = `INSERT INTO alert_queue (channel_id, alert_id, queued_at) VALUES (?, ?, ?) ON CONFLICT (channel_id, alert_id) DO NOTHING`
	notifiedSQL     = `UPDATE alerts SET notified = ? WHERE id = ?`
	queuedSQL       = `SELECT channel_id, alert_id, queued_at FROM alert_queue ORDER BY channel_id, queued_at, alert_id`
	dequeueSQL      = `DELETE FROM alert_queue WHERE channel_id = ? AND alert_id = ?`
	addSendSQL      = `INSERT INTO alert_sends (channel_id, sent_at, alerts) VALUES (?, ?, ?)`
	pruneSendsSQL   = `DELETE FROM alert_sends WHERE sent_at < ?`
	countSendsSQL   = `SELECT COUNT(*) FROM alert_sends WHERE channel_id = ? AND sent_at >= ?`
	firstReportsSQL = `SELECT domain, first_report FROM alert_domains`
	// noteDomainSQL notes a domain with its first report's receipt; the
	// WHERE keeps SQLite's parser from taking ON CONFLICT for a join.
	noteDomainSQL = `INSERT INTO alert_domains (domain, first_report)
SELECT domain, MIN(received_at) FROM reports WHERE domain = ? GROUP BY domain ON CONFLICT (domain) DO NOTHING`
)

// alerting implements AlertStore for both backends, which embed it.
type alerting struct {
	// run reads; tx runs fn in a write transaction.
	run rowSource
	tx  func(ctx context.Context, fn func(run rowSource, exec execer) error) error
	// text makes a string storable (pgText for PostgreSQL).
	text func(string) string
}

func sameText(s string) string { return s }

// fromUnix is the time of a nullable Unix seconds column.
func fromUnix(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.Unix(v.Int64, 0).UTC()
}

func orNow(at time.Time) time.Time {
	if at.IsZero() {
		return time.Now()
	}
	return at
}

// ruleArgs are the columns of r from name to updated_at, or an error for
// a rule that cannot be stored.
func (a alerting) ruleArgs(r AlertRule, at time.Time) ([]any, error) {
	if r.Name == "" || r.Type == "" {
		return nil, errors.New("store alert rule: name and type are required")
	}
	if r.Channels == nil {
		r.Channels = []int64{}
	}
	ch, err := json.Marshal(r.Channels)
	if err != nil {
		return nil, fmt.Errorf("store alert rule: %w", err)
	}
	settings := string(r.Settings)
	if settings == "" {
		settings = "{}"
	}
	return []any{a.text(r.Name), a.text(r.Type), a.text(r.Domain), a.text(settings), string(ch), a.text(r.Severity), r.Enabled,
		orNow(at).Unix(), orNow(at).Unix()}, nil
}

func scanRules(run rowSource, ctx context.Context, q string, args ...any) ([]AlertRule, error) {
	var out []AlertRule
	err := run(ctx, q, args, func(scan func(...any) error) error {
		var r AlertRule
		var settings, channels string
		var created, updated int64
		if err := scan(&r.ID, &r.Name, &r.Type, &r.Domain, &settings, &channels, &r.Severity, &r.Enabled, &created, &updated); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(channels), &r.Channels); err != nil {
			return fmt.Errorf("channels of alert rule %d: %w", r.ID, err)
		}
		r.Settings = []byte(settings)
		r.Created, r.Updated = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
		out = append(out, r)
		return nil
	})
	return out, err
}

// AlertRules implements AlertStore.
func (a alerting) AlertRules(ctx context.Context) ([]AlertRule, error) {
	list, err := scanRules(a.run, ctx, `SELECT `+alertRuleColumns+` FROM alert_rules ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read alert rules: %w", err)
	}
	return list, nil
}

// AlertRule implements AlertStore.
func (a alerting) AlertRule(ctx context.Context, id int64) (AlertRule, error) {
	list, err := scanRules(a.run, ctx, `SELECT `+alertRuleColumns+` FROM alert_rules WHERE id = ?`, id)
	return only(list, err, fmt.Sprintf("alert rule %d", id))
}

// AddAlertRule implements AlertStore.
func (a alerting) AddAlertRule(ctx context.Context, r AlertRule, at time.Time) (int64, error) {
	args, err := a.ruleArgs(r, at)
	if err != nil {
		return 0, err
	}
	var id int64
	err = a.tx(ctx, func(run rowSource, _ execer) error {
		found, err := scanOne(ctx, run, addAlertRuleSQL, args, &id)
		if err == nil && !found {
			err = errors.New("no id returned")
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store alert rule %q: %w", r.Name, err)
	}
	return id, nil
}

// UpdateAlertRule implements AlertStore.
func (a alerting) UpdateAlertRule(ctx context.Context, r AlertRule, at time.Time) error {
	args, err := a.ruleArgs(r, at)
	if err != nil {
		return err
	}
	args = append(args[:len(args)-2], orNow(at).Unix(), r.ID) // no created_at
	err = a.tx(ctx, func(run rowSource, exec execer) error {
		var id int64
		found, err := scanOne(ctx, run, updateAlertRuleSQL, args, &id)
		if err != nil {
			return err
		}
		if !found {
			return ErrNotFound
		}
		if !r.Enabled {
			return exec(ctx, clearRuleAlertsSQL, orNow(at).Unix(), orNow(at).Unix(), "rule disabled", r.ID)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("update alert rule %d: %w", r.ID, err)
	}
	return nil
}

// DeleteAlertRule implements AlertStore.
func (a alerting) DeleteAlertRule(ctx context.Context, id int64, at time.Time) error {
	err := a.tx(ctx, func(run rowSource, exec execer) error {
		var got int64
		found, err := scanOne(ctx, run, deleteAlertRuleSQL, []any{id}, &got)
		if err != nil {
			return err
		}
		if !found {
			return ErrNotFound
		}
		return exec(ctx, clearRuleAlertsSQL, orNow(at).Unix(), orNow(at).Unix(), "rule deleted", id)
	})
	if err != nil {
		return fmt.Errorf("delete alert rule %d: %w", id, err)
	}
	return nil
}

func scanAlerts(run rowSource, ctx context.Context, q string, args ...any) ([]Alert, error) {
	var out []Alert
	err := run(ctx, q, args, func(scan func(...any) error) error {
		var al Alert
		var facts string
		var opened, seen int64
		var acked, resolved, cleared sql.NullInt64
		if err := scan(&al.ID, &al.RuleID, &al.RuleName, &al.Key, &al.Domain, &al.Type, &al.Severity, &al.Title, &al.Summary,
			&facts, &al.State, &opened, &seen, &acked, &al.AckedBy, &resolved, &al.ResolvedBy, &cleared, &al.Notified); err != nil {
			return err
		}
		al.Facts = []byte(facts)
		al.Opened, al.LastSeen = time.Unix(opened, 0).UTC(), time.Unix(seen, 0).UTC()
		al.Acked, al.Resolved, al.Cleared = fromUnix(acked), fromUnix(resolved), fromUnix(cleared)
		out = append(out, al)
		return nil
	})
	return out, err
}

// ActiveAlerts implements AlertStore.
func (a alerting) ActiveAlerts(ctx context.Context, ruleID int64) ([]Alert, error) {
	list, err := a.Alerts(ctx, AlertFilter{RuleID: ruleID, Active: true})
	if err != nil {
		return nil, err
	}
	slices.Reverse(list) // Alerts lists the newest first
	return list, nil
}

// OpenAlert implements AlertStore.
func (a alerting) OpenAlert(ctx context.Context, al Alert) (Alert, bool, error) {
	if al.RuleID == 0 || al.Key == "" {
		return Alert{}, false, errors.New("open alert: rule and condition key are required")
	}
	facts := string(al.Facts)
	if facts == "" {
		facts = "[]"
	}
	at := orNow(al.Opened).Unix()
	var out Alert
	var opened bool
	err := a.tx(ctx, func(run rowSource, _ execer) error {
		var id int64
		found, err := scanOne(ctx, run, openAlertSQL, []any{al.RuleID, a.text(al.RuleName), a.text(al.Key), a.text(al.Domain),
			a.text(al.Type), a.text(al.Severity), a.text(al.Title), a.text(al.Summary), a.text(facts), at, at, al.Notified}, &id)
		if err != nil {
			return err
		}
		opened = found
		list, err := scanAlerts(run, ctx, activeAlertSQL, al.RuleID, a.text(al.Key))
		if err != nil {
			return err
		}
		if len(list) != 1 {
			return fmt.Errorf("%d active alerts", len(list))
		}
		out = list[0]
		return nil
	})
	if err != nil {
		return Alert{}, false, fmt.Errorf("open alert %s of rule %d: %w", al.Key, al.RuleID, err)
	}
	return out, opened, nil
}

// SeeAlerts implements AlertStore.
func (a alerting) SeeAlerts(ctx context.Context, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	err := a.tx(ctx, func(_ rowSource, exec execer) error {
		for _, id := range ids {
			if err := exec(ctx, `UPDATE alerts SET last_seen = ? WHERE id = ?`, orNow(at).Unix(), id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("note alerts seen: %w", err)
	}
	return nil
}

// ClearAlert implements AlertStore.
func (a alerting) ClearAlert(ctx context.Context, id int64, at time.Time, by string) error {
	err := a.tx(ctx, func(_ rowSource, exec execer) error {
		return exec(ctx, clearAlertSQL, orNow(at).Unix(), orNow(at).Unix(), a.text(by), id)
	})
	if err != nil {
		return fmt.Errorf("clear alert %d: %w", id, err)
	}
	return nil
}

// Alert implements AlertStore.
func (a alerting) Alert(ctx context.Context, id int64) (Alert, error) {
	return a.alert(ctx, a.run, id)
}

func (a alerting) alert(ctx context.Context, run rowSource, id int64) (Alert, error) {
	list, err := scanAlerts(run, ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = ?`, id)
	return only(list, err, fmt.Sprintf("alert %d", id))
}

// Alerts implements AlertStore.
func (a alerting) Alerts(ctx context.Context, f AlertFilter) ([]Alert, error) {
	var where []string
	var args []any
	add := func(cond string, arg ...any) {
		where = append(where, cond)
		args = append(args, arg...)
	}
	if f.State != "" {
		add("state = ?", f.State)
	}
	if f.Domain != "" {
		add("domain = ?", a.text(f.Domain))
	}
	if f.RuleID != 0 {
		add("rule_id = ?", f.RuleID)
	}
	if f.Active {
		add("cleared_at IS NULL")
	}
	if f.BeforeID > 0 {
		add("id < ?", f.BeforeID)
	}
	q := `SELECT ` + alertColumns + ` FROM alerts`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	list, err := scanAlerts(a.run, ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read alerts: %w", err)
	}
	return list, nil
}

// setState runs update (ackAlertSQL or resolveAlertSQL) on alert id and
// returns it as it is after.
func (a alerting) setState(ctx context.Context, what, update string, id int64, by string, at time.Time) (Alert, error) {
	var out Alert
	err := a.tx(ctx, func(run rowSource, exec execer) error {
		if err := exec(ctx, update, orNow(at).Unix(), a.text(by), id); err != nil {
			return err
		}
		var err error
		out, err = a.alert(ctx, run, id)
		return err
	})
	if err != nil {
		return Alert{}, fmt.Errorf("%s alert %d: %w", what, id, err)
	}
	return out, nil
}

// AckAlert implements AlertStore.
func (a alerting) AckAlert(ctx context.Context, id int64, by string, at time.Time) (Alert, error) {
	return a.setState(ctx, "acknowledge", ackAlertSQL, id, by, at)
}

// ResolveAlert implements AlertStore.
func (a alerting) ResolveAlert(ctx context.Context, id int64, by string, at time.Time) (Alert, error) {
	return a.setState(ctx, "resolve", resolveAlertSQL, id, by, at)
}

// QueueAlert implements AlertStore.
func (a alerting) QueueAlert(ctx context.Context, alertID int64, channels []int64, at time.Time) error {
	err := a.tx(ctx, func(_ rowSource, exec execer) error {
		for _, ch := range channels {
			if err := exec(ctx, queueAlertSQL, ch, alertID, orNow(at).Unix()); err != nil {
				return err
			}
		}
		return exec(ctx, notifiedSQL, true, alertID)
	})
	if err != nil {
		return fmt.Errorf("queue alert %d: %w", alertID, err)
	}
	return nil
}

// QueuedAlerts implements AlertStore.
func (a alerting) QueuedAlerts(ctx context.Context) ([]QueuedAlert, error) {
	var out []QueuedAlert
	err := a.run(ctx, queuedSQL, nil, func(scan func(...any) error) error {
		var q QueuedAlert
		var at int64
		if err := scan(&q.ChannelID, &q.AlertID, &at); err != nil {
			return err
		}
		q.Queued = time.Unix(at, 0).UTC()
		out = append(out, q)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the alert queue: %w", err)
	}
	return out, nil
}

// AlertsSent implements AlertStore.
func (a alerting) AlertsSent(ctx context.Context, channelID int64, alertIDs []int64, at time.Time) error {
	at = orNow(at)
	err := a.tx(ctx, func(_ rowSource, exec execer) error {
		for _, id := range alertIDs {
			if err := exec(ctx, dequeueSQL, channelID, id); err != nil {
				return err
			}
		}
		if err := exec(ctx, addSendSQL, channelID, at.Unix(), len(alertIDs)); err != nil {
			return err
		}
		return exec(ctx, pruneSendsSQL, at.Add(-alertSendsKept).Unix())
	})
	if err != nil {
		return fmt.Errorf("record alerts sent to channel %d: %w", channelID, err)
	}
	return nil
}

// AlertSends implements AlertStore.
func (a alerting) AlertSends(ctx context.Context, channelID int64, since time.Time) (int, error) {
	var n int
	if _, err := scanOne(ctx, a.run, countSendsSQL, []any{channelID, since.Unix()}, &n); err != nil {
		return 0, fmt.Errorf("count alerts sent to channel %d: %w", channelID, err)
	}
	return n, nil
}

// DomainFirstReports implements AlertStore.
func (a alerting) DomainFirstReports(ctx context.Context) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	err := a.run(ctx, firstReportsSQL, nil, func(scan func(...any) error) error {
		var d string
		var at int64
		if err := scan(&d, &at); err != nil {
			return err
		}
		out[d] = time.Unix(at, 0).UTC()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read first reports of domains: %w", err)
	}
	return out, nil
}

// NoteDomains implements AlertStore.
func (a alerting) NoteDomains(ctx context.Context, domains []string) error {
	if len(domains) == 0 {
		return nil
	}
	err := a.tx(ctx, func(_ rowSource, exec execer) error {
		for _, d := range domains {
			if err := exec(ctx, noteDomainSQL, a.text(d)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("note first reports of domains: %w", err)
	}
	return nil
}

// alertTx runs fn in a transaction on the writing connection, so it waits
// for an open ReportTx of this store to end.
func (s *SQLite) alertTx(ctx context.Context, fn func(run rowSource, exec execer) error) (err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, ignoreTxDone(tx.Rollback()))
		}
	}()
	if err = fn(sqlRows(tx), sqlTxExec(tx)); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
