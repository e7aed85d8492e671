package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"strings"
)

// gunzip walks the stream compressed in a gzip stream: a .gz file, an
// application/gzip attachment. It adds no member to the name: a gzip stream
// holds one stream.
//
// Members are read one at a time (Multistream(false)): concatenated members
// are read on as one stream, like gzip(1) does, but anything else after a
// member ends the stream and is ignored. Mimecast appends CRLF to its gzip
// attachments, which gzip.Reader in multistream mode refuses.
func (w *walker) gunzip(p part, br *bufio.Reader, c *capture) error {
	zr, err := gzip.NewReader(br)
	if err != nil {
		return w.fail(p, partError(p.name, "gunzip", err), c.raw())
	}
	zr.Multistream(false)
	r := newLimitReader(&gzipMembers{zr: zr, br: br}, w.lim.MaxDecompressed, p.name, "gunzip")
	r.total = w.total
	body, _, err := opened(r)
	if err != nil {
		return w.fail(p, err, c.raw())
	}
	c.release()
	inner := p
	inner.depth++
	inner.hint = gunzipName(p.hint, zr.Name)
	inner.as = formatUnknown
	return w.walk(inner, body)
}

// gzipMembers reads a gzip stream member after member, for as long as the
// next member starts with the gzip magic bytes.
type gzipMembers struct {
	zr *gzip.Reader
	br *bufio.Reader
}

func (g *gzipMembers) Read(p []byte) (int, error) {
	for {
		n, err := g.zr.Read(p)
		if err != io.EOF {
			return n, err
		}
		if next, _ := g.br.Peek(2); !bytes.Equal(next, []byte{0x1f, 0x8b}) {
			return n, io.EOF // the end, or trailing garbage
		}
		if err := g.zr.Reset(g.br); err != nil {
			return n, err
		}
		g.zr.Multistream(false)
		if n > 0 {
			return n, nil
		}
	}
}

// gunzipName is the file name of what a gzip stream named name holds: name
// without its .gz, else the name in the gzip header (which may be empty).
func gunzipName(name, header string) string {
	lower := strings.ToLower(name)
	for _, ext := range []string{".gz", ".gzip"} {
		if strings.HasSuffix(lower, ext) {
			return name[:len(name)-len(ext)]
		}
	}
	return header
}
