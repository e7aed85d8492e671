package forensic

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// maxText bounds the human-readable part kept for recognising a plain-text
// report: its summary and the copy of the header.
const maxText = MaxHeader + 16<<10

// Parse reads one failure report mail from r: an RFC 5322 mail, optionally
// after an mbox "From " line. It refuses, with an error wrapping ErrNotARF,
// ErrNotAuthFailure, ErrTooLarge or ErrMalformed, what is not a failure
// report it can read; everything else gives a Report, with warnings in its
// Messages for what was missing, repaired or assumed.
//
// Parse reads r to its end (at most MaxSize+1 bytes), keeping at most a few
// times MaxHeader in memory: the body of the reported message and the
// parts that are not needed are read and dropped, never kept.
func Parse(r io.Reader, opts Options) (*Report, error) {
	sl := &sizeLimit{r: r, left: MaxSize}
	br := bufio.NewReaderSize(sl, 32<<10)
	p := &parser{opts: opts}
	err := p.mail(br)
	if err == nil {
		_, err = io.Copy(io.Discard, br)
	}
	if sl.over {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxSize)
	}
	if err != nil {
		return nil, err
	}
	return p.report()
}

// parser is the state of one Parse.
type parser struct {
	opts  Options
	msgs  []aggregate.Message
	outer []field // the report mail's header
	// feedback holds the fields of the message/feedback-report part, nil
	// when there is none.
	feedback []field
	// original holds the header of the reported message; originalSeen is
	// set when its part was found.
	original          []field
	originalSeen      bool
	originalTruncated bool
	// text is the start of the first text/plain part, for recognising a
	// plain-text report; textMore is set when it was longer.
	text     []byte
	textSeen bool
	parts    int
	partKind []string // media types of the parts, for ErrNotARF
	reportMT string   // media type of the mail
	// eximText holds the summary of a plain-text report.
	eximText []TextField
	// broken is a problem in the MIME structure found after some parts.
	broken string
}

// mail reads the report mail.
func (p *parser) mail(br *bufio.Reader) error {
	if head, _ := br.Peek(5); string(head) == "From " {
		if _, err := br.ReadSlice('\n'); err != nil && err != bufio.ErrBufferFull {
			return fmt.Errorf("%w: an mbox From line and nothing else", ErrMalformed)
		}
	}
	h, body, truncated, err := readHeader(br, MaxHeader)
	switch {
	case truncated:
		return fmt.Errorf("%w: the mail's header is larger than %d bytes", ErrTooLarge, MaxHeader)
	case err != nil:
		// The offending line is not quoted: error texts reach the output.
		return fmt.Errorf("%w: the mail's header has a line that is not a header field", ErrMalformed)
	case h.Len() == 0:
		return fmt.Errorf("%w: no mail header", ErrMalformed)
	}
	p.outer = fields(h)
	p.reportMT, _ = mediaType(h.Get("Content-Type"))
	p.reportMT = safe(p.reportMT)
	return p.entity(h, body, 0)
}

// entity reads one MIME entity: the mail, or one of its parts.
func (p *parser) entity(h textproto.Header, body io.Reader, depth int) error {
	mt, params := mediaType(h.Get("Content-Type"))
	if strings.HasPrefix(mt, "multipart/") {
		return p.multipart(mt, params["boundary"], body, depth)
	}
	p.parts++
	p.partKind = append(p.partKind, safe(mt))
	dec := transferDecoder(h.Get("Content-Transfer-Encoding"), body)
	var err error
	switch mt {
	case "message/feedback-report":
		if p.feedback == nil {
			err = p.readFeedback(dec)
		}
	case "message/rfc822", "message/global", "text/rfc822-headers", "message/global-headers":
		if !p.originalSeen {
			p.originalSeen = true
			p.original, p.originalTruncated, err = p.readOriginal(dec, "/original-message/header")
		}
	case "text/plain":
		if !p.textSeen {
			p.textSeen = true
			p.text, err = io.ReadAll(io.LimitReader(dec, maxText))
		}
	}
	if err == nil {
		// The rest of the part (a body, an attachment) is read to reach
		// the next part, and dropped.
		_, err = io.Copy(io.Discard, dec)
	}
	return p.partErr(err)
}

// partErr tells what an error reading a part means: past the size limit
// the parse stops; the end of the input inside a part is a missing final
// boundary, noted; a part that cannot be decoded (broken base64) is noted
// and passed over.
func (p *parser) partErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errTooLarge):
		return err
	case errors.Is(err, io.ErrUnexpectedEOF):
		p.brokenAt(fmt.Sprintf("the input ends in part %d, without the final boundary", p.parts))
		return nil
	}
	p.warn(aggregate.Message{
		ErrorType: aggregate.SchemaViolation, Field: fmt.Sprintf("/part[%d]", p.parts),
		Expected: "a decodable MIME part", Actual: "a part that could not be decoded",
		Severity: aggregate.SeverityWarning, Action: aggregate.ActionSkippedRecord,
	})
	return nil
}

