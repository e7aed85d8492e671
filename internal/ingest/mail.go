package ingest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"strconv"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
	"golang.org/x/text/encoding/htmlindex"
)

// maxHeader bounds the header of a mail or part, as go-message does: a
// longer one is refused as corrupt rather than read into memory.
const maxHeader = 1 << 20

// maxMultipart bounds the nesting of multipart entities within one mail.
// MIME structure is not a container a user chose, so it does not count
// towards Limits.MaxDepth, but it must end somewhere.
const maxMultipart = 20

// reportType tells whether mt is a media type of report attachments, and
// the file name suffix that stands for it, for detection by name. Other
// types are decided by file name and content; see partUse.
func reportType(mt string) (suffix string, ok bool) {
	switch mt {
	case "application/gzip", "application/x-gzip", "application/gzip-compressed", "application/x-gzip-compressed":
		return ".gz", true
	case "application/zip", "application/x-zip", "application/x-zip-compressed":
		return ".zip", true
	case "text/xml", "application/xml":
		return ".xml", true
	case "application/tlsrpt+gzip":
		return ".json.gz", true
	case "application/tlsrpt+json", "application/json":
		return ".json", true
	}
	return "", false
}

// mail walks the report parts of a MIME mail (RFC 5322, RFC 2045): its
// attachments or its body, whatever their Content-Disposition, nested
// multiparts and attached mails included. A mail without any yields one
// Payload with ErrNoReport and the mail as Raw.
//
// Parts are decoded from their Content-Transfer-Encoding (base64,
// quoted-printable, 7bit, 8bit, binary) but never converted from their
// charset: a report's XML declares its own encoding. That is why this
// package does not import github.com/emersion/go-message/charset, which
// would make go-message convert text/xml parts (and is global state).
func (w *walker) mail(p part, br *bufio.Reader, c *capture) error {
	before := w.emitted
	h, body, err := readHeader(br)
	if err != nil {
		return w.fail(p, partError(p.name, "mail header", err), c.raw())
	}
	p.mail = mailInfo(h)
	body = newLimitReader(body, w.lim.MaxArchive, p.name, "mail")
	m := &mimeWalk{walker: w}
	if err := m.entity(p, message.Header{Header: h}, body, "", 0, false); err != nil {
		return err
	}
	switch {
	case m.bad != nil:
		return w.fail(p, m.bad, c.raw())
	case w.emitted == before && !p.attached:
		return w.fail(p, fmt.Errorf("%s: %w: the mail has no report attachment or body", p.name, ErrNoReport), c.raw())
	}
	return nil
}

// mimeWalk walks the MIME structure of one mail.
type mimeWalk struct {
	*walker
	// bad is the first error in the structure (a multipart without
	// boundary, nested too deeply, broken). It is reported once the rest
	// was walked, for the mail as a whole.
	bad error
}

// readHeader reads a header of at most maxHeader bytes from r and returns it
// with the body that follows.
func readHeader(r io.Reader) (textproto.Header, io.Reader, error) {
	lr := &io.LimitedReader{R: r, N: maxHeader}
	hbr := bufio.NewReader(lr)
	h, err := textproto.ReadHeader(hbr)
	switch {
	case err == io.EOF:
		// A header without a body.
	case err != nil && lr.N == 0:
		return h, nil, fmt.Errorf("header larger than %d bytes", maxHeader)
	case err != nil:
		return h, nil, err
	}
	// hbr has read ahead, through lr, which reads no more than its limit:
	// the body is what hbr has, then the rest of r.
	return h, io.MultiReader(hbr, r), nil
}

// entity walks one MIME entity: the mail itself, or one of its parts. num
// is the entity's part number ("2.1"; "" for the mail itself), level its
// multipart nesting, inReport whether it is in a multipart/report.
func (m *mimeWalk) entity(p part, h message.Header, body io.Reader, num string, level int, inReport bool) error {
	mt, params := mediaType(h.Get("Content-Type"), "text/plain")
	if strings.HasPrefix(mt, "multipart/") {
		return m.multipart(p, mt, params, body, num, level)
	}
	if num == "" {
		num = "1" // a single-part mail's body is part 1, as in IMAP
	}
	_, dparams := mediaType(h.Get("Content-Disposition"), "")
	filename := decodeWords(dparams["filename"])
	if filename == "" {
		filename = decodeWords(params["name"])
	}
	filename = cleanName(filename)
	act := partUse(mt, filename, inReport)
	if act == skipPart {
		return nil
	}
	label := filename
	if label == "" {
		label = "part " + num
	}
	hint := filename
	if suffix, ok := reportType(mt); hint == "" && ok {
		hint = "report" + suffix
	}
	pp := p.member(label, hint)

	cte := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	op := cte
	if op == "" || op == "7bit" || op == "8bit" || op == "binary" {
		op = "read"
	}
	pc := newCapture(body, m.lim.MaxRaw)
	br, head, err := opened(newLimitReader(transferDecoder(cte, pc), math.MaxInt64, pp.name, op))
	if err != nil {
		if act != reportPart && act != mailPart {
			return nil // not recognisably a report: nothing lost
		}
		return m.fail(pp, err, pc.raw())
	}
	pc.release()
	switch act {
	case textPart:
		if !plainReport(head) {
			return nil
		}
	case maybePart:
		if !isReportFormat(magic(head)) {
			return nil
		}
	case mailPart:
		pp.as = formatMail
		pp.attached = true
	}
	return m.walk(pp, br)
}

