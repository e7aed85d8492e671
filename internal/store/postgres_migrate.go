package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// postgresMigrations is the PostgreSQL schema: the tables, columns and
// versions of sqliteMigrations, with PostgreSQL's types. Times stay Unix
// seconds in BIGINT, as in SQLite, so both stores share their queries and
// their meaning. JSON columns are text holding the same bytes as in SQLite
// rather than jsonb: jsonb refuses the \u0000 escape that JSON of a
// malformed report may carry, and costs a parse per value on import; cast
// to jsonb (column::jsonb) to query inside them.
var postgresMigrations = []migration{
	{version: 1, name: "reports", sql: `
CREATE TABLE reports (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
	date_begin BIGINT NOT NULL, -- Unix seconds, UTC
	date_end BIGINT NOT NULL,
	duration_hours DOUBLE PRECISION NOT NULL,
	generator TEXT NOT NULL,
	version TEXT NOT NULL,
	namespace TEXT NOT NULL,
	metadata_errors TEXT, -- JSON array of strings, NULL when none
	source_name TEXT NOT NULL,
	sha256 TEXT NOT NULL,
	received_at BIGINT NOT NULL,
	status TEXT NOT NULL,
	messages TEXT, -- JSON array of validation messages, NULL when none
	record_count BIGINT NOT NULL,
	message_count BIGINT NOT NULL,
	pass_count BIGINT NOT NULL,
	dkim_pass_count BIGINT NOT NULL,
	spf_pass_count BIGINT NOT NULL,
	raw_gzip BYTEA,
	UNIQUE (org_name, report_key, domain)
);
CREATE INDEX reports_domain_begin ON reports (domain, date_begin);
CREATE INDEX reports_org_name ON reports (org_name);
CREATE INDEX reports_begin ON reports (date_begin);
`},
	{version: 2, name: "records", sql: `
CREATE TABLE records (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	report_id BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
	domain TEXT NOT NULL, -- the report's policy domain
	day BIGINT NOT NULL,  -- the report's begin, truncated to the UTC day, Unix seconds
	source_ip TEXT NOT NULL,
	count BIGINT NOT NULL,
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
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	source_name TEXT NOT NULL,
	reason TEXT NOT NULL,
	error_type TEXT NOT NULL,
	received_at BIGINT NOT NULL,
	size BIGINT NOT NULL,
	sha256 TEXT NOT NULL,
	raw BYTEA,
	truncated BOOLEAN NOT NULL
);
CREATE INDEX quarantine_received_at ON quarantine (received_at);
`},
	{version: 4, name: "imap_seen", sql: `
-- IMAP messages already processed, per mailbox generation (MailboxKey).
CREATE TABLE imap_seen (
	account TEXT NOT NULL,
	mailbox TEXT NOT NULL,
	uidvalidity BIGINT NOT NULL, -- uint32
	uid BIGINT NOT NULL,         -- uint32
	seen_at BIGINT NOT NULL,     -- Unix seconds, for pruning old generations
	PRIMARY KEY (account, mailbox, uidvalidity, uid)
);
`},
	{version: 5, name: "rollups", sql: `
-- Daily rollups of records, maintained at ingest (rollup.go).
CREATE TABLE rollup_days (
	domain TEXT NOT NULL,
	day BIGINT NOT NULL,
	messages BIGINT NOT NULL,
	dmarc_pass BIGINT NOT NULL,
	dkim_pass BIGINT NOT NULL,
	dkim_fail BIGINT NOT NULL,
	spf_pass BIGINT NOT NULL,
	spf_fail BIGINT NOT NULL,
	fully_aligned BIGINT NOT NULL,
	fully_failed BIGINT NOT NULL,
	disposition_none BIGINT NOT NULL, -- DMARCbis "pass" included
	disposition_quarantine BIGINT NOT NULL,
	disposition_reject BIGINT NOT NULL,
	PRIMARY KEY (domain, day)
);
CREATE TABLE rollup_sources (
	domain TEXT NOT NULL,
	day BIGINT NOT NULL,
	source_ip TEXT NOT NULL,
	messages BIGINT NOT NULL,
	dmarc_pass BIGINT NOT NULL,
	dkim_pass BIGINT NOT NULL,
	dkim_fail BIGINT NOT NULL,
	spf_pass BIGINT NOT NULL,
	spf_fail BIGINT NOT NULL,
	fully_aligned BIGINT NOT NULL,
	fully_failed BIGINT NOT NULL,
	disposition_none BIGINT NOT NULL, -- DMARCbis "pass" included
	disposition_quarantine BIGINT NOT NULL,
	disposition_reject BIGINT NOT NULL,
	PRIMARY KEY (domain, day, source_ip)
);
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
	updated_at BIGINT NOT NULL        -- Unix seconds
);
`},
	{version: 7, name: "source_sketches", sql: `
-- The sketch of each domain and day's distinct source IPs (sketch.go),
-- merged at ingest; backfilled from rollup_sources by backfillSketches.
ALTER TABLE rollup_days ADD COLUMN sources BYTEA;
`, backfill: backfillSketches},
}

const createPostgresSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at BIGINT NOT NULL
)`

// migratePostgres brings the schema to the last version of steps and
// returns the versions it applied, as migrate does for SQLite. Every
// transaction it runs first takes a transaction-level advisory lock keyed by
// the schema, so replicas starting together apply each step once: the
// others wait, then find the step's version recorded. (Even CREATE TABLE IF
// NOT EXISTS of schema_migrations needs the lock: run concurrently, one of
// them can fail on a unique violation in the catalog.) A schema of a newer
// version than steps knows is refused.
func migratePostgres(ctx context.Context, pool *pgxpool.Pool, schema string, steps []migration) ([]int, error) {
	for i := 1; i < len(steps); i++ {
		if steps[i].version <= steps[i-1].version {
			return nil, fmt.Errorf("migrations out of order: %d after %d", steps[i].version, steps[i-1].version)
		}
	}
	key := advisoryKey("migrate", schema, "")
	var current int64
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, key); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		if _, err := tx.Exec(ctx, createPostgresSchemaMigrations); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if n := len(steps); n > 0 && current > int64(steps[n-1].version) {
		return nil, fmt.Errorf("database schema version %d is newer than this program's %d", current, steps[n-1].version)
	}
	var applied []int
	for _, m := range steps {
		if int64(m.version) <= current {
			continue
		}
		done, err := applyPostgres(ctx, pool, key, m)
		if err != nil {
			return applied, fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
		if done {
			applied = append(applied, m.version)
		}
	}
	return applied, nil
}

// applyPostgres runs one step in its own transaction under the migration
// lock; it reports false when another process applied it first. DDL is
// transactional in PostgreSQL, so a failed step leaves nothing behind.
func applyPostgres(ctx context.Context, pool *pgxpool.Pool, key int64, m migration) (done bool, err error) {
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, key); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, m.version).Scan(&exists); err != nil {
			return fmt.Errorf("check version: %w", err)
		}
		if exists {
			return nil
		}
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return fmt.Errorf("apply: %w", err)
		}
		if m.backfill != nil {
			if err := m.backfill(ctx, pgTxRows(tx), pgTxExec(tx)); err != nil {
				return fmt.Errorf("backfill: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			m.version, m.name, time.Now().Unix()); err != nil {
			return fmt.Errorf("record version: %w", err)
		}
		done = true
		return nil
	})
	if err != nil {
		return false, err
	}
	return done, nil
}

// pgTxRows is the rowSource of tx, for portable queries.
func pgTxRows(tx pgx.Tx) rowSource {
	return func(ctx context.Context, q string, args []any, each func(func(...any) error) error) error {
		rows, err := tx.Query(ctx, rebind(q), args...)
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

// pgTxExec is the execer of tx, for portable statements.
func pgTxExec(tx pgx.Tx) execer {
	return func(ctx context.Context, q string, args ...any) error {
		_, err := tx.Exec(ctx, rebind(q), args...)
		return err
	}
}
