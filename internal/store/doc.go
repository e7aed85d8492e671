// Package store keeps parsed DMARC aggregate reports: one row per report with
// its header, validation messages and counters, one row per record, and a
// quarantine for inputs that could not be parsed, so that nothing is lost.
//
// Store is the interface callers use, with two implementations: SQLite on
// a single SQLite file (pure Go, modernc.org/sqlite, so builds keep
// CGO_ENABLED=0), and Postgres on a PostgreSQL database (pgx, also pure
// Go), for several replicas sharing one database. Open picks one from a
// single DSN. The interface exposes no SQL. The SQL of the SQLite
// implementation sticks to what PostgreSQL also accepts where that costs
// nothing (? placeholders, ON CONFLICT, RETURNING, COALESCE), and Postgres
// runs the same queries rebound ($1, ...) against the same migrations with
// PostgreSQL's types (schema.go). The exceptions are records, written by
// INSERT OR FAIL in SQLite (see insertRecordsSQL) and by COPY in
// PostgreSQL, and the lock that serializes migrations across replicas.
//
// Besides reports the store keeps the state an IMAP fetcher needs: the
// messages of each mailbox generation already processed (MailboxKey), and
// advisory locks (TryLock) so only one replica fetches a mailbox at a
// time.
//
// A report is stored in one transaction: BeginReport claims its dedupe key,
// ReportTx.Add streams its records in multi-row INSERTs, and ReportTx.Commit
// writes the final status, messages and counters. A report is therefore
// either stored completely or not at all, and memory stays bounded by one
// insert batch however many records a report has.
//
// Times are stored as Unix seconds in UTC: sub-second precision is dropped.
// Each record row repeats its report's policy domain and the UTC day its
// report's date range begins, so per-domain, per-day and per-source queries
// need no join.
//
// Summary, Timeline and TopSources read daily rollups maintained at ingest
// in the report's transaction (rollup.go): the Totals counters per (domain,
// day), with a sketch of the day's distinct source IPs (sketch.go), and per
// (domain, day, source IP). UniqueSources is therefore exact up to 512
// distinct IPs and an estimate beyond (standard error 1.6%). Only ingest
// maintains the rollups: a future feature deleting records or reports
// (retention) must subtract what it deletes from both rollup tables, or
// rebuild their rows for the affected domains and days from the records, in
// the same transaction; a sketch cannot subtract, so the sketches of those
// days must be rebuilt from rollup_sources (as backfillSketches does).
package store
