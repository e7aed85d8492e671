package aggregate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

// Limits bound what a Decoder accepts, so that hostile or broken input ends
// in a clear ErrLimit rather than in exhausted memory. Zero fields take the
// defaults below.
type Limits struct {
	// MaxBytes is the most XML bytes read (after decompression and
	// charset decoding). Default 512 MiB: the largest real reports are
	// tens of MiB.
	MaxBytes int64
	// MaxDepth is the deepest element nesting accepted. Default 64; the
	// schema needs 5.
	MaxDepth int
	// MaxRecords is the most records in one report. Default 5,000,000.
	MaxRecords int
	// MaxText is the longest text value (or tag) accepted. Default 64 KiB.
	MaxText int
}

// Defaults for Limits.
const (
	DefaultMaxBytes   = 512 << 20
	DefaultMaxDepth   = 64
	DefaultMaxRecords = 5_000_000
	DefaultMaxText    = 64 << 10
)

// maxPending bounds the records buffered when a report puts its records
// before report_metadata or policy_published (which the schema forbids).
const maxPending = 100_000

// Options configure a Decoder.
type Options struct {
	Limits Limits
	// ReceivedAt replaces a date_range timestamp that cannot be read, as
	// the protocol asks ("use report receipt time, flag"). Default: now.
	ReceivedAt time.Time
}

// recordBlock allocates a Record together with the backing arrays of its
// first DKIM and SPF results.
type recordBlock struct {
	rec  Record
	dkim [1]DKIMResult
	spf  [1]SPFResult
}

// frame is one open element.
type frame struct {
	ctx  ctx
	name string // local name, to match the end tag
}

// Decoder reads one aggregate report from a stream in a single pass. Call
// Header once, then Next until it returns io.EOF. Messages and Status are
// complete after that. A Decoder is not safe for concurrent use.
type Decoder struct {
	s     *scanner
	opts  Options
	stack []frame
	text  []byte // the leaf text being read

	hdr     Header
	hdrSeen uint64 // bit per elem seen in the header
	rec     *Record
	recSeen uint64 // bit per elem seen in the current record
	ready   *Record
	pending []*Record
	nrec    int // records completed
	nret    int // records returned

	started    bool // encoding detected
	inFeedback bool
	closed     bool // </feedback> seen
	done       bool // no more input will be read
	metaDone   bool
	policyDone bool
	hdrDone    bool
	firstElem  string
	fatal      error

	log    messageLog
	intern map[string]string
	last   [numElems]string // the last value of each element, checked before intern
}

// NewDecoder returns a Decoder reading XML from r. The XML may start with a
// byte order mark and declare any encoding golang.org/x/text knows.
func NewDecoder(r io.Reader, opts Options) *Decoder {
	l := &opts.Limits
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxRecords <= 0 {
		l.MaxRecords = DefaultMaxRecords
	}
	if l.MaxText <= 0 {
		l.MaxText = DefaultMaxText
	}
	if opts.ReceivedAt.IsZero() {
		opts.ReceivedAt = time.Now()
	}
	opts.ReceivedAt = opts.ReceivedAt.UTC()
	return &Decoder{
		s:      newScanner(r, l.MaxBytes, l.MaxText),
		opts:   opts,
		intern: make(map[string]string),
	}
}

// Header reads up to the first record and returns the report's metadata and
// published policy. A *FatalError is returned when the report cannot be
// used; other errors come from the reader.
func (d *Decoder) Header() (*Header, error) {
	if d.fatal != nil {
		return nil, d.fatal
	}
	if d.hdrDone {
		return &d.hdr, nil
	}
	for !(d.metaDone && d.policyDone) && !d.done {
		if err := d.step(); err != nil {
			return nil, d.fail(err)
		}
		if d.ready != nil {
			if len(d.pending) >= maxPending {
				return nil, d.fail(fmt.Errorf("%w: more than %d records before report_metadata and policy_published", ErrLimit, maxPending))
			}
			d.pending = append(d.pending, d.ready)
			d.ready = nil
		}
	}
	if err := d.checkParts(); err != nil {
		return nil, d.fail(err)
	}
	d.finishHeader()
	d.hdrDone = true
	return &d.hdr, nil
}

// Next returns the next record, or io.EOF after the last one. The Record is
// the caller's to keep.
func (d *Decoder) Next() (*Record, error) {
	if !d.hdrDone {
		if _, err := d.Header(); err != nil {
			return nil, err
		}
	}
	if d.fatal != nil {
		return nil, d.fatal
	}
	if len(d.pending) > 0 {
		r := d.pending[0]
		d.pending[0] = nil
		d.pending = d.pending[1:]
		d.nret++
		return r, nil
	}
	for d.ready == nil && !d.done {
		if err := d.step(); err != nil {
			return nil, d.fail(err)
		}
	}
	if r := d.ready; r != nil {
		d.ready = nil
		d.nret++
		return r, nil
	}
	return nil, io.EOF
}

