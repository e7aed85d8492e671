package aggregate

import (
	"bytes"
	"fmt"
	"io"
)

// scanner is a minimal XML lexer over a reusable buffer. It knows only what
// DMARC reports use: elements, text, comments, CDATA, processing
// instructions and document type declarations. Slices it returns point into
// its buffer and are valid until the next call.
//
// It exists because encoding/xml allocates a token (and a copy of every name
// and text) for every piece of markup, which makes it an order of magnitude
// slower than the report format needs.
type scanner struct {
	r        io.Reader
	buf      []byte
	pos, end int
	off      int64 // stream offset of buf[0]
	err      error // sticky read error; io.EOF at the end of input
	maxBytes int64
	maxBuf   int
}

const minBuf = 64 << 10

func newScanner(r io.Reader, maxBytes int64, maxToken int) *scanner {
	return &scanner{r: r, buf: make([]byte, minBuf), maxBytes: maxBytes, maxBuf: max(minBuf, maxToken+4096)}
}

// offset is the stream offset of the next unread byte.
func (s *scanner) offset() int64 { return s.off + int64(s.pos) }

// fill reads more input after compacting the buffer. It reports whether any
// byte was added; s.err says why not.
func (s *scanner) fill() bool {
	if s.err != nil {
		return false
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.off += int64(s.pos)
		s.pos, s.end = 0, n
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= s.maxBuf {
			s.err = fmt.Errorf("%w: markup or text longer than %d bytes at byte %d", ErrLimit, s.maxBuf, s.offset())
			return false
		}
		nb := make([]byte, min(2*len(s.buf), s.maxBuf))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for tries := 0; tries < 100; tries++ {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if s.off+int64(s.end) > s.maxBytes {
			// Bytes past the limit are not parsed, even though read.
			s.end = int(s.maxBytes - s.off)
			s.err = fmt.Errorf("%w: report larger than %d bytes", ErrLimit, s.maxBytes)
			return false
		}
		if err != nil {
			s.err = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	s.err = io.ErrNoProgress
	return false
}

// need makes n bytes available at s.pos if the input has them.
func (s *scanner) need(n int) bool {
	for s.end-s.pos < n {
		if !s.fill() {
			return false
		}
	}
	return true
}

// find returns the offset from s.pos of the next c, reading as needed. It
// returns -1 when the input ends first; the bytes stay buffered.
func (s *scanner) find(c byte) int {
	from := s.pos
	for {
		if i := bytes.IndexByte(s.buf[from:s.end], c); i >= 0 {
			return from + i - s.pos
		}
		scanned := s.end - s.pos
		if !s.fill() {
			return -1
		}
		from = s.pos + scanned
	}
}

// skipTo discards input up to the next c, which it leaves unread. It reports
// whether c was found. Unlike find it never grows the buffer.
func (s *scanner) skipTo(c byte) bool {
	for {
		if i := bytes.IndexByte(s.buf[s.pos:s.end], c); i >= 0 {
			s.pos += i
			return true
		}
		s.pos = s.end
		if !s.fill() {
			return false
		}
	}
}

// skipPast discards input up to and including the next occurrence of seq.
func (s *scanner) skipPast(seq string) bool {
	for {
		if !s.need(len(seq)) {
			s.pos = s.end
			return false
		}
		if i := bytes.Index(s.buf[s.pos:s.end], []byte(seq)); i >= 0 {
			s.pos += i + len(seq)
			return true
		}
		// Keep the last len(seq)-1 bytes: seq may straddle the refill.
		s.pos = max(s.pos, s.end-len(seq)+1)
		if !s.fill() {
			s.pos = s.end
			return false
		}
	}
}

// hasPrefix reports whether the unread input starts with p.
func (s *scanner) hasPrefix(p string) bool {
	s.need(len(p))
	return bytes.HasPrefix(s.buf[s.pos:s.end], []byte(p))
}

// eofErr is the reason input ended: nil for a clean end of input.
func (s *scanner) eofErr() error {
	if s.err == io.EOF {
		return nil
	}
	return s.err
}

// isSpace reports XML white space (XML 1.0 section 2.3, production S).
func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// localName strips a namespace prefix: "xs:schema" → "schema".
func localName(name []byte) []byte {
	if i := bytes.LastIndexByte(name, ':'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// index returns the offset from s.pos of the next occurrence of seq,
// reading (and growing the buffer) as needed, or -1 at the end of input.
func (s *scanner) index(seq string) int {
	from := s.pos
	for {
		if i := bytes.Index(s.buf[from:s.end], []byte(seq)); i >= 0 {
			return from + i - s.pos
		}
		scanned := max(0, s.end-s.pos-len(seq)+1)
		if !s.fill() {
			return -1
		}
		from = s.pos + scanned
	}
}
