package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMigrations(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "a?b#c%d.db") // URI characters in the path
	for i := range 2 {
		s, err := OpenSQLite(t.Context(), path)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		var n, max int
		if err := s.r.QueryRowContext(t.Context(), `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &max); err != nil {
			t.Fatal(err)
		}
		equal(t, "versions", [2]int{n, max}, [2]int{len(sqliteMigrations), sqliteMigrations[len(sqliteMigrations)-1].version})
		// Applying again does nothing.
		applied, err := migrate(t.Context(), s.w, sqliteMigrations)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "applied on a current database", applied, []int(nil))
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at its literal path: %v", err)
	}
}

func TestMigrateSteps(t *testing.T) {
	t.Parallel()
	open := func(t *testing.T) *sql.DB {
		db, err := sql.Open("sqlite", sqliteDSN(filepath.Join(t.TempDir(), "m.db"), nil, true))
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		t.Cleanup(func() { db.Close() })
		return db
	}
	steps := []migration{
		{version: 1, name: "one", sql: `CREATE TABLE one (a INTEGER)`},
		{version: 2, name: "two", sql: `CREATE TABLE two (a INTEGER); CREATE INDEX two_a ON two (a)`},
	}
	tests := []struct {
		name    string
		first   []migration
		then    []migration
		applied []int
		err     string
	}{
		{"fresh", nil, steps, []int{1, 2}, ""},
		{"current", steps, steps, nil, ""},
		{"one new step", steps[:1], steps, []int{2}, ""},
		{"newer database", steps, steps[:1], nil, "newer than this program"},
		{"out of order", nil, []migration{steps[1], steps[0]}, nil, "out of order"},
		{"failing step", nil, append(steps[:1:1], migration{version: 2, name: "bad", sql: `CREATE TABLE one (a INTEGER)`}), []int{1}, "migration 2 (bad)"},
		{"backfill", nil, append(steps[:1:1], migration{version: 2, name: "fill", sql: `CREATE TABLE two (a INTEGER)`,
			backfill: func(ctx context.Context, run rowSource, exec execer) error {
				return exec(ctx, `INSERT INTO two (a) SELECT COUNT(*) FROM one`)
			}}), []int{1, 2}, ""},
		{"failing backfill", nil, append(steps[:1:1], migration{version: 2, name: "fill", sql: `CREATE TABLE two (a INTEGER)`,
			backfill: func(ctx context.Context, run rowSource, exec execer) error {
				return exec(ctx, `INSERT INTO nothing (a) VALUES (1)`)
			}}), []int{1}, "migration 2 (fill): backfill"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := open(t)
			if _, err := migrate(t.Context(), db, tc.first); err != nil {
				t.Fatal(err)
			}
			applied, err := migrate(t.Context(), db, tc.then)
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("got error %v, want %q", err, tc.err)
			}
			equal(t, "applied", applied, tc.applied)
		})
	}
}
