// Package golden compares what a test produced with a golden file kept in
// the package's testdata, and rewrites the file instead when the tests run
// with -update.
//
// Importing the package registers the -update flag for the test binary:
//
//	go test ./internal/badge -update
//
// After an intended change, rewrite the files with -update and review
// their diff before committing them.
package golden

import (
	"bytes"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Check compares got with the file at path, failing the test where they
// differ or the file is missing. With -update it writes got to path
// instead.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run with -update and review the diff):\n%s", path, got)
	}
}