// Messages returns the validation findings so far, warnings and fatal.
func (d *Decoder) Messages() []Message { return d.log.msgs }

// Status is the protocol's validation_status: "valid", "warnings" or
// "errors" (a fatal finding).
func (d *Decoder) Status() string { return d.log.status() }

// Records returns how many records were returned so far.
func (d *Decoder) Records() int { return d.nret }

// BytesRead is how many bytes of XML were consumed.
func (d *Decoder) BytesRead() int64 { return d.s.offset() }

// fail turns err into the Decoder's sticky fatal error. Errors of the
// format become a *FatalError with a message; reader errors pass through.
func (d *Decoder) fail(err error) error {
	var fe *FatalError
	switch {
	case errors.As(err, &fe):
	case errors.Is(err, ErrLimit), errors.Is(err, ErrDoctype), errors.Is(err, ErrEncoding):
		fe = &FatalError{Err: err, Message: Message{
			ErrorType: MalformedXML, Field: d.path(eUnknown), Expected: "a DMARC aggregate report within limits",
			Actual: err.Error(), Severity: SeverityFatal, Action: ActionHaltedParse,
		}}
	default:
		d.fatal = err
		return err
	}
	d.log.add(fe.Message, fe.Message.Field)
	d.fatal = fe
	d.done = true
	return fe
}

// checkParts reports a missing root, report_metadata or policy_published.
func (d *Decoder) checkParts() error {
	missing := func(field, expected, actual string) error {
		return &FatalError{Err: ErrMissingPart, Message: Message{
			ErrorType: MissingField, Field: field, Expected: expected, Actual: actual,
			Severity: SeverityFatal, Action: ActionHaltedParse,
		}}
	}
	switch {
	case !d.inFeedback:
		actual := "empty input"
		if d.firstElem != "" {
			actual = "<" + d.firstElem + ">"
		} else if d.s.offset() > 0 {
			actual = "no XML element"
		}
		return &FatalError{Err: ErrNotAggregate, Message: Message{
			ErrorType: SchemaViolation, Field: "/feedback", Expected: "a <feedback> root element",
			Actual: actual, Severity: SeverityFatal, Action: ActionHaltedParse,
		}}
	case !d.metaDone:
		return missing("/feedback/report_metadata", "<report_metadata>", "not found")
	case !d.policyDone:
		return missing("/feedback/policy_published", "<policy_published>", "not found")
	}
	return nil
}

// step consumes one piece of markup (and the text before it).
func (d *Decoder) step() error {
	s := d.s
	if !d.started {
		d.started = true
		if err := s.detectEncoding(); err != nil {
			return err
		}
	}
	if d.closed {
		d.done = true
		return nil
	}
	if !s.skipTo('<') || !s.need(2) {
		return d.atEOF()
	}
	switch s.buf[s.pos+1] {
	case '?':
		if !s.skipPast("?>") {
			return d.atEOF()
		}
	case '!':
		return d.bang()
	case '/':
		return d.endTag()
	default:
		return d.startTag()
	}
	return nil
}

// bang skips a comment, CDATA section or declaration. A document type
// declaration with an internal subset is refused: that is where entity
// expansion attacks live.
func (d *Decoder) bang() error {
	s := d.s
	switch {
	case s.hasPrefix("<!--"):
		if !s.skipPast("-->") {
			return d.atEOF()
		}
	case s.hasPrefix("<![CDATA["):
		if !s.skipPast("]]>") {
			return d.atEOF()
		}
	default:
		i, err := d.tagEnd()
		if i < 0 {
			return err
		}
		decl := s.buf[s.pos : s.pos+i]
		if bytes.HasPrefix(decl, []byte("<!DOCTYPE")) && bytes.ContainsAny(decl, "[") {
			return fmt.Errorf("%w (at byte %d)", ErrDoctype, s.offset())
		}
		s.pos += i + 1
	}
	return nil
}

