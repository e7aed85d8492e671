package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// spillAt is how much of an archive a spool keeps in memory; beyond, the
// archive goes to a temporary file.
const spillAt = 8 << 20

// spool buffers an archive for random access: zip's central directory is at
// its end. Close removes the temporary file, if any.
type spool struct {
	io.ReaderAt // the archive: in memory, or f
	f           *os.File
	size        int64
}

// spoolArchive reads r to its end into a spool, failing once it passes max
// bytes. bad is the archive's problem (ErrTooLarge past max, a read error
// of r named as r names it), to report as the part's error; the spool then
// holds what was read. err is a failure of the temporary file, which stops
// the walk.
func spoolArchive(r io.Reader, max int64, name string) (s *spool, bad, err error) {
	lr := newLimitReader(r, max, name, "unzip")
	s = &spool{}
	var buf bytes.Buffer
	_, bad = io.CopyN(&buf, lr, min(max, spillAt)+1)
	s.ReaderAt = bytes.NewReader(buf.Bytes())
	s.size = int64(buf.Len())
	if bad == io.EOF {
		return s, nil, nil
	}
	if bad != nil {
		return s, bad, nil
	}
	s.f, err = os.CreateTemp("", "parse-dmarc-archive-*")
	if err != nil {
		return nil, nil, fmt.Errorf("%s: buffering archive: %w", name, err)
	}
	s.ReaderAt = s.f
	if _, err := buf.WriteTo(s.f); err != nil {
		s.Close()
		return nil, nil, fmt.Errorf("%s: buffering archive: %w", name, err)
	}
	n, cerr := io.Copy(s.f, lr)
	s.size += n
	switch {
	case lr.err != nil && lr.err != io.EOF:
		return s, lr.err, nil
	case cerr != nil:
		s.Close()
		return nil, nil, fmt.Errorf("%s: buffering archive: %w", name, cerr)
	}
	return s, nil, nil
}

// prefix returns up to n bytes from the start of the archive, for
// Payload.Raw.
func (s *spool) prefix(n int) []byte {
	b := make([]byte, min(int64(n), s.size))
	m, _ := s.ReadAt(b, 0)
	return b[:m]
}

// Close removes the temporary file, if any.
func (s *spool) Close() error {
	if s == nil || s.f == nil {
		return nil
	}
	err := s.f.Close()
	return errors.Join(err, os.Remove(s.f.Name()))
}
