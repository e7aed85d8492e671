package mailer

import (
	"bytes"
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// FuzzCompose composes arbitrary messages: each must read back as MIME
// with the title as subject, both text parts, and the attachment's bytes
// and name intact, with no header line over RFC 5322's 998.
func FuzzCompose(f *testing.F) {
	r := reportMessage()
	f.Add(r.Title, r.Summary, r.Facts[0].Name, r.Facts[0].Value, r.URL, r.Attachments[1].Name, r.Attachments[1].ContentType, []byte("ip\r\n"), r.Event.Type)
	f.Add("\xff\r\n=?utf-8?q?x?=", "\x00", "", "", "javascript:x", "../..", "multipart/mixed", []byte{0, '\r', '.', '\n'}, "é")
	f.Fuzz(func(t *testing.T, title, summary, name, value, url, attName, attType string, data []byte, typ string) {
		m := notice.Message{Title: title, Summary: summary, URL: url, Event: webhook.Event{ID: "evt_1", Type: typ},
			Facts:       []webhook.Fact{{Name: name, Value: value}},
			Attachments: []notice.Attachment{{Name: attName, ContentType: attType, Data: data}}}
		raw, err := Compose("Parse DMARC <dmarc@example.com>", []string{"ops@example.com"}, m, goldenOptions)
		if err != nil {
			t.Fatal(err)
		}
		head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
		for _, l := range strings.Split(string(head), "\r\n") {
			if len(l) > 998 {
				t.Fatalf("header line of %d", len(l))
			}
		}
		p := parseMessage(t, raw)
		if s, err := p.Header.Subject(); err != nil || s != subject(m) {
			t.Fatalf("subject %q (%v), want %q", s, err, subject(m))
		}
		if p.Text == "" || p.HTML == "" {
			t.Fatal("a text part is missing")
		}
		if got, ok := p.Attachments[fileName(attName, 0)]; !ok || !bytes.Equal(got, data) {
			t.Fatalf("attachment %q lost or changed: %v", fileName(attName, 0), p.Attachments)
		}
	})
}

// FuzzParseURL: ParseURL never panics, and what it takes has a host and a
// known TLS mode.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"smtp://alice@mail.example.com:587?tls=starttls", "smtps://a:b@[::1]:465?from=x@y&timeout=3s", "smtp://%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseURL(s)
		if err != nil {
			return
		}
		if c.Host == "" || (c.TLS != TLSStartTLS && c.TLS != TLSImplicit && c.TLS != TLSNone) || c.Port < 0 || c.Port > 65535 {
			t.Fatalf("%q: %+v", s, c)
		}
	})
}
