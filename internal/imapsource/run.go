package imapsource

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/emersion/go-imap/v2"
)

// Defaults of the reconnection backoff and of the IDLE length.
const (
	// backoffMin is the first wait after a failure; each further failure
	// doubles it up to backoffMax. A successful pass starts over.
	backoffMin = 2 * time.Second
	backoffMax = 5 * time.Minute
	// idleMax is the longest one IDLE command runs before it is
	// re-issued: RFC 2177 has clients re-issue IDLE at least every 29
	// minutes, as servers may log out idle clients after 30; the margin
	// also covers NAT gateways that forget quiet connections.
	idleMax = 25 * time.Minute
)

// errClosed is a connection the server or the network closed while
// waiting.
var errClosed = errors.New("connection closed")

// Run processes the mailbox every interval until ctx ends, and returns nil
// then; it returns an error at once only for a configuration that cannot
// work (ErrConfig).
//
// It keeps one connection. Between passes it waits with IDLE when the
// server offers it, so a new message is processed as soon as the server
// announces it, and re-issues IDLE before the 29 minutes of RFC 2177;
// otherwise it sleeps, with a NOOP as often as it would re-issue IDLE. On
// any failure (network, server, login, store) it logs the error, drops the
// connection and connects again after a backoff that doubles from 2
// seconds to at most 5 minutes, with jitter, and starts over after a
// successful pass.
func (f *Fetcher) Run(ctx context.Context, interval time.Duration) error {
	if err := f.check(); err != nil {
		return err
	}
	if interval <= 0 {
		return fmt.Errorf("%w: poll interval %s", ErrConfig, interval)
	}
	a := f.account()
	b := backoff{min: or(f.backoffMin, backoffMin), max: or(f.backoffMax, backoffMax)}
	for {
		err := f.session(ctx, interval, &b)
		if ctx.Err() != nil {
			return nil
		}
		d := b.next()
		f.log().Error("imap source failed; reconnecting", "account", a, "err", err, "retry_in", d)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// session connects and makes passes until an error or the end of ctx.
func (f *Fetcher) session(ctx context.Context, interval time.Duration, b *backoff) error {
	start := time.Now()
	cn, err := f.connect(ctx)
	if err != nil {
		f.observe(ctx, start, Result{}, err)
		return err
	}
	defer cn.close()
	a := f.account()
	for {
		var res Result
		err := f.pass(ctx, cn, &res)
		f.observe(ctx, start, res, err)
		if err != nil {
			return err
		}
		b.reset()
		level := slog.LevelDebug
		if res != (Result{}) {
			level = slog.LevelInfo
		}
		f.log().Log(ctx, level, "imap pass", "account", a.Name, "messages", res.Messages, "resumed", res.Resumed,
			"processed", res.Processed, "invalid", res.Invalid, "other", res.Other, "imported", res.Imported,
			"duplicates", res.Duplicates, "quarantined", res.Quarantined, "ignored", res.Ignored, "errors", res.Errors)
		if err := f.wait(ctx, cn, interval); err != nil {
			return err
		}
		start = time.Now()
	}
}

// wait returns after d, or earlier when the server announces new mail
// (with IDLE), or with an error when ctx ends or the connection breaks.
func (f *Fetcher) wait(ctx context.Context, cn *conn, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return nil
		}
		step := min(left, or(f.idleMax, idleMax))
		if !cn.caps.Has(imap.CapIdle) {
			// A NOOP now and then keeps the connection from being
			// dropped as idle, and lets the server announce new mail.
			if err := cn.sleep(ctx, step); err != nil || step == left {
				return err
			}
			if err := cn.c.Noop().Wait(); err != nil {
				return fmt.Errorf("noop: %w", err)
			}
			select {
			case <-cn.newMail:
				return nil
			default:
			}
			continue
		}
		woke, err := cn.idle(ctx, step)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			return fmt.Errorf("idle: %w", err)
		}
		if woke {
			return nil
		}
	}
}

// sleep waits for d without IDLE.
func (cn *conn) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-cn.c.Closed():
		return errClosed
	case <-t.C:
		return nil
	}
}

// idle runs one IDLE command for at most d. woke is set when the server
// announced new mail.
func (cn *conn) idle(ctx context.Context, d time.Duration) (woke bool, err error) {
	// Mail announced since the pass's search needs no IDLE.
	select {
	case <-cn.newMail:
		return true, nil
	default:
	}
	cmd, err := cn.c.Idle()
	if err != nil {
		return false, err
	}
	t := time.NewTimer(d)
	defer t.Stop()
	closed := false
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-cn.newMail:
		woke = true
	case <-cn.c.Closed():
		closed = true
	}
	if err := cmd.Close(); err != nil {
		return woke, err
	}
	if err := cmd.Wait(); err != nil {
		return woke, err
	}
	if closed {
		return woke, errClosed
	}
	return woke, nil
}

// backoff is the wait between reconnections: doubling, capped, jittered.
type backoff struct {
	min, max, cur time.Duration
}

// next returns the wait before the next attempt: between half and all of
// the current step, so that many fetchers failing together do not retry
// together.
func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.min
	} else {
		b.cur = min(2*b.cur, b.max)
	}
	half := b.cur / 2
	return half + rand.N(b.cur-half+1)
}

// reset starts the backoff over, after a success.
func (b *backoff) reset() { b.cur = 0 }

// or returns d, or def when d is zero.
func or(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
