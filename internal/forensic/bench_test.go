package forensic_test

import (
	"io"
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/forensic"
)

// BenchmarkParse parses the synthetic report, and one whose reported
// message has a 10 MiB body, which is read and dropped.
func BenchmarkParse(b *testing.B) {
	small := synthReport(nil)
	head, tail, _ := strings.Cut(small, bodyMarker)
	for _, bc := range []struct {
		name string
		body int
	}{{"small", 0}, {"body10MiB", 10 << 20}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(small) + bc.body))
			for b.Loop() {
				r := io.MultiReader(strings.NewReader(head), &repeat{b: []byte(strings.Repeat("z", 75) + "\r\n"), n: bc.body}, strings.NewReader(tail))
				if _, err := forensic.Parse(r, forensic.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
