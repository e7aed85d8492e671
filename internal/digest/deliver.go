package digest

import (
	"context"
	"errors"

	"github.com/parse-dmarc/parse-dmarc/internal/mailer"
	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/notify"
)

// ErrNoEmailChannel: a schedule has recipients of its own but no email
// channel is configured to send through.
var ErrNoEmailChannel = errors.New("no enabled email channel to send through: add one under notification channels")

// NotifyDeliverer delivers through package notify: the schedule's
// channels through its outbox (retried, logged), its own recipients by
// the SMTP server of the first enabled email channel, at once (a failure
// is the run's error).
type NotifyDeliverer struct {
	Service *notify.Service
	// Send submits a message; nil is mailer.Send.
	Send func(ctx context.Context, cfg mailer.Config, to []string, m notice.Message) error
}

// Enqueue implements Deliverer.
func (n *NotifyDeliverer) Enqueue(ctx context.Context, channelIDs []int64, m notice.Message) error {
	return n.Service.Enqueue(ctx, channelIDs, m)
}

// SendTo implements Deliverer.
func (n *NotifyDeliverer) SendTo(ctx context.Context, to []string, m notice.Message) error {
	list, err := n.Service.Channels(ctx)
	if err != nil {
		return err
	}
	for _, c := range list {
		if c.Kind != notify.KindEmail || !c.Enabled || c.Email == nil || c.Problem != "" {
			continue
		}
		e := c.Email
		cfg := mailer.Config{Host: e.Host, Port: e.Port, TLS: e.TLS, Username: e.Username, Password: e.Password, From: e.From}
		send := n.Send
		if send == nil {
			send = mailer.Send
		}
		return send(ctx, cfg, to, m)
	}
	return ErrNoEmailChannel
}