// startTag reads <name attrs> or <name/>.
func (d *Decoder) startTag() error {
	s := d.s
	i, err := d.tagEnd()
	if i < 0 {
		return err
	}
	tag := s.buf[s.pos+1 : s.pos+i]
	s.pos += i + 1
	selfClose := len(tag) > 0 && tag[len(tag)-1] == '/'
	if selfClose {
		tag = tag[:len(tag)-1]
	}
	// One pass finds the end of the name and of its prefix.
	name, local := tag, tag
	for j, c := range tag {
		if c == ':' {
			local = tag[j+1:]
		} else if isSpace(c) {
			name = tag[:j]
			local = local[:len(local)-(len(tag)-j)]
			break
		}
	}
	e := lookupElem(local)
	if d.firstElem == "" {
		d.firstElem = string(name)
	}
	parent := cOutside
	if n := len(d.stack); n > 0 {
		parent = d.stack[n-1].ctx
	}
	var c ctx
	switch {
	case !d.inFeedback && e == eFeedback:
		c = cFeedback
		d.inFeedback = true
		d.hdr.Namespace = namespaceOf(tag, name)
	case !d.inFeedback:
		c = cOutside
	default:
		c = container(parent, e)
	}
	if c == cLeaf {
		var value []byte
		if !selfClose {
			var err error
			if value, err = d.readLeaf(e); err != nil {
				return err
			}
			if d.done {
				return nil // the input ended inside the leaf
			}
		}
		d.setLeaf(parent, e, value)
		return nil
	}
	if len(d.stack) >= d.opts.Limits.MaxDepth {
		return fmt.Errorf("%w: elements nested deeper than %d at byte %d", ErrLimit, d.opts.Limits.MaxDepth, s.offset())
	}
	fname := elemNames[e]
	if e == eUnknown {
		fname = string(local)
	}
	d.stack = append(d.stack, frame{ctx: c, name: fname})
	d.open(c)
	if selfClose {
		return d.pop()
	}
	return nil
}

// tagEnd returns the offset of the '>' ending the markup at s.pos. At the
// end of input it returns -1 and what the caller must return: the reader's
// error, or nil for a truncated report (see atEOF).
func (d *Decoder) tagEnd() (int, error) {
	s := d.s
	if i := s.find('>'); i >= 0 {
		return i, nil
	}
	if err := s.eofErr(); err != nil {
		return -1, err
	}
	s.pos = s.end
	return -1, d.atEOF()
}

// endTag reads </name>, repairing misnested end tags: an end tag that
// matches an element further down the stack closes the ones above it, and
// one that matches nothing is ignored.
func (d *Decoder) endTag() error {
	s := d.s
	i, err := d.tagEnd()
	if i < 0 {
		return err
	}
	local := localName(trimSpace(s.buf[s.pos+2 : s.pos+i]))
	n := len(d.stack)
	if n > 0 && d.stack[n-1].name == string(local) {
		s.pos += i + 1
		return d.pop()
	}
	k := d.onStack(local)
	if k < 0 {
		d.warnXML(eUnknown, "a matching start tag", "</"+string(local)+">", ActionIgnored)
		s.pos += i + 1
		return nil
	}
	d.warnXML(eUnknown, "</"+d.stack[n-1].name+">", "</"+string(local)+">", ActionRepaired)
	s.pos += i + 1
	for len(d.stack) > k {
		if err := d.pop(); err != nil {
			return err
		}
	}
	return nil
}

// onStack returns the index of the innermost open element named local, or -1.
func (d *Decoder) onStack(local []byte) int {
	for k := len(d.stack) - 1; k >= 0; k-- {
		if d.stack[k].name == string(local) {
			return k
		}
	}
	return -1
}

// readLeaf reads the text of a leaf element up to its end tag. It repairs
// what real reports get wrong: a '<' that starts no markup is kept as text
// (e.g. <email><bad@example.net></email>), and an ancestor's end tag ends
// the text even though the leaf was never closed.
func (d *Decoder) readLeaf(e elem) ([]byte, error) {
	s := d.s
	local := []byte(elemNames[e]) // not the tag's bytes: the buffer moves when refilled
	d.text = d.text[:0]
	max := d.opts.Limits.MaxText
	for {
		i := s.find('<')
		if i < 0 {
			if err := s.eofErr(); err != nil {
				return nil, err
			}
			s.pos = s.end
			return nil, d.atEOF()
		}
		d.appendText(s.buf[s.pos:s.pos+i], e)
		s.pos += i
		if len(d.text) > max {
			return nil, fmt.Errorf("%w: text of <%s> longer than %d bytes", ErrLimit, elemNames[e], max)
		}
		// Fast path: the end tag of this leaf, unprefixed, directly after.
		if n := len(local) + 3; s.end-s.pos >= n && s.buf[s.pos+1] == '/' &&
			s.buf[s.pos+n-1] == '>' && string(s.buf[s.pos+2:s.pos+n-1]) == elemNames[e] {
			s.pos += n
			return d.text, nil
		}
		switch {
		case s.hasPrefix("</"):
			j, err := d.tagEnd()
			if j < 0 {
				return nil, err
			}
			end := localName(trimSpace(s.buf[s.pos+2 : s.pos+j]))
			if bytes.Equal(end, local) {
				s.pos += j + 1
				return d.text, nil
			}
			if d.onStack(end) >= 0 {
				d.warnXML(e, "</"+string(local)+">", "</"+string(end)+">", ActionRepaired)
				return d.text, nil
			}
			d.warnXML(e, "text", string(s.buf[s.pos:s.pos+j+1]), ActionRepaired)
			d.text = append(d.text, s.buf[s.pos:s.pos+j+1]...)
			s.pos += j + 1
		case s.hasPrefix("<!--"):
			if !s.skipPast("-->") {
				return nil, d.atEOF()
			}
		case s.hasPrefix("<![CDATA["):
			s.pos += len("<![CDATA[")
			j := s.index("]]>")
			if j < 0 {
				s.pos = s.end
				return nil, d.atEOF()
			}
			d.text = append(d.text, s.buf[s.pos:s.pos+j]...)
			s.pos += j + 3
		default:
			d.warnXML(e, "text with '<' escaped as &lt;", "unescaped '<'", ActionRepaired)
			d.text = append(d.text, '<')
			s.pos++
		}
	}
}