// multipart reads the parts of a multipart entity.
func (p *parser) multipart(mt, boundary string, body io.Reader, depth int) error {
	if boundary == "" {
		return fmt.Errorf("%w: %s without boundary", ErrMalformed, safe(mt))
	}
	if depth >= maxDepth {
		return fmt.Errorf("%w: multiparts nested more than %d deep", ErrMalformed, maxDepth)
	}
	mr := textproto.NewMultipartReader(body, boundary)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if errors.Is(err, errTooLarge) {
				return err
			}
			if p.parts == 0 {
				return fmt.Errorf("%w: %s: no part could be read", ErrMalformed, safe(mt))
			}
			// Reports in the wild end without the final boundary, or
			// with a truncated last part: keep what was read.
			p.brokenAt(fmt.Sprintf("%s breaks after part %d: a boundary or part header that cannot be read", safe(mt), p.parts))
			return nil
		}
		if p.parts >= maxParts {
			return fmt.Errorf("%w: more than %d MIME parts", ErrMalformed, maxParts)
		}
		if err := p.entity(part.Header, part, depth+1); err != nil {
			return err
		}
	}
}

// brokenAt notes the first problem in the MIME structure.
func (p *parser) brokenAt(what string) {
	if p.broken == "" {
		p.broken = what
	}
}

// readFeedback reads the fields of the message/feedback-report part (RFC
// 5965 section 3.1: a header block). The copies of the message
// (DKIM-Canonicalized-Header and -Body) can be as long as the message:
// they are read past without being kept, so that the fields after them
// are not lost to the MaxHeader limit, which bounds what is kept.
func (p *parser) readFeedback(r io.Reader) error {
	br := bufio.NewReader(r)
	skipBlankLines(br)
	p.feedback = []field{}
	kept, skipping := 0, false
	for {
		line, err := readLine(br, MaxHeader)
		switch {
		case errors.Is(err, errTooLarge):
			return err
		case errors.Is(err, io.ErrUnexpectedEOF):
			p.brokenAt(fmt.Sprintf("the input ends in part %d, without the final boundary", p.parts))
			return nil
		case err != nil && len(line) == 0:
			return nil // the end of the part, or a part that cannot be decoded
		case len(line) == 0:
			return nil // the blank line that ends the block
		}
		if line[0] == ' ' || line[0] == '\t' {
			if n := len(p.feedback); n > 0 && !skipping {
				p.feedback[n-1].value += " " + strings.TrimSpace(line)
				kept += len(line)
			}
		} else {
			name, value, ok := strings.Cut(line, ":")
			if !ok || strings.TrimSpace(name) == "" {
				p.warn(aggregate.Message{
					ErrorType: aggregate.SchemaViolation, Field: "/feedback-report",
					Expected: "header fields (RFC 5965 section 3.1)", Actual: fmt.Sprintf("a line that is not a field after %d fields", len(p.feedback)),
					Severity: aggregate.SeverityWarning, Action: aggregate.ActionKept,
				})
				return nil
			}
			name = strings.TrimSpace(name)
			lname := strings.ToLower(name)
			skipping = lname == "dkim-canonicalized-header" || lname == "dkim-canonicalized-body"
			v := strings.TrimSpace(value)
			if skipping {
				v = "" // only the name is kept, to say it was removed
			}
			p.feedback = append(p.feedback, field{name: name, value: v})
			kept += len(line)
		}
		if kept > MaxHeader {
			p.feedback = p.feedback[:len(p.feedback)-1]
			p.warn(aggregate.Message{
				ErrorType: aggregate.InvalidValue, Field: "/feedback-report",
				Expected: fmt.Sprintf("fields of at most %d bytes in all", MaxHeader), Actual: "longer fields, truncated",
				Severity: aggregate.SeverityWarning, Action: aggregate.ActionKept,
			})
			return nil
		}
		if err != nil {
			return nil
		}
	}
}

