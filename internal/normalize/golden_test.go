package normalize

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/golden"
)

// TestGolden writes the normalized document of each testdata/*.xml and
// compares it with testdata/*.golden.json: the whole contract of
// "parse-dmarc parse", analysis included. Run with -update after an
// intended change and review the diff.
func TestGolden(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/*.xml")
	if len(files) == 0 {
		t.Fatal("no golden inputs")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			w := NewWriter(&out, Options{Pretty: true, ParserVersion: "golden", Now: fixed})
			if _, err := w.Aggregate(Source{Name: filepath.Base(f)}, aggregate.NewDecoder(bytes.NewReader(in), aggregate.Options{}), nil); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, strings.TrimSuffix(f, ".xml")+".golden.json", out.Bytes())
		})
	}
}
