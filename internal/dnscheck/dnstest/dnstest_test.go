package dnstest

import (
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func ask(t *testing.T, s *Server, network, name string, qtype uint16, edns uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	if edns > 0 {
		m.SetEdns0(edns, false)
	}
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	r, _, err := c.Exchange(m, s.Addr)
	if err != nil {
		t.Fatalf("%s %s: %v", network, name, err)
	}
	return r
}

func TestServer(t *testing.T) {
	long := strings.Repeat("x", 250)
	s := NewServer(t, `
$ORIGIN example.com.
@          IN TXT  "v=spf1 -all"
@          IN MX   10 mx1
mx1        IN A    192.0.2.1
alias      IN CNAME mx1
a.b.c      IN TXT  "deep"
*.wild     IN TXT  "wildcard"
big        IN TXT  "`+long+`" "`+long+`" "`+long+`"
`)
	s.Fail("broken.example.com")
	tests := []struct {
		name    string
		qtype   uint16
		rcode   int
		answers int
	}{
		{"example.com", dns.TypeTXT, dns.RcodeSuccess, 1},
		{"EXAMPLE.com", dns.TypeMX, dns.RcodeSuccess, 1},
		{"example.com", dns.TypeA, dns.RcodeSuccess, 0},       // NODATA
		{"b.c.example.com", dns.TypeTXT, dns.RcodeSuccess, 0}, // empty non-terminal
		{"nope.example.com", dns.TypeTXT, dns.RcodeNameError, 0},
		{"alias.example.com", dns.TypeA, dns.RcodeSuccess, 2}, // CNAME and A
		{"x.wild.example.com", dns.TypeTXT, dns.RcodeSuccess, 1},
		{"broken.example.com", dns.TypeTXT, dns.RcodeServerFailure, 0},
	}
	for _, tc := range tests {
		r := ask(t, s, "udp", tc.name, tc.qtype, 0)
		if r.Rcode != tc.rcode || len(r.Answer) != tc.answers {
			t.Errorf("%s %s: rcode %s, %d answers; want %s, %d", tc.name, dns.TypeToString[tc.qtype],
				dns.RcodeToString[r.Rcode], len(r.Answer), dns.RcodeToString[tc.rcode], tc.answers)
		}
	}
	if r := ask(t, s, "udp", "x.wild.example.com", dns.TypeTXT, 0); len(r.Answer) == 1 && r.Answer[0].Header().Name != "x.wild.example.com." {
		t.Errorf("wildcard answer owner %s", r.Answer[0].Header().Name)
	}

	// 750 bytes of TXT: truncated over UDP without EDNS0, whole over TCP
	// and over UDP with a large enough EDNS0 size.
	if r := ask(t, s, "udp", "big.example.com", dns.TypeTXT, 0); !r.Truncated {
		t.Errorf("udp without EDNS0: not truncated (%d bytes)", r.Len())
	}
	if r := ask(t, s, "udp", "big.example.com", dns.TypeTXT, 1232); r.Truncated || len(r.Answer) != 1 {
		t.Errorf("udp with EDNS0 1232: truncated %v, %d answers", r.Truncated, len(r.Answer))
	}
	r := ask(t, s, "tcp", "big.example.com", dns.TypeTXT, 0)
	if r.Truncated || len(r.Answer) != 1 || len(r.Answer[0].(*dns.TXT).Txt) != 3 {
		t.Errorf("tcp: truncated %v, answer %v", r.Truncated, r.Answer)
	}
	if n := s.Count("big.example.com", dns.TypeTXT); n != 3 {
		t.Errorf("Count = %d, want 3", n)
	}
	var tcp int
	for _, q := range s.Queries() {
		if q.Net == "tcp" {
			tcp++
		}
	}
	if tcp != 1 {
		t.Errorf("%d TCP queries, want 1", tcp)
	}
}

// TestStart: a server started outside a test answers, takes records added
// later, refuses zone text that does not parse, and stops on Close.
func TestStart(t *testing.T) {
	s, err := Start(`example.com. TXT "one"`)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddZone(`example.com. TXT "two"`); err != nil {
		t.Fatal(err)
	}
	if r := ask(t, s, "udp", "example.com", dns.TypeTXT, 0); len(r.Answer) != 2 {
		t.Errorf("answers %v", r.Answer)
	}
	if err := s.AddZone(`example.com. TXT`); err == nil {
		t.Error("bad zone text accepted")
	}
	s.Close()
	m := new(dns.Msg)
	m.SetQuestion("example.com.", dns.TypeTXT)
	if _, _, err := (&dns.Client{Net: "tcp", Timeout: time.Second}).Exchange(m, s.Addr); err == nil {
		t.Error("answers after Close")
	}
	if _, err := Start(`example.com. TXT`); err == nil {
		t.Error("Start with bad zone text")
	}
}
