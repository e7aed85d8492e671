package normalize

import (
	"bufio"
	"encoding/json"
	"strings"
)

// objectWriter writes a JSON object key by key, so that a part of it (the
// records) can be copied in from the spool. It keeps the first error.
type objectWriter struct {
	w      *bufio.Writer
	pretty bool
	first  [8]bool // whether the object at each level has no key yet
	err    error
}

func (o *objectWriter) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.w.Write(p)
	o.err = err
	return n, err
}

func (o *objectWriter) raw(s string) {
	if o.err == nil {
		_, o.err = o.w.WriteString(s)
	}
}

func (o *objectWriter) newline(level int) {
	if o.pretty {
		o.raw("\n" + strings.Repeat("  ", level))
	}
}

// begin opens an object whose keys are at level+1.
func (o *objectWriter) begin(level int) {
	o.raw("{")
	o.first[level+1] = true
}

// end closes the object opened by begin(level).
func (o *objectWriter) end(level int) {
	o.newline(level)
	o.raw("}")
}

// key writes the key of a member at level.
func (o *objectWriter) key(level int, k string) {
	if !o.first[level] {
		o.raw(",")
	}
	o.first[level] = false
	o.newline(level)
	o.raw(`"` + k + `":`)
	if o.pretty {
		o.raw(" ")
	}
}

// field writes a member with an encoded value.
func (o *objectWriter) field(level int, k string, v any) {
	o.key(level, k)
	var b []byte
	var err error
	if o.pretty {
		b, err = json.MarshalIndent(v, strings.Repeat("  ", level), "  ")
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		if o.err == nil {
			o.err = err
		}
		return
	}
	o.Write(b)
}
