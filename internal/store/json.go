package store

import (
	"strconv"
	"unicode/utf8"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// The JSON columns of a record are written by these appenders rather than
// encoding/json: they make the same bytes as json.Marshal with HTML escaping
// off (json_test.go checks), without reflection or an allocation per value.
// They know the field names and omitempty tags of the aggregate types and
// must follow changes to them.

func appendReasons(b []byte, rs []aggregate.Reason) []byte {
	b = append(b, '[')
	for i := range rs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"type":`...)
		b = appendJSONString(b, rs[i].Type)
		if rs[i].Comment != "" {
			b = append(b, `,"comment":`...)
			b = appendJSONString(b, rs[i].Comment)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendDKIM(b []byte, rs []aggregate.DKIMResult) []byte {
	b = append(b, '[')
	for i := range rs {
		r := &rs[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"domain":`...)
		b = appendJSONString(b, r.Domain)
		if r.Selector != "" {
			b = append(b, `,"selector":`...)
			b = appendJSONString(b, r.Selector)
		}
		b = append(b, `,"result":`...)
		b = appendJSONString(b, r.Result)
		if r.HumanResult != "" {
			b = append(b, `,"human_result":`...)
			b = appendJSONString(b, r.HumanResult)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendSPF(b []byte, rs []aggregate.SPFResult) []byte {
	b = append(b, '[')
	for i := range rs {
		r := &rs[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"domain":`...)
		b = appendJSONString(b, r.Domain)
		if r.Scope != "" {
			b = append(b, `,"scope":`...)
			b = appendJSONString(b, r.Scope)
		}
		b = append(b, `,"result":`...)
		b = appendJSONString(b, r.Result)
		if r.HumanResult != "" {
			b = append(b, `,"human_result":`...)
			b = appendJSONString(b, r.HumanResult)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendJSONString appends s as a JSON string the way encoding/json does
// without HTML escaping: invalid UTF-8 becomes U+FFFD, and U+2028 and
// U+2029 are escaped for JavaScript.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, `\u00`...)
				b = append(b, hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, `\u202`...)
			b = strconv.AppendInt(b, int64(r&0xf), 16)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hex = "0123456789abcdef"
