package senders

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
)

// builtinName is the name errors give the embedded catalogue.
const builtinName = "services.json (built in)"

//go:embed services.json
var builtinJSON []byte

// ErrInvalid is what every error about the content of a catalogue file
// matches with errors.Is.
var ErrInvalid = errors.New("invalid senders file")

// Error is an error in a catalogue file: where it is and what is wrong.
type Error struct {
	// File is the file's name.
	File string
	// Entry is the service it concerns, `service "sendgrid"` or
	// `services[3]` when it has no valid id; empty for the file as a whole.
	Entry string
	// Line is the line of the entry (or of a syntax error), from 1; 0 when
	// unknown.
	Line int
	// Field is the field, as a path ("match.asn[1]"); empty when the entry
	// as a whole is wrong.
	Field string
	Err   error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Entry != "" {
		b.WriteString(": " + e.Entry)
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	b.WriteString(": " + e.Err.Error())
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes every Error match ErrInvalid.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// Catalogue is a validated list of services, in file order (built-in
// entries first, then those a user's file adds). It is immutable and safe
// for concurrent use.
type Catalogue struct {
	services []Service
	// raw keeps each entry's JSON object, so that a user's file can
	// replace some keys of an entry and keep the others.
	raw []map[string]json.RawMessage
	// index maps ids to their position in services.
	index map[string]int
}

// Builtin returns the catalogue embedded in the binary.
func Builtin() (*Catalogue, error) {
	return (&Catalogue{}).Merge(builtinName, builtinJSON)
}

// Load returns the built-in catalogue merged with the file at path (see
// Merge); the built-in one alone when path is "".
func Load(path string) (*Catalogue, error) {
	c, err := Builtin()
	if err != nil || path == "" {
		return c, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("senders file: %w", err)
	}
	return c.Merge(filepath.Base(path), data)
}

// Merge returns c with the services of the JSON file data, called name in
// errors. The file is an object {"comment": "...", "services": [...]}, each
// service an object with the fields of Service. An entry whose id c has
// replaces the keys it sets of that entry and keeps the others (so
// {"id": "sendgrid", "match": {...}} replaces only the matchers); "disabled":
// true removes the entry; an entry with a new id is added. The result is
// validated as a whole.
func (c *Catalogue) Merge(name string, data []byte) (*Catalogue, error) {
	entries, err := parseFile(name, data)
	if err != nil {
		return nil, err
	}
	out := &Catalogue{raw: slices.Clone(c.raw)}
	lines := make([]int, len(out.raw)) // 0: the entry comes from an earlier file
	index := map[string]int{}
	for i, s := range c.services {
		index[s.ID] = i
	}
	for _, e := range entries {
		if i, ok := index[e.id]; ok {
			merged := maps.Clone(out.raw[i])
			maps.Copy(merged, e.keys)
			out.raw[i], lines[i] = merged, e.line
			continue
		}
		index[e.id] = len(out.raw)
		out.raw = append(out.raw, e.keys)
		lines = append(lines, e.line)
	}
	var kept []map[string]json.RawMessage
	for i, raw := range out.raw {
		var s Service
		if err := decodeStrict(raw, &s); err != nil {
			return nil, entryError(name, i, lines[i], idOf(raw), err)
		}
		if s.Disabled {
			continue
		}
		if err := s.validate(); err != nil {
			return nil, entryError(name, i, lines[i], s.ID, err)
		}
		out.services = append(out.services, s)
		kept = append(kept, raw)
	}
	out.raw = kept
	out.index = make(map[string]int, len(out.services))
	for i, s := range out.services {
		out.index[s.ID] = i
	}
	if err := out.checkReferences(name, index, lines); err != nil {
		return nil, err
	}
	return out, nil
}

// checkReferences checks that every runs_on names another service of the
// catalogue, itself not running on a third.
func (c *Catalogue) checkReferences(name string, index map[string]int, lines []int) error {
	for _, s := range c.services {
		if s.RunsOn == "" {
			continue
		}
		host, ok := c.Service(s.RunsOn)
		var err error
		switch {
		case s.RunsOn == s.ID:
			err = errors.New("a service cannot run on itself")
		case !ok:
			err = fmt.Errorf("no service has id %q", s.RunsOn)
		case host.RunsOn != "":
			err = fmt.Errorf("%q runs on %q itself: name that one", s.RunsOn, host.RunsOn)
		}
		if err != nil {
			i := index[s.ID]
			return entryError(name, i, lines[i], s.ID, &fieldError{"runs_on", err})
		}
	}
	return nil
}

// Services returns the services in catalogue order. The slices inside
// them are shared: callers must not modify them.
func (c *Catalogue) Services() []Service {
	return slices.Clone(c.services)
}

// Service returns the service with the given id.
func (c *Catalogue) Service(id string) (Service, bool) {
	i, ok := c.index[id]
	if !ok {
		return Service{}, false
	}
	return c.services[i], true
}

// rawEntry is one service object of a file, not yet validated.
type rawEntry struct {
	id   string
	line int
	keys map[string]json.RawMessage
}

// parseFile reads the objects of the services array of a file.
func parseFile(name string, data []byte) ([]rawEntry, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	fail := func(err error) error { return syntaxError(name, data, dec, err) }
	if err := expectDelim(dec, '{'); err != nil {
		if errors.Is(err, errDelim) {
			err = errors.New(`must be a JSON object with a "services" array`)
		}
		return nil, fail(err)
	}
	var entries []rawEntry
	seenServices := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fail(err)
		}
		key, _ := tok.(string)
		switch key {
		case "comment":
			var s string
			if err := dec.Decode(&s); err != nil {
				return nil, &Error{File: name, Field: "comment", Err: errors.New("must be a string")}
			}
		case "services":
			if entries, err = parseServices(name, dec, data); err != nil {
				return nil, err
			}
			seenServices = true
		default:
			return nil, &Error{File: name, Line: lineAt(data, dec.InputOffset()), Err: fmt.Errorf("unknown key %q: the file has \"comment\" and \"services\"", key)}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, fail(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &Error{File: name, Line: lineAt(data, dec.InputOffset()), Err: errors.New("text after the closing brace")}
	}
	if !seenServices {
		return nil, &Error{File: name, Err: errors.New(`no "services" array`)}
	}
	seen := map[string]int{}
	for i, e := range entries {
		if e.id == "" {
			return nil, entryError(name, i, e.line, "", &fieldError{"id", errors.New("missing")})
		}
		if j, ok := seen[e.id]; ok {
			return nil, entryError(name, i, e.line, e.id, fmt.Errorf("the id is used by services[%d] too", j))
		}
		seen[e.id] = i
	}
	return entries, nil
}

// parseServices reads the services array, keeping each entry's line.
func parseServices(name string, dec *json.Decoder, data []byte) ([]rawEntry, error) {
	if err := expectDelim(dec, '['); err != nil {
		return nil, &Error{File: name, Line: lineAt(data, dec.InputOffset()), Field: "services", Err: errors.New("must be an array of objects")}
	}
	var entries []rawEntry
	lines := lineCounter{data: data}
	for i := 0; dec.More(); i++ {
		line := lines.at(skipSpace(data, dec.InputOffset()))
		var keys map[string]json.RawMessage
		if err := dec.Decode(&keys); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return nil, entryError(name, i, line, "", errors.New("must be an object"))
			}
			return nil, syntaxError(name, data, dec, err)
		}
		if keys == nil {
			return nil, entryError(name, i, line, "", errors.New("must be an object"))
		}
		e := rawEntry{line: line, keys: keys}
		if raw, ok := keys["id"]; ok {
			if err := json.Unmarshal(raw, &e.id); err != nil {
				return nil, entryError(name, i, line, "", &fieldError{"id", errors.New("must be a string")})
			}
		}
		entries = append(entries, e)
	}
	if _, err := dec.Token(); err != nil {
		return nil, syntaxError(name, data, dec, err)
	}
	return entries, nil
}

