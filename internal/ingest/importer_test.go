package ingest

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/synth"
)

func newImporter(t *testing.T) (*Importer, *store.SQLite) {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &Importer{Store: st}, st
}

func synthReport(t *testing.T, o synth.Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := synth.Write(&b, o); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestImporterCorpus stores every aggregate sample of the corpus once: a
// second import changes nothing, and the counts match what was parsed.
func TestImporterCorpus(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(corpusDir(t), "aggregate")
	im, st := newImporter(t)
	ctx := context.Background()
	sum, err := im.ImportPath(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Quarantined != 0 || sum.Imported < 15 || sum.Records < 2300 {
		t.Fatalf("first import: %+v", sum)
	}
	before, _ := st.Counts(ctx)
	again, err := im.ImportPath(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := st.Counts(ctx)
	if again.Imported != 0 || again.Duplicates != sum.Imported+sum.Duplicates || before != after {
		t.Fatalf("second import: %+v; counts %+v -> %+v", again, before, after)
	}
	if after.Records != sum.Records {
		t.Errorf("store holds %d records, import counted %d", after.Records, sum.Records)
	}
}

// TestImporterQuarantine: whatever cannot be parsed is kept with its reason
// and raw bytes, never dropped.
func TestImporterQuarantine(t *testing.T) {
	t.Parallel()
	good := synthReport(t, synth.Options{Records: 3, Seed: 1})
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(good)
	zw.Close()
	corrupt := append([]byte{}, gz.Bytes()[:gz.Len()/2]...)
	corrupt = append(corrupt, bytes.Repeat([]byte{0x55}, 40)...)
	noMeta := []byte("<feedback><policy_published><domain>example.com</domain></policy_published></feedback>")
	tests := []struct {
		name, input string
		data        []byte
		typ, reason string
	}{
		{"missing metadata", "nometa.xml", noMeta, aggregate.MissingField, "report_metadata"},
		{"corrupt gzip", "broken.xml.gz", corrupt, "corrupt", "broken.xml.gz"},
		{"not a report", "note.xml", []byte("<html>hello</html>"), aggregate.SchemaViolation, "feedback"},
		{"TLS report without an id", "tls.json", []byte(`{"organization-name":"x"}`), "tlsrpt_invalid", "SMTP TLS report: not an SMTP TLS report: report-id: missing"},
		{"unknown bytes", "x.bin", []byte("\x00\x01\x02garbage"), "unknown_format", "unrecognised"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			im, st := newImporter(t)
			ctx := context.Background()
			sum, err := im.ImportReader(ctx, tt.input, bytes.NewReader(tt.data))
			if err != nil || sum.Quarantined != 1 || sum.Imported != 0 {
				t.Fatalf("%+v, %v", sum, err)
			}
			q, err := st.Quarantined(ctx)
			if err != nil || len(q) != 1 {
				t.Fatalf("%v %+v", err, q)
			}
			if q[0].ErrorType != tt.typ || !strings.Contains(q[0].Reason, tt.reason) || !strings.Contains(q[0].SourceName, tt.input) {
				t.Errorf("quarantine entry %+v", q[0])
			}
			raw, err := st.QuarantinedRaw(ctx, q[0].ID)
			if tt.typ == "corrupt" {
				// Broken while streaming: the decoded bytes read so far.
				if err != nil || len(raw) < 100 || !bytes.HasPrefix(raw, good[:100]) {
					t.Errorf("raw %q: %v", raw, err)
				}
				return
			}
			if err != nil || !bytes.Equal(raw, tt.data) {
				t.Errorf("raw bytes not kept as received (%d of %d bytes): %v", len(raw), len(tt.data), err)
			}
			if c, _ := st.Counts(ctx); c.Reports != 0 {
				t.Errorf("a report was stored: %+v", c)
			}
		})
	}
}

// TestImporterFatalMidway: a report refused after some records (here: too
// many) leaves no partial report behind.
func TestImporterFatalMidway(t *testing.T) {
	t.Parallel()
	im, st := newImporter(t)
	im.Decode = aggregate.Limits{MaxRecords: 50}
	ctx := context.Background()
	data := synthReport(t, synth.Options{Records: 200, Seed: 2})
	sum, err := im.ImportReader(ctx, "big.xml", bytes.NewReader(data))
	if err != nil || sum.Quarantined != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
	c, _ := st.Counts(ctx)
	if c.Reports != 0 || c.Records != 0 || c.Quarantined != 1 {
		t.Fatalf("counts %+v", c)
	}
	q, _ := st.Quarantined(ctx)
	if !strings.Contains(q[0].Reason, "more than 50 records") {
		t.Errorf("reason %q", q[0].Reason)
	}
	raw, _ := st.QuarantinedRaw(ctx, q[0].ID)
	if !bytes.Equal(raw, data) {
		t.Errorf("raw %d bytes, want the whole %d", len(raw), len(data))
	}
}

// TestImporterNoReportID dedupes a report without report_id by the digest
// of its bytes.
func TestImporterNoReportID(t *testing.T) {
	t.Parallel()
	im, st := newImporter(t)
	ctx := context.Background()
	data := bytes.Replace(synthReport(t, synth.Options{Records: 5, Seed: 3}), []byte("<report_id>synthetic-3</report_id>"), nil, 1)
	for i, want := range []Outcome{Imported, Duplicate} {
		sum, err := im.ImportReader(ctx, "noid.xml", bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if (want == Imported && sum.Imported != 1) || (want == Duplicate && sum.Duplicates != 1) {
			t.Fatalf("import %d: %+v", i, sum)
		}
	}
	reps, _ := st.Reports(ctx, store.ReportFilter{})
	if len(reps) != 1 || reps[0].RecordCount != 5 || reps[0].Status != "warnings" || len(reps[0].SHA256) != 64 {
		t.Fatalf("%+v", reps)
	}
	// A different report without an ID is a different report.
	other := bytes.Replace(data, []byte("<count>"), []byte("<count>1"), 1)
	if sum, _ := im.ImportReader(ctx, "noid2.xml", bytes.NewReader(other)); sum.Imported != 1 {
		t.Fatalf("%+v", sum)
	}
}

// TestImporterKeepsRawAndWarnings stores a truncated report's complete
// records with its warnings, and the original bytes for download.
func TestImporterKeepsRawAndWarnings(t *testing.T) {
	t.Parallel()
	im, st := newImporter(t)
	ctx := context.Background()
	full := synthReport(t, synth.Options{Records: 10, Seed: 4})
	cut := full[:len(full)-300]
	var got []Result
	im.Progress = func(r Result) { got = append(got, r) }
	if _, err := im.ImportReader(ctx, "cut.xml", bytes.NewReader(cut)); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Outcome != Imported || got[0].Status != "warnings" || got[0].Records != 9 {
		t.Fatalf("%+v", got)
	}
	rep, err := st.Report(ctx, got[0].ReportID)
	if err != nil || len(rep.Messages) == 0 || rep.Messages[0].ErrorType != aggregate.MalformedXML {
		t.Fatalf("%v %+v", err, rep)
	}
	raw, err := st.ReportRaw(ctx, rep.ID)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.ReadFrom(zr)
	if !bytes.Equal(b.Bytes(), cut) {
		t.Error("stored raw differs from the input")
	}
}

func TestImporterStoreError(t *testing.T) {
	t.Parallel()
	im, st := newImporter(t)
	st.Close()
	_, err := im.ImportReader(context.Background(), "a.xml", bytes.NewReader(synthReport(t, synth.Options{Records: 1})))
	if err == nil || errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("error %v, want the store's failure", err)
	}
}

// TestWalkTotalBudget: members that each keep within MaxDecompressed still
// stop at the input's MaxTotal, so nesting cannot multiply the work.
func TestWalkTotalBudget(t *testing.T) {
	t.Parallel()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(append([]byte("<feedback>"), make([]byte, 1<<20)...))
	zw.Close()
	var zb bytes.Buffer
	arch := zip.NewWriter(&zb)
	for i := 0; i < 10; i++ {
		f, _ := arch.Create(fmt.Sprintf("r%d.xml.gz", i))
		f.Write(gz.Bytes())
	}
	arch.Close()
	lim := Limits{MaxDecompressed: 2 << 20, MaxTotal: 5 << 20}
	var ok, over int
	err := Walk(context.Background(), "nested.zip", bytes.NewReader(zb.Bytes()), lim, func(p Payload) error {
		if p.Err != nil {
			if errors.Is(p.Err, ErrTooLarge) {
				over++
			}
			return nil
		}
		if _, err := io.Copy(io.Discard, p.Body); errors.Is(err, ErrTooLarge) && strings.Contains(err.Error(), "in all") {
			over++
		} else if err == nil {
			ok++
		}
		return nil
	})
	if err != nil || ok != 4 || over != 6 { // 4 × 1 MiB fit in 5 MiB
		t.Fatalf("err %v, %d payloads read whole, %d over the budget", err, ok, over)
	}
}