// appendText adds raw text to d.text, decoding entities.
func (d *Decoder) appendText(raw []byte, e elem) {
	if bytes.IndexByte(raw, '&') < 0 {
		d.text = append(d.text, raw...)
		return
	}
	var unknown string
	d.text, unknown = decodeEntities(d.text, raw)
	if unknown != "" {
		d.warn(MalformedXML, d.path(e), "a predefined entity or character reference", unknown, ActionKept)
	}
}

// pop closes the innermost open element.
func (d *Decoder) pop() error {
	n := len(d.stack)
	c := d.stack[n-1].ctx
	d.close(c)
	d.stack = d.stack[:n-1]
	if d.nrec > d.opts.Limits.MaxRecords {
		return fmt.Errorf("%w: more than %d records", ErrLimit, d.opts.Limits.MaxRecords)
	}
	return nil
}

// open starts a container.
func (d *Decoder) open(c ctx) {
	switch c {
	case cRecord:
		// One allocation for the record and room for its usual single
		// DKIM and SPF result.
		b := &recordBlock{}
		b.rec.AuthResults.DKIM = b.dkim[:0]
		b.rec.AuthResults.SPF = b.spf[:0]
		d.rec = &b.rec
		d.recSeen = 0
	case cAuthDKIM:
		d.rec.AuthResults.DKIM = append(d.rec.AuthResults.DKIM, DKIMResult{})
	case cAuthSPF:
		d.rec.AuthResults.SPF = append(d.rec.AuthResults.SPF, SPFResult{})
	case cReason:
		d.rec.PolicyEvaluated.Reasons = append(d.rec.PolicyEvaluated.Reasons, Reason{})
	}
}

// close ends a container.
func (d *Decoder) close(c ctx) {
	switch c {
	case cFeedback:
		d.closed = true
	case cMetadata:
		d.metaDone = true
	case cPolicy:
		d.policyDone = true
	case cRecord:
		d.finishRecord()
	case cReason:
		rs := d.rec.PolicyEvaluated.Reasons
		if last := rs[len(rs)-1]; last.Type == "" && last.Comment == "" {
			d.warn(MissingField, d.path(eType), "a reason type", "empty <reason>", ActionIgnored)
			d.rec.PolicyEvaluated.Reasons = rs[:len(rs)-1]
		}
	}
}

// atEOF handles the end of input: a clean end after </feedback>, or a
// truncated report whose complete records are kept.
func (d *Decoder) atEOF() error {
	if d.done {
		return nil
	}
	d.done = true
	s := d.s
	cause := "end of input"
	if err := s.eofErr(); err != nil {
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			return err
		}
		cause = err.Error()
	}
	if !d.inFeedback || d.closed {
		return nil
	}
	action := ActionRepaired
	if d.rec != nil {
		action = ActionSkippedRecord
	}
	d.warn(MalformedXML, d.path(eUnknown), "</feedback>",
		fmt.Sprintf("%s at byte %d: report truncated, %d complete records kept", cause, s.offset(), d.nrec), action)
	d.rec = nil
	d.stack = d.stack[:0]
	return nil
}

// namespaceOf returns the namespace URI bound to the element's prefix (the
// default namespace when it has none), from the attributes in tag.
func namespaceOf(tag, name []byte) string {
	want := []byte("xmlns")
	if i := bytes.IndexByte(name, ':'); i >= 0 {
		want = append([]byte("xmlns:"), name[:i]...)
	}
	rest := tag[len(name):]
	for len(rest) > 0 {
		rest = trimSpace(rest)
		eq := bytes.IndexByte(rest, '=')
		if eq < 0 {
			return ""
		}
		attr := trimSpace(rest[:eq])
		rest = trimSpace(rest[eq+1:])
		if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
			return ""
		}
		end := bytes.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return ""
		}
		if bytes.Equal(attr, want) {
			return string(rest[1 : 1+end])
		}
		rest = rest[end+2:]
	}
	return ""
}
