package server

import (
	"strconv"
	"testing"
	"time"
)

// TestRateLimiter drives one limiter of 60 a minute, burst 20, through a
// clock of its own.
func TestRateLimiter(t *testing.T) {
	t.Parallel()
	l := newRateLimiter(60, 20, 1000)
	t0 := time.Unix(1_800_000_000, 0)
	for i := range 20 {
		if ok, _ := l.allow("a", t0); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := l.allow("a", t0)
	if ok || wait != time.Second {
		t.Fatalf("after the burst: ok %v, retry after %v; want refused, 1s", ok, wait)
	}
	if ok, _ := l.allow("b", t0); !ok {
		t.Error("another client refused")
	}
	if ok, _ := l.allow("a", t0.Add(500*time.Millisecond)); ok {
		t.Error("half a token allowed")
	}
	if ok, _ := l.allow("a", t0.Add(time.Second)); !ok {
		t.Error("refilled token refused")
	}
	if ok, wait := l.allow("a", t0.Add(1250*time.Millisecond)); ok || wait != 750*time.Millisecond {
		t.Errorf("second token: ok %v, retry after %v; want refused, 750ms", ok, wait)
	}
	// A clock going back does not add tokens.
	if ok, _ := l.allow("a", t0); ok {
		t.Error("clock going back allowed a request")
	}
}

// TestRateLimiterMemory checks that idle clients are dropped and that the
// number of clients tracked stays bounded.
func TestRateLimiterMemory(t *testing.T) {
	t.Parallel()
	l := newRateLimiter(60, 20, 100)
	t0 := time.Unix(1_800_000_000, 0)
	for i := range 50 {
		l.allow("idle"+strconv.Itoa(i), t0)
	}
	if n := l.len(); n != 50 {
		t.Fatalf("%d clients, want 50", n)
	}
	// Refilled after 20s: the next new client sweeps them out.
	l.allow("new", t0.Add(21*time.Second))
	if n := l.len(); n != 1 {
		t.Errorf("after the sweep: %d clients, want 1", n)
	}
	for i := range 500 {
		l.allow("busy"+strconv.Itoa(i), t0.Add(22*time.Second))
		if n := l.len(); n > 100 {
			t.Fatalf("%d clients tracked, bound 100", n)
		}
	}
}

func TestClientKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ addr, want string }{
		{"192.0.2.7:4711", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:4711", "192.0.2.7"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::1]:443", "2001:db8:1:2::/64"},
		{"[fe80::1%eth0]:80", "fe80::/64"},
		{"@", "@"}, // a Unix socket: all requests share one bucket
	}
	for _, tc := range tests {
		if got := clientKey(tc.addr); got != tc.want {
			t.Errorf("clientKey(%q) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}
