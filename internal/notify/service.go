package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/secretbox"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// Store is what a Service needs of the store (store.Store has it).
type Store interface {
	NotifyChannels(ctx context.Context) ([]store.NotifyChannel, error)
	NotifyChannel(ctx context.Context, id int64) (store.NotifyChannel, error)
	AddNotifyChannel(ctx context.Context, c store.NotifyChannel) (int64, error)
	UpdateNotifyChannel(ctx context.Context, c store.NotifyChannel) error
	DeleteNotifyChannel(ctx context.Context, id int64) error
	EnqueueNotifications(ctx context.Context, list []store.Notification) error
	PublishNotification(ctx context.Context, n store.Notification) (int, error)
	ClaimNotifications(ctx context.Context, now, leaseUntil time.Time, limit int) ([]store.Notification, error)
	FinishNotification(ctx context.Context, n store.Notification, d store.NotifyDelivery, retryAt time.Time) error
	LogNotifyDelivery(ctx context.Context, d store.NotifyDelivery) (int64, error)
	NotifyDeliveries(ctx context.Context, channelID int64, limit int) ([]store.NotifyDelivery, error)
}

// Defaults of Service fields.
const (
	DefaultMaxAttempts   = 10
	DefaultLease         = 2 * time.Minute
	DefaultPollInterval  = 15 * time.Second
	DefaultBatch         = 20
	DefaultConcurrency   = 4
	DefaultShutdownGrace = 10 * time.Second
	recordTimeout        = 30 * time.Second
	backoffBase          = 30 * time.Second
	backoffCap           = 6 * time.Hour
	minimumBackoff       = time.Second
	defaultDeliveryLimit = 100
)

// Service keeps the channels and delivers messages to them. Set its
// fields before its first use (New sets the defaults) and do not change
// them after.
type Service struct {
	Store Store
	// Box seals and opens the channels' secrets; nil: channels without
	// secrets only (ErrNoKey otherwise).
	Box *secretbox.Box
	// Senders sends to each kind of channel; New registers a
	// WebhookSender for KindWebhook.
	Senders map[string]Sender
	Log     *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Backoff is the wait before attempt n+1 after n failed ones;
	// default Backoff.
	Backoff func(n int) time.Duration
	// MaxAttempts is how many attempts a message gets, DefaultMaxAttempts
	// when 0.
	MaxAttempts int
	// Lease is how long a worker's claim on an outbox entry holds; it
	// must exceed the longest send. DefaultLease when 0.
	Lease time.Duration
	// PollInterval is how often the worker looks for due entries when
	// nothing woke it (other replicas' entries, retries). Default
	// DefaultPollInterval.
	PollInterval time.Duration
	// Concurrency is how many sends a worker runs at once, default
	// DefaultConcurrency.
	Concurrency int
	// ShutdownGrace is how long sends in flight go on after the worker's
	// context ends, default DefaultShutdownGrace.
	ShutdownGrace time.Duration

	wake chan struct{}
}

