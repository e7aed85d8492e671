package ingest

import (
	"bytes"
	"strings"
)

// Kind is what a payload looks like by its content, which decides the
// decoder it goes to. It is a guess from the first bytes only: the decoder
// still has to accept the whole payload.
type Kind int

const (
	// KindUnknown is the Kind of a payload that carries an Err.
	KindUnknown Kind = iota
	// KindXML is XML, a DMARC aggregate report: content that starts (after
	// an optional byte order mark and white space) with '<', or UTF-16
	// with a byte order mark or the zero-byte pattern of the XML spec's
	// Appendix F.
	KindXML
	// KindJSON is JSON, an SMTP TLS report (RFC 8460): content that starts
	// (after optional white space) with '{' or '['.
	KindJSON
)

// String returns "unknown", "xml" or "json".
func (k Kind) String() string {
	switch k {
	case KindXML:
		return "xml"
	case KindJSON:
		return "json"
	}
	return "unknown"
}

// format is what a stream is: a kind of payload or a kind of container.
type format int

const (
	formatUnknown format = iota
	formatXML
	formatJSON
	formatGzip
	formatZip
	formatMail
	formatMbox
)

// container tells whether f holds other streams (and so counts towards
// Limits.MaxDepth).
func (f format) container() bool {
	return f >= formatGzip
}

func (f format) String() string {
	switch f {
	case formatXML:
		return "xml"
	case formatJSON:
		return "json"
	case formatGzip:
		return "gzip"
	case formatZip:
		return "zip"
	case formatMail:
		return "mail"
	case formatMbox:
		return "mbox"
	}
	return "unknown"
}

// kind is the Kind of payloads of format f.
func (f format) kind() Kind {
	switch f {
	case formatXML:
		return KindXML
	case formatJSON:
		return KindJSON
	}
	return KindUnknown
}

// sniffLen is how much of a stream detection looks at: enough for the first
// header fields of a mail.
const sniffLen = 4096

// detect tells the format of a stream from its first bytes (head, up to
// sniffLen), or when they say nothing, from its file name.
func detect(head []byte, name string) format {
	if f := magic(head); f != formatUnknown {
		return f
	}
	return byName(name)
}

// magic tells the format of a stream from its first bytes alone.
func magic(head []byte) format {
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return formatGzip
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		// A local file header, or the end of an archive without members.
		return formatZip
	case bytes.HasPrefix(head, []byte("From ")):
		return formatMbox
	}
	if f := document(head); f != formatUnknown {
		return f
	}
	if isMail(head) {
		return formatMail
	}
	return formatUnknown
}

// document tells XML and JSON apart from anything else.
func document(head []byte) format {
	switch {
	case bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return utf16Document(head[2:], true)
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}):
		return utf16Document(head[2:], false)
	case bytes.HasPrefix(head, []byte{0, '<', 0, '?'}), bytes.HasPrefix(head, []byte{0, 0, 0, '<'}):
		// UTF-16BE and UTF-32BE without a byte order mark (XML Appendix F);
		// the little-endian forms start with '<' and are found below.
		return formatXML
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) == 0 {
		return formatUnknown
	}
	switch head[0] {
	case '<':
		return formatXML
	case '{', '[':
		return formatJSON
	}
	return formatUnknown
}

// utf16Document tells a UTF-16 document (after its byte order mark) by its
// first character other than white space: JSON or, per the XML spec, XML.
func utf16Document(b []byte, bigEndian bool) format {
	for len(b) >= 2 {
		c := rune(b[0]) | rune(b[1])<<8
		if bigEndian {
			c = rune(b[0])<<8 | rune(b[1])
		}
		b = b[2:]
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{', '[':
			return formatJSON
		}
		return formatXML
	}
	return formatXML
}

// isMail tells whether head starts like a mail: header fields, each a name
// and a colon or a continuation line, up to a blank line or the end of head,
// at least one of them a field that mails have.
func isMail(head []byte) bool {
	known := false
	for first := true; len(head) > 0; first = false {
		line, rest, complete := bytes.Cut(head, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		head = rest
		if len(line) == 0 {
			break // end of the header
		}
		if line[0] == ' ' || line[0] == '\t' {
			if first {
				return false
			}
			continue
		}
		key, _, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			if !complete {
				break // cut off by the end of head
			}
			return false
		}
		key = bytes.TrimRight(key, " \t")
		if !fieldName(key) {
			return false
		}
		known = known || mailField(string(key))
	}
	return known
}

// fieldName tells whether b is a header field name (RFC 5322 ftext).
func fieldName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}

// mailField tells whether key names a header field that mails have, which
// other text starting with "word:" lines is unlikely to.
func mailField(key string) bool {
	switch strings.ToLower(key) {
	case "from", "to", "cc", "subject", "date", "message-id", "mime-version",
		"content-type", "content-transfer-encoding", "received", "return-path",
		"delivered-to", "reply-to", "sender", "envelope-to", "received-spf",
		"dkim-signature", "authentication-results", "arc-seal",
		"arc-message-signature", "arc-authentication-results":
		return true
	}
	return false
}

// byName tells the format of a stream from its file name, for content whose
// first bytes say nothing: a corrupt report.xml.gz is then reported as a
// corrupt gzip stream, not as unrecognised.
func byName(name string) format {
	name = strings.ToLower(name)
	switch {
	case strings.HasSuffix(name, ".gz"), strings.HasSuffix(name, ".gzip"):
		return formatGzip
	case strings.HasSuffix(name, ".zip"):
		return formatZip
	case strings.HasSuffix(name, ".xml"):
		return formatXML
	case strings.HasSuffix(name, ".json"):
		return formatJSON
	case strings.HasSuffix(name, ".eml"):
		return formatMail
	}
	return formatUnknown
}

// isReportFormat tells whether f holds or is a report payload.
func isReportFormat(f format) bool {
	switch f {
	case formatGzip, formatZip, formatXML, formatJSON:
		return true
	}
	return false
}

// plainReport tells whether a text/plain part's content (head) is
// unmistakably a report: gzip, zip, or XML that starts with a declaration or
// a DMARC feedback element. Human-readable notes are not.
func plainReport(head []byte) bool {
	switch magic(head) {
	case formatGzip, formatZip:
		return true
	case formatXML:
		head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
		head = bytes.TrimLeft(head, " \t\r\n")
		return bytes.HasPrefix(head, []byte("<?xml")) || bytes.HasPrefix(head, []byte("<feedback"))
	}
	return false
}
