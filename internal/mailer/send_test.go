package mailer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// parsed is a message read back with go-message.
type parsed struct {
	Header      gomail.Header
	Text, HTML  string
	Attachments map[string][]byte
	Types       map[string]string
}

func parseMessage(t testing.TB, raw []byte) parsed {
	t.Helper()
	r, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	p := parsed{Header: r.Header, Attachments: map[string][]byte{}, Types: map[string]string{}}
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		body, err := io.ReadAll(part.Body)
		if err != nil {
			t.Fatalf("read part body: %v", err)
		}
		switch h := part.Header.(type) {
		case *gomail.InlineHeader:
			ctype, params, _ := h.ContentType()
			if params["charset"] != "utf-8" {
				t.Errorf("%s part: charset %q", ctype, params["charset"])
			}
			switch ctype {
			case "text/plain":
				p.Text = string(body)
			case "text/html":
				p.HTML = string(body)
			default:
				t.Errorf("inline part of type %s", ctype)
			}
		case *gomail.AttachmentHeader:
			name, err := h.Filename()
			if err != nil {
				t.Errorf("attachment name: %v", err)
			}
			p.Attachments[name] = body
			p.Types[name], _, _ = h.ContentType()
		}
	}
	return p
}

// pdf is an attachment's bytes with what transfer encodings break: NUL,
// bare CR and LF, high bytes, a line starting with a dot.
var pdf = append([]byte("%PDF-1.7\r\n.\r\n\x00\x01\xff\xfe\n\r"), bytes.Repeat([]byte{0x80, '\n', '.', 0}, 5000)...)

func reportMessage() notice.Message {
	return notice.Message{
		Event:    webhook.Event{ID: "evt_0123456789abcdef01234567", Type: "report.weekly", Timestamp: time.Date(2026, 11, 20, 8, 30, 0, 0, time.UTC)},
		Title:    "Rapport DMARC hebdomadaire : exemple.fr — conformité 91 %",
		Severity: notice.Warning,
		Summary:  "Compliance 91% (last week 95%).\nTwo new sources sent mail for exemple.fr.\n\n<b>Not bold</b> & \"quoted\".",
		Facts:    []webhook.Fact{{Name: "exemple.fr", Value: "91.0% of 12,004"}, {Name: "New sources", Value: "198.51.100.7, 203.0.113.9"}},
		URL:      "https://dmarc.example.com/domains/exemple.fr?period=7d&x=<y>",
		Attachments: []notice.Attachment{
			{Name: "dmarc-weekly-2026-W47.pdf", ContentType: "application/pdf", Data: pdf},
			{Name: "sources été.csv", ContentType: "text/csv; charset=utf-8", Data: []byte("ip,messages\r\n198.51.100.7,312\r\n")},
		},
	}
}

func alertMessage(t testing.TB) notice.Message {
	ev, _ := webhook.Example(webhook.AlertTriggered, time.Date(2026, 11, 20, 8, 30, 0, 0, time.UTC), "https://dmarc.example.com")
	return notice.Message{Event: ev, Title: "DMARC Alert: example.com", Severity: notice.Critical,
		Summary: "Compliance dropped from 98% to 72% in the last 24 hours.",
		Facts:   []webhook.Fact{{Name: "Top failure source", Value: "192.0.2.100 (Unknown - AS64500)"}, {Name: "Failed messages", Value: "1,247"}},
		URL:     "https://dmarc.example.com/domains/example.com"}
}

