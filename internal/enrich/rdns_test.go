package enrich

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// dnsServer is a DNS server on 127.0.0.1 answering PTR queries from a
// table: a name, NXDOMAIN for unknown names, and no answer at all for
// names in silent. It counts the queries it receives, by name.
type dnsServer struct {
	addr   string
	ptr    map[string]string
	silent map[string]bool

	mu      sync.Mutex
	queries map[string]int
}

func startDNS(t *testing.T, ptr map[string]string, silent ...string) *dnsServer {
	t.Helper()
	s := &dnsServer{ptr: map[string]string{}, silent: map[string]bool{}, queries: map[string]int{}}
	for ip, name := range ptr {
		arpa, err := dns.ReverseAddr(ip)
		if err != nil {
			t.Fatal(err)
		}
		s.ptr[arpa] = name
	}
	for _, ip := range silent {
		arpa, _ := dns.ReverseAddr(ip)
		s.silent[arpa] = true
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = pc.LocalAddr().String()
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(s.serve), NotifyStartedFunc: func() { close(started) }}
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return s
}

func (s *dnsServer) serve(w dns.ResponseWriter, req *dns.Msg) {
	if len(req.Question) != 1 {
		return
	}
	q := req.Question[0]
	s.mu.Lock()
	s.queries[q.Name]++
	s.mu.Unlock()
	if s.silent[q.Name] {
		return // let the client time out
	}
	m := new(dns.Msg)
	m.SetReply(req)
	if name, ok := s.ptr[q.Name]; ok && q.Qtype == dns.TypePTR {
		m.Answer = append(m.Answer, &dns.PTR{
			Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: 60},
			Ptr: name,
		})
	} else if !ok {
		m.Rcode = dns.RcodeNameError
	}
	w.WriteMsg(m)
}

// count returns the number of queries received for ip's reverse name.
func (s *dnsServer) count(ip string) int {
	arpa, _ := dns.ReverseAddr(ip)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries[arpa]
}

// resolver sends every query to s, whatever /etc/resolv.conf says.
func (s *dnsServer) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", s.addr)
	}}
}

func TestReverse(t *testing.T) {
	t.Parallel()
	// Documentation addresses: no /etc/hosts has them.
	srv := startDNS(t, map[string]string{
		"192.0.2.1":   "mail.example.com.",
		"2001:db8::1": "mx.example.net.",
	}, "192.0.2.99")
	e, err := New(Config{RDNS: true, RDNSTimeout: 200 * time.Millisecond, Resolver: srv.resolver()})
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	e.rdns.now = func() time.Time { return clock }
	ctx := context.Background()
	reverse := func(ip string) string { return e.Reverse(ctx, netip.MustParseAddr(ip)) }

	for _, tc := range []struct {
		ip, want string
		queries  int // wanted count at the server afterwards
	}{
		{"192.0.2.1", "mail.example.com", 1},
		{"192.0.2.1", "mail.example.com", 1}, // cached
		{"::ffff:192.0.2.1", "mail.example.com", 1},
		{"2001:db8::1", "mx.example.net", 1},
		{"192.0.2.2", "", 1}, // NXDOMAIN
		{"192.0.2.2", "", 1}, // cached negative answer
	} {
		if got := reverse(tc.ip); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.ip, got, tc.want)
		}
		if n := srv.count(tc.ip); n != tc.queries {
			t.Errorf("%s: %d queries, want %d", tc.ip, n, tc.queries)
		}
	}

	// The positive answer outlives the negative one.
	clock = clock.Add(rdnsNegativeTTL)
	reverse("192.0.2.1")
	reverse("192.0.2.2")
	if a, b := srv.count("192.0.2.1"), srv.count("192.0.2.2"); a != 1 || b != 2 {
		t.Errorf("after the negative TTL: %d and %d queries, want 1 and 2", a, b)
	}
	clock = clock.Add(rdnsTTL)
	reverse("192.0.2.1")
	if n := srv.count("192.0.2.1"); n != 2 {
		t.Errorf("after the TTL: %d queries, want 2", n)
	}

	// A server that does not answer costs the timeout once, then the
	// failure is cached.
	t0 := time.Now()
	if got := reverse("192.0.2.99"); got != "" {
		t.Errorf("silent server: %q", got)
	}
	if d := time.Since(t0); d < 150*time.Millisecond || d > 2*time.Second {
		t.Errorf("silent server took %v, want about the 200ms timeout", d)
	}
	n := srv.count("192.0.2.99")
	t0 = time.Now()
	reverse("192.0.2.99")
	if d := time.Since(t0); srv.count("192.0.2.99") != n || d > 50*time.Millisecond {
		t.Errorf("failure not cached: %d queries, %v", srv.count("192.0.2.99"), d)
	}
	clock = clock.Add(rdnsFailureTTL)
	if _, ok := e.rdns.cached(netip.MustParseAddr("192.0.2.99")); ok {
		t.Error("failure still cached after its TTL")
	}
}

// TestReverseLRU checks that a full cache drops the least recently used
// answer.
func TestReverseLRU(t *testing.T) {
	t.Parallel()
	srv := startDNS(t, map[string]string{"192.0.2.1": "a.example.", "192.0.2.2": "b.example.", "192.0.2.3": "c.example."})
	e, err := New(Config{RDNS: true, RDNSCacheSize: 2, Resolver: srv.resolver()})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		ip      string
		queries int
	}{
		{"192.0.2.1", 1},
		{"192.0.2.2", 1},
		{"192.0.2.1", 1}, // hit: now the most recently used
		{"192.0.2.3", 1}, // evicts 192.0.2.2
		{"192.0.2.1", 1},
		{"192.0.2.2", 2},
	} {
		e.Reverse(context.Background(), netip.MustParseAddr(step.ip))
		if n := srv.count(step.ip); n != step.queries {
			t.Errorf("%s: %d queries, want %d", step.ip, n, step.queries)
		}
		if s := e.rdns.size(); s > 2 {
			t.Errorf("cache holds %d entries, more than 2", s)
		}
	}
}

func TestReverseCanceledCaller(t *testing.T) {
	t.Parallel()
	srv := startDNS(t, nil, "192.0.2.99")
	e, err := New(Config{RDNS: true, RDNSTimeout: 5 * time.Second, Resolver: srv.resolver()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if got := e.Reverse(ctx, netip.MustParseAddr("192.0.2.99")); got != "" {
		t.Errorf("got %q", got)
	}
	// The caller gave up: that says nothing about the address.
	if _, ok := e.rdns.cached(netip.MustParseAddr("192.0.2.99")); ok {
		t.Error("a canceled lookup was cached")
	}
}

func TestReverseDisabled(t *testing.T) {
	t.Parallel()
	srv := startDNS(t, map[string]string{"192.0.2.1": "mail.example.com."})
	e, err := New(Config{Resolver: srv.resolver()})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Reverse(context.Background(), netip.MustParseAddr("192.0.2.1")); got != "" {
		t.Errorf("disabled: %q", got)
	}
	if n := srv.count("192.0.2.1"); n != 0 {
		t.Errorf("disabled: %d queries", n)
	}
	if e.Status().RDNS {
		t.Error("Status says reverse DNS is on")
	}
}
