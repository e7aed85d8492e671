package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/forensic"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// Outcome is what happened to one payload.
type Outcome int

const (
	Imported    Outcome = iota // stored as a new report
	Duplicate                  // the same report was stored before; nothing changed
	Quarantined                // kept in quarantine with its reason
	// Ignored is a mail that holds no report of any kind (mailing-list
	// noise, a bounce, a person's reply): logged and counted, nothing
	// stored; the mail stays where it came from (the IMAP source moves it
	// to its folder for other mail).
	Ignored
)

func (o Outcome) String() string {
	switch o {
	case Imported:
		return "imported"
	case Duplicate:
		return "duplicate"
	case Ignored:
		return "ignored"
	}
	return "quarantined"
}

// maxRawGzip is the largest compressed copy of a report's XML kept with
// it (for download and re-processing); larger reports keep none.
const maxRawGzip = 8 << 20

// Formats of the reports a Result tells of.
const (
	FormatAggregate = "aggregate" // a DMARC aggregate report
	FormatTLS       = "smtp_tls"  // an SMTP TLS report (RFC 8460)
	FormatForensic  = "forensic"  // a failure report (RFC 6591)
)

// Result is the outcome for one payload.
type Result struct {
	Name string
	// Format is FormatAggregate, FormatTLS or FormatForensic; empty for
	// what was quarantined before its format was known, and for Ignored.
	Format   string
	Outcome  Outcome
	ReportID int64  // the store's id: of the new report (aggregate, TLS or failure), or of the quarantine entry
	Records  int64  // records of an aggregate report, policies of a TLS report; 0 for a failure report
	Status   string // validation status of an imported report
	Err      error  // why it was quarantined or ignored, or why a duplicate is one
}

// Summary counts the results of an import.
type Summary struct {
	Inputs      int
	Imported    int
	Duplicates  int
	Quarantined int
	// Ignored counts mails without any report (see Ignored).
	Ignored int
	Records int64
	Elapsed time.Duration
}

func (s *Summary) add(r Result) {
	switch r.Outcome {
	case Imported:
		s.Imported++
		s.Records += r.Records
	case Duplicate:
		s.Duplicates++
	case Quarantined:
		s.Quarantined++
	case Ignored:
		s.Ignored++
	}
}

// Importer stores every report found in its inputs. What cannot be parsed is
// quarantined with its reason and raw bytes, never dropped: the protocol's
// "nothing silently lost". An Importer is safe for concurrent use when its
// Store is.
type Importer struct {
	Store  store.Store
	Limits Limits
	Decode aggregate.Limits
	Log    *slog.Logger
	// Progress, when set, is called after each payload.
	Progress func(Result)
	// Stored, when set, is called after each report is committed
	// (Outcome Imported), by every way in (files, mail, uploads), since
	// copies of the Importer keep it while they change Progress. serve
	// publishes the report's events from it; it should be quick, as
	// ingest waits for it.
	Stored func(ctx context.Context, r Result)
	// Now is the receipt time; default time.Now.
	Now func() time.Time
	// Redaction is the policy failure reports are stored under, beyond
	// the body and the recipient addresses, which are never kept; the
	// zero value is the default, forensic.RedactAddresses.
	Redaction forensic.Redaction
}

// ImportPath imports a file, or every file below a directory.
func (im *Importer) ImportPath(ctx context.Context, path string) (Summary, error) {
	return im.run(ctx, func(fn func(Payload) error) error { return WalkPath(ctx, path, im.Limits, fn) })
}

// ImportReader imports the reports in one input stream named name.
func (im *Importer) ImportReader(ctx context.Context, name string, r io.Reader) (Summary, error) {
	return im.run(ctx, func(fn func(Payload) error) error { return Walk(ctx, name, r, im.Limits, fn) })
}

