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

// sqliteMigrations is the SQLite schema. The PostgreSQL store keeps its own
// list (postgresMigrations: BIGINT identity, BYTEA, BOOLEAN) with the same
// versions, tables and columns; a step added here is added there too.
var sqliteMigrations = []migration{
	{version: 1, name: "reports", sql: `
CREATE TABLE reports (
	id INTEGER PRIMARY KEY,
	org_name TEXT NOT NULL,
	email TEXT NOT NULL,
	extra_contact_info TEXT NOT NULL,
	report_id TEXT NOT NULL,  -- as sent, may be empty
	report_key TEXT NOT NULL, -- report_id, or 'sha256:' || digest when empty
	domain TEXT NOT NULL,
	adkim TEXT NOT NULL,
	aspf TEXT NOT NULL,
	policy TEXT NOT NULL,
	subdomain_policy TEXT NOT NULL,
	percentage INTEGER NOT NULL,
	nonexistent_subdomain_policy TEXT NOT NULL,
	failure_options TEXT NOT NULL,
	testing TEXT NOT NULL,
	discovery_method TEXT NOT NULL,
	date_begin INTEGER NOT NULL, -- Unix seconds, UTC
	date_end INTEGER NOT NULL,
	duration_hours REAL NOT NULL,
	generator TEXT NOT NULL,
	version TEXT NOT NULL,
	namespace TEXT NOT NULL,
	metadata_errors TEXT, -- JSON array of strings, NULL when none
	source_name TEXT NOT NULL,
	sha256 TEXT NOT NULL,
	received_at INTEGER NOT NULL,
	status TEXT NOT NULL,
	messages TEXT, -- JSON array of validation messages, NULL when none
	record_count INTEGER NOT NULL,
	message_count INTEGER NOT NULL,
	pass_count INTEGER NOT NULL,
	dkim_pass_count INTEGER NOT NULL,
	spf_pass_count INTEGER NOT NULL,
	raw_gzip BLOB,
	UNIQUE (org_name, report_key, domain)
);
CREATE INDEX reports_domain_begin ON reports (domain, date_begin);
CREATE INDEX reports_org_name ON reports (org_name);
CREATE INDEX reports_begin ON reports (date_begin);
`},
	{version: 2, name: "records", sql: `
CREATE TABLE records (
	id INTEGER PRIMARY KEY,
	-- Deferred: checked at COMMIT, so inserting records needs no statement journal (see insertRecordsSQL).
	report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
	domain TEXT NOT NULL, -- the report's policy domain
	day INTEGER NOT NULL, -- the report's begin, truncated to the UTC day, Unix seconds
	source_ip TEXT NOT NULL,
	count INTEGER NOT NULL,
	disposition TEXT NOT NULL,
	dkim TEXT NOT NULL,
	spf TEXT NOT NULL,
	header_from TEXT NOT NULL,
	envelope_from TEXT NOT NULL,
	envelope_to TEXT NOT NULL,
	reasons TEXT,      -- JSON, NULL when none
	dkim_results TEXT, -- JSON, NULL when none
	spf_results TEXT   -- JSON, NULL when none
);
CREATE INDEX records_report_id ON records (report_id);
CREATE INDEX records_source_ip ON records (source_ip);
CREATE INDEX records_domain_day ON records (domain, day);
`},
	{version: 3, name: "quarantine", sql: `
CREATE TABLE quarantine (
	id INTEGER PRIMARY KEY,
	source_name TEXT NOT NULL,
	reason TEXT NOT NULL,
	error_type TEXT NOT NULL,
	received_at INTEGER NOT NULL,
	size INTEGER NOT NULL,
	sha256 TEXT NOT NULL,
	raw BLOB,
	truncated INTEGER NOT NULL -- 0 or 1
);
CREATE INDEX quarantine_received_at ON quarantine (received_at);
`},
	{version: 4, name: "imap_seen", sql: `
-- IMAP messages already processed, per mailbox generation (MailboxKey).
CREATE TABLE imap_seen (
	account TEXT NOT NULL,
	mailbox TEXT NOT NULL,
	uidvalidity INTEGER NOT NULL,
	uid INTEGER NOT NULL,
	seen_at INTEGER NOT NULL, -- Unix seconds, for pruning old generations
	PRIMARY KEY (account, mailbox, uidvalidity, uid)
) WITHOUT ROWID;
`},
	{version: 5, name: "rollups", sql: `
-- Daily rollups of records, maintained at ingest (rollup.go).
CREATE TABLE rollup_days (
	domain TEXT NOT NULL,
	day INTEGER NOT NULL,
	messages INTEGER NOT NULL,
	dmarc_pass INTEGER NOT NULL,
	dkim_pass INTEGER NOT NULL,
	dkim_fail INTEGER NOT NULL,
	spf_pass INTEGER NOT NULL,
	spf_fail INTEGER NOT NULL,
	fully_aligned INTEGER NOT NULL,
	fully_failed INTEGER NOT NULL,
	disposition_none INTEGER NOT NULL, -- DMARCbis "pass" included
	disposition_quarantine INTEGER NOT NULL,
	disposition_reject INTEGER NOT NULL,
	PRIMARY KEY (domain, day)
) WITHOUT ROWID;
CREATE TABLE rollup_sources (
	domain TEXT NOT NULL,
	day INTEGER NOT NULL,
	source_ip TEXT NOT NULL,
	messages INTEGER NOT NULL,
	dmarc_pass INTEGER NOT NULL,
	dkim_pass INTEGER NOT NULL,
	dkim_fail INTEGER NOT NULL,
	spf_pass INTEGER NOT NULL,
	spf_fail INTEGER NOT NULL,
	fully_aligned INTEGER NOT NULL,
	fully_failed INTEGER NOT NULL,
	disposition_none INTEGER NOT NULL, -- DMARCbis "pass" included
	disposition_quarantine INTEGER NOT NULL,
	disposition_reject INTEGER NOT NULL,
	PRIMARY KEY (domain, day, source_ip)
) WITHOUT ROWID;
-- Backfill from the records stored before.
INSERT INTO rollup_days (domain, day, messages, dmarc_pass, dkim_pass, dkim_fail, spf_pass, spf_fail,
	fully_aligned, fully_failed, disposition_none, disposition_quarantine, disposition_reject)
SELECT domain, day, SUM(count),
	SUM(CASE WHEN dkim = 'pass' OR spf = 'pass' THEN count ELSE 0 END),
	SUM(CASE WHEN dkim = 'pass' THEN count ELSE 0 END),
	SUM(CASE WHEN dkim = 'fail' THEN count ELSE 0 END),
	SUM(CASE WHEN spf = 'pass' THEN count ELSE 0 END),
	SUM(CASE WHEN spf = 'fail' THEN count ELSE 0 END),
	SUM(CASE WHEN dkim = 'pass' AND spf = 'pass' THEN count ELSE 0 END),
	SUM(CASE WHEN dkim = 'fail' AND spf = 'fail' THEN count ELSE 0 END),
	SUM(CASE WHEN disposition IN ('none', 'pass') THEN count ELSE 0 END),
	SUM(CASE WHEN disposition = 'quarantine' THEN count ELSE 0 END),
	SUM(CASE WHEN disposition = 'reject' THEN count ELSE 0 END)
FROM records GROUP BY domain, day;
INSERT INTO rollup_sources (domain, day, source_ip, messages, dmarc_pass, dkim_pass, dkim_fail, spf_pass, spf_fail,
	fully_aligned, fully_failed, disposition_none, disposition_quarantine, disposition_reject)
SELECT domain, day, source_ip, SUM(count),
	SUM(CASE WHEN dkim = 'pass' OR spf = 'pass' THEN count ELSE 0 END),
	SUM(CASE WHEN dkim = 'pass' THEN count ELSE 0 END),
	SUM(CASE WHEN dkim = 'fail' THEN count ELSE 0 END),
	SUM(CASE WHEN spf = 'pass' THEN count ELSE 0 END),
	SUM(CASE WHEN spf = 'fail' THEN count ELSE 0 END),
	SUM(CASE WHEN dkim = 'pass' AND spf = 'pass' THEN count ELSE 0 END),
	SUM(CASE WHEN dkim = 'fail' AND spf = 'fail' THEN count ELSE 0 END),
	SUM(CASE WHEN disposition IN ('none', 'pass') THEN count ELSE 0 END),
	SUM(CASE WHEN disposition = 'quarantine' THEN count ELSE 0 END),
	SUM(CASE WHEN disposition = 'reject' THEN count ELSE 0 END)
FROM records GROUP BY domain, day, source_ip;
`},
	{version: 6, name: "domain_settings", sql: `
-- Settings chosen per policy domain in the dashboard (settings.go).
CREATE TABLE domain_settings (
	domain TEXT PRIMARY KEY,
	badge INTEGER NOT NULL DEFAULT 0, -- 0 or 1: the public badge is enabled
	updated_at INTEGER NOT NULL       -- Unix seconds
);
`},
	{version: 7, name: "source_sketches", sql: `
-- The sketch of each domain and day's distinct source IPs (sketch.go),
-- merged at ingest; backfilled from rollup_sources by backfillSketches.
ALTER TABLE rollup_days ADD COLUMN sources BLOB;
`, backfill: backfillSketches},
}

const createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at INTEGER NOT NULL
)`

// migrate brings db to the last version of steps and returns the versions it
// applied, none when the schema was current. Several processes may open the
// same new database at once: each step re-checks its version inside its
// transaction, so a step is applied once. A database of a newer version
// than steps knows is refused rather than used by older code.
func migrate(ctx context.Context, db *sql.DB, steps []migration) ([]int, error) {
	for i := 1; i < len(steps); i++ {
		if steps[i].version <= steps[i-1].version {
			return nil, fmt.Errorf("migrations out of order: %d after %d", steps[i].version, steps[i-1].version)
		}
	}
	if _, err := db.ExecContext(ctx, createSchemaMigrations); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	var current sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&current); err != nil {
		return nil, fmt.Errorf("read schema version: %w", err)
	}
	if n := len(steps); n > 0 && current.Int64 > int64(steps[n-1].version) {
		return nil, fmt.Errorf("database schema version %d is newer than this program's %d", current.Int64, steps[n-1].version)
	}
	var applied []int
	for _, m := range steps {
		if int64(m.version) <= current.Int64 {
			continue
		}
		done, err := apply(ctx, db, m)
		if err != nil {
			return applied, fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
		if done {
			applied = append(applied, m.version)
		}
	}
	return applied, nil
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
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
		return false, fmt.Errorf("check version: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, fmt.Errorf("apply: %w", err)
	}
	if m.backfill != nil {
		if err := m.backfill(ctx, sqlTxRows(tx), sqlTxExec(tx)); err != nil {
			return false, fmt.Errorf("backfill: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, time.Now().Unix()); err != nil {
		return false, fmt.Errorf("record version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit: %w", err)
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

// sqlTxRows is the rowSource of tx.
func sqlTxRows(tx *sql.Tx) rowSource {
	return func(ctx context.Context, q string, args []any, each func(func(...any) error) error) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := each(rows.Scan); err != nil {
				return err
			}
		}
		return rows.Err()
	}
}

// sqlTxExec is the execer of tx.
func sqlTxExec(tx *sql.Tx) execer {
	return func(ctx context.Context, q string, args ...any) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	}
}
