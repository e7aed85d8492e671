package aggregate

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecoder feeds arbitrary bytes to the decoder with small limits. It
// must never panic, never exceed its limits, and keep its own invariants.
func FuzzDecoder(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte(minimalHead + minimalRecord[:60]))
	f.Add([]byte("<feedback><record><row><count>1</count></row></record></feedback>"))
	f.Add([]byte("\xFF\xFE<\x00?\x00x\x00m\x00l\x00"))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><feedback/>`))
	seeds, _ := filepath.Glob("testdata/*.xml")
	corpus, _ := filepath.Glob(filepath.Join(corpusDir, "aggregate*", "*.xml"))
	for _, p := range append(seeds, corpus...) {
		if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxBytes: 1 << 20, MaxDepth: 16, MaxRecords: 1000, MaxText: 4096}
		d := NewDecoder(bytes.NewReader(data), Options{Limits: lim})
		h, err := d.Header()
		n := 0
		if err == nil {
			if h == nil {
				t.Fatal("nil header without error")
			}
			for {
				r, err := d.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					if d.Status() != "errors" {
						t.Fatalf("error %v with status %s", err, d.Status())
					}
					break
				}
				if r == nil || r.AuthResults.DKIM == nil || r.AuthResults.SPF == nil {
					t.Fatalf("bad record %+v", r)
				}
				n++
			}
		} else if d.Status() != "errors" {
			var fe *FatalError
			if errors.As(err, &fe) {
				t.Fatalf("fatal error %v with status %s", err, d.Status())
			}
		}
		if n > lim.MaxRecords || d.Records() != n {
			t.Fatalf("%d records, Records() %d", n, d.Records())
		}
		if len(d.Messages()) > maxMessages+1 {
			t.Fatalf("%d messages", len(d.Messages()))
		}
	})
}
