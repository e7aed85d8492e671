package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// NotifyChannel is a notification channel as stored (package notify gives
// it its meaning): a generic webhook, Slack, Discord, Microsoft Teams or
// email. The store keeps its settings as opaque JSON, those that are not
// secret in Config and the secret ones sealed (package secretbox) in
// Secrets, so a copy of the database does not carry them readable.
type NotifyChannel struct {
	ID      int64
	Name    string
	Kind    string
	Enabled bool
	// Events are the event types the channel gets from Publish; empty:
	// all of them.
	Events []string
	// Config is JSON of the settings that are not secret.
	Config []byte
	// Secrets is the sealed JSON of the secret settings, "" when none.
	Secrets          string
	Created, Updated time.Time
}

// Notification is an entry of the outbox: a message waiting for its
// delivery to one channel, or for its next attempt. Entries live in the
// store so that retries survive a restart.
type Notification struct {
	ID        int64
	ChannelID int64
	// EventID and EventType are those of the message's event.
	EventID, EventType string
	// Message is the message as JSON (a notice.Message).
	Message []byte
	// Attempts counts the attempts made so far.
	Attempts int
	// NextAt is when the next attempt is due.
	NextAt time.Time
	// LeaseUntil is when the claim of a worker on the entry lapses (zero:
	// unclaimed): until then no other worker claims it.
	LeaseUntil time.Time
	Created    time.Time
}

// Outcomes of a NotifyDelivery.
const (
	// DeliveryOK: the channel accepted the message.
	DeliveryOK = "delivered"
	// DeliveryRetry: the attempt failed and another is scheduled.
	DeliveryRetry = "retrying"
	// DeliveryFailed: the attempt failed and no other follows.
	DeliveryFailed = "failed"
)

// NotifyDelivery is an attempt to deliver a message to a channel, as the
// delivery log keeps it.
type NotifyDelivery struct {
	ID        int64
	ChannelID int64
	// NotificationID is the outbox entry's id, 0 for a send test.
	NotificationID     int64
	EventID, EventType string
	// Attempt counts from 1.
	Attempt int
	// Outcome is DeliveryOK, DeliveryRetry or DeliveryFailed.
	Outcome string
	// StatusCode is the HTTP status (or SMTP reply code) the channel
	// answered, 0 when it answered none.
	StatusCode int
	// Error says why the attempt failed, "" when it did not.
	Error    string
	Duration time.Duration
	At       time.Time
	// Test marks a send test (notify.Service.SendNow).
	Test bool
}

// NotifyDeliveriesKept is how many deliveries the log keeps per channel:
// older ones are pruned as new ones come.
const NotifyDeliveriesKept = 1000

// notifyChannelColumns are the columns of a NotifyChannel, in
// scanNotifyChannel's order.
const notifyChannelColumns = `id, name, kind, enabled, events, config, secrets, created_at, updated_at`

// notificationColumns are the columns of a Notification, in
// scanNotification's order.
const notificationColumns = `id, channel_id, event_id, event_type, message, attempts, next_at, lease_until, created_at`

// notifyDeliveryColumns are the columns of a NotifyDelivery, in
// readNotifyDeliveries' order.
const notifyDeliveryColumns = `id, channel_id, notification_id, event_id, event_type, attempt, outcome, status_code, error, duration_ms, at, test`

