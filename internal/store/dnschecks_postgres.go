package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// AddDNSCheck implements Store. Text PostgreSQL cannot hold is replaced
// (pgText).
func (p *Postgres) AddDNSCheck(ctx context.Context, c DNSCheck, keep int) (id int64, err error) {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("store DNS check: begin: %w", err)
	}
	defer func() {
		if err != nil {
			if rerr := tx.Rollback(context.WithoutCancel(ctx)); !errors.Is(rerr, pgx.ErrTxClosed) {
				err = errors.Join(err, rerr)
			}
		}
	}()
	c.Domain, c.Origin, c.Status, c.Result = pgText(c.Domain), pgText(c.Origin), pgText(c.Status), []byte(pgText(string(c.Result)))
	if id, err = addDNSCheck(ctx, pgRows(tx), pgTxExec(tx), c, keep); err != nil {
		return 0, err
	}
	if err = tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("store DNS check: commit: %w", err)
	}
	return id, nil
}

// DNSChecks implements Store.
func (p *Postgres) DNSChecks(ctx context.Context, domain string, limit int) ([]DNSCheck, error) {
	return dnsChecks(ctx, p.rows, pgText(domain), limit)
}

// LatestDNSChecks implements Store.
func (p *Postgres) LatestDNSChecks(ctx context.Context) ([]DNSCheck, error) {
	return latestDNSChecks(ctx, p.rows)
}
