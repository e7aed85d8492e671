package server

import (
	"math"
	"net"
	"net/netip"
	"sync"
	"time"
)

// rateLimiter limits the requests of each client with a token bucket: a
// client may make burst requests at once, then rate a second. It is for
// the public routes (badges), which anyone may call without credentials.
//
// Clients are told apart by IP address (clientKey); behind a reverse proxy
// all requests come from the proxy's address and share one bucket, since
// forwarding headers are not trusted. Memory is bounded: a bucket that has
// refilled is the same as no bucket and is dropped at the next sweep, and
// at most max clients are tracked, the limiter forgetting an arbitrary one
// to make room (which lets that client start over: a limit on many clients
// at once is not what this is for).
//
// The buckets are in this process's memory: replicas each limit on their
// own.
type rateLimiter struct {
	rate  float64 // tokens added per second
	burst float64 // bucket size
	max   int     // clients tracked at most

	mu        sync.Mutex
	clients   map[string]*bucket
	lastSweep time.Time
}

// bucket is the state of one client: tokens left at last.
type bucket struct {
	tokens float64
	last   time.Time
}

// newRateLimiter returns a limiter of perMinute requests a minute with the
// given burst, tracking at most max clients.
func newRateLimiter(perMinute, burst, max int) *rateLimiter {
	return &rateLimiter{
		rate:    float64(perMinute) / 60,
		burst:   float64(burst),
		max:     max,
		clients: make(map[string]*bucket),
	}
}

// allow takes a token of client's bucket at now. When the bucket is empty
// it reports false and how long until a token is back.
func (l *rateLimiter) allow(client string, now time.Time) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.clients[client]
	if b == nil {
		l.makeRoom(now)
		b = &bucket{tokens: l.burst, last: now}
		l.clients[client] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(l.burst, b.tokens+elapsed*l.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := (1 - b.tokens) / l.rate
	return false, time.Duration(math.Ceil(wait * float64(time.Second)))
}

// makeRoom sweeps the refilled buckets out, at most once per refill time
// unless the map is full, and forgets an arbitrary client when it is still
// full.
func (l *rateLimiter) makeRoom(now time.Time) {
	full := len(l.clients) >= l.max
	if !full && now.Sub(l.lastSweep) < l.refill() {
		return
	}
	l.lastSweep = now
	for k, b := range l.clients {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.clients, k)
		}
	}
	for k := range l.clients {
		if len(l.clients) < l.max {
			break
		}
		delete(l.clients, k)
	}
}

// refill is the time an empty bucket takes to fill.
func (l *rateLimiter) refill() time.Duration {
	return time.Duration(l.burst / l.rate * float64(time.Second))
}

// len is the number of clients tracked.
func (l *rateLimiter) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// clientKey is the client of a request for rate limiting: the IP address
// of remoteAddr (http.Request.RemoteAddr), an IPv6 address by its /64, the
// block a single host or customer is usually given, so that one host
// cannot walk through addresses for fresh buckets. X-Forwarded-For and the
// like are not trusted: any client can send them.
func clientKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
