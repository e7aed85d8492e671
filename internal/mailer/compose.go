package mailer

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"path"
	"strings"
	"time"
	"unicode"

	gomail "github.com/emersion/go-message/mail"

	"github.com/parse-dmarc/parse-dmarc/internal/notice"
)

// ErrNoRecipients is returned for a message to no one.
var ErrNoRecipients = errors.New("no recipients")

// maxSubject bounds the subject, in characters: a title longer than this
// is cut with "…" (RFC 5322 section 2.1.1 limits lines, and clients show
// far less).
const maxSubject = 200

// Options fix what Compose would otherwise choose, for golden files and
// previews.
type Options struct {
	// Date is the message's date; now when zero.
	Date time.Time
	// MessageID is the Message-ID without its angle brackets; derived
	// from the event id when empty (see the package doc), or random.
	MessageID string
}

// Compose returns the message that Send submits for m, from from to to.
func Compose(from string, to []string, m notice.Message, o Options) ([]byte, error) {
	sender, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("compose: from %q: %w", from, err)
	}
	rcpts, err := parseRecipients(to)
	if err != nil {
		return nil, fmt.Errorf("compose: %w", err)
	}
	date := o.Date
	if date.IsZero() {
		date = time.Now()
	}
	id := o.MessageID
	if id == "" {
		id = messageID(m.Event.ID, sender, rcpts)
	}

	// go-message writes the fields last set first: this is the order
	// from the bottom up.
	var h gomail.Header
	if typ := oneLine(m.Event.Type); typ != "" && isASCII(typ) {
		h.Set("X-Parse-Dmarc-Event", typ)
	}
	h.Set("X-Auto-Response-Suppress", "All")
	h.Set("Auto-Submitted", "auto-generated")
	h.SetSubject(subject(m))
	h.SetAddressList("To", toGoMessage(rcpts))
	h.SetAddressList("From", toGoMessage([]*mail.Address{sender}))
	h.SetMessageID(id)
	h.SetDate(date)

	text := m.Text
	if text == "" {
		text = renderText(m, date)
	}
	html := m.HTML
	if html == "" {
		if html, err = renderHTML(m, date); err != nil {
			return nil, fmt.Errorf("compose: %w", err)
		}
	}

	var buf bytes.Buffer
	if len(m.Attachments) == 0 {
		w, err := gomail.CreateInlineWriter(&buf, h)
		if err != nil {
			return nil, fmt.Errorf("compose: %w", err)
		}
		if err := writeAlternative(w, text, html); err != nil {
			return nil, fmt.Errorf("compose: %w", err)
		}
		return buf.Bytes(), nil
	}
	w, err := gomail.CreateWriter(&buf, h)
	if err != nil {
		return nil, fmt.Errorf("compose: %w", err)
	}
	iw, err := w.CreateInline()
	if err != nil {
		return nil, fmt.Errorf("compose: %w", err)
	}
	if err := writeAlternative(iw, text, html); err != nil {
		return nil, fmt.Errorf("compose: %w", err)
	}
	for i, a := range m.Attachments {
		if err := writeAttachment(w, i, a); err != nil {
			return nil, fmt.Errorf("compose: attachment %d: %w", i+1, err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("compose: %w", err)
	}
	return buf.Bytes(), nil
}

// writeAlternative writes the text and HTML parts, the preferred last
// (RFC 2046 section 5.1.4), and closes w.
func writeAlternative(w *gomail.InlineWriter, text, html string) error {
	for _, p := range []struct{ ctype, body string }{{"text/plain", text}, {"text/html", html}} {
		var h gomail.InlineHeader
		h.SetContentType(p.ctype, map[string]string{"charset": "utf-8"})
		pw, err := w.CreatePart(h)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(pw, strings.ToValidUTF8(p.body, "\uFFFD")); err != nil {
			return err
		}
		if err := pw.Close(); err != nil {
			return err
		}
	}
	return w.Close()
}

// writeAttachment writes a as the attachment number i (from 0), base64,
// with its file name (when not ASCII, an RFC 2047 encoded word, as
// go-message writes it and mail clients read it); a name or type that
// cannot be used is replaced.
func writeAttachment(w *gomail.Writer, i int, a notice.Attachment) error {
	ctype, params, err := mime.ParseMediaType(a.ContentType)
	if err != nil || strings.HasPrefix(ctype, "multipart/") || strings.HasPrefix(ctype, "message/") {
		ctype, params = "application/octet-stream", nil
	}
	var h gomail.AttachmentHeader
	h.SetContentType(ctype, params)
	h.SetFilename(fileName(a.Name, i))
	aw, err := w.CreateAttachment(h)
	if err != nil {
		return err
	}
	if _, err := aw.Write(a.Data); err != nil {
		return err
	}
	return aw.Close()
}

// fileName returns the last element of name without control characters,
// or "attachment-N" when nothing is left: a receiving client saves the
// file under it.
func fileName(name string, i int) string {
	name = oneLine(strings.ReplaceAll(name, `\`, "/"))
	name = strings.TrimSpace(path.Base(name))
	if name == "" || name == "." || name == ".." || name == "/" {
		return fmt.Sprintf("attachment-%d", i+1)
	}
	return name
}

// subject returns m's title on one line, cut at maxSubject.
func subject(m notice.Message) string {
	s := oneLine(m.Title)
	if s == "" {
		s = "Parse DMARC"
		if typ := oneLine(m.Event.Type); typ != "" {
			s += ": " + typ
		}
	}
	if r := []rune(s); len(r) > maxSubject {
		s = strings.TrimRightFunc(string(r[:maxSubject-1]), unicode.IsSpace) + "…"
	}
	return s
}

// oneLine returns s as valid UTF-8 on one line: breaks and tabs become
// spaces, other control characters go, runs of spaces become one.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return strings.Join(strings.Fields(s), " ")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// parseRecipients parses every address of to; it fails for none.
func parseRecipients(to []string) ([]*mail.Address, error) {
	var out []*mail.Address
	for _, s := range to {
		a, err := mail.ParseAddress(s)
		if err != nil {
			return nil, fmt.Errorf("recipient %q: %w", s, err)
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, ErrNoRecipients
	}
	return out, nil
}

func toGoMessage(l []*mail.Address) []*gomail.Address {
	out := make([]*gomail.Address, len(l))
	for i, a := range l {
		out[i] = (*gomail.Address)(a)
	}
	return out
}

// messageID returns a Message-ID (RFC 5322 section 3.6.4) at the
// sender's domain: for an event, the hash of its id, the sender and the
// recipients, the same on every attempt; otherwise random.
func messageID(eventID string, sender *mail.Address, rcpts []*mail.Address) string {
	domain := "parse-dmarc.invalid"
	if i := strings.LastIndexByte(sender.Address, '@'); i >= 0 && isASCII(sender.Address[i+1:]) {
		domain = sender.Address[i+1:]
	}
	if eventID == "" {
		var b [16]byte
		rand.Read(b[:])
		return hex.EncodeToString(b[:]) + "@" + domain
	}
	h := sha256.New()
	io.WriteString(h, eventID)
	io.WriteString(h, "\x00"+sender.Address)
	for _, a := range rcpts {
		io.WriteString(h, "\x00"+a.Address)
	}
	return hex.EncodeToString(h.Sum(nil)[:16]) + "@" + domain
}
