package notify

import (
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// smtpBackend is an SMTP server's backend that keeps the messages it
// takes and refuses recipients by their local part: "busy" with 451
// (try again), "nobody" with 550 (final).
type smtpBackend struct {
	mu  sync.Mutex
	got []string // the DATA of each message
}

func (b *smtpBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{b: b}, nil }

type smtpSession struct{ b *smtpBackend }

func (s *smtpSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	switch {
	case strings.HasPrefix(to, "busy@"):
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}
	case strings.HasPrefix(to, "nobody@"):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.b.mu.Lock()
	s.b.got = append(s.b.got, string(b))
	s.b.mu.Unlock()
	return err
}
func (s *smtpSession) Reset()        {}
func (s *smtpSession) Logout() error { return nil }

// TestEmailSender sends through an SMTP server on loopback: a message
// taken is delivered with both parts, a 451 is retried, a 550 fails.
func TestEmailSender(t *testing.T) {
	t.Parallel()
	be := &smtpBackend{}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	port := ln.Addr().(*net.TCPAddr).Port

	clk := newClock()
	s := newService(t, backends()[0].newDB(t)(), testKey(t), clk)
	want := map[int64]string{}
	for to, log := range map[string]string{"ops@example.com": "delivered 250", "busy@example.com": "retrying 451",
		"nobody@example.com": "failed 550"} {
		c, err := s.CreateChannel(t.Context(), Channel{Name: to, Kind: KindEmail, Enabled: true, Email: &EmailConfig{
			Host: "127.0.0.1", Port: port, TLS: TLSNone, From: "Parse DMARC <dmarc@example.com>", To: []string{to}}})
		if err != nil {
			t.Fatal(err)
		}
		want[c.ID] = log
	}
	m := event(t, webhook.AlertTriggered)
	m.Title, m.Summary = "DMARC Alert: example.com", "Compliance dropped from 98% to 72% in the last 24 hours."
	if err := s.Publish(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	runOnce(t, s)
	for id, want := range want {
		log := deliveries(t, s, id)
		if len(log) != 1 || log[0].Status+" "+strconv.Itoa(log[0].StatusCode) != want {
			t.Errorf("channel %d: %+v, want %s", id, log, want)
		}
	}
	be.mu.Lock()
	defer be.mu.Unlock()
	if len(be.got) != 1 || !strings.Contains(be.got[0], "Subject: DMARC Alert: example.com") ||
		!strings.Contains(be.got[0], "text/plain") || !strings.Contains(be.got[0], "text/html") {
		t.Errorf("messages taken: %q", be.got)
	}
}
