package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/notice"
)

// Sender sends a message to channels of one kind. The Service records
// what Send returns in the delivery log and retries on an error unless it
// is Permanent.
type Sender interface {
	// Send delivers d.Message to d.Channel. status is the HTTP status (or
	// SMTP reply code) the channel answered, 0 when none.
	Send(ctx context.Context, d Dispatch) (status int, err error)
}

// Dispatch is one attempt to deliver a message to a channel.
type Dispatch struct {
	// Channel has its secrets opened.
	Channel Channel
	Message notice.Message
	// Delivery identifies the outbox entry, the same across its
	// attempts (0 for a send test), and Attempt counts from 1.
	Delivery int64
	Attempt  int
}

// SenderFunc is a function as a Sender.
type SenderFunc func(ctx context.Context, d Dispatch) (int, error)

// Send calls f.
func (f SenderFunc) Send(ctx context.Context, d Dispatch) (int, error) { return f(ctx, d) }

// ErrPermanent marks a failure another attempt would not cure (a
// malformed configuration, an endpoint that is gone): the message is not
// retried.
var ErrPermanent = errors.New("permanent failure")

// Permanent wraps err so that errors.Is(err, ErrPermanent).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w (%w)", err, ErrPermanent)
}

// ErrNoSender means no Sender is registered for a channel's kind.
var ErrNoSender = errors.New("this kind of channel is not configured in this server")

// RetryAfter wraps err, a failure to retry, with the wait the channel
// asked for (a 429 with Retry-After): the next attempt comes no sooner,
// whatever the backoff.
func RetryAfter(err error, wait time.Duration) error {
	if err == nil {
		return nil
	}
	return &retryAfterError{err: err, wait: wait}
}

type retryAfterError struct {
	err  error
	wait time.Duration
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

// retryWait is the wait an error asked for with RetryAfter, 0 when none.
func retryWait(err error) time.Duration {
	var ra *retryAfterError
	if errors.As(err, &ra) {
		return ra.wait
	}
	return 0
}
