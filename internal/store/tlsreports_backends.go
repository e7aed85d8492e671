package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// AddTLSReport implements Store. It writes on the single writing
// connection, so it waits for an open ReportTx of this store to end.
func (s *SQLite) AddTLSReport(ctx context.Context, in TLSIncoming) (id int64, err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store TLS report: begin: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, ignoreTxDone(tx.Rollback()))
		}
	}()
	if id, err = addTLSReport(ctx, sqlRows(tx), sqlTxExec(tx), in, func(s string) string { return s }); err != nil {
		return 0, err
	}
	if err = tx.Commit(); err != nil {
		return 0, fmt.Errorf("store TLS report: commit: %w", err)
	}
	return id, nil
}

// AddTLSReport implements Store. Text PostgreSQL cannot hold is replaced
// (pgText).
func (p *Postgres) AddTLSReport(ctx context.Context, in TLSIncoming) (id int64, err error) {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("store TLS report: begin: %w", err)
	}
	defer func() {
		if err != nil {
			if rerr := tx.Rollback(context.WithoutCancel(ctx)); !errors.Is(rerr, pgx.ErrTxClosed) {
				err = errors.Join(err, rerr)
			}
		}
	}()
	if id, err = addTLSReport(ctx, pgRows(tx), pgTxExec(tx), in, pgText); err != nil {
		return 0, err
	}
	if err = tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("store TLS report: commit: %w", err)
	}
	return id, nil
}

// TLSReports implements Store.
func (s *SQLite) TLSReports(ctx context.Context, f TLSFilter, before int64, limit int) ([]StoredTLSReport, error) {
	return tlsReports(ctx, s.rows, f, before, limit)
}

// TLSReports implements Store.
func (p *Postgres) TLSReports(ctx context.Context, f TLSFilter, before int64, limit int) ([]StoredTLSReport, error) {
	f.Domain = pgText(f.Domain)
	return tlsReports(ctx, p.rows, f, before, limit)
}

// TLSReport implements Store.
func (s *SQLite) TLSReport(ctx context.Context, id int64) (*StoredTLSReport, error) {
	return tlsReport(ctx, s.rows, id)
}

// TLSReport implements Store.
func (p *Postgres) TLSReport(ctx context.Context, id int64) (*StoredTLSReport, error) {
	return tlsReport(ctx, p.rows, id)
}

// TLSReportRaw implements Store.
func (s *SQLite) TLSReportRaw(ctx context.Context, id int64) ([]byte, error) {
	return tlsReportRaw(ctx, s.rows, id)
}

// TLSReportRaw implements Store.
func (p *Postgres) TLSReportRaw(ctx context.Context, id int64) ([]byte, error) {
	return tlsReportRaw(ctx, p.rows, id)
}

// TLSDays implements Store.
func (s *SQLite) TLSDays(ctx context.Context, f TLSFilter) ([]TLSDay, error) {
	return tlsDays(ctx, s.rows, f)
}

// TLSDays implements Store.
func (p *Postgres) TLSDays(ctx context.Context, f TLSFilter) ([]TLSDay, error) {
	f.Domain = pgText(f.Domain)
	return tlsDays(ctx, p.rows, f)
}

// TLSFailures implements Store.
func (s *SQLite) TLSFailures(ctx context.Context, f TLSFilter, limit int) ([]TLSFailureTotals, error) {
	return tlsFailures(ctx, s.rows, f, limit)
}

// TLSFailures implements Store.
func (p *Postgres) TLSFailures(ctx context.Context, f TLSFilter, limit int) ([]TLSFailureTotals, error) {
	f.Domain = pgText(f.Domain)
	return tlsFailures(ctx, p.rows, f, limit)
}

// TLSDomains implements Store.
func (s *SQLite) TLSDomains(ctx context.Context) ([]TLSDomain, error) {
	return tlsDomains(ctx, s.rows)
}

// TLSDomains implements Store.
func (p *Postgres) TLSDomains(ctx context.Context) ([]TLSDomain, error) {
	return tlsDomains(ctx, p.rows)
}
