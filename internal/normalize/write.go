package normalize

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
)

// Options of a Writer.
type Options struct {
	// Pretty indents the JSON; otherwise each document is one line (JSON
	// Lines).
	Pretty        bool
	ParserVersion string
	// Now gives parsed_at; default time.Now.
	Now func() time.Time
}

// Writer writes normalized documents to an io.Writer.
type Writer struct {
	w    *bufio.Writer
	opts Options
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer, opts Options) *Writer {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Writer{w: bufio.NewWriterSize(w, 64<<10), opts: opts}
}

// Source describes where a report came from.
type Source struct {
	Name   string // e.g. "mail.eml > report.zip > report.xml"
	SHA256 string // optional; filled by Aggregate's caller when known
}

// Aggregate decodes one aggregate report from d and writes its document.
// usable is false when the report could not be used (then the document
// holds the fatal error); err is a failure to write. digest, when not nil,
// is called after the last record for the SHA-256 of the input.
func (w *Writer) Aggregate(src Source, d *aggregate.Decoder, digest func() string) (usable bool, err error) {
	meta := w.meta(src)
	hdr, err := d.Header()
	if err != nil {
		return false, w.fatal(meta, d, err)
	}
	var sp spool
	defer sp.Close()
	acc := analysis.NewAccumulator(hdr)
	indent := w.indent(3)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if w.opts.Pretty {
		enc.SetIndent(indent, "  ")
	}
	n := 0
	for {
		rec, err := d.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return false, w.fatal(meta, d, err)
		}
		acc.Add(rec)
		if n > 0 {
			sp.Write([]byte{','})
		}
		if w.opts.Pretty {
			sp.Write([]byte("\n" + indent))
		}
		buf.Reset()
		if err := enc.Encode(rec); err != nil {
			return false, fmt.Errorf("encode record: %w", err)
		}
		// Encode ends each value with a newline, which JSON Lines
		// cannot have inside a document.
		if _, err := sp.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))); err != nil {
			return false, err
		}
		n++
	}
	if digest != nil {
		meta.SHA256 = digest()
	}
	meta.ValidationStatus = d.Status()
	meta.ValidationMessages = nonNil(d.Messages())

	ow := &objectWriter{w: w.w, pretty: w.opts.Pretty}
	ow.begin(0)
	ow.field(1, "parse_metadata", meta)
	ow.key(1, "report")
	ow.begin(1)
	ow.field(2, "metadata", hdr.Metadata)
	ow.field(2, "policy_published", hdr.Policy)
	if hdr.Version != "" || hdr.Namespace != "" {
		ow.field(2, "schema", struct {
			Version   string `json:"version,omitempty"`
			Namespace string `json:"namespace,omitempty"`
		}{hdr.Version, hdr.Namespace})
	}
	ow.key(2, "records")
	ow.raw("[")
	if err := sp.copyTo(ow); err != nil {
		return false, err
	}
	if n > 0 && w.opts.Pretty {
		ow.raw("\n" + w.indent(2))
	}
	ow.raw("]")
	ow.field(2, "statistics", acc.Statistics())
	ow.field(2, "source_classifications", nonNil(acc.Sources()))
	ow.field(2, "trends", Trends{})
	ow.end(1)
	ow.field(1, "risk_indicators", acc.Risk())
	ow.field(1, "recommendations", nonNil(acc.Recommendations()))
	ow.end(0)
	ow.raw("\n")
	if ow.err != nil {
		return false, ow.err
	}
	return true, w.w.Flush()
}

// Error writes the document of an input that holds no readable report.
func (w *Writer) Error(src Source, msg aggregate.Message) error {
	meta := w.meta(src)
	meta.ValidationStatus = "errors"
	meta.ValidationMessages = []aggregate.Message{msg}
	return w.writeError(meta)
}

// fatal writes the error document of a report the decoder refused; it
// returns only a write error.
func (w *Writer) fatal(meta ParseMetadata, d *aggregate.Decoder, err error) error {
	meta.ValidationStatus = "errors"
	meta.ValidationMessages = nonNil(d.Messages())
	var fe *aggregate.FatalError
	if !errors.As(err, &fe) {
		// A read error (corrupt gzip, size limit): not one of the
		// decoder's own findings, so add it.
		meta.ValidationMessages = append(meta.ValidationMessages, aggregate.Message{
			ErrorType: aggregate.MalformedXML, Field: "/", Expected: "a readable report",
			Actual: err.Error(), Severity: aggregate.SeverityFatal, Action: aggregate.ActionHaltedParse,
		})
	}
	return w.writeError(meta)
}

func (w *Writer) writeError(meta ParseMetadata) error {
	return w.encode(errorDocument{ParseMetadata: meta, Recommendations: []analysis.Recommendation{}})
}

// encode writes one document.
func (w *Writer) encode(doc any) error {
	enc := json.NewEncoder(w.w)
	enc.SetEscapeHTML(false)
	if w.opts.Pretty {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode document: %w", err)
	}
	return w.w.Flush()
}

func (w *Writer) meta(src Source) ParseMetadata {
	return ParseMetadata{
		ParserVersion: w.opts.ParserVersion,
		ParsedAt:      w.opts.Now().UTC().Truncate(time.Second),
		InputFormat:   FormatAggregate,
		Source:        src.Name,
		SHA256:        src.SHA256,
	}
}

func (w *Writer) indent(level int) string {
	if !w.opts.Pretty {
		return ""
	}
	b := make([]byte, 2*level)
	for i := range b {
		b[i] = ' '
	}
	return string(b)
}

// nonNil makes a nil slice encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