// syntaxError is the Error of a JSON syntax error err of file name.
func syntaxError(name string, data []byte, dec *json.Decoder, err error) error {
	e := &Error{File: name, Err: err}
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		e.Line = lineAt(data, se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		e.Err = errors.New("unexpected end of the file")
	default:
		e.Line = lineAt(data, dec.InputOffset())
	}
	return e
}

// errDelim is the error of expectDelim for another token.
var errDelim = errors.New("expected")

// expectDelim reads the delimiter d.
func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != d {
		return fmt.Errorf("%w %q", errDelim, d.String())
	}
	return nil
}

// decodeStrict decodes one entry's object into s, refusing unknown fields.
func decodeStrict(raw map[string]json.RawMessage, s *Service) error {
	// encoding/json matches keys case-insensitively; the file's keys must
	// be exact, or an override "Name" would not replace the entry's
	// "name".
	if f := unknownField(raw); f != "" {
		return &fieldError{f, errors.New("unknown field")}
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(s); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &fieldError{te.Field, fmt.Errorf("must be %s, not %s", typeName(te.Type.String()), te.Value)}
		}
		return err
	}
	return nil
}

// unknownField returns the path of the first key of raw that Service (or
// its match or dkim object) does not have; "" when there is none.
func unknownField(raw map[string]json.RawMessage) string {
	nested := map[string]reflect.Type{"match": reflect.TypeFor[Matchers](), "dkim": reflect.TypeFor[DKIMSetup]()}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		if !hasJSONField(reflect.TypeFor[Service](), k) {
			return k
		}
		if t, ok := nested[k]; ok {
			var sub map[string]json.RawMessage
			_ = json.Unmarshal(raw[k], &sub)
			for _, n := range slices.Sorted(maps.Keys(sub)) {
				if !hasJSONField(t, n) {
					return k + "." + n
				}
			}
		}
	}
	return ""
}

