package forensic_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"

	"github.com/parse-dmarc/parse-dmarc/internal/forensic"
	"github.com/parse-dmarc/parse-dmarc/internal/normalize"
)

var corpusDir = filepath.Join("..", "..", "..", "shared", "corpus", "parsedmarc", "samples", "failure")

// sample is a failure report and what no output of it may hold, found in
// its raw text independently of the parser.
type sample struct {
	name       string
	raw        []byte
	recipients []string // addresses
	forbidden  []string // body and human-readable texts
}

var (
	recipientLine = regexp.MustCompile(`(?im)^(to|cc|bcc|delivered-to|x-original-to|envelope-to|original-rcpt-to):(.*)$`)
	receivedFor   = regexp.MustCompile(`(?i)\bfor\s+<?([^\s<>;]+@[^\s<>;]+)`)
	addrPattern   = regexp.MustCompile(`[A-Za-z0-9._%+=-]+@[A-Za-z0-9.-]+\.[A-Za-z]+`)
	foldedLine    = regexp.MustCompile(`\r?\n[ \t]+`)
)

// rawSample reads what a sample must never show: the recipients named in
// its feedback-report part and in the reported message's header (or
// Exim's copy of it), the lines of the reported message's body, and the
// lines of the human-readable part of an ARF report.
func rawSample(t *testing.T, name string, raw []byte) sample {
	t.Helper()
	s := sample{name: name, raw: raw}
	data := raw
	if bytes.HasPrefix(data, []byte("From ")) {
		_, data, _ = bytes.Cut(data, []byte("\n"))
	}
	br := bufio.NewReader(bytes.NewReader(data))
	h, err := textproto.ReadHeader(br)
	if err != nil {
		t.Fatal(err)
	}
	arf := false
	var texts [][]byte
	walkParts(t, h, br, func(mt string, body []byte) {
		switch mt {
		case "message/feedback-report":
			arf = true
			s.recipientsIn(string(body), false)
		case "message/rfc822", "text/rfc822-headers":
			head, rest, _ := cutHeader(body)
			s.recipientsIn(string(head), true)
			for _, line := range strings.Split(string(rest), "\n") {
				line = strings.TrimSpace(line)
				if len(line) >= 5 && !strings.HasPrefix(line, "--") && !strings.Contains(line, ": ") {
					s.forbidden = append(s.forbidden, line)
				}
			}
		case "text/plain":
			texts = append(texts, body)
		}
	})
	for _, text := range texts {
		if _, copied, ok := bytes.Cut(text, []byte("------ This is a copy of the headers")); ok {
			s.recipientsIn(string(copied), true)
		} else if arf {
			for _, line := range strings.Split(string(text), "\n") {
				if line = strings.TrimSpace(line); len(line) >= 20 {
					s.forbidden = append(s.forbidden, line)
				}
			}
		}
	}
	return s
}

func (s *sample) recipientsIn(header string, received bool) {
	header = foldedLine.ReplaceAllString(header, " ")
	for _, m := range recipientLine.FindAllStringSubmatch(header, -1) {
		s.recipients = append(s.recipients, addrPattern.FindAllString(m[2], -1)...)
	}
	if received {
		for _, m := range receivedFor.FindAllStringSubmatch(header, -1) {
			s.recipients = append(s.recipients, m[1])
		}
	}
}

// cutHeader splits a message at its first blank line.
func cutHeader(b []byte) (head, body []byte, ok bool) {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.Cut(bytes.TrimLeft(b, "\n"), []byte("\n\n"))
}

// walkParts calls fn with the media type and decoded content of every
// leaf part.
func walkParts(t *testing.T, h textproto.Header, body io.Reader, fn func(mt string, body []byte)) {
	t.Helper()
	e, _ := message.New(message.Header{Header: h}, body)
	mt, params, _ := e.Header.ContentType()
	if !strings.HasPrefix(mt, "multipart/") {
		b, err := io.ReadAll(e.Body)
		if err != nil {
			t.Fatal(err)
		}
		fn(mt, b)
		return
	}
	mr := textproto.NewMultipartReader(body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		walkParts(t, p.Header, p, fn)
	}
}

// strings collects every string of a JSON document.
func jsonStrings(t *testing.T, doc []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			b.WriteString(v)
			b.WriteByte('\n')
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for k, e := range v {
				b.WriteString(k)
				b.WriteByte('\n')
				walk(e)
			}
		}
	}
	walk(v)
	return b.String()
}

// TestNoBodyNoRecipient parses every corpus sample and the synthetic
// report under every policy, and checks that no normalized document holds
// a recipient address or a text of the body or of the human-readable part.
func TestNoBodyNoRecipient(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.eml"))
	if len(files) == 0 {
		t.Skip("corpus not present")
	}
	var samples []sample
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := rawSample(t, filepath.Base(f), raw)
		if len(s.recipients) == 0 {
			t.Fatalf("%s: no recipient found in the raw sample: the test would check nothing", s.name)
		}
		samples = append(samples, s)
	}
	synth := rawSample(t, "synthetic", []byte(synthReport(nil)))
	synth.recipients = append(synth.recipients, synthRecipients...)
	synth.forbidden = append(synth.forbidden, synthBody...)
	samples = append(samples, synth)

	for _, s := range samples {
		for _, r := range []forensic.Redaction{forensic.RedactAddresses, forensic.RedactFull, forensic.RedactOff} {
			t.Run(s.name+"/"+r.String(), func(t *testing.T) {
				t.Parallel()
				rep, err := forensic.Parse(bytes.NewReader(s.raw), forensic.Options{Redaction: r})
				if err != nil {
					t.Fatal(err)
				}
				if !rep.Privacy.BodyRemoved || rep.Privacy.RecipientsRedacted == 0 {
					t.Errorf("privacy %+v", rep.Privacy)
				}
				var doc bytes.Buffer
				w := normalize.NewWriter(&doc, normalize.Options{Now: func() time.Time { return time.Unix(0, 0) }})
				if err := w.Forensic(normalize.Source{Name: s.name}, rep); err != nil {
					t.Fatal(err)
				}
				out := jsonStrings(t, doc.Bytes())
				lower := strings.ToLower(out)
				for _, a := range s.recipients {
					re := regexp.MustCompile(`(^|[^a-z0-9._%+=-])` + regexp.QuoteMeta(strings.ToLower(a)))
					if re.MatchString(lower) {
						t.Errorf("recipient %s in the output:\n%s", a, out)
					}
				}
				for _, text := range s.forbidden {
					if strings.Contains(out, text) {
						t.Errorf("body or human-readable text %q in the output", text)
					}
				}
			})
		}
	}
}
