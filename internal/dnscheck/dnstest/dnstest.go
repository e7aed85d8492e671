// Package dnstest runs a DNS server on the loopback interface for tests, as
// net/http/httptest does for HTTP: it answers, over UDP and TCP on one port,
// from zone data given in master file format (RFC 1035 §5.1), so a test can
// point a real DNS client at it.
//
// It answers every name it holds authoritatively and with recursion
// available, the way a recursive resolver in front of the real zones would:
// the records of the name and type asked, CNAMEs followed within its data,
// wildcard owners ("*.example.com") synthesized (RFC 4592), NOERROR with
// no answer (NODATA) for a name that exists with other types or is an empty
// non-terminal, and NXDOMAIN for a name that does not exist. Names given to
// Fail get SERVFAIL. A UDP answer larger than the size the query allows (512
// bytes, or its EDNS0 size) is truncated with the TC bit set, so clients
// must retry over TCP.
package dnstest

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// Server is a running DNS server. Its methods are safe for concurrent use.
type Server struct {
	// Addr is the host:port the server listens on, for UDP and TCP alike.
	Addr string

	servers []*dns.Server

	mu      sync.Mutex
	rrs     map[string][]dns.RR // by lower-case owner name
	names   map[string]bool     // owner names and their ancestors (empty non-terminals)
	fail    map[string]bool
	queries []Query
}

// Query is one question the server received.
type Query struct {
	Name string // lower case, fully qualified
	Type uint16
	Net  string // "udp" or "tcp"
}

// NewServer starts a server answering from zone (master file text; relative
// names need an $ORIGIN, a TTL of 300 is the default) and stops it when the
// test ends.
func NewServer(t testing.TB, zone string) *Server {
	t.Helper()
	s, err := Start(zone)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a server answering from zone, as NewServer does, for
// programs other than tests (cmd/dnstestd serves the dashboard's browser
// tests). Close stops it.
func Start(zone string) (*Server, error) {
	s := &Server{rrs: map[string][]dns.RR{}, names: map[string]bool{}, fail: map[string]bool{}}
	if err := s.AddZone(zone); err != nil {
		return nil, err
	}
	udp, tcp, err := listen()
	if err != nil {
		return nil, err
	}
	s.Addr = udp.LocalAddr().String()
	for _, srv := range []*dns.Server{
		{PacketConn: udp, Handler: dns.HandlerFunc(s.serve)},
		{Listener: tcp, Handler: dns.HandlerFunc(s.serve)},
	} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go srv.ActivateAndServe()
		<-started
		s.servers = append(s.servers, srv)
	}
	return s, nil
}

// Close stops the server.
func (s *Server) Close() {
	for _, srv := range s.servers {
		srv.Shutdown()
	}
}

// listen opens a UDP and a TCP socket on the same loopback port.
func listen() (net.PacketConn, net.Listener, error) {
	var lastErr error
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, fmt.Errorf("dnstest: %w", err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln, nil
		}
		lastErr = err
		pc.Close()
	}
	return nil, nil, fmt.Errorf("dnstest: no port free for both UDP and TCP: %w", lastErr)
}

// Add adds the records of zone to the server's data.
func (s *Server) Add(t testing.TB, zone string) {
	t.Helper()
	if err := s.AddZone(zone); err != nil {
		t.Fatal(err)
	}
}

// AddZone adds the records of zone to the server's data, or fails for
// zone text that does not parse (the records before the error are added).
func (s *Server) AddZone(zone string) error {
	zp := dns.NewZoneParser(strings.NewReader("$TTL 300\n"+zone), ".", "zone")
	s.mu.Lock()
	defer s.mu.Unlock()
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		name := strings.ToLower(rr.Header().Name)
		rr.Header().Name = name
		s.rrs[name] = append(s.rrs[name], rr)
		for n := name; ; {
			s.names[n] = true
			i, end := dns.NextLabel(n, 0)
			if end {
				break
			}
			n = n[i:]
		}
	}
	if err := zp.Err(); err != nil {
		return fmt.Errorf("dnstest: zone: %w", err)
	}
	return nil
}

// Fail makes the server answer SERVFAIL for name.
func (s *Server) Fail(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[strings.ToLower(dns.Fqdn(name))] = true
}

// Queries returns the questions received so far, in order.
func (s *Server) Queries() []Query {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Query(nil), s.queries...)
}

// Count returns how many times name was asked for with type qtype (over
// either transport).
func (s *Server) Count(name string, qtype uint16) int {
	name = strings.ToLower(dns.Fqdn(name))
	n := 0
	for _, q := range s.Queries() {
		if q.Name == name && q.Type == qtype {
			n++
		}
	}
	return n
}

func (s *Server) serve(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	m.RecursionAvailable = true
	if len(req.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	network := "udp"
	if _, ok := w.RemoteAddr().(*net.TCPAddr); ok {
		network = "tcp"
	}
	s.mu.Lock()
	s.queries = append(s.queries, Query{Name: name, Type: q.Qtype, Net: network})
	m.Rcode = s.answer(m, name, q.Qtype)
	s.mu.Unlock()
	if opt := req.IsEdns0(); opt != nil {
		m.SetEdns0(opt.UDPSize(), false)
	}
	if network == "udp" {
		size := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil && int(opt.UDPSize()) > size {
			size = int(opt.UDPSize())
		}
		m.Truncate(size)
	}
	w.WriteMsg(m)
}

// answer fills m's answer section for name and type, following CNAMEs
// (at most 8), and returns the response code. s.mu is held.
func (s *Server) answer(m *dns.Msg, name string, qtype uint16) int {
	for range 8 {
		if s.fail[name] {
			return dns.RcodeServerFailure
		}
		rrs, ok := s.lookup(name)
		if !ok {
			if len(m.Answer) > 0 {
				return dns.RcodeSuccess // the CNAME's target is missing: the answer stands
			}
			return dns.RcodeNameError
		}
		var cname *dns.CNAME
		for _, rr := range rrs {
			if rr.Header().Rrtype == qtype {
				m.Answer = append(m.Answer, dns.Copy(rr))
			} else if c, ok := rr.(*dns.CNAME); ok && qtype != dns.TypeCNAME {
				cname = c
			}
		}
		if cname == nil || len(m.Answer) > 0 && m.Answer[len(m.Answer)-1].Header().Rrtype == qtype {
			return dns.RcodeSuccess
		}
		m.Answer = append(m.Answer, dns.Copy(cname))
		name = strings.ToLower(cname.Target)
	}
	return dns.RcodeServerFailure
}

// lookup returns the records of name, synthesizing them from a wildcard
// owner at the closest existing ancestor, and whether the name exists.
func (s *Server) lookup(name string) ([]dns.RR, bool) {
	if s.names[name] {
		return s.rrs[name], true
	}
	for n := name; ; {
		i, end := dns.NextLabel(n, 0)
		if end {
			return nil, false
		}
		n = n[i:]
		if wild, ok := s.rrs["*."+n]; ok {
			out := make([]dns.RR, len(wild))
			for j, rr := range wild {
				out[j] = dns.Copy(rr)
				out[j].Header().Name = name
			}
			return out, true
		}
		if s.names[n] {
			return nil, false // the closest encloser has no wildcard
		}
	}
}

// String describes the server, for test logs.
func (s *Server) String() string { return fmt.Sprintf("dnstest.Server(%s)", s.Addr) }