// readLine reads one line without its line ending, keeping at most max
// bytes of it: a longer line is read to its end and cut.
func readLine(br *bufio.Reader, max int) (string, error) {
	var b []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(b) < max {
			b = append(b, chunk[:min(len(chunk), max-len(b))]...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		b = bytes.TrimSuffix(b, []byte("\n"))
		b = bytes.TrimSuffix(b, []byte("\r"))
		return string(b), err
	}
}

// readOriginal reads the header of the reported message (or of its copy in
// a plain-text report) up to MaxHeader, dropping a truncated last field.
func (p *parser) readOriginal(r io.Reader, where string) ([]field, bool, error) {
	br := bufio.NewReader(r)
	skipBlankLines(br)
	h, _, truncated, err := readHeader(br, MaxHeader)
	fs := fields(h)
	switch {
	case truncated:
		fs = fs[:max(0, len(fs)-1)]
		p.warn(aggregate.Message{
			ErrorType: aggregate.InvalidValue, Field: where,
			Expected: fmt.Sprintf("a header of at most %d bytes", MaxHeader), Actual: fmt.Sprintf("a longer header, truncated after %d fields", len(fs)),
			Severity: aggregate.SeverityWarning, Action: aggregate.ActionKept,
		})
	case errors.Is(err, io.ErrUnexpectedEOF):
		p.brokenAt(fmt.Sprintf("the input ends in part %d, without the final boundary", p.parts))
	case err != nil && !errors.Is(err, io.EOF):
		if errors.Is(err, errTooLarge) {
			return nil, false, err
		}
		// The offending line is not quoted: it may be body text.
		p.warn(aggregate.Message{
			ErrorType: aggregate.SchemaViolation, Field: where,
			Expected: "header fields (RFC 5322 section 2.2)", Actual: fmt.Sprintf("a line that is not a field after %d fields", len(fs)),
			Severity: aggregate.SeverityWarning, Action: aggregate.ActionKept,
		})
	}
	return fs, truncated, nil
}

func (p *parser) warn(m aggregate.Message) {
	p.msgs = append(p.msgs, m)
}

// readHeader reads a header of at most limit bytes from r and returns it
// with the body that follows. truncated is set when the header did not end
// within the limit; the fields read so far are returned, the last one
// possibly cut.
func readHeader(r io.Reader, limit int64) (h textproto.Header, body io.Reader, truncated bool, err error) {
	lr := &io.LimitedReader{R: r, N: limit}
	hbr := bufio.NewReader(lr)
	h, err = textproto.ReadHeader(hbr)
	if lr.N == 0 {
		if _, perr := hbr.Peek(1); perr != nil {
			// The whole limit was read and nothing of it is left after
			// the header: the header did not end before the limit.
			return h, nil, true, nil
		}
	}
	// hbr has read ahead, through lr, which reads no more than its limit:
	// the body is what hbr holds, then the rest of r.
	return h, io.MultiReader(hbr, r), false, err
}

// fields returns the fields of h in order, with their names as written.
func fields(h textproto.Header) []field {
	var out []field
	for fs := h.Fields(); fs.Next(); {
		name := fs.Key()
		if raw, err := fs.Raw(); err == nil {
			if k, _, ok := bytes.Cut(raw, []byte(":")); ok {
				name = strings.TrimSpace(string(k))
			}
		}
		out = append(out, field{name: name, value: fs.Value()})
	}
	return out
}

// skipBlankLines skips empty lines before a header block: reporters put
// one between a part's header and the fields.
func skipBlankLines(br *bufio.Reader) {
	for {
		b, err := br.Peek(1)
		if err != nil || (b[0] != '\n' && b[0] != '\r') {
			return
		}
		br.ReadByte()
	}
}

// transferDecoder undoes a Content-Transfer-Encoding through go-message,
// without converting the charset (an entity without Content-Type). An
// unknown encoding is passed on undecoded.
func transferDecoder(cte string, r io.Reader) io.Reader {
	var h message.Header
	h.Set("Content-Transfer-Encoding", strings.TrimSpace(cte))
	e, _ := message.New(h, r)
	return e.Body
}

// mediaType parses a Content-Type, text/plain when empty (RFC 2045
// section 5.2). Reports in the wild have malformed parameters (a stray
// semicolon, an unquoted boundary with "="): then the media type is what
// comes before the first semicolon and the boundary, the only parameter
// needed, is looked for on its own.
func mediaType(v string) (string, map[string]string) {
	if strings.TrimSpace(v) == "" {
		return "text/plain", map[string]string{}
	}
	mt, params, err := mime.ParseMediaType(v)
	if err == nil {
		return mt, params
	}
	mt, _, _ = strings.Cut(v, ";")
	params = map[string]string{}
	if i := strings.Index(strings.ToLower(v), "boundary="); i >= 0 {
		b := v[i+len("boundary="):]
		if strings.HasPrefix(b, `"`) {
			b, _, _ = strings.Cut(b[1:], `"`)
		} else {
			b, _, _ = strings.Cut(b, ";")
		}
		params["boundary"] = strings.TrimSpace(b)
	}
	return strings.ToLower(strings.TrimSpace(mt)), params
}

// errTooLarge is what sizeLimit returns past MaxSize; Parse turns it into
// ErrTooLarge.
var errTooLarge = fmt.Errorf("%w: input past the size limit", ErrTooLarge)

// sizeLimit reads at most left bytes from r and one more to tell that
// there is more, after which it fails.
type sizeLimit struct {
	r    io.Reader
	left int64
	over bool
}

func (s *sizeLimit) Read(p []byte) (int, error) {
	if s.over {
		return 0, errTooLarge
	}
	if int64(len(p)) > s.left+1 {
		p = p[:s.left+1]
	}
	n, err := s.r.Read(p)
	s.left -= int64(n)
	if s.left < 0 {
		s.over = true
		return n, errTooLarge
	}
	return n, err
}

// safe bounds a text taken from the input that goes into an error or
// message (a media type): valid UTF-8, at most 100 bytes.
func safe(s string) string {
	if len(s) > 100 {
		s = s[:100] + "..."
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
