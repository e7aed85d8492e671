// Package storetest gives tests of other packages a database of their
// own for package store: a PostgreSQL schema dropped when the test ends
// (package pgtest), so that tests of code running on several replicas (one
// database, several stores) run in parallel and leave nothing behind.
package storetest

import (
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/store/pgtest"
)

// PostgresEnv names the environment variable holding the URL of a
// PostgreSQL database for the tests (pgtest.Env).
const PostgresEnv = pgtest.Env

// PostgresDSN creates an empty schema dropped when t ends and returns its
// DSN, or skips t without PostgresEnv (pgtest.DSN).
func PostgresDSN(t testing.TB) string {
	t.Helper()
	return pgtest.DSN(t)
}
