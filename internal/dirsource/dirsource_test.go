package dirsource

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/synth"
)

func TestPoll(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dir := t.TempDir()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var rep bytes.Buffer
	synth.Write(&rep, synth.Options{Records: 4, Seed: 1})
	write("a.xml", rep.Bytes())
	write("bad.xml", []byte("<html/>"))
	write("reply.eml", []byte("From: alice@example.org\r\nSubject: Re: reports\r\n\r\nThanks!\r\n"))
	write(".hidden.xml", rep.Bytes())
	w := &Watcher{Dir: dir, Importer: &ingest.Importer{Store: st}}

	// First poll only notes the files: they might still be written.
	if n, err := w.Poll(ctx); err != nil || n != 0 {
		t.Fatalf("first poll moved %d: %v", n, err)
	}
	// A file that grows between polls waits.
	write("growing.xml", rep.Bytes()[:100])
	if n, err := w.Poll(ctx); err != nil || n != 3 {
		t.Fatalf("second poll moved %d: %v", n, err)
	}
	write("growing.xml", rep.Bytes())
	w.Poll(ctx) // notes the new size
	// Unchanged since: imported, a duplicate of a.xml, so processed.
	if n, err := w.Poll(ctx); err != nil || n != 1 {
		t.Fatalf("third poll moved %d: %v", n, err)
	}
	for _, f := range []string{"processed/a.xml", "invalid/bad.xml", "other/reply.eml", "processed/growing.xml", ".hidden.xml"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	c, _ := st.Counts(ctx)
	if c.Reports != 1 || c.Quarantined != 1 {
		t.Errorf("counts %+v", c)
	}
	// A second file of the same name does not overwrite the first.
	write("a.xml", rep.Bytes())
	w.Poll(ctx)
	w.Poll(ctx)
	if _, err := os.Stat(filepath.Join(dir, "processed", "a.xml.1")); err != nil {
		t.Error(err)
	}
}
