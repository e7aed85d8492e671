package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// unzip walks the members of a zip archive, in the order of its central
// directory. Directories, macOS resource forks (__MACOSX/) and dot-files are
// skipped. The archive is buffered (see spool) within Limits.MaxArchive; an
// archive with more than Limits.MaxMembers entries is refused whole; each
// member may decompress to at most Limits.MaxDecompressed bytes, counted
// while reading.
func (w *walker) unzip(p part, br *bufio.Reader, c *capture) error {
	c.release() // the spool has the raw bytes
	s, bad, err := spoolArchive(br, w.lim.MaxArchive, p.name)
	if err != nil {
		return err
	}
	defer s.Close()
	raw := func() []byte { return s.prefix(w.lim.MaxRaw) }
	if bad != nil {
		return w.fail(p, bad, raw())
	}
	if n, ok := zipEntries(s, s.size); ok && n > uint64(w.lim.MaxMembers) {
		return w.fail(p, fmt.Errorf("%s: unzip: %w: %d entries, limit %d", p.name, ErrTooMany, n, w.lim.MaxMembers), raw())
	}
	zr, err := zip.NewReader(s, s.size)
	if err != nil && (zr == nil || !errors.Is(err, zip.ErrInsecurePath)) {
		// Insecure paths ("../x") are harmless here: names are only labels.
		return w.fail(p, partError(p.name, "unzip", err), raw())
	}
	if len(zr.File) > w.lim.MaxMembers {
		return w.fail(p, fmt.Errorf("%s: unzip: %w: %d entries, limit %d", p.name, ErrTooMany, len(zr.File), w.lim.MaxMembers), raw())
	}
	members := 0
	for _, f := range zr.File {
		if skipMember(f.Name) {
			continue
		}
		members++
		mp := p.member(cleanName(f.Name), f.Name)
		if err := w.member(mp, f, raw); err != nil {
			return err
		}
	}
	if members == 0 {
		return w.fail(p, fmt.Errorf("%s: %w: the archive has no files", p.name, ErrNoReport), raw())
	}
	return nil
}

// member walks one member of a zip archive. raw gives the archive's bytes,
// the Payload.Raw of a member that cannot be decompressed at all.
func (w *walker) member(p part, f *zip.File, raw func() []byte) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	rc, err := f.Open()
	if err != nil {
		return w.fail(p, partError(p.name, "unzip", err), raw())
	}
	defer rc.Close()
	lr := newLimitReader(rc, w.lim.MaxDecompressed, p.name, "unzip")
	lr.total = w.total
	body, _, err := opened(lr)
	if err != nil {
		return w.fail(p, err, raw())
	}
	return w.walk(p, body)
}

// skipMember tells whether a zip entry is not worth reading: a directory,
// a macOS resource fork, a hidden file.
func skipMember(name string) bool {
	name = strings.ReplaceAll(name, `\`, "/")
	return strings.HasSuffix(name, "/") ||
		strings.HasPrefix(name, "__MACOSX/") ||
		strings.HasPrefix(path.Base(name), ".")
}

// zipEntries reads the number of entries an archive declares in its end of
// central directory record (or its zip64 form), so that an archive of
// millions of tiny entries is refused before archive/zip reads its central
// directory into memory. ok is false when there is no such record: then
// archive/zip refuses the archive anyway.
func zipEntries(ra io.ReaderAt, size int64) (n uint64, ok bool) {
	const (
		eocdLen    = 22
		locatorLen = 20
		maxComment = 1<<16 - 1
	)
	tail := make([]byte, min(size, eocdLen+maxComment))
	if _, err := ra.ReadAt(tail, size-int64(len(tail))); err != nil {
		return 0, false
	}
	i := bytes.LastIndex(tail, []byte("PK\x05\x06"))
	if i < 0 || len(tail)-i < eocdLen {
		return 0, false
	}
	n = uint64(binary.LittleEndian.Uint16(tail[i+10:]))
	if n != 0xffff {
		return n, true
	}
	// Zip64: the locator before the record points to the zip64 record.
	at := size - int64(len(tail)) + int64(i) - locatorLen
	loc := make([]byte, locatorLen)
	if at < 0 {
		return n, true
	}
	if _, err := ra.ReadAt(loc, at); err != nil || string(loc[:4]) != "PK\x06\x07" {
		return n, true
	}
	rec := make([]byte, 56)
	off := binary.LittleEndian.Uint64(loc[8:])
	if off > uint64(size) {
		return n, true
	}
	if _, err := ra.ReadAt(rec, int64(off)); err != nil || string(rec[:4]) != "PK\x06\x06" {
		return n, true
	}
	return binary.LittleEndian.Uint64(rec[32:]), true
}

// cleanName makes a member or attachment file name fit for Payload.Name:
// valid UTF-8, without control characters.
func cleanName(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
