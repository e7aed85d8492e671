package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestGzip(t *testing.T) {
	xml := report("gz")
	gz := gzipOf(t, xml)
	corruptBlock := bytes.Clone(gz)
	corruptBlock[10] = 0xff // the first deflate block: reserved block type
	truncated := gz[:len(gz)-12]
	var named bytes.Buffer
	zw := gzip.NewWriter(&named)
	zw.Name = "inner.json"
	zw.Write([]byte(`not quite json`))
	zw.Close()

	tests := []struct {
		name    string
		data    []byte
		want    string // summary of the one payload
		body    []byte // when not nil, the body wanted
		rawGzip bool   // the error's Raw is the gzip stream
	}{
		{"plain.xml.gz", gz, "xml plain.xml.gz", xml, false},
		{"misnamed.xml", gz, "xml misnamed.xml", xml, false},
		// Mimecast: CRLF after the member.
		{"crlf.gz", append(bytes.Clone(gz), '\r', '\n'), "xml crlf.gz", xml, false},
		{"garbage.gz", append(bytes.Clone(gz), "garbage after the member"...), "xml garbage.gz", xml, false},
		// Concatenated members read as one stream, as gzip(1) does.
		{"members.gz", append(gzipOf(t, xml[:10]), gzipOf(t, xml[10:])...), "xml members.gz", xml, false},
		{"json.gz", gzipOf(t, []byte(`{"organization-name":"x"}`)), "json json.gz", nil, false},
		// Content that says nothing: the name inside (report.json from
		// report.json.gz, else the gzip header's) decides.
		{"report.json.gz", gzipOf(t, []byte("nothing")), "json report.json.gz", nil, false},
		{"noname", named.Bytes(), "json noname", nil, false},
		{"unknown.gz", gzipOf(t, []byte("nothing")), "unknown unknown.gz", nil, false},
		{"header.gz", []byte("\x1f\x8b\x09not a deflate header"), "corrupt header.gz", nil, true},
		{"block.gz", corruptBlock, "corrupt block.gz", nil, true},
		// Failing later on: the body's read fails.
		{"truncated.gz", truncated, "xml+corrupt truncated.gz", nil, false},
		{"empty.gz", gzipOf(t, nil), "noreport empty.gz", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := walkBytes(t, tt.name, tt.data, Limits{})
			if s := summary(got); len(s) != 1 || s[0] != tt.want {
				t.Fatalf("payloads %q, want %q", s, tt.want)
			}
			p := got[0]
			if tt.body != nil && !bytes.Equal(p.Body, tt.body) {
				t.Errorf("body %q, want %q", p.Body, tt.body)
			}
			for _, err := range []error{p.Err, p.ReadErr} {
				if err != nil && errors.Is(err, ErrCorrupt) && !strings.HasPrefix(err.Error(), tt.name+": gunzip: corrupt container: ") {
					t.Errorf("error does not name the part and decoder: %v", err)
				}
			}
			if tt.rawGzip && !bytes.Equal(p.Raw, tt.data) {
				t.Errorf("raw %q, want the gzip stream", p.Raw)
			}
		})
	}
}

func TestZeroGzip(t *testing.T) {
	zr, err := gzip.NewReader(bytes.NewReader(zeroGzip(t, 8)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil || len(b) != 8<<20 || bytes.ContainsFunc(b, func(r rune) bool { return r != 0 }) {
		t.Fatalf("zeroGzip(8): %d bytes, err %v", len(b), err)
	}
}

// TestGzipBomb checks that 600 MiB of zeros compressed to a few hundred KB
// fail with ErrTooLarge as soon as the limit is passed.
func TestGzipBomb(t *testing.T) {
	bomb := zeroGzip(t, 600)
	t.Logf("bomb: %d bytes", len(bomb))
	const limit = 1 << 20
	in := bytes.NewReader(bomb)
	start := time.Now()
	var n int64
	var readErr error
	err := Walk(context.Background(), "bomb.xml.gz", in, Limits{MaxDecompressed: limit}, func(p Payload) error {
		if p.Err != nil {
			return p.Err
		}
		n, readErr = io.Copy(io.Discard, p.Body)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(readErr, ErrTooLarge) || !strings.HasPrefix(readErr.Error(), "bomb.xml.gz: gunzip: ") {
		t.Fatalf("read error %v, want ErrTooLarge naming the part", readErr)
	}
	if n != limit {
		t.Errorf("read %d bytes, want the limit %d", n, limit)
	}
	if consumed := int64(len(bomb)) - int64(in.Len()); consumed > 64<<10 {
		t.Errorf("consumed %d bytes of the bomb: decompression went on past the limit", consumed)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}
