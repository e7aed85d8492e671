package store

import (
	"context"
	"fmt"
)

// ExpectedAnomalies implements Store. The domain is compared after pgText,
// as MarkExpected stored it.
func (p *Postgres) ExpectedAnomalies(ctx context.Context, domain string) ([]ExpectedAnomaly, error) {
	list, err := expectedAnomalies(ctx, p.rows, pgText(domain))
	for i := range list {
		list[i].Domain = domain
	}
	return list, err
}

// MarkExpected implements Store. Text PostgreSQL cannot hold is replaced
// (pgText).
func (p *Postgres) MarkExpected(ctx context.Context, e ExpectedAnomaly) error {
	args, err := markExpectedArgs(ExpectedAnomaly{Domain: pgText(e.Domain), Kind: pgText(e.Kind), Key: pgText(e.Key),
		By: pgText(e.By), At: e.At, Note: pgText(e.Note)})
	if err != nil {
		return err
	}
	if _, err := p.pool.Exec(ctx, rebind(markExpectedSQL), args...); err != nil {
		return fmt.Errorf("mark %s %s of domain %q expected: %w", e.Kind, e.Key, e.Domain, err)
	}
	return nil
}

// UnmarkExpected implements Store.
func (p *Postgres) UnmarkExpected(ctx context.Context, domain, kind, key string) error {
	tag, err := p.pool.Exec(ctx, rebind(unmarkExpectedSQL), pgText(domain), pgText(kind), pgText(key))
	if err != nil {
		return fmt.Errorf("unmark %s %s of domain %q: %w", kind, key, domain, err)
	}
	return unmarked(tag.RowsAffected(), domain, kind, key)
}
