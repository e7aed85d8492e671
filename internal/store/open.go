package store

import (
	"context"
	"strings"
)

// Open opens the store dsn names, so a command takes one --db flag: a
// postgres:// or postgresql:// URL opens Postgres (OpenPostgres), anything
// else is the path of an SQLite file (OpenSQLite). A PostgreSQL key=value
// DSN is therefore taken for a file name: use the URL form.
func Open(ctx context.Context, dsn string) (Store, error) {
	if IsPostgresURL(dsn) {
		p, err := OpenPostgres(ctx, dsn)
		if err != nil {
			return nil, err
		}
		return p, nil
	}
	s, err := OpenSQLite(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// IsPostgresURL reports whether dsn starts with a PostgreSQL URL scheme,
// compared case-insensitively as URL schemes are.
func IsPostgresURL(dsn string) bool {
	for _, scheme := range []string{"postgres://", "postgresql://"} {
		if len(dsn) >= len(scheme) && strings.EqualFold(dsn[:len(scheme)], scheme) {
			return true
		}
	}
	return false
}
