package aggregate

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// detectEncoding looks at the start of the input (XML 1.0 Appendix F): a
// byte order mark, the zero-byte pattern of UTF-16 without one, or the
// encoding declared in the XML declaration. When the input is not UTF-8 it
// swaps s.r for a reader that decodes to UTF-8, so the lexer only ever sees
// UTF-8. A UTF-8 BOM is skipped.
func (s *scanner) detectEncoding() error {
	s.need(4)
	head := s.buf[s.pos:s.end]
	var enc encoding.Encoding
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		s.pos += 3
		return nil
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}), bytes.HasPrefix(head, []byte{0x00, '<', 0x00, '?'}):
		enc = unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{'<', 0x00, '?', 0x00}):
		enc = unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	default:
		name := declaredEncoding(s)
		switch strings.ToLower(name) {
		case "", "utf-8", "utf8", "us-ascii", "ascii":
			return nil
		}
		var err error
		enc, err = lookupEncoding(name)
		if err != nil {
			return err
		}
	}
	buffered := bytes.Clone(s.buf[s.pos:s.end])
	s.r = transform.NewReader(io.MultiReader(bytes.NewReader(buffered), s.r), enc.NewDecoder())
	s.off += int64(s.end)
	s.pos, s.end = 0, 0
	if s.err == io.EOF {
		s.err = nil
	}
	return nil
}

// declaredEncoding returns the encoding pseudo-attribute of the XML
// declaration at the start of the input, or "".
func declaredEncoding(s *scanner) string {
	s.need(512)
	head := s.buf[s.pos:s.end]
	head = bytes.TrimLeft(head, " \t\r\n")
	if !bytes.HasPrefix(head, []byte("<?xml")) {
		return ""
	}
	if i := bytes.Index(head, []byte("?>")); i >= 0 {
		head = head[:i]
	}
	i := bytes.Index(head, []byte("encoding"))
	if i < 0 {
		return ""
	}
	rest := bytes.TrimLeft(head[i+len("encoding"):], " \t\r\n")
	if len(rest) == 0 || rest[0] != '=' {
		return ""
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	q := rest[0]
	rest = rest[1:]
	if j := bytes.IndexByte(rest, q); j >= 0 {
		return string(rest[:j])
	}
	return ""
}

// lookupEncoding finds a decoder by IANA name, falling back to the WHATWG
// names browsers accept. ISO-8859-1 is decoded as itself, not as the
// windows-1252 superset WHATWG maps it to, to keep C1 bytes as they are.
func lookupEncoding(name string) (encoding.Encoding, error) {
	if enc, err := ianaindex.IANA.Encoding(name); err == nil && enc != nil {
		return enc, nil
	}
	if enc, err := htmlindex.Get(name); err == nil && enc != nil {
		return enc, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrEncoding, name)
}
