package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// TestImportTLSReports imports every SMTP TLS report of the corpus, the
// mail with its gzipped report included, stores each once, and keeps
// the JSON as sent.
func TestImportTLSReports(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(corpusDir(t), "smtp_tls")
	im, st := newImporter(t)
	ctx := context.Background()
	var results []Result
	im.Progress = func(r Result) { results = append(results, r) }
	sum, err := im.ImportPath(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Imported != 4 || sum.Quarantined != 0 {
		t.Fatalf("%+v: %+v", sum, results)
	}
	for _, r := range results {
		if r.Outcome == Imported && (r.Format != FormatTLS || r.Records != 1 || r.Status == "") {
			t.Errorf("result %+v", r)
		}
	}
	again, err := im.ImportPath(ctx, dir)
	if err != nil || again.Duplicates != 4 || again.Imported != 0 {
		t.Fatalf("again: %+v, %v", again, err)
	}
	list, err := st.TLSReports(ctx, store.TLSFilter{Domain: "cardinalhealth.ca"}, 0, 10)
	if err != nil || len(list) != 1 || list[0].Successful != 48 {
		t.Fatalf("Google's report from the mail: %+v, %v", list, err)
	}
	gz, err := st.TLSReportRaw(ctx, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil || !bytes.Contains(raw, []byte(`"organization-name"`)) {
		t.Errorf("raw JSON: %q, %v", raw, err)
	}
	if c, _ := st.Counts(ctx); c.Reports != 0 || c.Quarantined != 0 {
		t.Errorf("TLS reports counted as aggregate ones or quarantined: %+v", c)
	}
}
