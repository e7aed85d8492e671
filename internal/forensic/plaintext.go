package forensic

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// Exim's plain-text DMARC failure report, a template in the source of its
// DMARC support (src/dmarc.c): a fixed first sentence, "Name: value"
// summary lines, then a marker line and a copy of the message's header.
const (
	eximIntro  = "A message claiming to be from you has failed the published DMARC policy for your domain."
	eximMarker = "------ This is a copy of the headers that were received before the error was detected."
)

// eximFields map the summary lines of Exim's template that mean a
// feedback-report field.
var eximFields = map[string]string{
	"sender domain":     "Reported-Domain",
	"sender ip address": "Source-IP",
	"received date":     "Arrival-Date",
}

// plainText recognises a report without a message/feedback-report part.
// Exim's template is read into the feedback-report fields it has (with
// Feedback-Type auth-failure and Auth-Failure dmarc, which its first
// sentence states) and its header copy into the reported message's header;
// anything else is ErrNotARF, naming what the mail holds.
func (p *parser) plainText() ([]field, error) {
	text := bytes.ReplaceAll(p.text, []byte("\r\n"), []byte("\n"))
	if !hasEximIntro(text) {
		return nil, p.notARF()
	}
	summary, header, _ := bytes.Cut(text, []byte(eximMarker))
	fs := []field{{"Feedback-Type", "auth-failure"}, {"Auth-Failure", "dmarc"}}
	var tf []TextField
	sc := bufio.NewScanner(bytes.NewReader(summary))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		name, value, ok := strings.Cut(line, ":")
		if !ok || strings.ContainsAny(name, "\t") || strings.Contains(eximIntro, line) {
			continue
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		tf = append(tf, TextField{Name: name, Value: value})
		if f, ok := eximFields[strings.ToLower(name)]; ok && value != "" {
			fs = append(fs, field{f, value})
		}
	}
	if len(tf) == 0 {
		return nil, fmt.Errorf("%w: Exim's DMARC failure text without its summary lines", ErrNotARF)
	}
	p.eximText = tf
	p.warn(aggregate.Message{
		ErrorType: aggregate.SchemaViolation, Field: "/", Expected: "a message/feedback-report part (RFC 6591)",
		Actual:   "Exim's plain-text DMARC failure report: the fields its fixed template has were read from it",
		Severity: aggregate.SeverityWarning, Action: aggregate.ActionKept,
	})
	if len(header) > 0 {
		p.originalSeen = true
		var err error
		p.original, p.originalTruncated, err = p.readOriginal(bytes.NewReader(header), "/text/header-copy")
		if err != nil {
			return nil, err
		}
		if len(p.text) >= maxText && !p.originalTruncated {
			// The text was cut at maxText: so was the copy.
			p.original = p.original[:max(0, len(p.original)-1)]
			p.originalTruncated = true
		}
	}
	return fs, nil
}

// notARF describes a mail without a feedback-report part.
func (p *parser) notARF() error {
	kinds := strings.Join(p.partKind, ", ")
	if kinds == "" {
		kinds = "none"
	}
	return fmt.Errorf("%w: the mail (%s) has no message/feedback-report part (parts: %s) and is not a plain-text report this parser knows",
		ErrNotARF, p.reportMT, kinds)
}

// hasEximIntro tells whether text starts (within its first 4 KiB) with the
// first sentence of Exim's report, however its lines are wrapped.
func hasEximIntro(text []byte) bool {
	flat := strings.Join(strings.Fields(string(text[:min(len(text), 4096)])), " ")
	return strings.Contains(flat, eximIntro)
}
