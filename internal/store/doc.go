// Package store keeps parsed DMARC aggregate reports: one row per report with
// its header, validation messages and counters, one row per record, and a
// quarantine for inputs that could not be parsed, so that nothing is lost.
//
// Store is the interface callers use; SQLite is its implementation on a
// single SQLite file (pure Go, modernc.org/sqlite, so builds keep
// CGO_ENABLED=0). The interface exposes no SQL, and the SQL of the SQLite
// implementation sticks to what PostgreSQL also accepts where that costs
// nothing (? placeholders, ON CONFLICT, RETURNING, COALESCE), so a PostgreSQL
// implementation can follow with its own migrations and rebound queries. The
// one exception, INSERT OR FAIL for records, is explained at
// insertRecordsSQL.
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
package store