func (im *Importer) run(ctx context.Context, walk func(func(Payload) error) error) (Summary, error) {
	start := time.Now()
	var sum Summary
	sum.Inputs = 1
	err := walk(func(p Payload) error {
		r, err := im.Payload(ctx, p)
		if err != nil {
			return err
		}
		sum.add(r)
		if im.Progress != nil {
			im.Progress(r)
		}
		return nil
	})
	sum.Elapsed = time.Since(start)
	return sum, err
}

func (im *Importer) log() *slog.Logger {
	if im.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return im.Log
}

func (im *Importer) now() time.Time {
	if im.Now == nil {
		return time.Now().UTC()
	}
	return im.Now().UTC()
}

// Payload imports one payload. The returned error is a store failure that
// should stop the import; problems with the payload itself end in
// quarantine and a nil error.
func (im *Importer) Payload(ctx context.Context, p Payload) (Result, error) {
	r, err := im.payload(ctx, p)
	if err == nil && r.Outcome == Imported && im.Stored != nil {
		im.Stored(ctx, r)
	}
	return r, err
}

// payload imports one payload for Payload.
func (im *Importer) payload(ctx context.Context, p Payload) (Result, error) {
	switch {
	case mailWithoutReport(p):
		return im.routeMail(ctx, p)
	case p.Err != nil:
		return im.quarantine(ctx, p.Name, p.Err, errorType(p.Err), p.Raw, false)
	case p.Kind == KindJSON:
		return im.tlsReport(ctx, p)
	}
	return im.aggregate(ctx, p)
}

func (im *Importer) maxRaw() int {
	if im.Limits.MaxRaw > 0 {
		return im.Limits.MaxRaw
	}
	return defaultMaxRaw
}

// aggregate decodes and stores one aggregate report, streaming its records
// into one store transaction.
func (im *Importer) aggregate(ctx context.Context, p Payload) (Result, error) {
	received := im.now()
	tap := newTap(p.Body, im.maxRaw())
	dec := aggregate.NewDecoder(tap, aggregate.Options{Limits: im.Decode, ReceivedAt: received})
	hdr, err := dec.Header()
	if err != nil {
		return im.quarantineDecode(ctx, p.Name, tap, err)
	}
	in := store.Incoming{Header: hdr, SourceName: p.Name, ReceivedAt: received}
	if hdr.Metadata.ReportID == "" {
		// Without a report_id the report is known by the digest of its
		// bytes, which needs all of them before anything is stored; the
		// report is then decoded again from memory.
		if _, err := io.Copy(io.Discard, tap); err != nil {
			return im.quarantineDecode(ctx, p.Name, tap, err)
		}
		if tap.truncated {
			return im.quarantine(ctx, p.Name, fmt.Errorf("report has no report_id and is larger than %d bytes, too large to identify by digest", im.maxRaw()), aggregate.MissingField, tap.raw.Bytes(), true)
		}
		in.SHA256 = tap.sum()
		tap = newTap(bytes.NewReader(tap.raw.Bytes()), im.maxRaw())
		dec = aggregate.NewDecoder(tap, aggregate.Options{Limits: im.Decode, ReceivedAt: received})
		if hdr, err = dec.Header(); err != nil {
			return im.quarantineDecode(ctx, p.Name, tap, err)
		}
		in.Header = hdr
	}
	tx, err := im.Store.BeginReport(ctx, in)
	if errors.Is(err, store.ErrDuplicate) {
		im.log().Info("duplicate report", "source", p.Name, "org", hdr.Metadata.Reporter.OrgName, "report_id", hdr.Metadata.ReportID)
		return Result{Name: p.Name, Format: FormatAggregate, Outcome: Duplicate, Err: err}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", p.Name, err)
	}
	defer tx.Rollback()
	var n int64
	for {
		rec, err := dec.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tx.Rollback()
			return im.quarantineDecode(ctx, p.Name, tap, err)
		}
		if err := tx.Add(ctx, rec); err != nil {
			return Result{}, fmt.Errorf("%s: %w", p.Name, err)
		}
		n++
	}
	// Read what follows </feedback> so the digest covers the whole input.
	io.Copy(io.Discard, tap)
	sum := store.Summary{Status: dec.Status(), Messages: dec.Messages(), SHA256: tap.sum()}
	if !tap.truncated {
		sum.RawGzip = gzipCapped(tap.raw.Bytes(), maxRawGzip)
	}
	id, err := tx.Commit(ctx, sum)
	if err != nil {
		return Result{}, fmt.Errorf("%s: commit: %w", p.Name, err)
	}
	im.log().Info("report imported", "source", p.Name, "id", id, "records", n, "status", sum.Status)
	return Result{Name: p.Name, Format: FormatAggregate, Outcome: Imported, ReportID: id, Records: n, Status: sum.Status}, nil
}

