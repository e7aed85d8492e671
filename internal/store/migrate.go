package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// migration is one step of the schema. Steps are applied in version order,
// each in its own transaction together with its row in schema_migrations,
// so a failed step leaves the database at the previous version. Released
// steps are never edited: a change is a new step.
type migration struct {
	version int
	name    string
	sql     string // one or more statements
	// backfill, when set, runs after sql in the same transaction, for
	// data the SQL cannot compute (the source sketches of version 7).
	backfill func(ctx context.Context, run rowSource, exec execer) error
}

// migrate brings db to the last version of steps and returns the versions it
// applied, none when the schema was current. Several processes may open the
// same new database at once: each step re-checks its version inside its
// transaction, so a step is applied once. A database of a newer version
// than steps knows is refused rather than used by older code.
func migrate(ctx context.Context, db *sql.DB, steps []migration) ([]int, error) {
	if err := checkOrder(steps); err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, sqliteTypes.Replace(createSchemaMigrations)); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	current, err := schemaVersion(ctx, sqlRows(db))
	if err != nil {
		return nil, err
	}
	return applySteps(steps, current, func(m migration) (bool, error) { return apply(ctx, db, m) })
}

// apply runs one step in its own transaction; it reports false when another
// process applied it first.
func apply(ctx context.Context, db *sql.DB, m migration) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if !done || err != nil {
			err = errors.Join(err, ignoreTxDone(tx.Rollback()))
		}
	}()
	if done, err = applyStep(ctx, sqlRows(tx), sqlTxExec(tx), m); !done || err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit: %w", err)
	}
	return true, nil
}

// checkOrder refuses steps whose versions do not increase.
func checkOrder(steps []migration) error {
	for i := 1; i < len(steps); i++ {
		if steps[i].version <= steps[i-1].version {
			return fmt.Errorf("migrations out of order: %d after %d", steps[i].version, steps[i-1].version)
		}
	}
	return nil
}

// schemaVersion reads the last version applied, 0 for a new database.
func schemaVersion(ctx context.Context, run rowSource) (int64, error) {
	var current int64
	err := run(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`, nil, func(scan func(...any) error) error {
		return scan(&current)
	})
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return current, nil
}

// applySteps calls apply for each of steps after version current and
// returns the versions applied; apply reports false for a step another
// process applied first. A database newer than steps is refused.
func applySteps(steps []migration, current int64, apply func(migration) (bool, error)) ([]int, error) {
	if n := len(steps); n > 0 && current > int64(steps[n-1].version) {
		return nil, fmt.Errorf("database schema version %d is newer than this program's %d", current, steps[n-1].version)
	}
	var applied []int
	for _, m := range steps {
		if int64(m.version) <= current {
			continue
		}
		done, err := apply(m)
		if err != nil {
			return applied, fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
		if done {
			applied = append(applied, m.version)
		}
	}
	return applied, nil
}

// applyStep applies m in the transaction of run and exec, with its row in
// schema_migrations, unless that row exists already: it then reports
// false, the step having been applied by another process meanwhile. The
// caller commits.
func applyStep(ctx context.Context, run rowSource, exec execer, m migration) (bool, error) {
	var n int64
	err := run(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, []any{m.version}, func(scan func(...any) error) error {
		return scan(&n)
	})
	if err != nil {
		return false, fmt.Errorf("check version: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	if err := exec(ctx, m.sql); err != nil {
		return false, fmt.Errorf("apply: %w", err)
	}
	if m.backfill != nil {
		if err := m.backfill(ctx, run, exec); err != nil {
			return false, fmt.Errorf("backfill: %w", err)
		}
	}
	if err := exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, time.Now().Unix()); err != nil {
		return false, fmt.Errorf("record version: %w", err)
	}
	return true, nil
}

// ignoreTxDone drops the error of rolling back a transaction that already
// ended, which deferred rollbacks expect.
func ignoreTxDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

// sqlQuerier is a *sql.DB or *sql.Tx.
type sqlQuerier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// sqlRows is the rowSource of q.
func sqlRows(q sqlQuerier) rowSource {
	return func(ctx context.Context, query string, args []any, each func(func(...any) error) error) error {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		return eachRow(rows, each)
	}
}

// sqlTxExec is the execer of tx.
func sqlTxExec(tx *sql.Tx) execer {
	return func(ctx context.Context, q string, args ...any) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	}
}
