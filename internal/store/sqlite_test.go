package store

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"
)

// TestPragmas checks that the DSN's pragmas reach the connections of both
// pools.
func TestPragmas(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	tests := []struct {
		pragma      string
		writer, all string // want on the writer, and on the readers
	}{
		{"journal_mode", "wal", "wal"},
		{"synchronous", "1", "1"}, // NORMAL
		{"foreign_keys", "1", "1"},
		{"busy_timeout", "30000", "30000"},
		{"query_only", "0", "1"},
		{"temp_store", "2", "0"}, // MEMORY on the writer only
		{"cache_size", "-32768", "-2000"},
	}
	for _, tc := range tests {
		for _, pool := range []struct {
			name string
			db   *sql.DB
			want string
		}{{"writer", s.w, tc.writer}, {"reader", s.r, tc.all}} {
			var got string
			if err := pool.db.QueryRowContext(t.Context(), "PRAGMA "+tc.pragma).Scan(&got); err != nil {
				t.Fatalf("%s %s: %v", pool.name, tc.pragma, err)
			}
			if got != pool.want {
				t.Errorf("%s: %s = %s, want %s", pool.name, tc.pragma, got, pool.want)
			}
		}
	}
}

func TestSQLiteDSN(t *testing.T) {
	t.Parallel()
	got := sqliteDSN("/data/a?b#c%d.db", []string{"foreign_keys(1)"}, true)
	want := "file:/data/a%3fb%23c%25d.db?_pragma=foreign_keys%281%29&_txlock=immediate"
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestSQLitePath checks that a path with URI characters names the file
// literally, when it is created and when it is opened again.
func TestSQLitePath(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "a?b#c%d.db")
	for i := range 2 {
		s, err := OpenSQLite(t.Context(), path)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at its literal path: %v", err)
	}
}
