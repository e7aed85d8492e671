package reputation

import (
	"fmt"
	"sync"
	"time"
)

// Quota is a provider's limit: at most N lookups in any Per.
type Quota struct {
	N   int
	Per time.Duration
}

func (q Quota) String() string {
	switch q.Per {
	case time.Minute:
		return fmt.Sprintf("%s a minute", thousands(int64(q.N)))
	case 24 * time.Hour:
		return fmt.Sprintf("%s a day", thousands(int64(q.N)))
	}
	return fmt.Sprintf("%s per %s", thousands(int64(q.N)), q.Per)
}

// bucket is a token bucket keeping a Quota: it holds half of N at most
// (rounded up), the burst, and refills the other half evenly over Per. A
// window of length Per thus sees at most the burst plus the refill, N. A
// quota of 1 refills its one token over Per.
type bucket struct {
	quota  Quota
	burst  float64
	rate   float64 // tokens a second
	tokens float64
	last   time.Time
}

func newBucket(q Quota, now time.Time) *bucket {
	burst := float64((q.N + 1) / 2)
	refill := max(float64(q.N)-burst, 1)
	return &bucket{quota: q, burst: burst, rate: refill / q.Per.Seconds(), tokens: burst, last: now}
}

// refill adds the tokens earned since the last call.
func (b *bucket) refill(now time.Time) {
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(b.burst, b.tokens+elapsed*b.rate)
		b.last = now
	}
}

// wait is how long until the bucket holds a token again.
func (b *bucket) wait() time.Duration {
	if b.tokens >= 1 || b.rate <= 0 {
		return 0
	}
	return time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}

// limiter guards one provider: every bucket must hold a token for a
// lookup, which takes one of each; and after the provider refused the key
// or said its quota is spent, nothing goes out until the pause ends.
type limiter struct {
	label   string // the provider's, for messages
	mu      sync.Mutex
	buckets []*bucket
	// paused, when after now, stops all lookups; pauseStatus and pauseMsg
	// say why.
	paused      time.Time
	pauseStatus Status
	pauseMsg    string
}

func newLimiter(label string, now time.Time, quotas ...Quota) *limiter {
	l := &limiter{label: label}
	for _, q := range quotas {
		if q.N > 0 && q.Per > 0 {
			l.buckets = append(l.buckets, newBucket(q, now))
		}
	}
	return l
}

// refusal says why a lookup may not go out now.
type refusal struct {
	status Status
	msg    string
	until  time.Time
}

// take takes a token of every bucket at now, or none and reports why not.
func (l *limiter) take(now time.Time) *refusal {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Before(l.paused) {
		return &refusal{l.pauseStatus, l.pauseMsg, l.paused}
	}
	for _, b := range l.buckets {
		b.refill(now)
	}
	for _, b := range l.buckets {
		if b.tokens < 1 {
			return &refusal{StatusRateLimited, l.label + " lookups are limited to " + b.quota.String(), now.Add(b.wait())}
		}
	}
	for _, b := range l.buckets {
		b.tokens--
	}
	return nil
}

// pause stops lookups until until, with the status and message a refused
// lookup reports meanwhile.
func (l *limiter) pause(until time.Time, status Status, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until.After(l.paused) {
		l.paused, l.pauseStatus, l.pauseMsg = until, status, msg
	}
}
