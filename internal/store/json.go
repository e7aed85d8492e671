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
	return appendArray(b, rs, func(b []byte, r *aggregate.Reason) []byte {
		b = appendMember(b, '{', "type", r.Type)
		b = appendOptional(b, "comment", r.Comment)
		return append(b, '}')
	})
}

func appendDKIM(b []byte, rs []aggregate.DKIMResult) []byte {
	return appendArray(b, rs, func(b []byte, r *aggregate.DKIMResult) []byte {
		b = appendMember(b, '{', "domain", r.Domain)
		b = appendOptional(b, "selector", r.Selector)
		b = appendMember(b, ',', "result", r.Result)
		b = appendOptional(b, "human_result", r.HumanResult)
		return append(b, '}')
	})
}

func appendSPF(b []byte, rs []aggregate.SPFResult) []byte {
	return appendArray(b, rs, func(b []byte, r *aggregate.SPFResult) []byte {
		b = appendMember(b, '{', "domain", r.Domain)
		b = appendOptional(b, "scope", r.Scope)
		b = appendMember(b, ',', "result", r.Result)
		b = appendOptional(b, "human_result", r.HumanResult)
		return append(b, '}')
	})
}

// appendArray appends a JSON array of rs, each element written by elem.
func appendArray[T any](b []byte, rs []T, elem func([]byte, *T) []byte) []byte {
	b = append(b, '[')
	for i := range rs {
		if i > 0 {
			b = append(b, ',')
		}
		b = elem(b, &rs[i])
	}
	return append(b, ']')
}

// appendMember appends sep (the object's '{' or a ','), then "key":value.
func appendMember(b []byte, sep byte, key, value string) []byte {
	b = append(b, sep, '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendJSONString(b, value)
}

// appendOptional appends ,"key":value unless value is empty (omitempty).
func appendOptional(b []byte, key, value string) []byte {
	if value == "" {
		return b
	}
	return appendMember(b, ',', key, value)
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
