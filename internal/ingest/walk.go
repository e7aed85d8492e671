package ingest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Payload is one candidate report found in an input, or one part of it
// that could not be decoded.
type Payload struct {
	// Name locates the payload: the input's name, then each container
	// member, joined with " > ", e.g. "inbox.mbox > message 3 >
	// google.com!example.com!1549929600!1550015999.zip >
	// google.com!example.com!1549929600!1550015999.xml". A gzip stream adds
	// no member (it has one); a mail part is named by its file name, or by
	// its MIME part number ("part 2.1") when it has none.
	Name string
	// Kind is what the payload looks like; KindUnknown when Err is set.
	Kind Kind
	// Body streams the decoded bytes. It is valid only during the callback:
	// afterwards its input moves on to the next payload. Nil when Err is
	// set. Its read errors wrap this package's errors (ErrTooLarge when a
	// decompression limit is passed, ErrCorrupt when the stream breaks
	// later on) and name the part.
	Body io.Reader
	// Err is set when this part could not be decoded (corrupt gzip, zip,
	// base64, a mail with no report attachment or body, unrecognised
	// content ...). It wraps one of this package's errors and names the
	// part.
	Err error
	// Raw holds up to Limits.MaxRaw bytes of the undecodable input when Err
	// is set, so the caller can quarantine it: the mail for ErrNoReport,
	// the archive for a corrupt zip, the encoded attachment for broken
	// base64. It is nil when those bytes were already streamed to an
	// earlier payload (a mail's structure breaking after its report part).
	Raw []byte
	// Mail carries the headers of the innermost mail the payload came from,
	// or nil.
	Mail *MailInfo
}

// MailInfo is what a payload's enclosing mail says about it, for display
// and for finding the mail again.
type MailInfo struct {
	// Subject and From are decoded (RFC 2047) header texts.
	Subject, From string
	// MessageID is without its angle brackets.
	MessageID string
	// Date is the zero time when the mail has no or an unparsable Date.
	Date time.Time
}

// Walk finds the payloads in one input stream and calls fn for each, in
// order. name is the input's name (file name, or "-" for stdin).
//
// Content is detected by magic bytes first (gzip 1f 8b, zip "PK\x03\x04",
// mbox "From " line, XML, JSON, mail header fields), then by name. fn's error
// stops the walk and is returned, as is the context's error, checked between
// payloads. Decoding problems are reported to fn as Payload.Err, never
// returned, so one bad part does not hide the others.
func Walk(ctx context.Context, name string, r io.Reader, lim Limits, fn func(Payload) error) error {
	lim = lim.withDefaults()
	w := &walker{ctx: ctx, lim: lim, fn: fn, total: &budget{left: lim.MaxTotal, max: lim.MaxTotal}}
	return w.walk(part{name: name, hint: filepath.Base(name)}, r)
}

// WalkPath is Walk over a file, or over every regular file below a
// directory: recursive, in lexical order, skipping files and directories
// whose name starts with '.'. Payload names start with the file's path.
// Symbolic links to files are followed, those to directories are not.
// Errors opening or listing files stop the walk and are returned.
func WalkPath(ctx context.Context, path string, lim Limits, fn func(Payload) error) error {
	return Files(ctx, path, func(file string) error { return walkFile(ctx, file, lim, fn) })
}

// Files calls fn for each file WalkPath reads below path (path itself
// when it is a file), in order: what a progress display counts.
func Files(ctx context.Context, path string, fn func(file string) error) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fn(path)
	}
	return filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p != path && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			fi, err := os.Stat(p)
			if err != nil || !fi.Mode().IsRegular() {
				return nil // a dangling link, a device, a pipe
			}
		}
		return fn(p)
	})
}

func walkFile(ctx context.Context, path string, lim Limits, fn func(Payload) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return Walk(ctx, path, f, lim, fn)
}

// walker is the state of one Walk.
type walker struct {
	ctx context.Context
	lim Limits
	fn  func(Payload) error
	// open holds the raw captures of the streams being decoded, outermost
	// first. A payload passed to fn releases them all: a container that
	// yielded a payload will not be reported as a whole anymore.
	open    []*capture
	emitted int     // payloads passed to fn
	total   *budget // Limits.MaxTotal left for this input
}

// part is one stream to decode and what is known about it.
type part struct {
	name  string    // location: Payload.Name
	hint  string    // file name, for the format when the content does not tell
	depth int       // containers around the stream
	mail  *MailInfo // innermost enclosing mail
	as    format    // the format when known beforehand (an mbox message is a mail)
	// attached is set for a mail attached to another, which reports
	// ErrNoReport for both.
	attached bool
}

// member returns the part for a member of container p named name, with
// file name hint.
func (p part) member(name, hint string) part {
	return part{name: p.name + " > " + name, hint: hint, depth: p.depth + 1, mail: p.mail}
}

// walk decodes one stream: it tells the stream's format and hands it to the
// decoder of that format, which walks the streams inside, or passes it to fn
// as a payload. Its error stops the whole walk: decoding problems are
// passed to fn instead.
func (w *walker) walk(p part, r io.Reader) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	c := newCapture(r, w.lim.MaxRaw)
	w.open = append(w.open, c)
	defer func() { w.open = w.open[:len(w.open)-1] }()

	br := bufio.NewReaderSize(c, sniffLen)
	head, err := br.Peek(sniffLen)
	if len(head) == 0 {
		if err == nil || err == io.EOF {
			return w.fail(p, fmt.Errorf("%s: %w: empty", p.name, ErrNoReport), nil)
		}
		return w.fail(p, partError(p.name, "read", err), c.raw())
	}
	f := p.as
	if f == formatUnknown {
		f = detect(head, p.hint)
	}
	if f.container() && p.depth >= w.lim.MaxDepth {
		return w.fail(p, fmt.Errorf("%s: %w: %s inside %d containers, limit %d", p.name, ErrTooDeep, f, p.depth, w.lim.MaxDepth), c.raw())
	}
	switch f {
	case formatXML, formatJSON:
		c.release()
		return w.emit(Payload{Name: p.name, Kind: f.kind(), Body: br, Mail: p.mail})
	case formatGzip:
		return w.gunzip(p, br, c)
	case formatZip:
		return w.unzip(p, br, c)
	case formatMail:
		return w.mail(p, br, c)
	case formatMbox:
		return w.mbox(p, br, c)
	}
	return w.fail(p, fmt.Errorf("%s: %w: starts with %q", p.name, ErrUnknown, head[:min(len(head), 16)]), c.raw())
}

// emit passes a payload to fn.
func (w *walker) emit(p Payload) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	for _, c := range w.open {
		c.release()
	}
	w.emitted++
	return w.fn(p)
}

// fail passes the error of a part that could not be decoded to fn, with the
// part's raw bytes.
func (w *walker) fail(p part, err error, raw []byte) error {
	return w.emit(Payload{Name: p.name, Err: err, Raw: raw, Mail: p.mail})
}

// opened reads ahead in the decoded stream r of a part. A stream that fails
// before its first byte cannot be walked: its error is returned (named as
// the stream's reader names it), for the caller to report with the encoded
// bytes rather than letting the part pass as empty.
func opened(r io.Reader) (*bufio.Reader, []byte, error) {
	br := bufio.NewReaderSize(r, sniffLen)
	head, err := br.Peek(sniffLen)
	if len(head) == 0 && err != nil && err != io.EOF {
		return nil, nil, err
	}
	return br, head, nil
}
