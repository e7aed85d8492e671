package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultPostgresBatchSize is the number of records sent per COPY.
// Measured with BenchmarkImport-like runs (one report of 100,000 records,
// PostgreSQL 15 on the same 2 vCPUs as the client, medians of 3): COPY in
// batches of 128, 1000 and 4000 rows stored 61k, 72k and 76k records/s;
// multi-row INSERTs of the same batches (prepared, binary parameters) 48k,
// 48k and 48k. Past 1000 rows the gain is within noise and only costs
// memory per open ReportTx. Most of the time is the server's: without the
// records foreign key the rate was 83k, without the two secondary indexes
// 90k.
const DefaultPostgresBatchSize = 1000

// PostgresOptions tune OpenPostgresWith. The zero value gives the defaults.
type PostgresOptions struct {
	// BatchSize is the number of records a ReportTx buffers before it
	// sends them in one COPY; zero means DefaultPostgresBatchSize. It
	// exists for measurements.
	BatchSize int
}

// Postgres is the Store on a PostgreSQL database (13 or later), for
// deployments that run several replicas or already operate PostgreSQL.
//
// It uses pgx's native interface and pool (pgxpool) rather than its
// database/sql driver: records are written with COPY in the binary
// protocol (pgx.Conn.CopyFrom, which database/sql cannot reach without
// unwrapping the driver connection), statements are prepared and cached
// per connection without *sql.Stmt bookkeeping, and TryLock can take a
// connection out of the pool (Hijack) to hold a session lock on it.
//
// Unlike SQLite, any number of ReportTx may be open at once, each on its
// own pooled connection. Tables live in the schema the connection's
// search_path selects first (set search_path in the DSN to use another
// than public); the schema must exist, and the database must use the UTF8
// encoding. PostgreSQL text holds neither NUL bytes nor invalid UTF-8, which
// SQLite stores as they are: this store replaces them with U+FFFD (pgText).
// TryLock holds session-level locks, so connections must reach the server
// directly or through a session-pooling proxy, not a transaction-pooling
// one (PgBouncer's pool_mode=transaction).
type Postgres struct {
	aggregates
	reads
	alerting
	pool   *pgxpool.Pool
	schema string // current_schema() of the connections: scopes advisory lock keys
	batch  int
}

var _ Store = (*Postgres)(nil)

// OpenPostgres connects to the PostgreSQL database of dsn (a postgres://
// URL or a key=value string, as pgx parses it, including pool_max_conns)
// and migrates it to the current schema.
func OpenPostgres(ctx context.Context, dsn string) (*Postgres, error) {
	return OpenPostgresWith(ctx, dsn, PostgresOptions{})
}

// OpenPostgresWith is OpenPostgres with options. Errors do not repeat dsn,
// which may hold a password.
func OpenPostgresWith(ctx context.Context, dsn string, o PostgresOptions) (*Postgres, error) {
	p := &Postgres{batch: o.BatchSize}
	p.aggregates = aggregates{p.rows}
	p.reads = reads{p.rows}
	p.alerting = alerting{p.rows, p.alertTx, pgText}
	if p.batch <= 0 {
		p.batch = DefaultPostgresBatchSize
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if p.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if err := p.init(ctx); err != nil {
		p.pool.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	return p, nil
}

// init checks the database and migrates it.
func (p *Postgres) init(ctx context.Context) error {
	var schema *string
	var encoding string
	if err := p.pool.QueryRow(ctx, `SELECT current_schema(), current_setting('server_encoding')`).Scan(&schema, &encoding); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	if schema == nil {
		return errors.New("no schema of the search_path exists")
	}
	if encoding != "UTF8" {
		return fmt.Errorf("database encoding is %s, not UTF8", encoding)
	}
	p.schema = *schema
	if _, err := migratePostgres(ctx, p.pool, p.schema, postgresMigrations); err != nil {
		return fmt.Errorf("migrate schema %s: %w", p.schema, err)
	}
	return nil
}

// Close closes the pool. It waits for every pooled connection to be
// returned: an open ReportTx must be ended first. Locks of TryLock are on
// connections of their own, released by their unlock functions, not by
// Close.
func (p *Postgres) Close() error {
	p.pool.Close()
	return nil
}

// rebind turns the ? placeholders of this package's portable SQL into
// PostgreSQL's $1, $2, ... It knows nothing of quoting: the queries it is
// given have no ? inside literals or identifiers.
func rebind(q string) string {
	n := strings.Count(q, "?")
	if n == 0 {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 3*n)
	i := 0
	for {
		j := strings.IndexByte(q, '?')
		if j < 0 {
			b.WriteString(q)
			return b.String()
		}
		i++
		b.WriteString(q[:j])
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(i))
		q = q[j+1:]
	}
}

// pgText makes s storable as PostgreSQL text, which cannot hold NUL bytes
// or invalid UTF-8 (the server refuses the whole row): each NUL and each run
// of invalid bytes becomes U+FFFD. Such strings get past the report decoder
// only in rare ways (a raw NUL in XML text, a file name in another
// encoding); valid strings are returned as they are, without allocating.
func pgText(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// advisoryKey is the bigint key of a PostgreSQL advisory lock: a 64-bit
// FNV-1a hash of kind, the store's schema and name, so stores in different
// schemas of one database do not exclude each other and TryLock names never
// meet the migration lock. Two names may share a key (about 2^-64 for a
// pair): they then exclude each other, which is safe.
func advisoryKey(kind, schema, name string) int64 {
	h := fnv.New64a()
	for _, s := range []string{"parse-dmarc", kind, schema, name} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return int64(h.Sum64())
}
