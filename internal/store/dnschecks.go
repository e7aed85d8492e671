package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// DNSCheck is one stored check of a domain's mail authentication records
// in DNS (package dnscheck), kept so that the dashboard shows the history
// of a domain's records and what changed between checks. The store gives
// Status and Result no meaning of its own: they are the dnscheck result's
// overall status and its JSON.
type DNSCheck struct {
	// ID is the check's id, in the order checks were stored.
	ID int64
	// Domain is the domain checked, as package dnscheck normalizes it
	// (lower case, A-labels).
	Domain string
	// CheckedAt is when the check ran, to the second.
	CheckedAt time.Time
	// Origin says who asked for it: "api" or "schedule".
	Origin string
	// Status is the result's overall status ("ok", "warning", "error").
	Status string
	// Result is the check's result as JSON.
	Result []byte
}

// DNSChecksKept is how many checks AddDNSCheck keeps per domain when
// given no number: 100 checks are three months of daily ones.
const DNSChecksKept = 100

// dnsCheckColumns are the columns of a DNSCheck, in scanDNSCheck's order.
const dnsCheckColumns = `id, domain, checked_at, origin, status, result`

// addDNSCheckSQL inserts a check.
const addDNSCheckSQL = `INSERT INTO dns_checks (domain, checked_at, origin, status, result) VALUES (?, ?, ?, ?, ?) RETURNING id`

// pruneDNSChecksSQL deletes the checks of a domain but the newest n, in
// the order of DNSChecks.
const pruneDNSChecksSQL = `DELETE FROM dns_checks WHERE domain = ? AND id NOT IN
	(SELECT id FROM dns_checks WHERE domain = ? ORDER BY checked_at DESC, id DESC LIMIT ?)`

// dnsChecksSQL lists the newest checks of a domain; the index on (domain,
// checked_at, id) gives them in order.
const dnsChecksSQL = `SELECT ` + dnsCheckColumns + ` FROM dns_checks WHERE domain = ? ORDER BY checked_at DESC, id DESC LIMIT ?`

// latestDNSChecksSQL reads the newest check of every domain, each found
// through the index.
const latestDNSChecksSQL = `SELECT ` + dnsCheckColumns + ` FROM dns_checks c WHERE id =
	(SELECT id FROM dns_checks l WHERE l.domain = c.domain ORDER BY checked_at DESC, id DESC LIMIT 1)
ORDER BY domain`

// addDNSCheck stores c through run and exec, which belong to one
// transaction, and prunes its domain's checks to the newest keep.
func addDNSCheck(ctx context.Context, run rowSource, exec execer, c DNSCheck, keep int) (int64, error) {
	if c.Domain == "" || c.Status == "" {
		return 0, errors.New("store DNS check: domain and status are required")
	}
	if keep <= 0 {
		keep = DNSChecksKept
	}
	var id int64
	found, err := scanOne(ctx, run, addDNSCheckSQL, []any{c.Domain, c.CheckedAt.Unix(), c.Origin, c.Status, string(c.Result)}, &id)
	if err == nil && !found {
		err = errors.New("no id returned")
	}
	if err != nil {
		return 0, fmt.Errorf("store DNS check of %s: %w", c.Domain, err)
	}
	if err := exec(ctx, pruneDNSChecksSQL, c.Domain, c.Domain, keep); err != nil {
		return 0, fmt.Errorf("prune DNS checks of %s: %w", c.Domain, err)
	}
	return id, nil
}

// readDNSChecks runs q, which selects dnsCheckColumns, through run.
func readDNSChecks(ctx context.Context, run rowSource, q string, args ...any) ([]DNSCheck, error) {
	var out []DNSCheck
	err := run(ctx, q, args, func(scan func(...any) error) error {
		var c DNSCheck
		var at int64
		var result string
		if err := scan(&c.ID, &c.Domain, &at, &c.Origin, &c.Status, &result); err != nil {
			return err
		}
		c.CheckedAt, c.Result = time.Unix(at, 0).UTC(), []byte(result)
		out = append(out, c)
		return nil
	})
	return out, err
}

// dnsChecks lists the newest checks of domain, at most limit (1 at least).
func dnsChecks(ctx context.Context, run rowSource, domain string, limit int) ([]DNSCheck, error) {
	list, err := readDNSChecks(ctx, run, dnsChecksSQL, domain, max(limit, 1))
	if err != nil {
		return nil, fmt.Errorf("read DNS checks of %s: %w", domain, err)
	}
	return list, nil
}

// latestDNSChecks reads the newest check of every domain.
func latestDNSChecks(ctx context.Context, run rowSource) ([]DNSCheck, error) {
	list, err := readDNSChecks(ctx, run, latestDNSChecksSQL)
	if err != nil {
		return nil, fmt.Errorf("read the latest DNS checks: %w", err)
	}
	return list, nil
}

// AddDNSCheck implements Store. It writes on the single writing
// connection, so it waits for an open ReportTx of this store to end.
func (s *SQLite) AddDNSCheck(ctx context.Context, c DNSCheck, keep int) (id int64, err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store DNS check: begin: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, ignoreTxDone(tx.Rollback()))
		}
	}()
	if id, err = addDNSCheck(ctx, sqlRows(tx), sqlTxExec(tx), c, keep); err != nil {
		return 0, err
	}
	if err = tx.Commit(); err != nil {
		return 0, fmt.Errorf("store DNS check: commit: %w", err)
	}
	return id, nil
}

// DNSChecks implements Store.
func (s *SQLite) DNSChecks(ctx context.Context, domain string, limit int) ([]DNSCheck, error) {
	return dnsChecks(ctx, s.rows, domain, limit)
}

// LatestDNSChecks implements Store.
func (s *SQLite) LatestDNSChecks(ctx context.Context) ([]DNSCheck, error) {
	return latestDNSChecks(ctx, s.rows)
}
