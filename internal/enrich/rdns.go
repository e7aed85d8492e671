package enrich

import (
	"container/list"
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// How long reverse DNS answers are cached. net.Resolver does not expose
// record TTLs, so these are fixed: a name for an hour; "no such name" for
// 15 minutes (reverse zones change rarely); a timeout or server failure for
// a minute, so a dashboard reloaded during an outage does not wait on every
// address again, yet recovers soon.
const (
	rdnsTTL         = time.Hour
	rdnsNegativeTTL = 15 * time.Minute
	rdnsFailureTTL  = time.Minute

	defaultRDNSTimeout   = time.Second
	defaultRDNSCacheSize = 4096
)

// reverser is a bounded LRU cache of PTR answers in front of a resolver.
// Limit: concurrent misses for the same address each query the resolver;
// the dashboard asks for distinct addresses, so they are not coalesced.
type reverser struct {
	resolver *net.Resolver
	timeout  time.Duration
	max      int
	now      func() time.Time // tests move the clock

	mu    sync.Mutex
	order *list.List // of *rdnsEntry, most recently used first
	byIP  map[netip.Addr]*list.Element
}

type rdnsEntry struct {
	addr    netip.Addr
	name    string
	expires time.Time
}

func newReverser(r *net.Resolver, timeout time.Duration, size int) *reverser {
	if r == nil {
		r = net.DefaultResolver
	}
	if timeout <= 0 {
		timeout = defaultRDNSTimeout
	}
	if size <= 0 {
		size = defaultRDNSCacheSize
	}
	return &reverser{
		resolver: r, timeout: timeout, max: size, now: time.Now,
		order: list.New(), byIP: map[netip.Addr]*list.Element{},
	}
}

func (r *reverser) lookup(ctx context.Context, addr netip.Addr) string {
	if name, ok := r.cached(addr); ok {
		return name
	}
	// A failure when the caller's deadline came first, or the caller
	// canceled, says nothing about the address and is not cached. (The
	// resolver's read deadline can fire before ctx.Err is set.)
	callerFirst := ctx.Err() != nil
	if dl, ok := ctx.Deadline(); ok && dl.Before(time.Now().Add(r.timeout)) {
		callerFirst = true
	}
	qctx, cancel := context.WithTimeout(ctx, r.timeout)
	names, err := r.resolver.LookupAddr(qctx, addr.String())
	cancel()
	ttl := rdnsTTL
	name := ""
	var dnsErr *net.DNSError
	switch {
	case err == nil && len(names) > 0:
		name = strings.TrimSuffix(names[0], ".")
	case err == nil, errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		ttl = rdnsNegativeTTL
	case callerFirst || ctx.Err() != nil:
		return ""
	default:
		ttl = rdnsFailureTTL
	}
	r.store(addr, name, ttl)
	return name
}

func (r *reverser) cached(addr netip.Addr) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	el, ok := r.byIP[addr]
	if !ok {
		return "", false
	}
	ent := el.Value.(*rdnsEntry)
	if !r.now().Before(ent.expires) {
		r.order.Remove(el)
		delete(r.byIP, addr)
		return "", false
	}
	r.order.MoveToFront(el)
	return ent.name, true
}

func (r *reverser) store(addr netip.Addr, name string, ttl time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	exp := r.now().Add(ttl)
	if el, ok := r.byIP[addr]; ok {
		ent := el.Value.(*rdnsEntry)
		ent.name, ent.expires = name, exp
		r.order.MoveToFront(el)
		return
	}
	r.byIP[addr] = r.order.PushFront(&rdnsEntry{addr: addr, name: name, expires: exp})
	for r.order.Len() > r.max {
		old := r.order.Back()
		r.order.Remove(old)
		delete(r.byIP, old.Value.(*rdnsEntry).addr)
	}
}

// size returns the number of cached answers.
func (r *reverser) size() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.order.Len()
}