// New returns a Service on st whose secrets box seals, with log for its
// messages (nil: none) and the Senders of every kind: a WebhookSender for
// generic webhooks, ChatSender for Slack, Discord and Teams, EmailSender
// for email.
func New(st Store, box *secretbox.Box, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{
		Store: st,
		Box:   box,
		Log:   log,
		Senders: map[string]Sender{KindWebhook: &WebhookSender{}, KindSlack: ChatSender{}, KindDiscord: ChatSender{},
			KindTeams: ChatSender{}, KindEmail: EmailSender{}},
		wake: make(chan struct{}, 1),
	}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// notify wakes the worker of this process, if one runs.
func (s *Service) notify() {
	if s.wake == nil {
		return
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Channels lists the channels by id, their secrets opened (a channel
// whose secrets do not open has Problem set instead).
func (s *Service) Channels(ctx context.Context) ([]Channel, error) {
	list, err := s.Store.NotifyChannels(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Channel, 0, len(list))
	for _, sc := range list {
		c, err := s.fromStore(sc)
		if err != nil {
			s.log().Warn("notification channel", "id", sc.ID, "err", err)
		}
		out = append(out, c)
	}
	return out, nil
}

// Channel returns a channel with its secrets opened; store.ErrNotFound
// (wrapped) when there is none. When its secrets do not open it returns
// the channel, with Problem set, and the error.
func (s *Service) Channel(ctx context.Context, id int64) (Channel, error) {
	sc, err := s.Store.NotifyChannel(ctx, id)
	if err != nil {
		return Channel{}, err
	}
	return s.fromStore(sc)
}

// CreateChannel validates c, stores it with its secrets sealed and returns
// it as stored.
func (s *Service) CreateChannel(ctx context.Context, c Channel) (Channel, error) {
	if err := c.Validate(); err != nil {
		return Channel{}, err
	}
	c.ID, c.Problem = 0, ""
	c.Created = s.now().UTC().Truncate(time.Second)
	c.Updated = c.Created
	sc, err := s.toStore(c)
	if err != nil {
		return Channel{}, err
	}
	if c.ID, err = s.Store.AddNotifyChannel(ctx, sc); err != nil {
		return Channel{}, err
	}
	return c, nil
}

// UpdateChannel reads channel id with its secrets opened, lets edit change
// it, validates and stores the result. edit sees the secrets so that an
// update can keep those it does not replace; it may not change the id. A
// channel whose secrets do not open can be updated when edit replaces all
// of them (the caller sees Problem set and zero secrets).
func (s *Service) UpdateChannel(ctx context.Context, id int64, edit func(*Channel) error) (Channel, error) {
	c, err := s.Channel(ctx, id)
	if err != nil && c.ID == 0 {
		return Channel{}, err
	}
	if err := edit(&c); err != nil {
		return Channel{}, err
	}
	if err := c.Validate(); err != nil {
		return Channel{}, err
	}
	c.ID, c.Problem = id, ""
	c.Updated = s.now().UTC().Truncate(time.Second)
	sc, err := s.toStore(c)
	if err != nil {
		return Channel{}, err
	}
	if err := s.Store.UpdateNotifyChannel(ctx, sc); err != nil {
		return Channel{}, err
	}
	return c, nil
}

// DeleteChannel deletes a channel with its outbox entries and delivery
// log; store.ErrNotFound when there is none.
func (s *Service) DeleteChannel(ctx context.Context, id int64) error {
	return s.Store.DeleteNotifyChannel(ctx, id)
}

// prepare gives m's event an id and a timestamp when it has none, and
// returns it with its outbox entry (without a channel).
func (s *Service) prepare(m notice.Message) (notice.Message, store.Notification, error) {
	if m.Event.Type == "" {
		return m, store.Notification{}, errors.New("notification: the message has no event type")
	}
	if m.Event.ID == "" {
		m.Event.ID = webhook.NewID()
	}
	now := s.now().UTC()
	if m.Event.Timestamp.IsZero() {
		m.Event.Timestamp = now.Truncate(time.Second)
	}
	if len(m.Event.Data) == 0 {
		m.Event.Data = json.RawMessage("{}")
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return m, store.Notification{}, fmt.Errorf("notification %s: encode: %w", m.Event.Type, err)
	}
	return m, store.Notification{EventID: m.Event.ID, EventType: m.Event.Type, Message: raw, NextAt: now, Created: now}, nil
}

// Enqueue stores m for delivery to each listed channel in the outbox, in
// one transaction, and wakes the worker; channels' event filters do not
// apply. A message without an event id or timestamp gets them here.
func (s *Service) Enqueue(ctx context.Context, channelIDs []int64, m notice.Message) error {
	if len(channelIDs) == 0 {
		return nil
	}
	_, n, err := s.prepare(m)
	if err != nil {
		return err
	}
	list := make([]store.Notification, len(channelIDs))
	for i, id := range channelIDs {
		list[i] = n
		list[i].ChannelID = id
	}
	if err := s.Store.EnqueueNotifications(ctx, list); err != nil {
		return fmt.Errorf("enqueue %s: %w", m.Event.Type, err)
	}
	s.notify()
	return nil
}

// Publish enqueues m for every enabled channel whose event filter has its
// event's type, in one statement that inserts nothing when no channel
// wants it.
func (s *Service) Publish(ctx context.Context, m notice.Message) error {
	_, n, err := s.prepare(m)
	if err != nil {
		return err
	}
	count, err := s.Store.PublishNotification(ctx, n)
	if err != nil {
		return fmt.Errorf("publish %s: %w", m.Event.Type, err)
	}
	if count > 0 {
		s.notify()
	}
	return nil
}

// Delivery is an attempt to deliver a message, as the delivery log keeps
// it.
type Delivery struct {
	ID        int64  `json:"id"`
	ChannelID int64  `json:"channel_id"`
	EventID   string `json:"event_id"`
	EventType string `json:"event"`
	Attempt   int    `json:"attempt"`
	// Status is "delivered", "retrying" (another attempt follows) or
	// "failed" (none does).
	Status string `json:"status"`
	// StatusCode is what the channel answered (HTTP status, SMTP reply
	// code), 0 when nothing.
	StatusCode int       `json:"status_code,omitempty"`
	Error      string    `json:"error,omitempty"`
	DurationMS int64     `json:"duration_ms"`
	At         time.Time `json:"at"`
	// Test marks a send test.
	Test bool `json:"test,omitempty"`
}

func deliveryOf(d store.NotifyDelivery) Delivery {
	return Delivery{ID: d.ID, ChannelID: d.ChannelID, EventID: d.EventID, EventType: d.EventType, Attempt: d.Attempt,
		Status: d.Outcome, StatusCode: d.StatusCode, Error: d.Error, DurationMS: d.Duration.Milliseconds(), At: d.At, Test: d.Test}
}

// Deliveries lists the delivery log of a channel, newest first, at most
// limit (100 when 0 or less).
func (s *Service) Deliveries(ctx context.Context, channelID int64, limit int) ([]Delivery, error) {
	if limit <= 0 {
		limit = defaultDeliveryLimit
	}
	list, err := s.Store.NotifyDeliveries(ctx, channelID, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, len(list))
	for i, d := range list {
		out[i] = deliveryOf(d)
	}
	return out, nil
}

// SendNow delivers m to a channel at once, whether the channel is enabled
// or not (the send test), and records the attempt in the delivery log. An
// attempt that failed is no error: the Delivery says why; err is for a
// channel that does not exist or a store that fails.
func (s *Service) SendNow(ctx context.Context, channelID int64, m notice.Message) (Delivery, error) {
	sc, err := s.Store.NotifyChannel(ctx, channelID)
	if err != nil {
		return Delivery{}, err
	}
	m, n, err := s.prepare(m)
	if err != nil {
		return Delivery{}, err
	}
	d, _ := s.attempt(ctx, sc, m, 0, 1)
	d.Test = true
	d.EventID, d.EventType = n.EventID, n.EventType
	if d.Outcome != store.DeliveryOK {
		d.Outcome = store.DeliveryFailed
	}
	if d.ID, err = s.Store.LogNotifyDelivery(ctx, d); err != nil {
		return Delivery{}, fmt.Errorf("log the send test: %w", err)
	}
	return deliveryOf(d), nil
}

// attempt sends m to the channel sc once and returns the attempt, its
// outcome DeliveryOK or DeliveryRetry, with a failure that should not be
// retried DeliveryFailed, and the wait the channel asked for before a
// retry (RetryAfter).
func (s *Service) attempt(ctx context.Context, sc store.NotifyChannel, m notice.Message, delivery int64, n int) (store.NotifyDelivery, time.Duration) {
	start := s.now()
	d := store.NotifyDelivery{ChannelID: sc.ID, NotificationID: delivery, EventID: m.Event.ID, EventType: m.Event.Type,
		Attempt: n, At: start.UTC()}
	status, err := s.send(ctx, sc, m, delivery, n)
	d.Duration = max(s.now().Sub(start), 0)
	d.StatusCode = status
	switch {
	case err == nil:
		d.Outcome = store.DeliveryOK
	case errors.Is(err, ErrPermanent):
		d.Outcome, d.Error = store.DeliveryFailed, err.Error()
	default:
		d.Outcome, d.Error = store.DeliveryRetry, err.Error()
	}
	return d, retryWait(err)
}

// send opens the channel's secrets and sends through its kind's Sender.
func (s *Service) send(ctx context.Context, sc store.NotifyChannel, m notice.Message, delivery int64, n int) (int, error) {
	sender := s.Senders[sc.Kind]
	if sender == nil {
		return 0, Permanent(fmt.Errorf("channel kind %s: %w", sc.Kind, ErrNoSender))
	}
	c, err := s.fromStore(sc)
	if err != nil {
		return 0, err
	}
	return sender.Send(ctx, Dispatch{Channel: c, Message: m, Delivery: delivery, Attempt: n})
}
