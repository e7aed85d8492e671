package aggregate_test

import (
	"bytes"
	"io"
	"sync"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/synth"
)

var benchReport = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	synth.Write(&b, synth.Options{Records: 100_000, Seed: 7})
	return b.Bytes()
})

// BenchmarkDecoder streams a generated 100k-record report through the
// Decoder; compare with BenchmarkEncodingXML.
func BenchmarkDecoder(b *testing.B) {
	data := benchReport()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		d := aggregate.NewDecoder(bytes.NewReader(data), aggregate.Options{})
		if _, err := d.Header(); err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := d.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 100_000 {
			b.Fatalf("%d records", n)
		}
	}
}

// BenchmarkEncodingXML decodes the same report with encoding/xml structs.
func BenchmarkEncodingXML(b *testing.B) {
	data := benchReport()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if n, err := synth.DecodeStd(bytes.NewReader(data)); err != nil || n != 100_000 {
			b.Fatal(n, err)
		}
	}
}
