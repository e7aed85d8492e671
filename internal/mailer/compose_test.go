package mailer

import (
	"bytes"
	"errors"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/golden"
	"github.com/parse-dmarc/parse-dmarc/internal/notice"
)

var boundaryRE = regexp.MustCompile(`boundary=([0-9a-zA-Z'()+_,./:=?-]+)`)

// fixBoundaries replaces go-message's random boundaries with fixed ones.
func fixBoundaries(raw []byte) []byte {
	for i, m := range boundaryRE.FindAllSubmatch(raw, -1) {
		raw = bytes.ReplaceAll(raw, m[1], []byte("BOUNDARY-"+strconv.Itoa(i+1)))
	}
	return raw
}

var goldenOptions = Options{Date: time.Date(2026, 11, 20, 9, 0, 0, 0, time.FixedZone("CET", 3600)), MessageID: "golden.1@example.com"}

// TestComposeGolden compares the messages Compose makes of an alert and
// of a report with attachments with testdata/NAME.eml (boundaries fixed).
// Run with -update after an intended change, and review the diff.
func TestComposeGolden(t *testing.T) {
	t.Parallel()
	for name, m := range map[string]notice.Message{"alert": alertMessage(t), "report": reportMessage()} {
		if name == "report" {
			// A small PDF keeps the golden file readable.
			m.Attachments[0].Data = []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
		}
		raw, err := Compose("Parse DMARC <dmarc@example.com>", recipients, m, goldenOptions)
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range strings.Split(string(raw), "\r\n") {
			if len(l) > 998 {
				t.Errorf("%s: line %d is %d long", name, i+1, len(l))
			}
		}
		if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
			t.Errorf("%s: a bare LF", name)
		}
		golden.Check(t, filepath.Join("testdata", name+".eml"), fixBoundaries(raw))
	}
}

// TestComposeHTMLEscapes checks that the text of a message is escaped
// in the HTML part, and that a link that is not http(s) is left out.
func TestComposeHTMLEscapes(t *testing.T) {
	t.Parallel()
	m := notice.Message{Title: `<script>alert(1)</script>`, Summary: `a <img src=x onerror=alert(1)> & b`,
		URL: "javascript:alert(1)"}
	m.Facts = append(m.Facts, reportMessage().Facts[0])
	m.Facts[0].Value = `"><b>x</b>`
	raw, err := Compose("dmarc@example.com", []string{"ops@example.com"}, m, goldenOptions)
	if err != nil {
		t.Fatal(err)
	}
	p := parseMessage(t, raw)
	for _, bad := range []string{"<script>", "<img", "<b>x", "javascript:"} {
		if strings.Contains(p.HTML, bad) {
			t.Errorf("HTML holds %q:\n%s", bad, p.HTML)
		}
	}
	for _, want := range []string{"&lt;script&gt;", "&lt;img src=x onerror=alert(1)&gt; &amp; b", "&#34;&gt;&lt;b&gt;x&lt;/b&gt;"} {
		if !strings.Contains(p.HTML, want) {
			t.Errorf("HTML lacks %q:\n%s", want, p.HTML)
		}
	}
	if strings.Contains(p.Text, "javascript:") {
		t.Errorf("text part holds the javascript: link")
	}
}

// TestComposeOwnBodies: a Message's own Text and HTML are sent as they
// are.
func TestComposeOwnBodies(t *testing.T) {
	t.Parallel()
	m := notice.Message{Title: "Weekly report", Text: "Plain\nreport\n", HTML: "<p>HTML report</p>"}
	raw, err := Compose("dmarc@example.com", []string{"ops@example.com"}, m, goldenOptions)
	if err != nil {
		t.Fatal(err)
	}
	p := parseMessage(t, raw)
	if p.Text != "Plain\r\nreport\r\n" || p.HTML != "<p>HTML report</p>" {
		t.Errorf("text %q, HTML %q", p.Text, p.HTML)
	}
}

// TestMessageID: a message of an event has the same Message-ID on every
// attempt to the same recipients, and another for other recipients.
func TestMessageID(t *testing.T) {
	t.Parallel()
	m := alertMessage(t)
	id := func(to ...string) string {
		raw, err := Compose("dmarc@example.com", to, m, Options{})
		if err != nil {
			t.Fatal(err)
		}
		p := parseMessage(t, raw)
		v, err := p.Header.MessageID()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if a, b := id("ops@example.com"), id("ops@example.com"); a != b {
		t.Errorf("two attempts: %s and %s", a, b)
	}
	if a, b := id("ops@example.com"), id("sec@example.com"); a == b {
		t.Errorf("other recipients, same id %s", a)
	}
	m.Event.ID = ""
	if a, b := id("ops@example.com"), id("ops@example.com"); a == b {
		t.Errorf("no event, same id %s", a)
	}
}

func TestComposeErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		from string
		to   []string
	}{
		{"not an address", []string{"ops@example.com"}},
		{"dmarc@example.com", nil},
		{"dmarc@example.com", []string{"ops@example.com", "bad\r\nBcc: x@example.com"}},
	} {
		if _, err := Compose(tc.from, tc.to, alertMessage(t), goldenOptions); err == nil {
			t.Errorf("from %q to %q: no error", tc.from, tc.to)
		}
	}
	if _, err := Compose("dmarc@example.com", nil, alertMessage(t), goldenOptions); !errors.Is(err, ErrNoRecipients) {
		t.Errorf("err %v, want ErrNoRecipients", err)
	}
}

func TestSubjectAndFileName(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 300)
	for _, tc := range []struct{ in, want string }{
		{"a\r\nBcc: x@example.com", "a Bcc: x@example.com"},
		{"  two   spaces\t", "two spaces"},
		{"", "Parse DMARC"},
		{long, strings.Repeat("é", 199) + "…"},
	} {
		if got := subject(notice.Message{Title: tc.in}); got != tc.want {
			t.Errorf("subject(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\x\report.pdf`, "report.pdf"},
		{"", "attachment-1"},
		{"..", "attachment-1"},
	} {
		if got := fileName(tc.in, 0); got != tc.want {
			t.Errorf("fileName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
