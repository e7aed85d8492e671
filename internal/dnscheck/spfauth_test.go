package dnscheck

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck/dnstest"
)

const authZone = `
auth.example.        TXT "v=spf1 ip4:192.0.2.0/24 include:_spf.auth.example ~all"
_spf.auth.example.   TXT "v=spf1 ip4:198.51.100.0/24 -all"
hard.example.        TXT "v=spf1 ip4:192.0.2.1 -all"
neutral.example.     TXT "v=spf1 ip4:192.0.2.1 ?all"
broken.example.      TXT "v=spf1 ip4:300.0.0.1 -all"
down.example.        TXT "v=spf1 include:_spf.down.example -all"
`

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock(t time.Time) *fakeClock {
	c := &fakeClock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *fakeClock) now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) add(d time.Duration) { c.ns.Add(int64(d)) }

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

// txtQueries counts the TXT questions about name srv received.
func txtQueries(srv *dnstest.Server, name string) int { return srv.Count(name, dns.TypeTXT) }

// TestSPFAuthorizer: the verdicts of pass, fail and softfail are known,
// the others not.
func TestSPFAuthorizer(t *testing.T) {
	t.Parallel()
	c, srv := newChecker(t, authZone)
	srv.Fail("_spf.down.example")
	a := &SPFAuthorizer{Checker: c}
	tests := []struct {
		domain, ip        string
		authorized, known bool
	}{
		{"auth.example", "192.0.2.7", true, true},
		{"AUTH.example.", "198.51.100.9", true, true}, // through the include, any case
		{"auth.example", "::ffff:198.51.100.9", true, true},
		{"auth.example", "203.0.113.1", false, true}, // softfail
		{"hard.example", "192.0.2.2", false, true},   // fail
		{"hard.example", "192.0.2.1", true, true},
		{"neutral.example", "192.0.2.2", false, false},
		{"nothing.example", "192.0.2.1", false, false}, // none
		{"broken.example", "192.0.2.1", false, false},  // permerror
		{"down.example", "192.0.2.1", false, false},    // temperror
		{"", "192.0.2.1", false, false},
	}
	for _, tc := range tests {
		auth, known := a.AuthorizedBySPF(t.Context(), tc.domain, ip(tc.ip))
		if auth != tc.authorized || known != tc.known {
			t.Errorf("%s %s: authorized %v known %v, want %v %v", tc.domain, tc.ip, auth, known, tc.authorized, tc.known)
		}
	}
	if auth, known := a.AuthorizedBySPF(t.Context(), "auth.example", netip.Addr{}); auth || known {
		t.Error("invalid IP: known")
	}
}

// TestSPFAuthorizerCache: a verdict is asked once within its TTL, by
// however many callers at once; a DNS failure is kept for a shorter time;
// the cache holds at most MaxEntries verdicts.
func TestSPFAuthorizerCache(t *testing.T) {
	t.Parallel()
	c, srv := newChecker(t, authZone)
	srv.Fail("_spf.down.example")
	clock := newFakeClock(time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC))
	a := &SPFAuthorizer{Checker: c, TTL: time.Hour, ErrorTTL: time.Minute, MaxEntries: 3, Now: clock.now}
	ctx := t.Context()

	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if auth, known := a.AuthorizedBySPF(ctx, "auth.example", ip("192.0.2.7")); !auth || !known {
				t.Errorf("concurrent: %v %v", auth, known)
			}
		})
	}
	wg.Wait()
	if n := txtQueries(srv, "auth.example"); n != 1 {
		t.Fatalf("50 concurrent callers: %d queries, want 1", n)
	}
	for range 200 {
		a.AuthorizedBySPF(ctx, "auth.example", ip("192.0.2.7"))
	}
	clock.add(59 * time.Minute)
	a.AuthorizedBySPF(ctx, "auth.example", ip("192.0.2.7"))
	if n := txtQueries(srv, "auth.example"); n != 1 {
		t.Fatalf("within TTL: %d queries, want 1", n)
	}
	clock.add(2 * time.Minute)
	a.AuthorizedBySPF(ctx, "auth.example", ip("192.0.2.7"))
	if n := txtQueries(srv, "auth.example"); n != 2 {
		t.Fatalf("after TTL: %d queries, want 2", n)
	}

	// A temperror is asked again after ErrorTTL, not TTL.
	a.AuthorizedBySPF(ctx, "down.example", ip("192.0.2.1"))
	a.AuthorizedBySPF(ctx, "down.example", ip("192.0.2.1"))
	if n := txtQueries(srv, "down.example"); n != 1 {
		t.Fatalf("temperror within ErrorTTL: %d queries, want 1", n)
	}
	clock.add(2 * time.Minute)
	a.AuthorizedBySPF(ctx, "down.example", ip("192.0.2.1"))
	if n := txtQueries(srv, "down.example"); n != 2 {
		t.Fatalf("temperror after ErrorTTL: %d queries, want 2", n)
	}

	// Bounded: of 5 IPs, the 3 most recently used stay.
	for i := range 5 {
		a.AuthorizedBySPF(ctx, "hard.example", ip(fmt.Sprintf("192.0.2.%d", 10+i)))
	}
	a.mu.Lock()
	size := a.lru.Len()
	a.mu.Unlock()
	if size != 3 || len(a.entries) != 3 {
		t.Fatalf("cache holds %d (%d), want 3", size, len(a.entries))
	}
	before := txtQueries(srv, "hard.example")
	a.AuthorizedBySPF(ctx, "hard.example", ip("192.0.2.14")) // kept
	a.AuthorizedBySPF(ctx, "hard.example", ip("192.0.2.10")) // forgotten
	if n := txtQueries(srv, "hard.example") - before; n != 1 {
		t.Errorf("after eviction: %d queries, want 1", n)
	}
}

// TestSPFAuthorizerContext: a caller whose context ends gets no verdict,
// and the evaluation still serves the next caller.
func TestSPFAuthorizerContext(t *testing.T) {
	t.Parallel()
	c, srv := newChecker(t, authZone)
	a := &SPFAuthorizer{Checker: c}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if auth, known := a.AuthorizedBySPF(ctx, "hard.example", ip("192.0.2.1")); auth || known {
		t.Errorf("ended context: %v %v", auth, known)
	}
	if auth, known := a.AuthorizedBySPF(t.Context(), "hard.example", ip("192.0.2.1")); !auth || !known {
		t.Errorf("next caller: %v %v", auth, known)
	}
	if n := txtQueries(srv, "hard.example"); n != 1 {
		t.Errorf("%d queries, want 1", n)
	}
}

// BenchmarkSPFAuthorizerListing is a source listing's worth of questions:
// 200 sources of one domain whose record includes another, each evaluated
// against a loopback DNS server (cold), then the same from the cache.
func BenchmarkSPFAuthorizerListing(b *testing.B) {
	srv := dnstest.NewServer(b, authZone)
	c := &Checker{Servers: []string{srv.Addr}, Timeout: 2 * time.Second}
	for _, cold := range []bool{true, false} {
		b.Run(map[bool]string{true: "cold", false: "cached"}[cold], func(b *testing.B) {
			a := &SPFAuthorizer{Checker: c}
			for b.Loop() {
				if cold {
					a = &SPFAuthorizer{Checker: c}
				}
				for i := range 200 {
					a.AuthorizedBySPF(b.Context(), "auth.example", netip.AddrFrom4([4]byte{203, 0, 113, byte(i)}))
				}
			}
		})
	}
}
