package normalize

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// spoolMemory is how much encoded record JSON is kept in memory before the
// spool moves to a temporary file.
const spoolMemory = 1 << 20

// spool holds encoded records until the rest of the document is known.
type spool struct {
	buf  bytes.Buffer
	file *os.File
}

func (s *spool) Write(p []byte) (int, error) {
	if s.file == nil && s.buf.Len()+len(p) > spoolMemory {
		f, err := os.CreateTemp("", "parse-dmarc-spool-*")
		if err != nil {
			return 0, fmt.Errorf("spool records: %w", err)
		}
		os.Remove(f.Name()) // unlinked: the file goes away with the process
		if _, err := f.Write(s.buf.Bytes()); err != nil {
			f.Close()
			return 0, fmt.Errorf("spool records: %w", err)
		}
		s.buf = bytes.Buffer{}
		s.file = f
	}
	if s.file != nil {
		return s.file.Write(p)
	}
	return s.buf.Write(p)
}

// copyTo writes the spooled bytes to w.
func (s *spool) copyTo(w io.Writer) error {
	if s.file == nil {
		_, err := w.Write(s.buf.Bytes())
		return err
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("spool records: %w", err)
	}
	_, err := io.Copy(w, s.file)
	return err
}

func (s *spool) Close() error {
	if s.file != nil {
		return s.file.Close()
	}
	return nil
}
