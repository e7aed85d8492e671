package store

import (
	"context"
	"time"
)

// pgNotifyChannel is c with text PostgreSQL cannot hold replaced.
func pgNotifyChannel(c NotifyChannel) NotifyChannel {
	c.Name, c.Kind, c.Config = pgText(c.Name), pgText(c.Kind), []byte(pgText(string(c.Config)))
	return c
}

// NotifyChannels implements Store.
func (p *Postgres) NotifyChannels(ctx context.Context) ([]NotifyChannel, error) {
	return notifyChannels(ctx, p.rows)
}

// NotifyChannel implements Store.
func (p *Postgres) NotifyChannel(ctx context.Context, id int64) (NotifyChannel, error) {
	return notifyChannel(ctx, p.rows, id)
}

// AddNotifyChannel implements Store.
func (p *Postgres) AddNotifyChannel(ctx context.Context, c NotifyChannel) (int64, error) {
	return addNotifyChannel(ctx, p.rows, pgNotifyChannel(c))
}

// UpdateNotifyChannel implements Store.
func (p *Postgres) UpdateNotifyChannel(ctx context.Context, c NotifyChannel) error {
	return updateNotifyChannel(ctx, p.rows, pgNotifyChannel(c))
}

// DeleteNotifyChannel implements Store.
func (p *Postgres) DeleteNotifyChannel(ctx context.Context, id int64) error {
	return deleteNotifyChannel(ctx, p.rows, id)
}

// pgNotification is n with text PostgreSQL cannot hold replaced.
func pgNotification(n Notification) Notification {
	n.EventID, n.EventType, n.Message = pgText(n.EventID), pgText(n.EventType), []byte(pgText(string(n.Message)))
	return n
}

// EnqueueNotifications implements Store.
func (p *Postgres) EnqueueNotifications(ctx context.Context, list []Notification) error {
	return p.alertTx(ctx, func(_ rowSource, exec execer) error {
		for i := range list {
			list[i] = pgNotification(list[i])
		}
		return enqueueNotifications(ctx, exec, list)
	})
}

// PublishNotification implements Store.
func (p *Postgres) PublishNotification(ctx context.Context, n Notification) (int, error) {
	return publishNotification(ctx, p.rows, pgNotification(n))
}

// ClaimNotifications implements Store. FOR UPDATE SKIP LOCKED makes
// concurrent claims of several replicas take different rows: a row
// another claim locked is skipped, and one it updated since this
// statement began is checked again (its lease now holds) before it is
// taken.
func (p *Postgres) ClaimNotifications(ctx context.Context, now, leaseUntil time.Time, limit int) ([]Notification, error) {
	return claimNotifications(ctx, p.rows, " FOR UPDATE SKIP LOCKED", now, leaseUntil, limit)
}

// pgDelivery is d with text PostgreSQL cannot hold replaced.
func pgDelivery(d NotifyDelivery) NotifyDelivery {
	d.EventID, d.EventType, d.Error = pgText(d.EventID), pgText(d.EventType), pgText(d.Error)
	return d
}

// FinishNotification implements Store.
func (p *Postgres) FinishNotification(ctx context.Context, n Notification, d NotifyDelivery, retryAt time.Time) error {
	return p.alertTx(ctx, func(run rowSource, exec execer) error {
		return finishNotification(ctx, run, exec, n, pgDelivery(d), retryAt)
	})
}

// LogNotifyDelivery implements Store.
func (p *Postgres) LogNotifyDelivery(ctx context.Context, d NotifyDelivery) (id int64, err error) {
	err = p.alertTx(ctx, func(run rowSource, exec execer) error {
		id, err = logNotifyDelivery(ctx, run, exec, pgDelivery(d))
		return err
	})
	return id, err
}

// NotifyDeliveries implements Store.
func (p *Postgres) NotifyDeliveries(ctx context.Context, channelID int64, limit int) ([]NotifyDelivery, error) {
	return notifyDeliveries(ctx, p.rows, channelID, limit)
}
