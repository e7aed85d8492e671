// Package pgtest gives tests a PostgreSQL database of their own for
// package store: a schema dropped when the test ends, so that tests run in
// parallel and leave nothing behind, and tests of code running on several
// replicas open several stores on it. It does not import package store,
// whose own tests use it too.
package pgtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Env names the environment variable holding the URL of a
// PostgreSQL database for the tests, such as
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. Without it
// tests on PostgreSQL are skipped.
const Env = "PARSE_DMARC_TEST_POSTGRES"

// DSN creates an empty schema with a random name, dropped when t
// ends, and returns the DSN of Env with search_path set to it. It
// skips t when Env is not set. Stores opened on the DSN must be
// closed before t's cleanups registered before DSN returned run,
// which t.Cleanup's order (last in, first out) gives.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(Env)
	if dsn == "" {
		t.Skipf("%s is not set: set it to a PostgreSQL URL to test on PostgreSQL", Env)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	schema := fmt.Sprintf("parse_dmarc_test_%016x", rand.Uint64())
	admin := func(sql string) {
		ctx := context.Background() // also in Cleanup, after t.Context is done
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatalf("connect to %s: %v", Env, err)
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	admin("CREATE SCHEMA " + schema)
	// Registered before any store opens, so it runs after they closed.
	t.Cleanup(func() { admin("DROP SCHEMA " + schema + " CASCADE") })
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
