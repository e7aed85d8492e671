package aggregate

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusDir is the shared real-world corpus, read in place.
var corpusDir = filepath.Join("..", "..", "..", "shared", "corpus", "parsedmarc", "samples")

// TestCorpus decodes every plain XML report of the real-world corpus: each
// must give at least one record, the broken ones by repair with a warning.
// Compressed and mailed reports are covered by the ingest and CLI tests.
func TestCorpus(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skip("corpus not present:", err)
	}
	var files []string
	for _, dir := range []string{"aggregate", "aggregate_invalid", "extract_report"} {
		m, _ := filepath.Glob(filepath.Join(corpusDir, dir, "*.xml"))
		files = append(files, m...)
	}
	if len(files) < 15 {
		t.Fatalf("only %d corpus files found", len(files))
	}
	// Repairs the broken samples must be flagged with.
	wantWarning := map[string]string{
		"invalid_xml.xml":                              MalformedXML,
		"invalid_utf_8.xml":                            InvalidValue,
		"report_with_upper_cased_pass.xml":             InvalidValue,
		"empty_reason.xml":                             MissingField,
		"!large-example.com!1711897200!1711983600.xml": MissingField, // empty org_name
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fh, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			h, recs, d, err := decodeAll(t, fh, Options{})
			if err != nil {
				t.Fatalf("%v; messages %v", err, d.Messages())
			}
			if len(recs) == 0 {
				t.Fatal("no records")
			}
			if h.Policy.Domain == "" || h.Metadata.ReportID == "" {
				t.Errorf("header incomplete: %+v", h)
			}
			for _, r := range recs {
				if r.Count < 1 || r.SourceIP == "" {
					t.Errorf("record %+v", r)
				}
			}
			if typ, ok := wantWarning[name]; ok {
				if d.Status() != "warnings" || !hasMessage(d.Messages(), typ, "/") {
					t.Errorf("status %s, want a %s warning; messages %v", d.Status(), typ, d.Messages())
				}
			}
		})
	}
	t.Run("large has every record", func(t *testing.T) {
		t.Parallel()
		fh, _ := os.Open(filepath.Join(corpusDir, "aggregate", "!large-example.com!1711897200!1711983600.xml"))
		defer fh.Close()
		_, recs, _, err := decodeAll(t, fh, Options{})
		if err != nil || len(recs) != 2286 {
			t.Fatalf("%v, %d records, want 2286", err, len(recs))
		}
	})
	t.Run("empty.xml refused", func(t *testing.T) {
		t.Parallel()
		fh, _ := os.Open(filepath.Join(corpusDir, "empty.xml"))
		defer fh.Close()
		_, _, d, err := decodeAll(t, fh, Options{})
		if !errors.Is(err, ErrNotAggregate) || !strings.Contains(err.Error(), "empty input") || d.Status() != "errors" {
			t.Fatalf("error %v, status %s", err, d.Status())
		}
	})
}
