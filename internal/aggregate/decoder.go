package aggregate

import (
	"errors"
	"io"
	"time"
)

// Limits bound what a Decoder accepts, so that hostile or broken input ends
// in a clear ErrLimit rather than in exhausted memory. Zero fields take the
// defaults below.
type Limits struct {
	// MaxBytes is the most XML bytes read (after decompression and
	// charset decoding). Default 512 MiB: Google's largest reports are
	// tens of MiB.
	MaxBytes int64
	// MaxDepth is the deepest element nesting accepted. Default 64; the
	// schema needs 5.
	MaxDepth int
	// MaxRecords is the most records in one report. Default 5,000,000.
	MaxRecords int
	// MaxText is the longest text value of one element. Default 64 KiB.
	MaxText int
}

// Defaults for Limits.
const (
	DefaultMaxBytes   = 512 << 20
	DefaultMaxDepth   = 64
	DefaultMaxRecords = 5_000_000
	DefaultMaxText    = 64 << 10
)

// Options configure a Decoder.
type Options struct {
	Limits Limits
	// ReceivedAt replaces a date_range timestamp that cannot be read, as
	// the protocol asks ("use report receipt time, flag"). Default: now.
	ReceivedAt time.Time
}

// Decoder reads one aggregate report from a stream. Call Header once, then
// Next until it returns io.EOF. Messages and Status are complete after that.
type Decoder struct {
	r    io.Reader
	opts Options
}

// NewDecoder returns a Decoder reading XML from r. The XML may start with a
// byte order mark and declare any encoding golang.org/x/text knows.
func NewDecoder(r io.Reader, opts Options) *Decoder {
	return &Decoder{r: r, opts: opts}
}

// Header reads up to the first record and returns the report's metadata and
// published policy. A *FatalError is returned when the report cannot be
// used; other errors come from the reader.
func (d *Decoder) Header() (*Header, error) { return nil, errors.New("not implemented") }

// Next returns the next record, or io.EOF after the last one. The Record is
// the caller's to keep.
func (d *Decoder) Next() (*Record, error) { return nil, io.EOF }

// Messages returns the validation findings so far, warnings and fatal.
func (d *Decoder) Messages() []Message { return nil }

// Status is the protocol's validation_status: "valid", "warnings" or
// "errors" (a fatal finding).
func (d *Decoder) Status() string { return "valid" }

// Records returns how many records were returned so far.
func (d *Decoder) Records() int { return 0 }
