package dnscheck

import (
	"container/list"
	"context"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Defaults of an SPFAuthorizer's zero fields.
const (
	// DefaultSPFCacheTTL is how long a verdict is reused: SPF records
	// change seldom, and their DNS TTLs are usually an hour or more.
	DefaultSPFCacheTTL = 15 * time.Minute
	// DefaultSPFErrorTTL is how long a verdict that could not be told
	// because of a DNS failure (temperror) is reused: short, so an outage
	// is soon forgotten, but long enough that a listing of many sources
	// does not ask a failing server once per source.
	DefaultSPFErrorTTL = time.Minute
	// DefaultSPFCacheSize bounds the verdicts kept: some 100 bytes each.
	DefaultSPFCacheSize = 10000
	// DefaultSPFEvalTimeout bounds one evaluation.
	DefaultSPFEvalTimeout = 10 * time.Second
)

// SPFAuthorizer tells whether a domain's published SPF record authorizes
// an IP, for the classification of sources (it implements
// analysis.SPFAuthorizer): EvaluateSPF with the domain as the MAIL FROM
// domain (RFC 7208 §4), its verdicts cached per domain and IP.
//
// A verdict is known for pass (authorized) and for fail and softfail (not
// authorized: softfail is the publisher's "probably not authorized", RFC
// 7208 §2.6.5, which is what the classification asks). It is not known
// for neutral (the record asserts nothing, §2.6.2), none (no record),
// permerror (a broken record) and temperror (DNS failed).
//
// Verdicts are kept for TTL (ErrorTTL for temperror), at most MaxEntries,
// the least recently used forgotten first. Concurrent questions about the
// same domain and IP share one evaluation. Each evaluation asks the DNS
// anew: the cache is of verdicts, not of DNS answers, so a listing of 200
// sources of one domain evaluates its record 200 times once (a local
// caching resolver makes that cheap), then not again within TTL.
//
// An SPFAuthorizer is safe for concurrent use; its fields must be set
// before the first call and not changed after.
type SPFAuthorizer struct {
	// Checker evaluates the records; required.
	Checker *Checker
	// TTL, ErrorTTL, MaxEntries and Timeout (one evaluation) default to
	// DefaultSPFCacheTTL, DefaultSPFErrorTTL, DefaultSPFCacheSize and
	// DefaultSPFEvalTimeout when zero.
	TTL, ErrorTTL time.Duration
	MaxEntries    int
	Timeout       time.Duration
	// Now is the clock, time.Now when nil (for tests).
	Now func() time.Time

	mu      sync.Mutex
	entries map[spfKey]*list.Element // of *spfEntry
	lru     list.List                // most recently used at the front
}

type spfKey struct {
	domain string
	ip     netip.Addr
}

// spfEntry is a verdict, or one being evaluated until done is closed.
type spfEntry struct {
	key               spfKey
	done              chan struct{}
	authorized, known bool
	expires           time.Time // set when done
}

func (a *SPFAuthorizer) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// AuthorizedBySPF reports whether domain's SPF record authorizes ip, and
// whether that is known (see SPFAuthorizer). When ctx ends first it
// reports not known; the evaluation goes on for the callers after it.
func (a *SPFAuthorizer) AuthorizedBySPF(ctx context.Context, domain string, ip netip.Addr) (authorized, known bool) {
	domain = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(domain), "."))
	if domain == "" || !ip.IsValid() || a.Checker == nil {
		return false, false
	}
	k := spfKey{domain, ip.Unmap()}
	e, fresh := a.entry(k)
	if fresh {
		go a.evaluate(e)
	}
	select {
	case <-e.done:
		return e.authorized, e.known
	case <-ctx.Done():
		return false, false
	}
}

// entry returns the cached or pending entry of k, or a new pending one
// (fresh) that the caller must evaluate.
func (a *SPFAuthorizer) entry(k spfKey) (e *spfEntry, fresh bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.entries == nil {
		a.entries = map[spfKey]*list.Element{}
	}
	if el, ok := a.entries[k]; ok {
		e := el.Value.(*spfEntry)
		select {
		case <-e.done:
			if a.now().Before(e.expires) {
				a.lru.MoveToFront(el)
				return e, false
			}
		default:
			return e, false // being evaluated
		}
		a.lru.Remove(el)
		delete(a.entries, k)
	}
	e = &spfEntry{key: k, done: make(chan struct{})}
	a.entries[k] = a.lru.PushFront(e)
	limit := a.MaxEntries
	if limit <= 0 {
		limit = DefaultSPFCacheSize
	}
	for a.lru.Len() > limit {
		old := a.lru.Back()
		a.lru.Remove(old)
		delete(a.entries, old.Value.(*spfEntry).key)
	}
	return e, true
}

// evaluate evaluates e's record, sets its verdict and closes done. It
// runs apart from the first caller's context, whose other waiters want
// the answer still.
func (a *SPFAuthorizer) evaluate(e *spfEntry) {
	timeout := a.Timeout
	if timeout <= 0 {
		timeout = DefaultSPFEvalTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	r, err := a.Checker.EvaluateSPF(ctx, e.key.ip, e.key.domain, "")
	ttl := a.TTL
	if ttl <= 0 {
		ttl = DefaultSPFCacheTTL
	}
	switch {
	case err != nil || r.Result == SPFTempError:
		if a.ErrorTTL > 0 {
			ttl = a.ErrorTTL
		} else {
			ttl = DefaultSPFErrorTTL
		}
	case r.Result == SPFPass:
		e.authorized, e.known = true, true
	case r.Result == SPFFail || r.Result == SPFSoftFail:
		e.known = true
	}
	a.mu.Lock()
	e.expires = a.now().Add(ttl)
	a.mu.Unlock()
	close(e.done)
}
