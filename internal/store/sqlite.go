package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DefaultBatchSize is the number of records written per INSERT statement.
// Measured with cmd/storebench (1M records, 2 vCPUs): one row per statement
// took 13.5 s, 64 to 256 rows 11.5 s (medians, differences within noise),
// 16 and 512 rows 12.2 s. Larger batches only cost memory per open ReportTx.
const DefaultBatchSize = 128

// maxBatchSize keeps a batch statement under SQLite's default limit of
// 32766 bound parameters.
const maxBatchSize = 32766 / recordColumnCount

// SQLiteOptions tune OpenSQLiteWith. The zero value gives the defaults.
type SQLiteOptions struct {
	// BatchSize is the number of records per INSERT statement; zero means
	// DefaultBatchSize. It exists for measurements.
	BatchSize int
	// CacheKiB is the page cache of the writing connection in KiB; zero
	// means 32 MiB. A larger cache keeps the records indexes in memory
	// while large reports are inserted.
	CacheKiB int
}

// SQLite is the Store on one SQLite file, in WAL mode. It has two pools: a
// single writing connection, so writes queue in Go rather than fail with
// SQLITE_BUSY, and several read-only connections, so reading (the
// dashboard) never waits for a write. Other processes may use the same file;
// their writes wait up to the busy timeout.
type SQLite struct {
	aggregates
	reads
	alerting
	w *sql.DB // the one writer
	r *sql.DB // readers, query_only

	batch int
	// insertBatch inserts a full batch of records; prepared once on the
	// writer and bound to each transaction with Tx.StmtContext.
	insertBatch  *sql.Stmt
	insertReport *sql.Stmt
	finishReport *sql.Stmt

	locks localLocks // of TryLock
}

var _ Store = (*SQLite)(nil)

// busyTimeoutMS is how long a statement waits for another process's write
// lock: a large report holds it for seconds.
const busyTimeoutMS = 30000

// OpenSQLite opens (creating if needed) the SQLite database at path and
// migrates it to the current schema.
func OpenSQLite(ctx context.Context, path string) (*SQLite, error) {
	return OpenSQLiteWith(ctx, path, SQLiteOptions{})
}

// OpenSQLiteWith is OpenSQLite with options.
func OpenSQLiteWith(ctx context.Context, path string, o SQLiteOptions) (*SQLite, error) {
	if path == "" {
		return nil, errors.New("open sqlite: empty path")
	}
	s := &SQLite{batch: o.BatchSize, locks: localLocks{path: path}}
	s.aggregates = aggregates{s.rows}
	s.reads = reads{s.rows}
	s.alerting = alerting{s.rows, s.alertTx, sameText}
	if s.batch <= 0 {
		s.batch = DefaultBatchSize
	}
	if s.batch > maxBatchSize {
		return nil, fmt.Errorf("open sqlite: batch size %d above %d", s.batch, maxBatchSize)
	}
	cache := o.CacheKiB
	if cache <= 0 {
		cache = 32 << 10
	}
	// The pragmas go in the DSN so every connection the pools open gets
	// them, including ones reopened after an error. The writer keeps its
	// temporary files (statement journals, sorts) in memory; they are
	// small, since inserting records needs no statement journal (see
	// insertRecordsSQL), and on disk each was a write system call.
	common := []string{
		fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS),
		"foreign_keys(1)",
		"synchronous(NORMAL)",
	}
	var err error
	s.w, err = sql.Open("sqlite", sqliteDSN(path, append([]string{"journal_mode(WAL)", fmt.Sprintf("cache_size(%d)", -cache), "temp_store(MEMORY)"}, common...), true))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)

	// Migrating on the writer first also sets WAL mode, which is kept in
	// the file, before any reader opens it.
	if _, err := migrate(ctx, s.w, sqliteMigrations); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	s.r, err = sql.Open("sqlite", sqliteDSN(path, append(common, "query_only(1)"), false))
	if err != nil {
		s.w.Close()
		return nil, fmt.Errorf("open sqlite readers %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	s.r.SetMaxOpenConns(n)
	s.r.SetMaxIdleConns(n)
	if err := s.prepare(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("prepare statements: %w", err), s.Close())
	}
	return s, nil
}

func (s *SQLite) prepare(ctx context.Context) error {
	var err error
	if s.insertBatch, err = s.w.PrepareContext(ctx, insertRecordsSQL(s.batch)); err != nil {
		return fmt.Errorf("insert records: %w", err)
	}
	if s.insertReport, err = s.w.PrepareContext(ctx, insertReportSQL); err != nil {
		return fmt.Errorf("insert report: %w", err)
	}
	if s.finishReport, err = s.w.PrepareContext(ctx, finishReportSQL); err != nil {
		return fmt.Errorf("finish report: %w", err)
	}
	return nil
}

// sqliteDSN is a modernc.org/sqlite DSN: a file: URI (so characters such as
// ? and # in path are escaped) with the pragmas, and with transactions
// taking the write lock at BEGIN (BEGIN IMMEDIATE) when immediate is set, so
// a transaction never fails upgrading a read lock to a write lock.
func sqliteDSN(path string, pragmas []string, immediate bool) string {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	if immediate {
		q.Set("_txlock", "immediate")
	}
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return "file:" + esc.Replace(path) + "?" + q.Encode()
}

// Close closes the statements and both pools, after letting SQLite update
// its query planner statistics (PRAGMA optimize).
func (s *SQLite) Close() error {
	var errs []error
	for _, st := range []*sql.Stmt{s.insertBatch, s.insertReport, s.finishReport} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		// Bounded: with a ReportTx left open the writer never frees up.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if _, err := s.w.ExecContext(ctx, `PRAGMA optimize`); err != nil {
			errs = append(errs, fmt.Errorf("optimize: %w", err))
		}
		cancel()
		errs = append(errs, s.w.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close sqlite: %w", err)
	}
	return nil
}