// hasJSONField reports whether struct type t has a field of JSON name
// name.
func hasJSONField(t reflect.Type, name string) bool {
	for f := range t.Fields() {
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == name {
			return true
		}
	}
	return false
}

// typeName says a Go type of Service in the file's terms.
func typeName(t string) string {
	switch t {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "uint32":
		return "an AS number (1 to 4294967295)"
	case "[]string", "[]uint32":
		return "an array"
	}
	return "an object"
}

// fieldError is an error in one field of an entry.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.field + ": " + e.err.Error() }

// entryError returns the Error of entry i (line, id) of file name.
func entryError(name string, i, line int, id string, err error) error {
	e := &Error{File: name, Line: line, Entry: fmt.Sprintf("services[%d]", i), Err: err}
	if id != "" {
		e.Entry = fmt.Sprintf("service %q", id)
	}
	var fe *fieldError
	if errors.As(err, &fe) {
		e.Field, e.Err = fe.field, fe.err
	}
	return e
}

// idOf returns the id of a raw entry, "" when it has none.
func idOf(raw map[string]json.RawMessage) string {
	var id string
	_ = json.Unmarshal(raw["id"], &id)
	return id
}

// lineAt returns the line (from 1) of byte offset off in data.
func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

// lineCounter tells the lines of increasing offsets in data, counting
// each byte once however many entries a file has.
type lineCounter struct {
	data []byte
	off  int64
	line int
}

// at returns the line (from 1) of offset off, not before the last one
// asked.
func (l *lineCounter) at(off int64) int {
	off = min(max(off, l.off), int64(len(l.data)))
	l.line += bytes.Count(l.data[l.off:off], []byte{'\n'})
	l.off = off
	return l.line + 1
}

// skipSpace returns the offset of the first byte at or after off that is
// neither JSON white space nor the comma between array elements.
func skipSpace(data []byte, off int64) int64 {
	for off < int64(len(data)) && strings.IndexByte(" \t\r\n,", data[off]) >= 0 {
		off++
	}
	return off
}
