package imapsource

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// spillAt is how much of a message is kept in memory; beyond, it goes to a
// temporary file.
const spillAt = 8 << 20

// spool holds one fetched message, so that it is complete before the
// importer sees it: a connection that breaks mid-message then fails the
// fetch, instead of handing over a truncated mail that would be
// quarantined as corrupt. Close removes the temporary file, if any.
type spool struct {
	mem  []byte
	f    *os.File
	size int64
	// tooLarge is set when the message had more than the maximum bytes;
	// the spool then holds only the first ones.
	tooLarge bool
}

// spoolMessage reads r to its end, keeping at most max bytes.
func spoolMessage(r io.Reader, max int64) (*spool, error) {
	s := &spool{}
	lr := &io.LimitedReader{R: r, N: max + 1}
	var buf bytes.Buffer
	n, err := io.CopyN(&buf, lr, min(max+1, spillAt))
	s.size = n
	switch {
	case err == io.EOF:
		s.mem = buf.Bytes()
		return s, nil
	case err != nil:
		return nil, err
	case n > max:
		s.mem, s.size, s.tooLarge = buf.Bytes()[:max], max, true
		return s, drain(r)
	}
	if s.f, err = os.CreateTemp("", "parse-dmarc-imap-*"); err != nil {
		return nil, fmt.Errorf("buffering message: %w", err)
	}
	if _, err := buf.WriteTo(s.f); err != nil {
		s.Close()
		return nil, fmt.Errorf("buffering message: %w", err)
	}
	n, err = io.Copy(s.f, lr)
	s.size += n
	if err != nil {
		s.Close()
		return nil, err
	}
	if s.size > max {
		s.size = max
		s.tooLarge = true
		if err := drain(r); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// drain reads the rest of a message not kept, so the connection can go on.
func drain(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}

// reader reads the message from its start.
func (s *spool) reader() io.Reader {
	if s.f == nil {
		return bytes.NewReader(s.mem)
	}
	return io.NewSectionReader(s.f, 0, s.size)
}

// Close removes the temporary file.
func (s *spool) Close() error {
	if s.f == nil {
		return nil
	}
	name := s.f.Name()
	s.f.Close()
	return os.Remove(name)
}
