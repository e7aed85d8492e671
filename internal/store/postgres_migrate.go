package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migratePostgres brings the schema to the last version of steps and
// returns the versions it applied, as migrate does for SQLite. Every
// transaction it runs first takes a transaction-level advisory lock keyed by
// the schema, so replicas starting together apply each step once: the
// others wait, then find the step's version recorded. (Even CREATE TABLE IF
// NOT EXISTS of schema_migrations needs the lock: run concurrently, one of
// them can fail on a unique violation in the catalog.) A schema of a newer
// version than steps knows is refused.
func migratePostgres(ctx context.Context, pool *pgxpool.Pool, schema string, steps []migration) ([]int, error) {
	if err := checkOrder(steps); err != nil {
		return nil, err
	}
	key := advisoryKey("migrate", schema, "")
	var current int64
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, key); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		if _, err := tx.Exec(ctx, postgresTypes.Replace(createSchemaMigrations)); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var err error
		current, err = schemaVersion(ctx, pgRows(tx))
		return err
	})
	if err != nil {
		return nil, err
	}
	return applySteps(steps, current, func(m migration) (bool, error) { return applyPostgres(ctx, pool, key, m) })
}

// applyPostgres runs one step in its own transaction under the migration
// lock; it reports false when another process applied it first. DDL is
// transactional in PostgreSQL, so a failed step leaves nothing behind.
func applyPostgres(ctx context.Context, pool *pgxpool.Pool, key int64, m migration) (done bool, err error) {
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, key); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		done, err = applyStep(ctx, pgRows(tx), pgTxExec(tx), m)
		return err
	})
	if err != nil {
		return false, err
	}
	return done, nil
}

// pgQuerier is a *pgxpool.Pool, pgx.Tx or *pgx.Conn.
type pgQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// pgRows is the rowSource of q: it rebinds the portable queries it runs.
func pgRows(q pgQuerier) rowSource {
	return func(ctx context.Context, query string, args []any, each func(func(...any) error) error) error {
		rows, err := q.Query(ctx, rebind(query), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		return eachRow(rows, each)
	}
}

// pgTxExec is the execer of tx, for portable statements.
func pgTxExec(tx pgx.Tx) execer {
	return func(ctx context.Context, q string, args ...any) error {
		_, err := tx.Exec(ctx, rebind(q), args...)
		return err
	}
}
