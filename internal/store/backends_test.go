package store

import (
	"path/filepath"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/store/pgtest"
)

// opener opens a store on one test database; stores are closed when t
// ends. batch is the records batch size, zero for the default. Several
// stores may be open on the database at once, as several processes would.
type opener func(t testing.TB, batch int) Store

// backend is one Store implementation under test.
type backend struct {
	name string
	// newDB makes an empty database that lives as long as t and returns
	// its opener; it skips t when the backend is unavailable.
	newDB func(t testing.TB) opener
	// newMigrator makes an empty database that lives as long as t and
	// returns its migrator.
	newMigrator func(t testing.TB) migrator
}

func backends() []backend {
	return []backend{
		{"sqlite", newSQLiteDB, newSQLiteMigrator},
		{"postgres", newPostgresDB, newPostgresMigrator},
	}
}

// forEachBackend runs fn as a parallel subtest for each backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Helper()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

// openStore opens a store with default options on a new database of b.
func openStore(t testing.TB, b backend) Store {
	t.Helper()
	return b.newDB(t)(t, 0)
}

func newSQLiteDB(t testing.TB) opener {
	path := filepath.Join(t.TempDir(), "test.db")
	return func(t testing.TB, batch int) Store {
		t.Helper()
		s, err := OpenSQLiteWith(t.Context(), path, SQLiteOptions{BatchSize: batch})
		if err != nil {
			t.Fatalf("open sqlite: %v", err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		})
		return s
	}
}

// newPostgresDB creates a schema with a random name and returns an opener
// whose DSN selects it through search_path.
func newPostgresDB(t testing.TB) opener {
	t.Helper()
	dsn := newPostgresSchema(t)
	return func(t testing.TB, batch int) Store {
		t.Helper()
		p, err := OpenPostgresWith(t.Context(), dsn, PostgresOptions{BatchSize: batch})
		if err != nil {
			t.Fatalf("open postgres: %v", err)
		}
		t.Cleanup(func() {
			if err := p.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		})
		return p
	}
}

// newPostgresSchema creates an empty schema that is dropped when t ends and
// returns its DSN (pgtest.DSN): each test works in a schema of its own,
// so tests run in parallel and leave nothing behind. It skips t when
// PARSE_DMARC_TEST_POSTGRES (pgtest.Env) names no database.
func newPostgresSchema(t testing.TB) string {
	t.Helper()
	return pgtest.DSN(t)
}

// scanner is a *sql.Row or pgx.Row.
type scanner interface{ Scan(dest ...any) error }

// queryRow runs a query of portable SQL (? placeholders) on s's database,
// for tests that look at the tables.
func queryRow(t testing.TB, s Store, q string, args ...any) scanner {
	t.Helper()
	switch s := s.(type) {
	case *SQLite:
		return s.r.QueryRowContext(t.Context(), q, args...)
	case *Postgres:
		return s.pool.QueryRow(t.Context(), rebind(q), args...)
	}
	t.Fatalf("queryRow: unknown store %T", s)
	return nil
}
