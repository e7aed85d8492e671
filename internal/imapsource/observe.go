package imapsource

import (
	"context"
	"time"
)

// Pass is what one pass over a mailbox did, as told to Fetcher.Observe:
// what metrics count.
type Pass struct {
	// Account is the account's name: Account.Name, or its default.
	Account string
	// Start is when the pass began. Duration is how long it took,
	// connecting and logging in included when the pass opened the
	// connection (the first pass of a session, every FetchOnce).
	Start    time.Time
	Duration time.Duration
	// Result counts what the pass did, up to the failure when it failed.
	Result Result
	// Err is why the pass failed: the network, the login, the server or
	// the store. It is nil for a pass that went through, even when the
	// server refused some messages (counted in Result.Errors and tried
	// again by the next pass).
	Err error
}

// observe tells Observe of a pass that began at start. A pass cut short
// because ctx ended is a shutdown, not a failure, and is not told.
func (f *Fetcher) observe(ctx context.Context, start time.Time, res Result, err error) {
	if f.Observe == nil || (err != nil && ctx.Err() != nil) {
		return
	}
	f.Observe(Pass{Account: f.account().Name, Start: start, Duration: time.Since(start), Result: res, Err: err})
}