// quarantineDecode quarantines a report the decoder refused, with the raw
// bytes seen so far plus the rest of the input (up to the cap). When the
// container itself breaks while the report streams (a gzip cut short), the
// bytes kept are the decoded ones read so far: the original stays where it
// came from, since files are never deleted and mails are moved only after
// their reports are stored.
func (im *Importer) quarantineDecode(ctx context.Context, name string, tap *tap, err error) (Result, error) {
	io.Copy(io.Discard, tap) // keep the rest of the input, within the cap
	typ := errorType(err)
	var fe *aggregate.FatalError
	if errors.As(err, &fe) {
		typ = fe.Message.ErrorType
	}
	return im.quarantine(ctx, name, err, typ, tap.raw.Bytes(), tap.truncated)
}

func (im *Importer) quarantine(ctx context.Context, name string, reason error, typ string, raw []byte, truncated bool) (Result, error) {
	sum := sha256.Sum256(raw)
	q := store.Quarantined{
		SourceName: name, Reason: reason.Error(), ErrorType: typ, ReceivedAt: im.now(),
		Size: int64(len(raw)), SHA256: hex.EncodeToString(sum[:]), Raw: raw, Truncated: truncated,
	}
	id, err := im.Store.Quarantine(ctx, q)
	if err != nil {
		return Result{}, fmt.Errorf("%s: quarantine: %w", name, err)
	}
	im.log().Warn("report quarantined", "source", name, "id", id, "reason", reason)
	return Result{Name: name, Outcome: Quarantined, ReportID: id, Err: reason}, nil
}

// errorType names a container error for the quarantine list.
func errorType(err error) string {
	switch {
	case errors.Is(err, ErrNoReport):
		return "no_report"
	case errors.Is(err, ErrTooLarge), errors.Is(err, ErrTooDeep), errors.Is(err, ErrTooMany):
		return "limit"
	case errors.Is(err, ErrUnknown):
		return "unknown_format"
	case errors.Is(err, ErrCorrupt):
		return "corrupt"
	}
	return "unreadable"
}

// tap copies what is read through it into a digest and, up to a cap, into
// memory: the raw bytes a quarantine keeps.
type tap struct {
	r         io.Reader
	h         hash.Hash
	raw       bytes.Buffer
	max       int
	truncated bool
}

func newTap(r io.Reader, max int) *tap { return &tap{r: r, h: sha256.New(), max: max} }

func (t *tap) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.h.Write(p[:n])
	if room := t.max - t.raw.Len(); room > 0 {
		t.raw.Write(p[:min(n, room)])
		if n > room {
			t.truncated = true
		}
	} else if n > 0 {
		t.truncated = true
	}
	return n, err
}

// sum is the hex SHA-256 of everything read so far.
func (t *tap) sum() string { return hex.EncodeToString(t.h.Sum(nil)) }

// gzipCapped compresses b, or returns nil when the result exceeds max.
func gzipCapped(b []byte, max int) []byte {
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.BestSpeed)
	zw.Write(b)
	zw.Close()
	if out.Len() > max {
		return nil
	}
	return out.Bytes()
}