// checkReceived checks a message the server took against m.
func checkReceived(t *testing.T, got received, m notice.Message, wantTLS bool) {
	t.Helper()
	if got.From != "dmarc@example.com" || strings.Join(got.To, ",") != "ops@example.com,sec@example.org" {
		t.Errorf("envelope from %q to %q", got.From, got.To)
	}
	if got.TLS != wantTLS || got.User != "alice" {
		t.Errorf("session TLS %v user %q, want TLS %v and alice", got.TLS, got.User, wantTLS)
	}
	p := parseMessage(t, got.Data)
	if s, err := p.Header.Subject(); err != nil || s != m.Title {
		t.Errorf("subject %q (%v), want %q", s, err, m.Title)
	}
	if raw := p.Header.Get("Subject"); !isASCII(raw) || (!isASCII(m.Title) && !strings.HasPrefix(raw, "=?utf-8?")) {
		t.Errorf("raw subject %q is not RFC 2047 encoded", raw)
	}
	from, err := p.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Address != "dmarc@example.com" || from[0].Name != "Parse DMARC" {
		t.Errorf("from %v (%v)", from, err)
	}
	to, err := p.Header.AddressList("To")
	if err != nil || len(to) != 2 || to[1].Name != "Security" {
		t.Errorf("to %v (%v)", to, err)
	}
	if d, err := p.Header.Date(); err != nil || time.Since(d) > time.Minute {
		t.Errorf("date %v (%v)", d, err)
	}
	if id, err := p.Header.MessageID(); err != nil || !strings.HasSuffix(id, "@example.com") {
		t.Errorf("message id %q (%v)", id, err)
	}
	if v := p.Header.Get("Auto-Submitted"); v != "auto-generated" {
		t.Errorf("Auto-Submitted %q", v)
	}
	if v := p.Header.Get("Mime-Version"); v != "1.0" {
		t.Errorf("MIME-Version %q", v)
	}
	for _, f := range m.Facts {
		if !strings.Contains(p.Text, f.Name+": "+f.Value) {
			t.Errorf("text part lacks fact %q", f.Name)
		}
	}
	if !strings.Contains(p.Text, m.Title) || !strings.Contains(p.HTML, "<h1") {
		t.Errorf("text or HTML part lacks the title:\n%s\n%s", p.Text, p.HTML)
	}
	if len(p.Attachments) != len(m.Attachments) {
		t.Errorf("%d attachments, want %d", len(p.Attachments), len(m.Attachments))
	}
	for _, a := range m.Attachments {
		if !bytes.Equal(p.Attachments[a.Name], a.Data) {
			t.Errorf("attachment %q: %d bytes differ from the %d sent", a.Name, len(p.Attachments[a.Name]), len(a.Data))
		}
		want, _, _ := mime.ParseMediaType(a.ContentType)
		if p.Types[a.Name] != want {
			t.Errorf("attachment %q: type %q, want %q", a.Name, p.Types[a.Name], want)
		}
	}
}

var recipients = []string{"ops@example.com", "Security <sec@example.org>"}

// TestSendDelivered sends a message in each TLS mode, with AUTH, and
// reads it back from the server: STARTTLS, implicit TLS, and clear text
// to loopback, the one place a password may go without TLS.
func TestSendDelivered(t *testing.T) {
	t.Parallel()
	withPDF := alertMessage(t)
	withPDF.Attachments = reportMessage().Attachments[:1]
	for _, tc := range []struct {
		mode string
		m    notice.Message
		tls  bool
	}{
		{TLSStartTLS, reportMessage(), true},
		{TLSImplicit, withPDF, true},
		{TLSNone, alertMessage(t), false},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, serverOptions{mode: tc.mode})
			if err := Send(context.Background(), ts.config(tc.mode), recipients, tc.m); err != nil {
				t.Fatal(err)
			}
			got := ts.be.messages()
			if len(got) != 1 {
				t.Fatalf("%d messages, want 1", len(got))
			}
			checkReceived(t, got[0], tc.m, tc.tls)
		})
	}
}

// TestSendRefusesDowngrade: a server without STARTTLS gets neither the
// password nor the message when STARTTLS is asked for.
func TestSendRefusesDowngrade(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{mode: "none"})
	err := Send(context.Background(), ts.config(TLSStartTLS), recipients, alertMessage(t))
	if !errors.Is(err, ErrNoStartTLS) || !Permanent(err) {
		t.Errorf("err %v, want ErrNoStartTLS, permanent", err)
	}
	if n := ts.be.auths(); n != 0 {
		t.Errorf("%d AUTH attempts", n)
	}
	if got := ts.be.messages(); len(got) != 0 {
		t.Errorf("%d messages sent", len(got))
	}
}