const (
	addNotifyChannelSQL = `INSERT INTO notify_channels (name, kind, enabled, events, config, secrets, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
	updateNotifyChannelSQL = `UPDATE notify_channels SET name = ?, kind = ?, enabled = ?, events = ?, config = ?, secrets = ?,
	updated_at = ? WHERE id = ? RETURNING id`
	// deleteNotifyChannelSQL deletes a channel; its outbox entries and
	// deliveries go with it (ON DELETE CASCADE).
	deleteNotifyChannelSQL = `DELETE FROM notify_channels WHERE id = ? RETURNING id`
	enqueueNotificationSQL = `INSERT INTO notify_outbox (channel_id, event_id, event_type, message, attempts, next_at, lease_until, created_at)
VALUES (?, ?, ?, ?, 0, ?, 0, ?)`
	// publishNotificationSQL enqueues for each enabled channel whose
	// events are all ([]) or have the type: LIKE on the JSON array with
	// the type quoted matches whole elements only. The casts type the
	// parameters of the select list for PostgreSQL.
	publishNotificationSQL = `INSERT INTO notify_outbox (channel_id, event_id, event_type, message, attempts, next_at, lease_until, created_at)
SELECT id, CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), 0, CAST(? AS BIGINT), 0, CAST(? AS BIGINT) FROM notify_channels
WHERE enabled = 1 AND (events = '[]' OR events LIKE ? ESCAPE '\') RETURNING id`
	// claimNotificationsSQL leases the due entries that no worker holds,
	// the oldest due first; %s is where PostgreSQL locks them (FOR
	// UPDATE SKIP LOCKED), so that concurrent claims take different rows.
	claimNotificationsSQL = `UPDATE notify_outbox SET lease_until = ? WHERE id IN
	(SELECT id FROM notify_outbox WHERE next_at <= ? AND lease_until <= ? ORDER BY next_at, id LIMIT ?%s)
RETURNING ` + notificationColumns
	// The lease_until condition makes a worker whose lease lapsed, and
	// whose entry another worker claimed since, leave it alone.
	doneNotificationSQL  = `DELETE FROM notify_outbox WHERE id = ? AND lease_until = ?`
	retryNotificationSQL = `UPDATE notify_outbox SET attempts = ?, next_at = ?, lease_until = 0 WHERE id = ? AND lease_until = ?`
	addNotifyDeliverySQL = `INSERT INTO notify_deliveries (channel_id, notification_id, event_id, event_type, attempt, outcome,
	status_code, error, duration_ms, at, test) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
	// pruneNotifyDeliveriesSQL deletes a channel's deliveries but its
	// newest n (the OFFSET), found through the index on (channel_id, id).
	pruneNotifyDeliveriesSQL = `DELETE FROM notify_deliveries WHERE channel_id = ? AND id <=
	(SELECT id FROM notify_deliveries WHERE channel_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`
	notifyDeliveriesSQL = `SELECT ` + notifyDeliveryColumns + ` FROM notify_deliveries WHERE channel_id = ? ORDER BY id DESC LIMIT ?`
)

// boolInt is b as the 0 or 1 of an {{int}} column.
func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// notifyChannelArgs are the arguments of c for addNotifyChannelSQL, and
// for updateNotifyChannelSQL but its last two.
func notifyChannelArgs(c NotifyChannel) ([]any, error) {
	if c.Name == "" || c.Kind == "" || len(c.Config) == 0 {
		return nil, errors.New("store notification channel: name, kind and config are required")
	}
	events := c.Events
	if events == nil {
		events = []string{}
	}
	ev, err := json.Marshal(events)
	if err != nil {
		return nil, fmt.Errorf("store notification channel: events: %w", err)
	}
	return []any{c.Name, c.Kind, boolInt(c.Enabled), string(ev), string(c.Config), c.Secrets, c.Created.Unix(), c.Updated.Unix()}, nil
}

// addNotifyChannel inserts c through run and returns its id.
func addNotifyChannel(ctx context.Context, run rowSource, c NotifyChannel) (int64, error) {
	args, err := notifyChannelArgs(c)
	if err != nil {
		return 0, err
	}
	var id int64
	found, err := scanOne(ctx, run, addNotifyChannelSQL, args, &id)
	if err == nil && !found {
		err = errors.New("no id returned")
	}
	if err != nil {
		return 0, fmt.Errorf("store notification channel %q: %w", c.Name, err)
	}
	return id, nil
}

// updateNotifyChannel replaces the settings of channel c.ID through run,
// its creation time kept.
func updateNotifyChannel(ctx context.Context, run rowSource, c NotifyChannel) error {
	args, err := notifyChannelArgs(c)
	if err != nil {
		return err
	}
	args = append(append(args[:6], args[7]), c.ID)
	var id int64
	found, err := scanOne(ctx, run, updateNotifyChannelSQL, args, &id)
	if err != nil {
		return fmt.Errorf("update notification channel %d: %w", c.ID, err)
	}
	if !found {
		return fmt.Errorf("notification channel %d: %w", c.ID, ErrNotFound)
	}
	return nil
}

// deleteNotifyChannel deletes channel id through run.
func deleteNotifyChannel(ctx context.Context, run rowSource, id int64) error {
	var got int64
	found, err := scanOne(ctx, run, deleteNotifyChannelSQL, []any{id}, &got)
	if err != nil {
		return fmt.Errorf("delete notification channel %d: %w", id, err)
	}
	if !found {
		return fmt.Errorf("notification channel %d: %w", id, ErrNotFound)
	}
	return nil
}

// readNotifyChannels runs q, which selects notifyChannelColumns.
func readNotifyChannels(ctx context.Context, run rowSource, q string, args ...any) ([]NotifyChannel, error) {
	var out []NotifyChannel
	err := run(ctx, q, args, func(scan func(...any) error) error {
		var c NotifyChannel
		var enabled, created, updated int64
		var events, config string
		if err := scan(&c.ID, &c.Name, &c.Kind, &enabled, &events, &config, &c.Secrets, &created, &updated); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(events), &c.Events); err != nil {
			return fmt.Errorf("notification channel %d: events: %w", c.ID, err)
		}
		if len(c.Events) == 0 {
			c.Events = nil
		}
		c.Enabled, c.Config = enabled != 0, []byte(config)
		c.Created, c.Updated = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
		out = append(out, c)
		return nil
	})
	return out, err
}

// notifyChannels lists the channels by id.
func notifyChannels(ctx context.Context, run rowSource) ([]NotifyChannel, error) {
	list, err := readNotifyChannels(ctx, run, `SELECT `+notifyChannelColumns+` FROM notify_channels ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read notification channels: %w", err)
	}
	return list, nil
}

