package store

import (
	"context"
	"fmt"
	"time"
)

// CachedReputation implements Store.
func (p *Postgres) CachedReputation(ctx context.Context, provider, ip string) (ReputationEntry, bool, error) {
	return cachedReputation(ctx, p.rows, provider, ip)
}

// CacheReputation implements Store. The JSON is made valid UTF-8 without
// NUL (pgText), as a TEXT column of PostgreSQL requires.
func (p *Postgres) CacheReputation(ctx context.Context, e ReputationEntry) error {
	e.JSON = []byte(pgText(string(e.JSON)))
	args, err := setReputationArgs(e)
	if err != nil {
		return err
	}
	if _, err := p.pool.Exec(ctx, rebind(setReputationSQL), args...); err != nil {
		return fmt.Errorf("cache %s answer about %s: %w", e.Provider, e.IP, err)
	}
	return nil
}

// PruneReputation implements Store.
func (p *Postgres) PruneReputation(ctx context.Context, before time.Time) (int64, error) {
	tag, err := p.pool.Exec(ctx, rebind(pruneReputationSQL), before.Unix())
	if err != nil {
		return 0, fmt.Errorf("prune reputation cache: %w", err)
	}
	return tag.RowsAffected(), nil
}
