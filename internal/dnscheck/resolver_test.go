package dnscheck

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck/dnstest"
)

func TestResolver(t *testing.T) {
	t.Parallel()
	const zone = `
ok.example. TXT "v=spf1 -all"
ok.example. MX  10 mx.ok.example.
`
	good := dnstest.NewServer(t, zone)
	failing := dnstest.NewServer(t, zone)
	failing.Fail("ok.example")
	c := &Checker{Servers: []string{deadServer(t), failing.Addr, good.Addr}, Timeout: 200 * time.Millisecond}
	s, err := c.newSession()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// A server that does not answer and one that fails are followed by the
	// next.
	a := s.query(ctx, "OK.example.", dns.TypeTXT)
	if a.err != nil || len(a.rrs) != 1 || failing.Count("ok.example", dns.TypeTXT) != 1 {
		t.Fatalf("fallback: %+v", a)
	}
	// NXDOMAIN and NODATA are told apart; both are void.
	nx := s.query(ctx, "none.ok.example", dns.TypeTXT)
	nodata := s.query(ctx, "ok.example", dns.TypeA)
	if nx.rcode != dns.RcodeNameError || !nx.void() || nodata.rcode != dns.RcodeSuccess || !nodata.void() {
		t.Errorf("NXDOMAIN %+v, NODATA %+v", nx, nodata)
	}

	// Concurrent and repeated questions are asked once.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { s.query(ctx, "ok.example", dns.TypeMX) })
	}
	wg.Wait()
	s.query(ctx, "ok.example", dns.TypeMX)
	if n := good.Count("ok.example", dns.TypeMX); n != 1 {
		t.Errorf("MX asked %d times", n)
	}
	if s.count() != 4 {
		t.Errorf("%d questions counted, want 4", s.count())
	}

	// The budget.
	small := &Checker{Servers: []string{good.Addr}, MaxQueries: 1}
	s, _ = small.newSession()
	s.query(ctx, "ok.example", dns.TypeTXT)
	if a := s.query(ctx, "ok.example", dns.TypeMX); !errors.Is(a.err, ErrQueryBudget) {
		t.Errorf("over budget: %v", a.err)
	}
	if a := s.query(ctx, "bad..name", dns.TypeMX); !errors.Is(a.err, ErrInvalidDomain) {
		t.Errorf("invalid name: %v", a.err)
	}
}
