package aggregate

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/golden"
)

// TestGolden decodes each testdata/*.xml and compares header, records and
// messages with testdata/*.golden.json. Run with -update after an
// intended change, and review the diff.
func TestGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*.xml")
	if err != nil || len(files) == 0 {
		t.Fatal("no golden inputs", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			h, recs, d, err := decodeAll(t, bytes.NewReader(in), Options{ReceivedAt: time.Unix(1764115200, 0)})
			got := struct {
				Error    string    `json:"error,omitempty"`
				Status   string    `json:"status"`
				Header   *Header   `json:"header"`
				Records  []*Record `json:"records"`
				Messages []Message `json:"messages"`
			}{Status: d.Status(), Header: h, Records: recs, Messages: d.Messages()}
			if err != nil {
				got.Error = err.Error()
			}
			out, _ := json.MarshalIndent(got, "", "  ")
			out = append(out, '\n')
			golden.Check(t, strings.TrimSuffix(f, ".xml")+".golden.json", out)
		})
	}
}
