package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// mbox walks the mails of an mbox file, each as "message N" (from 1). A
// mail starts at a line starting with "From " at the start of the file or
// after a blank line; the blank line before it (or before the end of the
// file) is a separator, not part of the previous mail. Body lines escaped as ">From " (any number of '>',
// mboxrd) lose one '>'. Mails are streamed one at a time, never held whole.
func (w *walker) mbox(p part, br *bufio.Reader, c *capture) error {
	c.release() // each message is captured on its own
	s := &mboxSplitter{br: br}
	for n := 1; ; n++ {
		msg, err := s.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return w.fail(p, partError(p.name, "mbox", err), nil)
		}
		mp := p.member(fmt.Sprintf("message %d", n), "")
		mp.mail = nil
		mp.as = formatMail
		if err := w.walk(mp, msg); err != nil {
			return err
		}
	}
}

// mboxSplitter splits an mbox stream into its messages.
type mboxSplitter struct {
	br  *bufio.Reader
	cur *mboxMessage
}

// next returns the next message, after reading what is left of the
// previous one, or io.EOF after the last.
func (s *mboxSplitter) next() (io.Reader, error) {
	if s.cur != nil {
		if _, err := io.Copy(io.Discard, s.cur); err != nil {
			return nil, err
		}
	}
	// Skip the "From " line, which may be longer than the buffer.
	for {
		line, err := s.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(line) > 0 {
			err = nil // a last "From " line without a message: an empty one
		}
		if err != nil {
			return nil, err
		}
		break
	}
	s.cur = &mboxMessage{br: s.br, bol: true}
	return s.cur, nil
}

// mboxMessage reads one message of an mbox, line by line from the
// splitter's reader, up to the next "From " line.
type mboxMessage struct {
	br      *bufio.Reader
	pending []byte // of the current line, not yet returned
	bol     bool   // the next read starts a line
	done    bool
	err     error
}

func (m *mboxMessage) Read(p []byte) (int, error) {
	for len(m.pending) == 0 {
		if m.err != nil {
			return 0, m.err
		}
		if m.done {
			return 0, io.EOF
		}
		m.fill()
	}
	n := copy(p, m.pending)
	m.pending = m.pending[n:]
	return n, nil
}

// fill reads the next line, or as much of it as the buffer holds, into
// pending. It is only called with pending empty: the line read before is
// no longer referenced when the reader's buffer moves.
func (m *mboxMessage) fill() {
	line, err := m.br.ReadSlice('\n')
	bol := m.bol
	m.bol = err == nil // a complete line: the next read starts another
	switch err {
	case nil, bufio.ErrBufferFull:
	case io.EOF:
		m.done = true
	default:
		m.err = err
	}
	if !bol {
		m.pending = line
		return
	}
	if err == nil && (bytes.Equal(line, []byte("\n")) || bytes.Equal(line, []byte("\r\n"))) {
		blank := string(line) // Peek may move the buffer line is in
		if next, err := m.br.Peek(5); bytes.Equal(next, []byte("From ")) || len(next) == 0 && err == io.EOF {
			m.done = true
			return
		}
		m.pending = []byte(blank)
		return
	}
	if i := bytes.IndexFunc(line, func(r rune) bool { return r != '>' }); i > 0 && bytes.HasPrefix(line[i:], []byte("From ")) {
		line = line[1:]
	}
	m.pending = line
}