// notifyChannel reads channel id.
func notifyChannel(ctx context.Context, run rowSource, id int64) (NotifyChannel, error) {
	list, err := readNotifyChannels(ctx, run, `SELECT `+notifyChannelColumns+` FROM notify_channels WHERE id = ?`, id)
	return only(list, err, fmt.Sprintf("notification channel %d", id))
}

// enqueueNotifications inserts list through exec.
func enqueueNotifications(ctx context.Context, exec execer, list []Notification) error {
	for _, n := range list {
		if err := exec(ctx, enqueueNotificationSQL, n.ChannelID, n.EventID, n.EventType, string(n.Message),
			n.NextAt.Unix(), n.Created.Unix()); err != nil {
			return fmt.Errorf("enqueue %s for channel %d: %w", n.EventType, n.ChannelID, err)
		}
	}
	return nil
}

// likeEscaper escapes the wildcards of a LIKE pattern with ESCAPE '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// publishNotification inserts n for every channel that wants its type,
// through run, and returns how many.
func publishNotification(ctx context.Context, run rowSource, n Notification) (int, error) {
	count := 0
	err := run(ctx, publishNotificationSQL, []any{n.EventID, n.EventType, string(n.Message), n.NextAt.Unix(), n.Created.Unix(),
		`%"` + likeEscaper.Replace(n.EventType) + `"%`}, func(scan func(...any) error) error {
		count++
		var id int64
		return scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("publish %s: %w", n.EventType, err)
	}
	return count, nil
}

// claimNotifications leases the due entries through run; lock is the
// locking clause of claimNotificationsSQL.
func claimNotifications(ctx context.Context, run rowSource, lock string, now, leaseUntil time.Time, limit int) ([]Notification, error) {
	var out []Notification
	q := fmt.Sprintf(claimNotificationsSQL, lock)
	err := run(ctx, q, []any{leaseUntil.Unix(), now.Unix(), now.Unix(), max(limit, 1)}, func(scan func(...any) error) error {
		var n Notification
		var msg string
		var next, lease, created int64
		if err := scan(&n.ID, &n.ChannelID, &n.EventID, &n.EventType, &msg, &n.Attempts, &next, &lease, &created); err != nil {
			return err
		}
		n.Message = []byte(msg)
		n.NextAt, n.LeaseUntil, n.Created = time.Unix(next, 0).UTC(), time.Unix(lease, 0).UTC(), time.Unix(created, 0).UTC()
		out = append(out, n)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim notifications: %w", err)
	}
	// RETURNING keeps no order.
	slices.SortFunc(out, func(a, b Notification) int {
		return cmp.Or(a.NextAt.Compare(b.NextAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// logNotifyDelivery inserts d and prunes its channel's log, through run
// and exec of one transaction.
func logNotifyDelivery(ctx context.Context, run rowSource, exec execer, d NotifyDelivery) (int64, error) {
	var id int64
	found, err := scanOne(ctx, run, addNotifyDeliverySQL, []any{d.ChannelID, d.NotificationID, d.EventID, d.EventType, d.Attempt,
		d.Outcome, d.StatusCode, d.Error, d.Duration.Milliseconds(), d.At.Unix(), boolInt(d.Test)}, &id)
	if err == nil && !found {
		err = errors.New("no id returned")
	}
	if err != nil {
		return 0, fmt.Errorf("log delivery to channel %d: %w", d.ChannelID, err)
	}
	if err := exec(ctx, pruneNotifyDeliveriesSQL, d.ChannelID, d.ChannelID, NotifyDeliveriesKept); err != nil {
		return 0, fmt.Errorf("prune the delivery log of channel %d: %w", d.ChannelID, err)
	}
	return id, nil
}

// finishNotification logs d, an attempt of n, and deletes n, or, when
// retryAt is set, schedules its next attempt then; through run and exec
// of one transaction.
func finishNotification(ctx context.Context, run rowSource, exec execer, n Notification, d NotifyDelivery, retryAt time.Time) error {
	if _, err := logNotifyDelivery(ctx, run, exec, d); err != nil {
		return err
	}
	var err error
	if retryAt.IsZero() {
		err = exec(ctx, doneNotificationSQL, n.ID, n.LeaseUntil.Unix())
	} else {
		err = exec(ctx, retryNotificationSQL, d.Attempt, retryAt.Unix(), n.ID, n.LeaseUntil.Unix())
	}
	if err != nil {
		return fmt.Errorf("notification %d: %w", n.ID, err)
	}
	return nil
}

// notifyDeliveries lists the newest deliveries of a channel.
func notifyDeliveries(ctx context.Context, run rowSource, channelID int64, limit int) ([]NotifyDelivery, error) {
	var out []NotifyDelivery
	err := run(ctx, notifyDeliveriesSQL, []any{channelID, max(limit, 1)}, func(scan func(...any) error) error {
		var d NotifyDelivery
		var ms, at, test int64
		if err := scan(&d.ID, &d.ChannelID, &d.NotificationID, &d.EventID, &d.EventType, &d.Attempt, &d.Outcome,
			&d.StatusCode, &d.Error, &ms, &at, &test); err != nil {
			return err
		}
		d.Duration, d.At, d.Test = time.Duration(ms)*time.Millisecond, time.Unix(at, 0).UTC(), test != 0
		out = append(out, d)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the delivery log of channel %d: %w", channelID, err)
	}
	return out, nil
}

// NotifyChannels implements Store.
func (s *SQLite) NotifyChannels(ctx context.Context) ([]NotifyChannel, error) {
	return notifyChannels(ctx, s.rows)
}

// NotifyChannel implements Store.
func (s *SQLite) NotifyChannel(ctx context.Context, id int64) (NotifyChannel, error) {
	return notifyChannel(ctx, s.rows, id)
}

// AddNotifyChannel implements Store.
func (s *SQLite) AddNotifyChannel(ctx context.Context, c NotifyChannel) (int64, error) {
	return addNotifyChannel(ctx, sqlRows(s.w), c)
}

// UpdateNotifyChannel implements Store.
func (s *SQLite) UpdateNotifyChannel(ctx context.Context, c NotifyChannel) error {
	return updateNotifyChannel(ctx, sqlRows(s.w), c)
}

// DeleteNotifyChannel implements Store.
func (s *SQLite) DeleteNotifyChannel(ctx context.Context, id int64) error {
	return deleteNotifyChannel(ctx, sqlRows(s.w), id)
}

// EnqueueNotifications implements Store.
func (s *SQLite) EnqueueNotifications(ctx context.Context, list []Notification) error {
	return s.alertTx(ctx, func(_ rowSource, exec execer) error {
		return enqueueNotifications(ctx, exec, list)
	})
}

// PublishNotification implements Store.
func (s *SQLite) PublishNotification(ctx context.Context, n Notification) (int, error) {
	return publishNotification(ctx, sqlRows(s.w), n)
}

// ClaimNotifications implements Store. SQLite has one writer at a time,
// so the UPDATE alone keeps two claims apart.
func (s *SQLite) ClaimNotifications(ctx context.Context, now, leaseUntil time.Time, limit int) ([]Notification, error) {
	return claimNotifications(ctx, sqlRows(s.w), "", now, leaseUntil, limit)
}

// FinishNotification implements Store.
func (s *SQLite) FinishNotification(ctx context.Context, n Notification, d NotifyDelivery, retryAt time.Time) error {
	return s.alertTx(ctx, func(run rowSource, exec execer) error {
		return finishNotification(ctx, run, exec, n, d, retryAt)
	})
}

// LogNotifyDelivery implements Store.
func (s *SQLite) LogNotifyDelivery(ctx context.Context, d NotifyDelivery) (id int64, err error) {
	err = s.alertTx(ctx, func(run rowSource, exec execer) error {
		id, err = logNotifyDelivery(ctx, run, exec, d)
		return err
	})
	return id, err
}

// NotifyDeliveries implements Store.
func (s *SQLite) NotifyDeliveries(ctx context.Context, channelID int64, limit int) ([]NotifyDelivery, error) {
	return notifyDeliveries(ctx, s.rows, channelID, limit)
}
