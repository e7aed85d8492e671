package aggregate

import (
	"bytes"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Allowed values of the schema's enumerations (RFC 7489 Appendix C, with
// the DMARCbis additions).
var (
	enumAlignment   = []string{"r", "s"}
	enumPolicy      = []string{"none", "quarantine", "reject"}
	enumDisposition = []string{"none", "quarantine", "reject", "pass"}
	enumVerdict     = []string{"pass", "fail"}
	enumDKIMResult  = []string{"none", "pass", "fail", "policy", "neutral", "temperror", "permerror"}
	enumSPFResult   = []string{"none", "neutral", "pass", "fail", "softfail", "temperror", "permerror"}
	enumSPFScope    = []string{"mfrom", "helo"}
	enumReason      = []string{"forwarded", "sampled_out", "trusted_forwarder", "mailing_list", "local_policy", "other", "policy_test_mode"}
	enumTesting     = []string{"y", "n"}
	enumDiscovery   = []string{"psl", "treewalk"}
)

// trimSpace trims XML white space from both ends.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// parseCount parses a non-negative decimal integer.
func parseCount(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// parseTimestamp reads a date_range bound. The schema says seconds since
// the epoch; some reporters add a fraction or write an ISO-8601 date, both
// of which are accepted.
func parseTimestamp(b []byte) (time.Time, bool) {
	if n, ok := parseCount(b); ok {
		return time.Unix(n, 0).UTC(), true
	}
	s := string(b)
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 && f < 1e12 && !math.IsNaN(f) {
		return time.Unix(int64(f), 0).UTC(), true
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// repairUTF8 replaces each byte that is not part of valid UTF-8 with its
// windows-1252 character: such bytes are nearly always Latin-1 or
// windows-1252 text in a report that claims to be UTF-8 (e.g. 0x91, a left
// quotation mark).
func repairUTF8(b []byte) []byte {
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			out = utf8.AppendRune(out, charmap.Windows1252.DecodeByte(b[0]))
			size = 1
		} else {
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	return out
}

// decodeEntities appends text to dst with the five predefined entities and
// character references decoded (XML 1.0 section 4.6 and 4.1). It returns
// the first unknown entity reference, which is kept as written.
func decodeEntities(dst, text []byte) ([]byte, string) {
	var unknown string
	for {
		i := bytes.IndexByte(text, '&')
		if i < 0 {
			return append(dst, text...), unknown
		}
		dst = append(dst, text[:i]...)
		text = text[i:]
		j := bytes.IndexByte(text, ';')
		if j < 0 || j > 12 {
			dst = append(dst, '&')
			text = text[1:]
			if unknown == "" {
				unknown = "&"
			}
			continue
		}
		ref := text[1:j]
		var r rune = -1
		switch string(ref) {
		case "lt":
			r = '<'
		case "gt":
			r = '>'
		case "amp":
			r = '&'
		case "quot":
			r = '"'
		case "apos":
			r = '\''
		default:
			if len(ref) > 1 && ref[0] == '#' {
				var n uint64
				var err error
				if ref[1] == 'x' || ref[1] == 'X' {
					n, err = strconv.ParseUint(string(ref[2:]), 16, 32)
				} else {
					n, err = strconv.ParseUint(string(ref[1:]), 10, 32)
				}
				if err == nil && utf8.ValidRune(rune(n)) && n != 0 {
					r = rune(n)
				}
			}
		}
		if r < 0 {
			if unknown == "" {
				unknown = string(text[:j+1])
			}
			dst = append(dst, text[:j+1]...)
		} else {
			dst = utf8.AppendRune(dst, r)
		}
		text = text[j+1:]
	}
}

// lowerASCII reports whether b has no upper-case ASCII letter.
func lowerASCII(b []byte) bool {
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}
