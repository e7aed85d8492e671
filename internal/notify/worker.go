package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// Backoff is the default wait before the attempt after n failed ones:
// exponential backoff with full jitter, a random time up to 30 s·2^(n-1),
// at most 6 h, and at least a second. Full jitter spreads the retries of
// many messages that failed together (an endpoint that was down) instead
// of sending them in waves.
func Backoff(n int) time.Duration {
	ceiling := backoffCap
	if n < 1 {
		n = 1
	}
	if n < 20 {
		ceiling = min(backoffBase<<(n-1), backoffCap)
	}
	return max(rand.N(ceiling+1), minimumBackoff)
}

// Run sends the outbox's due entries until ctx ends: at once when
// Enqueue or Publish of this Service wakes it, otherwise every
// PollInterval. It returns when ctx is done and the sends in flight
// ended (they get the lease's time to finish, not ctx's).
func (s *Service) Run(ctx context.Context) {
	every := s.PollInterval
	if every <= 0 {
		every = DefaultPollInterval
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for {
			n, err := s.RunOnce(ctx)
			if err != nil && ctx.Err() == nil {
				s.log().Warn("notifications", "err", err)
			}
			// A full batch: more may be due.
			if err != nil || n < s.batch() || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

func (s *Service) batch() int { return DefaultBatch }

// RunOnce claims the outbox's due entries, at most a batch, sends them
// (Concurrency at once) and records the attempts; it returns how many it
// claimed. The sends are not cut at once when ctx ends, but ShutdownGrace
// later: a send cut is recorded and retried like any failure.
func (s *Service) RunOnce(ctx context.Context) (int, error) {
	lease := s.Lease
	if lease <= 0 {
		lease = DefaultLease
	}
	now := s.now()
	list, err := s.Store.ClaimNotifications(ctx, now, now.Add(lease), s.batch())
	if err != nil {
		return 0, fmt.Errorf("claim notifications: %w", err)
	}
	if len(list) == 0 {
		return 0, nil
	}
	// Sends outlive ctx by ShutdownGrace (shutdown), never the lease.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lease)
	defer cancel()
	grace := s.ShutdownGrace
	if grace <= 0 {
		grace = DefaultShutdownGrace
	}
	defer context.AfterFunc(ctx, func() { time.AfterFunc(grace, cancel) })()
	conc := s.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for _, n := range list {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := s.deliver(sctx, n); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return len(list), errors.Join(errs...)
}

// deliver makes the next attempt of outbox entry n and records it.
func (s *Service) deliver(ctx context.Context, n store.Notification) error {
	attempt := n.Attempts + 1
	var d store.NotifyDelivery
	var wait time.Duration
	var m notice.Message
	sc, err := s.Store.NotifyChannel(ctx, n.ChannelID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Deleted since: its entries went with it, but for this one,
		// claimed before. Nothing to log it under.
		return nil
	case err != nil:
		return fmt.Errorf("notification %d: read channel %d: %w", n.ID, n.ChannelID, err)
	}
	if err := json.Unmarshal(n.Message, &m); err != nil {
		d = store.NotifyDelivery{ChannelID: n.ChannelID, NotificationID: n.ID, EventID: n.EventID, EventType: n.EventType,
			Attempt: attempt, Outcome: store.DeliveryFailed, Error: "the stored message does not decode: " + err.Error(), At: s.now().UTC()}
	} else {
		d, wait = s.attempt(ctx, sc, m, n.ID, attempt)
	}
	var retryAt time.Time
	if d.Outcome == store.DeliveryRetry {
		if attempt >= s.maxAttempts() {
			d.Outcome = store.DeliveryFailed
			d.Error += fmt.Sprintf(" (attempt %d of %d: giving up)", attempt, s.maxAttempts())
		} else {
			backoff := Backoff
			if s.Backoff != nil {
				backoff = s.Backoff
			}
			retryAt = s.now().Add(max(backoff(attempt), wait))
		}
	}
	if d.Outcome != store.DeliveryOK {
		s.log().Info("notification not delivered", "channel", sc.Name, "event", n.EventType, "attempt", attempt,
			"outcome", d.Outcome, "err", d.Error)
	}
	// Recorded even when the send was cut at shutdown.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := s.Store.FinishNotification(rctx, n, d, retryAt); err != nil {
		return fmt.Errorf("notification %d: record attempt %d: %w", n.ID, attempt, err)
	}
	return nil
}

func (s *Service) maxAttempts() int {
	if s.MaxAttempts > 0 {
		return s.MaxAttempts
	}
	return DefaultMaxAttempts
}
