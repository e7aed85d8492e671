package store

import (
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
