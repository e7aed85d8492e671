package ingest

import "io"

// capture keeps a copy of the first max bytes read through it: the raw
// input that a part which turns out undecodable is reported with (see
// Payload.Raw). A capture is released as soon as its part decoded far
// enough not to need it, so that streaming a large payload does not keep
// a copy of its start.
type capture struct {
	r   io.Reader
	buf []byte
	max int
	off bool
}

func newCapture(r io.Reader, max int) *capture {
	return &capture{r: r, max: max}
}

func (c *capture) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if !c.off && len(c.buf) < c.max {
		c.buf = append(c.buf, p[:min(n, c.max-len(c.buf))]...)
	}
	return n, err
}

// release stops capturing and drops what was kept.
func (c *capture) release() {
	c.off = true
	c.buf = nil
}

// raw returns the bytes captured so far and the rest of the input, up to
// max bytes in all, or nil once released. It reads on from the input, so
// it is for parts that are done: the caller reads nothing more from it.
func (c *capture) raw() []byte {
	if c.off {
		return nil
	}
	if n := c.max - len(c.buf); n > 0 {
		io.CopyN(io.Discard, c, int64(n)) // errors end the raw bytes, nothing more
	}
	return c.buf
}