// multipart walks the parts of a multipart entity. A multipart missing its
// final boundary ends with its input, as mail readers have it: the checksums
// of gzip and zip still tell a truncated report.
func (m *mimeWalk) multipart(p part, mt string, params map[string]string, body io.Reader, num string, level int) error {
	if level >= maxMultipart {
		m.broken(fmt.Errorf("%s: %w: multipart nested %d levels deep", p.name, ErrTooDeep, level))
		return nil
	}
	boundary := params["boundary"]
	if boundary == "" {
		m.broken(fmt.Errorf("%s: mime: %w: %s without boundary", p.name, ErrCorrupt, mt))
		return nil
	}
	in := &endReader{r: body}
	mr := textproto.NewMultipartReader(in, boundary)
	for i := 1; ; i++ {
		if err := m.ctx.Err(); err != nil {
			return err
		}
		tp, err := mr.NextPart()
		switch {
		case err == io.EOF:
			return nil
		case err != nil && in.err == io.EOF:
			return nil // the input ended without the final boundary
		case err != nil && in.err != nil:
			m.broken(partError(p.name, "mime", in.err))
			return nil
		case err != nil:
			m.broken(partError(p.name, "mime", err))
			return nil
		}
		sub := strconv.Itoa(i)
		if num != "" {
			sub = num + "." + sub
		}
		if err := m.entity(p, message.Header{Header: tp.Header}, &partReader{r: tp, in: in}, sub, level+1, mt == "multipart/report"); err != nil {
			return err
		}
	}
}

// broken records an error in the mail's structure.
func (m *mimeWalk) broken(err error) {
	if m.bad == nil {
		m.bad = err
	}
}

// endReader records how the input of a multipart ended, so that the end of
// the input can end a multipart without its final boundary.
type endReader struct {
	r   io.Reader
	err error
}

func (e *endReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && e.err == nil {
		e.err = err
	}
	return n, err
}

// partReader reads a part of a multipart, ending it at the end of the
// multipart's input where the boundary is missing.
type partReader struct {
	r  io.Reader
	in *endReader
}

func (pr *partReader) Read(p []byte) (int, error) {
	n, err := pr.r.Read(p)
	if err == io.ErrUnexpectedEOF && pr.in.err == io.EOF {
		err = io.EOF
	}
	return n, err
}

// action is what to do with a mail part.
type action int

const (
	skipPart   action = iota // not a report
	reportPart               // a report by type or file name: decoded, or reported as undecodable
	maybePart                // of another type: a report if its content says so (gzip, zip, XML, JSON)
	textPart                 // text: a report only if its content unmistakably is one (see plainReport)
	mailPart                 // an attached mail (message/rfc822): walked as a mail
)

// partUse tells what to do with a mail part of media type mt and file name
// filename. Attached mails are walked (a forwarded report) except in a
// multipart/report, where they are the message a failure report is about.
// An attached mail without a report is not reported itself: the mail it is
// attached to is.
func partUse(mt, filename string, inReport bool) action {
	if isReportFormat(byName(filename)) {
		return reportPart
	}
	if _, ok := reportType(mt); ok {
		return reportPart
	}
	switch {
	case mt == "message/rfc822" || mt == "message/global":
		if inReport {
			return skipPart
		}
		return mailPart
	case mt == "text/html", mt == "text/rfc822-headers", strings.HasPrefix(mt, "message/"),
		strings.HasPrefix(mt, "image/"), strings.HasPrefix(mt, "audio/"), strings.HasPrefix(mt, "video/"):
		return skipPart
	case strings.HasPrefix(mt, "text/"):
		return textPart
	}
	return maybePart
}

// transferDecoder undoes a Content-Transfer-Encoding. It uses go-message's
// decoders through an entity without a Content-Type, so that no charset is
// converted. An unknown encoding is passed on undecoded.
func transferDecoder(cte string, r io.Reader) io.Reader {
	var h message.Header
	h.Set("Content-Transfer-Encoding", cte)
	e, _ := message.New(h, r)
	return e.Body
}

// mediaType parses a Content-Type or Content-Disposition value, def when
// empty. Malformed parameters, common in the wild, are parsed leniently
// rather than dropped.
func mediaType(v, def string) (string, map[string]string) {
	if strings.TrimSpace(v) == "" {
		return def, map[string]string{}
	}
	mt, params, err := mime.ParseMediaType(v)
	if err == nil {
		return mt, params
	}
	mt, rest, _ := strings.Cut(v, ";")
	params = map[string]string{}
	for _, f := range strings.Split(rest, ";") {
		k, v, ok := strings.Cut(f, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if !ok || k == "" {
			continue
		}
		if _, dup := params[k]; !dup {
			params[k] = strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return strings.ToLower(strings.TrimSpace(mt)), params
}

// mailInfo reads what Payload.Mail tells from a mail's header.
func mailInfo(h textproto.Header) *MailInfo {
	mh := mail.Header{Header: message.Header{Header: h}}
	mi := &MailInfo{
		Subject: decodeWords(h.Get("Subject")),
		From:    decodeWords(h.Get("From")),
	}
	id, err := mh.MessageID()
	if err != nil {
		id = strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
	}
	mi.MessageID = id
	mi.Date, _ = mh.Date() // zero when missing or unparsable
	return mi
}

// decodeWords decodes the RFC 2047 encoded words in a header value, in any
// charset golang.org/x/text knows. Undecodable values are returned as they
// are.
func decodeWords(s string) string {
	d := mime.WordDecoder{CharsetReader: charsetReader}
	t, err := d.DecodeHeader(s)
	if err != nil {
		return s
	}
	return t
}

func charsetReader(label string, r io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(label)
	if err != nil {
		return nil, errors.New("unknown charset " + label)
	}
	return enc.NewDecoder().Reader(r), nil
}