// TestSendUntrustedCert: a certificate the client does not trust ends the
// session at TLS, for both modes.
func TestSendUntrustedCert(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{TLSStartTLS, TLSImplicit} {
		ts := startServer(t, serverOptions{mode: mode})
		cfg := ts.config(mode)
		_, cfg.RootCAs = testCert(t)
		err := Send(context.Background(), cfg, recipients, alertMessage(t))
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("%s: err %v, want a certificate error", mode, err)
		}
		if n := ts.be.auths(); n != 0 {
			t.Errorf("%s: %d AUTH attempts", mode, n)
		}
	}
}

// TestSendNoPasswordInClear: a password for another machine without TLS
// is refused before anything is dialed.
func TestSendNoPasswordInClear(t *testing.T) {
	t.Parallel()
	cfg := Config{Host: "mail.example.invalid", TLS: TLSNone, Username: "alice", Password: "secret", From: "dmarc@example.com"}
	err := Send(context.Background(), cfg, recipients, alertMessage(t))
	if !errors.Is(err, ErrInsecureAuth) || !Permanent(err) {
		t.Errorf("err %v, want ErrInsecureAuth", err)
	}
}

// TestSendAnswers checks how the server's refusals come back: 5xx are
// permanent, 4xx not.
func TestSendAnswers(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{mode: "starttls", refuse: map[string]error{
		"gone@example.com": smtpError(550), "busy@example.com": smtpError(451)}})
	for _, tc := range []struct {
		name      string
		cfg       func(Config) Config
		to        string
		permanent bool
		want      string
	}{
		{"unknown user", nil, "gone@example.com", true, "550"},
		{"try later", nil, "busy@example.com", false, "451"},
		{"wrong password", func(c Config) Config { c.Password = "wrong"; return c }, "ops@example.com", true, "535"},
	} {
		cfg := ts.config(TLSStartTLS)
		if tc.cfg != nil {
			cfg = tc.cfg(cfg)
		}
		err := Send(context.Background(), cfg, []string{tc.to}, alertMessage(t))
		if err == nil || !strings.Contains(err.Error(), tc.want) || Permanent(err) != tc.permanent {
			t.Errorf("%s: err %v, permanent %v, want %s and permanent %v", tc.name, err, Permanent(err), tc.want, tc.permanent)
		}
	}
	if got := ts.be.messages(); len(got) != 0 {
		t.Errorf("%d messages sent", len(got))
	}
}

func TestSendTooBig(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{mode: "starttls", maxBytes: 10000})
	err := Send(context.Background(), ts.config(TLSStartTLS), recipients, reportMessage())
	if !errors.Is(err, ErrTooBig) {
		t.Errorf("err %v, want ErrTooBig", err)
	}
}

// TestSendStall: a server that never answers holds Send only until the
// context's deadline, or the Config's timeout.
func TestSendStall(t *testing.T) {
	t.Parallel()
	port := stallServer(t)
	cfg := Config{Host: "127.0.0.1", Port: port, TLS: TLSStartTLS, From: "dmarc@example.com"}

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := Send(ctx, cfg, recipients, alertMessage(t))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "greeting") || Permanent(err) {
		t.Errorf("context deadline: err %v", err)
	}

	cfg.Timeout = 200 * time.Millisecond
	err = Send(context.Background(), cfg, recipients, alertMessage(t))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("config timeout: err %v", err)
	}

	// Implicit TLS stalls in the handshake, within the dial.
	cfg.TLS = TLSImplicit
	err = Send(context.Background(), cfg, recipients, alertMessage(t))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("TLS handshake: err %v", err)
	}
}

// TestSendCancel: a cancelled context ends Send at once.
func TestSendCancel(t *testing.T) {
	t.Parallel()
	port := stallServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Send(ctx, Config{Host: "127.0.0.1", Port: port, From: "dmarc@example.com"}, recipients, alertMessage(t))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}
