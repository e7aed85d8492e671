package forensic

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/golden"
)

// corpusDir holds the real-world failure reports, read in place.
var corpusDir = filepath.Join("..", "..", "..", "shared", "corpus", "parsedmarc", "samples", "failure")

// corpusFiles returns the corpus samples, skipping the test when the
// corpus is not there.
func corpusFiles(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.eml"))
	if len(files) == 0 {
		t.Skip("corpus not present:", corpusDir)
	}
	return files
}

// goldenName turns a sample's file name (with spaces, brackets and
// parentheses) into a plain golden file name.
func goldenName(sample string, r Redaction) string {
	name := strings.TrimSuffix(filepath.Base(sample), ".eml")
	name = strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' {
			return c
		}
		return '_'
	}, name)
	return filepath.Join("testdata", name+"."+r.String()+".golden.json")
}

// goldenOutput is what a golden file holds: the report, its messages and
// status, or the error.
func goldenOutput(rep *Report, err error) []byte {
	out := struct {
		Error    string              `json:"error,omitempty"`
		Status   string              `json:"status,omitempty"`
		Report   *Report             `json:"report"`
		Messages []aggregate.Message `json:"messages"`
	}{Report: rep}
	if err != nil {
		out.Error = err.Error()
	} else {
		out.Status, out.Messages = rep.Status(), rep.Messages
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	enc.Encode(out)
	return b.Bytes()
}

func parseFile(t testing.TB, path string, opts Options) (*Report, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Parse(f, opts)
}

// TestGolden parses every failure report of the corpus under each
// redaction policy and compares the result with its golden file. Run with
// -update after an intended change, and review the diff.
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, f := range corpusFiles(t) {
		for _, r := range []Redaction{RedactAddresses, RedactFull, RedactOff} {
			t.Run(filepath.Base(f)+"/"+r.String(), func(t *testing.T) {
				t.Parallel()
				rep, err := parseFile(t, f, Options{Redaction: r})
				if err != nil {
					t.Errorf("every corpus sample is a failure report Parse reads: %v", err)
				}
				golden.Check(t, goldenName(f, r), goldenOutput(rep, err))
			})
		}
	}
}

// TestCRLF checks that line endings do not matter: LinkedIn's sample with
// CRLF gives the report of the one with LF.
func TestCRLF(t *testing.T) {
	t.Parallel()
	corpusFiles(t)
	lf, err := parseFile(t, filepath.Join(corpusDir, "dmarc_ruf_report_linkedin.eml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	crlf, err := parseFile(t, filepath.Join(corpusDir, "dmarc_ruf_report_linkedin.crlf.eml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := goldenOutput(lf, nil), goldenOutput(crlf, nil); !bytes.Equal(a, b) {
		t.Errorf("CRLF and LF differ:\n%s\n%s", a, b)
	}
}
