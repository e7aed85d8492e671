package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/digest/digesttest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// TestDigest prints the weekly report of the digesttest world and writes
// its PDF; a bad period is a usage error.
func TestDigest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "digest.db")
	st, err := store.OpenSQLite(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	if err := digesttest.Fill(t.Context(), st, digesttest.Options{}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	pdf := filepath.Join(dir, "out.pdf")
	var out, errb bytes.Buffer
	env := Env{Stdout: &out, Stderr: &errb}
	code := Run(t.Context(), []string{"digest", "--db", db, "--period", "week", "--at", "2026-11-25", "--domain", "example.com", "--pdf", pdf}, env)
	if code != ExitOK || !strings.Contains(out.String(), "Week of 16 to 22 November 2026") || !strings.Contains(out.String(), "TOP ISSUES TO ACT ON") {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	if b, err := os.ReadFile(pdf); err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Errorf("PDF: %v %.10q", err, b)
	}
	out.Reset()
	if code := Run(t.Context(), []string{"digest", "--db", db, "--period", "month", "--at", "2026-11-25", "--format", "json", "--section", "summary"}, env); code != ExitOK ||
		!strings.Contains(out.String(), `"kind": "monthly"`) {
		t.Errorf("json: %d %s", code, out.String())
	}
	if code := Run(t.Context(), []string{"digest", "--db", db, "--period", "year"}, env); code != ExitUsage {
		t.Errorf("--period year: %d", code)
	}
}
