package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// BeginReport implements Store. The dedupe key is claimed by the same
// INSERT ... ON CONFLICT DO NOTHING as in SQLite: a concurrent BeginReport
// of the same report, from this or another process, waits on the unique
// index until the first transaction ends, then gets ErrDuplicate if it
// committed. The transaction holds one pooled connection until it ends;
// when ctx is done it is rolled back, as database/sql does.
func (p *Postgres) BeginReport(ctx context.Context, in Incoming) (ReportTx, error) {
	if in.Header == nil {
		return nil, errors.New("begin report: no header")
	}
	key, err := reportKey(in)
	if err != nil {
		return nil, fmt.Errorf("begin report: %w", err)
	}
	h := in.Header
	md, pp := &h.Metadata, &h.Policy
	metaErrs, err := jsonColumn(md.Errors, len(md.Errors))
	if err != nil {
		return nil, fmt.Errorf("begin report: encode metadata errors: %w", err)
	}
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin report: %w", err)
	}
	var id int64
	err = tx.QueryRow(ctx, rebind(insertReportSQL),
		pgText(md.Reporter.OrgName), pgText(md.Reporter.Email), pgText(md.Reporter.ExtraContactInfo),
		pgText(md.ReportID), pgText(key), pgText(pp.Domain),
		pgText(pp.ADKIM), pgText(pp.ASPF), pgText(pp.Policy), pgText(pp.SubdomainPolicy), pp.Percentage,
		pgText(pp.NonexistentSubdomainPolicy), pgText(pp.FailureOptions), pgText(pp.Testing), pgText(pp.DiscoveryMethod),
		md.DateRange.Begin.Unix(), md.DateRange.End.Unix(), md.DateRange.DurationHours,
		pgText(md.Generator), pgText(h.Version), pgText(h.Namespace), metaErrs,
		pgText(in.SourceName), pgText(in.SHA256), in.ReceivedAt.Unix(),
	).Scan(&id)
	if err != nil {
		rbErr := rollback(ctx, tx)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("report %q of %q for %q: %w", key, md.Reporter.OrgName, pp.Domain, ErrDuplicate)
		}
		return nil, errors.Join(fmt.Errorf("insert report: %w", err), rbErr)
	}
	domain, day := pgText(pp.Domain), md.DateRange.Begin.UTC().Truncate(24*time.Hour).Unix()
	t := &pgReportTx{
		p:      p,
		tx:     tx,
		id:     id,
		domain: domain,
		day:    day,
		sha:    pgText(in.SHA256),
		args:   make([]any, 0, p.batch*recordColumnCount),
		roll:   newRollups(domain, day, pgTxExec(tx), pgRows(tx)),
	}
	t.roll.forUpdate = " FOR UPDATE"
	// Under mu: when ctx is done already, f runs at once and must find
	// t.stop set.
	t.mu.Lock()
	t.stop = context.AfterFunc(ctx, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.end(ctx)
	})
	t.mu.Unlock()
	return t, nil
}

// rollback rolls tx back even when ctx is done (the usual reason to roll
// back), bounded so a dead connection cannot hang the caller.
func rollback(ctx context.Context, tx pgx.Tx) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := tx.Rollback(ctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return fmt.Errorf("roll back: %w", err)
	}
	return nil
}

// pgReportTx is the ReportTx of Postgres. Records are buffered as COPY
// rows and sent batch rows at a time. mu serializes its methods with the
// rollback that runs when the context of BeginReport is done.
type pgReportTx struct {
	p      *Postgres
	tx     pgx.Tx
	id     int64
	domain string
	day    int64
	sha    string
	stop   func() bool // cancels the rollback on ctx done

	mu      sync.Mutex
	args    []any // values of the pending rows, recordColumnCount each
	pending int   // rows in args
	buf     []byte
	tally   tally
	roll    *rollups

	err  error // the first failure: the transaction is unusable after it
	done bool
}

// end marks the transaction done and rolls it back; it is a no-op once
// done. The caller holds mu.
func (t *pgReportTx) end(ctx context.Context) error {
	if t.done {
		return nil
	}
	t.done = true
	t.stop()
	t.args = nil
	return rollback(ctx, t.tx)
}

// Commit implements ReportTx. On failure the transaction is rolled back.
func (t *pgReportTx) Commit(ctx context.Context, sum Summary) (int64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return 0, fmt.Errorf("commit report: %w", sql.ErrTxDone)
	}
	if err := t.commit(ctx, sum); err != nil {
		return 0, errors.Join(err, t.end(ctx))
	}
	t.done = true
	t.stop()
	t.args = nil
	return t.id, nil
}

func (t *pgReportTx) commit(ctx context.Context, sum Summary) error {
	if t.err != nil {
		return t.err
	}
	if err := validStatus(sum.Status); err != nil {
		return fmt.Errorf("commit report: %w", err)
	}
	if err := t.flush(ctx); err != nil {
		return err
	}
	if err := t.roll.flush(ctx); err != nil {
		return err
	}
	sum.SHA256 = pgText(sum.SHA256)
	args, err := finishReportArgs(sum, t.sha, t.tally, t.id)
	if err != nil {
		return err
	}
	if _, err := t.tx.Exec(ctx, rebind(finishReportSQL), args...); err != nil {
		return fmt.Errorf("update report: %w", err)
	}
	if err := t.tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit report: %w", err)
	}
	return nil
}

// Rollback implements ReportTx.
func (t *pgReportTx) Rollback() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.end(context.Background()); err != nil {
		return fmt.Errorf("roll back report: %w", err)
	}
	return nil
}
