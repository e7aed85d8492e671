// Package notify delivers notifications (notice.Message) to the channels
// people configure: generic webhooks (roadmap 2.8), Slack, Discord,
// Microsoft Teams and email (roadmap 2.1).
//
// A Service keeps the channels in the store, their secrets (endpoint URLs,
// custom header values, signing secrets, SMTP passwords) sealed with
// package secretbox, and sends through an outbox in the store: Enqueue and
// Publish only insert rows, in one transaction, and a worker (Run) claims
// the due rows, sends them through the Sender of the channel's kind and
// records every attempt in the delivery log. A failed attempt is retried
// with exponential backoff and full jitter (30 s doubling up to 6 h, a
// random delay up to that, at most MaxAttempts attempts; then the entry
// is dropped and the log keeps it as failed). Because the outbox is in the
// store, retries survive a restart, and a worker that died holding a claim
// (a lease, LeaseDuration) loses it when the lease lapses.
//
// Several replicas on one PostgreSQL store share the outbox: a claim
// locks its rows with FOR UPDATE SKIP LOCKED and sets their lease in the
// same statement, so each entry is sent by one replica. Delivery is at
// least once: a replica that crashes after a send and before recording it
// sends again after the lease, which is why events carry an id that stays
// the same across attempts for receivers to drop repeats.
//
// Generic webhooks get the event (webhook.Event) as JSON, signed as
// package webhook describes when the endpoint has a secret, with its
// custom headers. The other kinds are rendered by their own packages
// through Senders registered by the caller.
package notify
