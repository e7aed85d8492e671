package ingest

import (
	"fmt"
	"io"
)

// Defaults for the zero fields of Limits.
const (
	defaultMaxDecompressed = 512 << 20
	defaultMaxArchive      = 256 << 20
	defaultMaxMembers      = 1000
	defaultMaxDepth        = 6
	defaultMaxRaw          = 20 << 20
	defaultMaxTotal        = 4 << 30
)

// Limits bound container decoding, so that a decompression bomb, an archive
// with a huge number of members or containers nested without end fail with
// a clear error (ErrTooLarge, ErrTooMany, ErrTooDeep) naming the part,
// instead of exhausting memory, disk or time. Zero or negative fields take
// the defaults.
type Limits struct {
	// MaxDecompressed is the most bytes one gzip stream or one zip member
	// may decompress to; default 512 MiB. It is enforced while reading,
	// counting the bytes actually produced (sizes declared in headers are
	// not trusted): the read that passes it fails with ErrTooLarge.
	MaxDecompressed int64
	// MaxArchive is the most bytes of one zip archive buffered for random
	// access (zip needs an io.ReaderAt), and the most bytes of one mail;
	// default 256 MiB. An archive is kept in memory up to 8 MiB and
	// spilled to a temporary file above, which is removed when the archive
	// is done.
	MaxArchive int64
	// MaxMembers is the most entries one zip archive may have; default
	// 1000. Directories and skipped entries count too. An archive with
	// more is refused whole with ErrTooMany, before its central directory
	// is read into memory.
	MaxMembers int
	// MaxDepth is the most containers nested around a payload; default 6.
	// "inbox.mbox > message 3 > report.zip > report.xml" is at depth 3
	// (mbox, mail, zip); a gzip stream counts as one level too.
	MaxDepth int
	// MaxRaw is the most bytes of an undecodable input kept in Payload.Raw;
	// default 20 MiB.
	MaxRaw int
	// MaxTotal is the most bytes all the gzip streams and zip members of
	// one input (one Walk, one file of WalkPath) may decompress to
	// together; default 4 GiB. It stops nested bombs ("42.zip") whose every
	// member keeps within MaxDecompressed but whose nesting multiplies the
	// work: past it, every further read fails with ErrTooLarge.
	MaxTotal int64
}

// withDefaults returns lim with the defaults in place of its zero fields.
func (lim Limits) withDefaults() Limits {
	if lim.MaxDecompressed <= 0 {
		lim.MaxDecompressed = defaultMaxDecompressed
	}
	if lim.MaxArchive <= 0 {
		lim.MaxArchive = defaultMaxArchive
	}
	if lim.MaxMembers <= 0 {
		lim.MaxMembers = defaultMaxMembers
	}
	if lim.MaxDepth <= 0 {
		lim.MaxDepth = defaultMaxDepth
	}
	if lim.MaxRaw <= 0 {
		lim.MaxRaw = defaultMaxRaw
	}
	if lim.MaxTotal <= 0 {
		lim.MaxTotal = defaultMaxTotal
	}
	return lim
}

// limitReader is the reader every decoder's output goes through. It counts
// the bytes read and fails with ErrTooLarge when there are more than max,
// and it names the part and the decoder (op) in read errors, marking errors
// of the decoder as ErrCorrupt (see partError). Errors are sticky.
type limitReader struct {
	r     io.Reader
	left  int64 // bytes that may still be read
	max   int64
	total *budget // the input's budget for all decompression, or nil
	name  string
	op    string
	err   error
}

// budget is what is left of Limits.MaxTotal for one input.
type budget struct{ left, max int64 }

func newLimitReader(r io.Reader, max int64, name, op string) *limitReader {
	return &limitReader{r: r, left: max, max: max, name: name, op: op}
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Read at most one byte past the limit: enough to tell that there is
	// more, without trusting a size declared anywhere.
	if int64(len(p))-1 > l.left {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	if int64(n) > l.left {
		n = int(l.left)
		l.left = 0
		l.err = fmt.Errorf("%s: %s: %w of %d bytes", l.name, l.op, ErrTooLarge, l.max)
		return n, l.err
	}
	l.left -= int64(n)
	if t := l.total; t != nil {
		if int64(n) > t.left {
			n = int(t.left)
			t.left = 0
			l.err = fmt.Errorf("%s: %s: %w: the input decompresses to more than %d bytes in all", l.name, l.op, ErrTooLarge, t.max)
			return n, l.err
		}
		t.left -= int64(n)
	}
	if err != nil {
		if err != io.EOF {
			err = partError(l.name, l.op, err)
		}
		l.err = err
	}
	return n, err
}
