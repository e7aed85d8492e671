package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ReputationEntry is one cached answer of an external IP reputation
// service (package reputation): kept so that looking the same IP up again
// within the answer's time to live asks nobody, which both spares the
// services' daily quotas and sends the IP out once. The store keeps the
// newest answer per provider and IP; what Status and JSON mean is the
// reputation package's business.
type ReputationEntry struct {
	// Provider names the service ("abuseipdb", "virustotal").
	Provider string
	// IP is the address in canonical text form (netip.Addr.String).
	IP string
	// FetchedAt is when the service answered, to the second.
	FetchedAt time.Time
	// Status is the outcome ("ok", "error", ...), by which the reputation
	// package picks the answer's time to live.
	Status string
	// JSON is the answer as the reputation package keeps it.
	JSON []byte
}

// reputationSQL reads the cached answer of a provider about an IP.
const reputationSQL = `SELECT fetched_at, status, json FROM reputation_cache WHERE provider = ? AND ip = ?`

// setReputationSQL inserts or replaces a cached answer, in the upsert
// syntax both SQLite (3.24 and later) and PostgreSQL know.
const setReputationSQL = `INSERT INTO reputation_cache (provider, ip, fetched_at, status, json) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (provider, ip) DO UPDATE SET fetched_at = excluded.fetched_at, status = excluded.status, json = excluded.json`

// pruneReputationSQL deletes the answers fetched before a time; the index
// on fetched_at makes it a range.
const pruneReputationSQL = `DELETE FROM reputation_cache WHERE fetched_at < ?`

// cachedReputation reads the answer of provider about ip through run;
// found is false when there is none.
func cachedReputation(ctx context.Context, run rowSource, provider, ip string) (e ReputationEntry, found bool, err error) {
	var fetched int64
	var js string
	found, err = scanOne(ctx, run, reputationSQL, []any{provider, ip}, &fetched, &e.Status, &js)
	if err != nil {
		return ReputationEntry{}, false, fmt.Errorf("read cached %s answer about %s: %w", provider, ip, err)
	}
	if !found {
		return ReputationEntry{}, false, nil
	}
	e.Provider, e.IP, e.FetchedAt, e.JSON = provider, ip, time.Unix(fetched, 0).UTC(), []byte(js)
	return e, true, nil
}

// setReputationArgs are the arguments of setReputationSQL, or an error for
// an entry that cannot be stored.
func setReputationArgs(e ReputationEntry) ([]any, error) {
	if e.Provider == "" || e.IP == "" || e.Status == "" {
		return nil, errors.New("cache reputation: provider, IP and status are required")
	}
	return []any{e.Provider, e.IP, e.FetchedAt.Unix(), e.Status, string(e.JSON)}, nil
}

// CachedReputation implements Store.
func (s *SQLite) CachedReputation(ctx context.Context, provider, ip string) (ReputationEntry, bool, error) {
	return cachedReputation(ctx, s.rows, provider, ip)
}

// CacheReputation implements Store. It writes on the single writing
// connection, so it waits for an open ReportTx of this store to end:
// callers bound it with their context.
func (s *SQLite) CacheReputation(ctx context.Context, e ReputationEntry) error {
	args, err := setReputationArgs(e)
	if err != nil {
		return err
	}
	if _, err := s.w.ExecContext(ctx, setReputationSQL, args...); err != nil {
		return fmt.Errorf("cache %s answer about %s: %w", e.Provider, e.IP, err)
	}
	return nil
}

// PruneReputation implements Store.
func (s *SQLite) PruneReputation(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, pruneReputationSQL, before.Unix())
	if err != nil {
		return 0, fmt.Errorf("prune reputation cache: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune reputation cache: %w", err)
	}
	return n, nil
}
