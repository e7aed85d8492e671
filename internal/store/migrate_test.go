package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// migrator migrates one database to steps, as its store does at open.
type migrator func(ctx context.Context, steps []migration) ([]int, error)

// newSQLiteMigrator makes an empty SQLite database that lives as long as t.
func newSQLiteMigrator(t testing.TB) migrator {
	db, err := sql.Open("sqlite", sqliteDSN(filepath.Join(t.TempDir(), "m.db"), nil, true))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return func(ctx context.Context, steps []migration) ([]int, error) { return migrate(ctx, db, steps) }
}

// newPostgresMigrator makes an empty PostgreSQL schema that lives as long
// as t.
func newPostgresMigrator(t testing.TB) migrator {
	pool, err := pgxpool.New(t.Context(), newPostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	var schema string
	if err := pool.QueryRow(t.Context(), `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, steps []migration) ([]int, error) {
		return migratePostgres(ctx, pool, schema, steps)
	}
}

// remigrate migrates the database of s to its store's schema again.
func remigrate(t testing.TB, s Store) ([]int, error) {
	t.Helper()
	switch s := s.(type) {
	case *SQLite:
		return migrate(t.Context(), s.w, sqliteMigrations)
	case *Postgres:
		return migratePostgres(t.Context(), s.pool, s.schema, postgresMigrations)
	}
	t.Fatalf("remigrate: unknown store %T", s)
	return nil, nil
}

// TestMigrations opens a new database from several goroutines at once, as
// processes (replicas) starting together would: each step is applied
// once, and migrating a current database applies nothing.
func TestMigrations(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		open := b.newDB(t)
		var mu sync.Mutex
		var stores []Store
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				s := open(t, 0)
				mu.Lock()
				stores = append(stores, s)
				mu.Unlock()
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		var n, last int
		if err := queryRow(t, stores[0], `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &last); err != nil {
			t.Fatal(err)
		}
		equal(t, "versions", [2]int{n, last}, [2]int{len(schemaSteps), schemaSteps[len(schemaSteps)-1].version})
		applied, err := remigrate(t, stores[0])
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "applied on a current database", applied, []int(nil))
	})
}

func TestMigrateSteps(t *testing.T) {
	t.Parallel()
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
	forEachBackend(t, func(t *testing.T, b backend) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				migrate := b.newMigrator(t)
				if _, err := migrate(t.Context(), tc.first); err != nil {
					t.Fatal(err)
				}
				applied, err := migrate(t.Context(), tc.then)
				if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
					t.Fatalf("got error %v, want %q", err, tc.err)
				}
				equal(t, "applied", applied, tc.applied)
			})
		}
	})
}

// TestSchemaTokens checks that every type token of the schema is expanded
// for both databases.
func TestSchemaTokens(t *testing.T) {
	t.Parallel()
	for _, steps := range [][]migration{sqliteMigrations, postgresMigrations} {
		for _, m := range steps {
			if strings.Contains(m.sql, "{{") {
				t.Errorf("step %d (%s) keeps a token: %s", m.version, m.name, m.sql)
			}
		}
	}
}
