package imaptest

import (
	"crypto/tls"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// TestTLSServer: a client trusting CertPool logs in over implicit TLS and
// sees what Deliver put in the INBOX; Count agrees, the protocol log
// shows the session, and a mailbox that does not exist counts 0.
func TestTLSServer(t *testing.T) {
	t.Parallel()
	debug := &Buffer{}
	s := NewTLSServer(t, WithCaps(imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapMove: {}}), WithDebug(debug))
	s.AddUser(t, "u@example.com", "pw")
	msg := []byte("From: a@example.org\r\nSubject: x\r\n\r\nhello\r\n")
	s.Deliver(t, "u@example.com", "INBOX", msg)
	s.Deliver(t, "u@example.com", "INBOX", msg)
	if n := s.Count(t, "u@example.com", "INBOX"); n != 2 {
		t.Errorf("Count: %d, want 2", n)
	}
	if n := s.Count(t, "u@example.com", "Archive"); n != 0 {
		t.Errorf("Count of a missing mailbox: %d, want 0", n)
	}
	c, err := imapclient.DialTLS(s.TLSAddr, &imapclient.Options{TLSConfig: &tls.Config{RootCAs: s.CertPool}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("u@example.com", "pw").Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil || sel.NumMessages != 2 {
		t.Fatalf("select: %+v, %v; want 2 messages", sel, err)
	}
	if !c.Caps().Has(imap.CapMove) {
		t.Errorf("capabilities %v lack MOVE", c.Caps())
	}
	if !strings.Contains(debug.String(), "LOGIN") {
		t.Errorf("protocol log lacks the LOGIN:\n%s", debug)
	}
}

// TestServerClearText: Login reaches a clear-text server, which offers no
// STARTTLS.
func TestServerClearText(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.AddUser(t, "u", "pw")
	if s.TLSAddr != "" || s.CertPool != nil {
		t.Errorf("clear-text server with TLS: %q, %v", s.TLSAddr, s.CertPool)
	}
	c := Login(t, s.Addr, "u", "pw")
	if c.Caps().Has(imap.CapStartTLS) {
		t.Error("STARTTLS offered without a certificate")
	}
}

// TestBuffer writes from several goroutines; run with -race.
func TestBuffer(t *testing.T) {
	t.Parallel()
	var b Buffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			fmt.Fprintf(&b, "%d\n", i)
			_ = b.String()
		})
	}
	wg.Wait()
	if n := strings.Count(b.String(), "\n"); n != 8 {
		t.Errorf("%d lines, want 8", n)
	}
}
