package dnscheck

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// ednsSize is the UDP payload size the client advertises (EDNS0, RFC
// 6891), the size recommended by DNS Flag Day 2020 to avoid fragmentation.
const ednsSize = 1232

// answer is the outcome of one DNS question.
type answer struct {
	rcode int      // the response code; meaningful when err is nil
	rrs   []dns.RR // the answer records of the type asked
	size  int      // the response's size in bytes on the wire
	err   error    // no usable response: timeout, network error, SERVFAIL...
}

// void reports whether the name has no records of the type asked: NXDOMAIN,
// or NOERROR with an empty answer (NODATA). Both are "void lookups" for SPF
// (RFC 7208 §4.6.4).
func (a answer) void() bool { return a.err == nil && len(a.rrs) == 0 }

// session is the state of one check: the servers, the answers so far (each
// name and type is asked once) and the query budget. It is safe for
// concurrent use.
type session struct {
	c       *Checker
	servers []string
	max     int

	mu      sync.Mutex
	cache   map[question]*pending
	queries int
}

type question struct {
	name  string
	qtype uint16
}

// pending is a cached answer, or one being asked for: done is closed when a
// is set.
type pending struct {
	done chan struct{}
	a    answer
}

func (c *Checker) newSession() (*session, error) {
	servers, err := c.servers()
	if err != nil {
		return nil, err
	}
	max := c.MaxQueries
	if max <= 0 {
		max = DefaultMaxQueries
	}
	return &session{c: c, servers: servers, max: max, cache: map[question]*pending{}}, nil
}

// count returns the number of questions sent so far.
func (s *session) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries
}

// query asks for name's records of type qtype, once per session: a second
// caller waits for the first one's answer.
func (s *session) query(ctx context.Context, name string, qtype uint16) answer {
	q := question{strings.ToLower(dns.Fqdn(name)), qtype}
	if _, ok := dns.IsDomainName(q.name); !ok || len(q.name) > 254 {
		return answer{err: fmt.Errorf("%w: %q", ErrInvalidDomain, name)}
	}
	s.mu.Lock()
	if p, ok := s.cache[q]; ok {
		s.mu.Unlock()
		select {
		case <-p.done:
			return p.a
		case <-ctx.Done():
			return answer{err: ctx.Err()}
		}
	}
	if s.queries >= s.max {
		s.mu.Unlock()
		return answer{err: fmt.Errorf("%w (%d)", ErrQueryBudget, s.max)}
	}
	s.queries++
	p := &pending{done: make(chan struct{})}
	s.cache[q] = p
	s.mu.Unlock()

	p.a = s.exchange(ctx, q)
	close(p.done)
	return p.a
}

// exchange sends q to each server in turn until one answers with NOERROR
// or NXDOMAIN, retrying over TCP when a UDP answer is truncated.
func (s *session) exchange(ctx context.Context, q question) answer {
	m := new(dns.Msg)
	m.SetQuestion(q.name, q.qtype)
	m.SetEdns0(ednsSize, false)
	timeout := s.c.timeout()
	var last answer
	for _, server := range s.servers {
		var r *dns.Msg
		var err error
		for _, network := range []string{"udp", "tcp"} {
			cl := &dns.Client{Net: network, Timeout: timeout, UDPSize: ednsSize}
			r, _, err = cl.ExchangeContext(ctx, m, server)
			if err != nil || !r.Truncated {
				break
			}
		}
		switch {
		case err != nil:
			last = answer{err: fmt.Errorf("query %s %s at %s: %w", strings.TrimSuffix(q.name, "."), dns.TypeToString[q.qtype], server, err)}
		case r.Rcode != dns.RcodeSuccess && r.Rcode != dns.RcodeNameError:
			last = answer{rcode: r.Rcode, err: fmt.Errorf("query %s %s at %s: %w: %s", strings.TrimSuffix(q.name, "."), dns.TypeToString[q.qtype], server, ErrServerFailure, dns.RcodeToString[r.Rcode])}
		default:
			a := answer{rcode: r.Rcode, size: r.Len()}
			for _, rr := range r.Answer {
				if rr.Header().Rrtype == q.qtype {
					a.rrs = append(a.rrs, rr)
				}
			}
			return a
		}
		if ctx.Err() != nil {
			return answer{err: ctx.Err()}
		}
	}
	return last
}

// txtRecord is one TXT record: its character-strings and their
// concatenation, which is what SPF, DMARC and the others read (RFC 7208
// §3.3, RFC 7489 §6.1).
type txtRecord struct {
	strings []string
	text    string
}

// txt returns the TXT records of name.
func (s *session) txt(ctx context.Context, name string) ([]txtRecord, answer) {
	a := s.query(ctx, name, dns.TypeTXT)
	var out []txtRecord
	for _, rr := range a.rrs {
		t := rr.(*dns.TXT)
		out = append(out, txtRecord{strings: t.Txt, text: strings.Join(t.Txt, "")})
	}
	return out, a
}

// Errors of DNS lookups, for errors.Is.
var (
	// ErrQueryBudget: the check asked as many DNS questions as
	// Checker.MaxQueries allows and stopped asking.
	ErrQueryBudget = errors.New("too many DNS queries for one check")
	// ErrServerFailure: every server answered with an error code
	// (SERVFAIL, REFUSED...).
	ErrServerFailure = errors.New("DNS server failure")
	// ErrInvalidDomain: a name is not a valid domain name.
	ErrInvalidDomain = errors.New("invalid domain name")
)

// dialer returns a net.Dialer whose host names are resolved by the
// checker's DNS servers, so the MTA-STS policy host is looked up where the
// records were.
func (s *session) dialer() *net.Dialer {
	d := &net.Dialer{Timeout: s.c.timeout()}
	servers := s.servers
	d.Resolver = &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var err error
			for _, server := range servers {
				var conn net.Conn
				conn, err = (&net.Dialer{Timeout: s.c.timeout()}).DialContext(ctx, network, server)
				if err == nil {
					return conn, nil
				}
			}
			return nil, err
		},
	}
	return d
}
