package store

import (
	"context"
	"time"
)

// AddForensicReport implements Store. It writes on the single writing
// connection, so it waits for an open ReportTx of this store to end.
func (s *SQLite) AddForensicReport(ctx context.Context, in ForensicIncoming) (id int64, err error) {
	err = s.alertTx(ctx, func(run rowSource, _ execer) error {
		id, err = addForensic(ctx, run, in, sameText)
		return err
	})
	return id, err
}

// AddForensicReport implements Store. Text PostgreSQL cannot hold is
// replaced (pgText).
func (p *Postgres) AddForensicReport(ctx context.Context, in ForensicIncoming) (id int64, err error) {
	err = p.alertTx(ctx, func(run rowSource, _ execer) error {
		id, err = addForensic(ctx, run, in, pgText)
		return err
	})
	return id, err
}

// pgForensicFilter makes the text of f comparable with what pgText
// stored.
func pgForensicFilter(f ForensicFilter) ForensicFilter {
	f.Domain, f.SourceIP, f.MessageID, f.Sender = pgText(f.Domain), pgText(f.SourceIP), pgText(f.MessageID), pgText(f.Sender)
	return f
}

// ForensicReports implements Store.
func (s *SQLite) ForensicReports(ctx context.Context, f ForensicFilter, before int64, limit int) ([]StoredForensicReport, error) {
	return forensicReports(ctx, s.rows, f, before, limit)
}

// ForensicReports implements Store.
func (p *Postgres) ForensicReports(ctx context.Context, f ForensicFilter, before int64, limit int) ([]StoredForensicReport, error) {
	return forensicReports(ctx, p.rows, pgForensicFilter(f), before, limit)
}

// ForensicReport implements Store.
func (s *SQLite) ForensicReport(ctx context.Context, id int64) (*StoredForensicReport, error) {
	return forensicReport(ctx, s.rows, id)
}

// ForensicReport implements Store.
func (p *Postgres) ForensicReport(ctx context.Context, id int64) (*StoredForensicReport, error) {
	return forensicReport(ctx, p.rows, id)
}

// DeleteForensicReport implements Store.
func (s *SQLite) DeleteForensicReport(ctx context.Context, id int64) error {
	return s.alertTx(ctx, func(run rowSource, _ execer) error { return deleteForensic(ctx, run, id) })
}

// DeleteForensicReport implements Store.
func (p *Postgres) DeleteForensicReport(ctx context.Context, id int64) error {
	return p.alertTx(ctx, func(run rowSource, _ execer) error { return deleteForensic(ctx, run, id) })
}

// ForensicCounts implements Store.
func (s *SQLite) ForensicCounts(ctx context.Context, f ForensicFilter, limit int) ([]ForensicCount, error) {
	return forensicCounts(ctx, s.rows, f, limit)
}

// ForensicCounts implements Store.
func (p *Postgres) ForensicCounts(ctx context.Context, f ForensicFilter, limit int) ([]ForensicCount, error) {
	return forensicCounts(ctx, p.rows, pgForensicFilter(f), limit)
}

// SourceDayTotals implements Store.
func (s *SQLite) SourceDayTotals(ctx context.Context, domain, ip string, day time.Time) (Totals, bool, error) {
	return sourceDayTotals(ctx, s.rows, domain, ip, day)
}

// SourceDayTotals implements Store.
func (p *Postgres) SourceDayTotals(ctx context.Context, domain, ip string, day time.Time) (Totals, bool, error) {
	return sourceDayTotals(ctx, p.rows, pgText(domain), pgText(ip), day)
}

// PruneForensicReports implements Store, in one transaction.
func (s *SQLite) PruneForensicReports(ctx context.Context, now time.Time, def time.Duration) (n int64, err error) {
	err = s.alertTx(ctx, func(run rowSource, _ execer) error {
		n, err = pruneForensic(ctx, run, now, def)
		return err
	})
	return n, err
}

// PruneForensicReports implements Store, in one transaction.
func (p *Postgres) PruneForensicReports(ctx context.Context, now time.Time, def time.Duration) (n int64, err error) {
	err = p.alertTx(ctx, func(run rowSource, _ execer) error {
		n, err = pruneForensic(ctx, run, now, def)
		return err
	})
	return n, err
}

// ForensicRetentions implements Store.
func (s *SQLite) ForensicRetentions(ctx context.Context) ([]ForensicRetention, error) {
	return forensicRetentions(ctx, s.rows)
}

// ForensicRetentions implements Store.
func (p *Postgres) ForensicRetentions(ctx context.Context) ([]ForensicRetention, error) {
	return forensicRetentions(ctx, p.rows)
}

// SetForensicRetention implements Store.
func (s *SQLite) SetForensicRetention(ctx context.Context, r ForensicRetention) error {
	return s.alertTx(ctx, func(_ rowSource, exec execer) error { return setForensicRetention(ctx, exec, r, sameText) })
}

// SetForensicRetention implements Store.
func (p *Postgres) SetForensicRetention(ctx context.Context, r ForensicRetention) error {
	return p.alertTx(ctx, func(_ rowSource, exec execer) error { return setForensicRetention(ctx, exec, r, pgText) })
}

// DeleteForensicRetention implements Store.
func (s *SQLite) DeleteForensicRetention(ctx context.Context, domain string) error {
	return s.alertTx(ctx, func(run rowSource, _ execer) error { return deleteForensicRetention(ctx, run, domain) })
}

// DeleteForensicRetention implements Store.
func (p *Postgres) DeleteForensicRetention(ctx context.Context, domain string) error {
	return p.alertTx(ctx, func(run rowSource, _ execer) error { return deleteForensicRetention(ctx, run, pgText(domain)) })
}
