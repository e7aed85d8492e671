package ingest

import (
	"bytes"
	"context"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/synth"
)

// TestImporterStored: Stored is told of each report committed, and of
// nothing else (a duplicate, a quarantined input), through a copy of the
// Importer with its own Progress too.
func TestImporterStored(t *testing.T) {
	t.Parallel()
	base, _ := newImporter(t)
	var stored []Result
	base.Stored = func(_ context.Context, r Result) { stored = append(stored, r) }
	im := *base
	progress := 0
	im.Progress = func(Result) { progress++ }
	report := synthReport(t, synth.Options{Records: 3})
	for _, in := range [][]byte{report, report, []byte("<feedback>not a report")} {
		if _, err := im.ImportReader(t.Context(), "in.xml", bytes.NewReader(in)); err != nil {
			t.Fatal(err)
		}
	}
	if progress != 3 || len(stored) != 1 || stored[0].Outcome != Imported || stored[0].ReportID == 0 || stored[0].Format != FormatAggregate {
		t.Errorf("progress %d, stored %+v", progress, stored)
	}
}
