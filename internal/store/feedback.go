package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// ExpectedAnomaly is a person's judgement that an anomaly the detector
// (package anomaly) reported is expected: a new sender that is the
// company's new newsletter service, a volume spike that was a planned
// campaign. The detector honours it: an expected source or country is not
// flagged again, and an expected day is left out of the baselines. The
// store keeps one per domain, kind and key, and gives Kind and Key no
// meaning of its own.
type ExpectedAnomaly struct {
	// Domain is the policy domain, as the reports name it (lower case).
	Domain string `json:"domain"`
	// Kind is the anomaly's kind, such as "new_source".
	Kind string `json:"kind"`
	// Key is what the anomaly is about: a source IP, a day (YYYY-MM-DD)
	// or a country code, as the detector names it.
	Key string `json:"key"`
	// By is who marked it (the authenticated user), At when, to the
	// second, and Note why, in their words.
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	Note string    `json:"note"`
}

// expectedAnomaliesSQL lists the feedback of a domain. The order is made
// in Go: SQLite and PostgreSQL collate text differently.
const expectedAnomaliesSQL = `SELECT kind, item_key, marked_by, marked_at, note FROM anomaly_feedback WHERE domain = ?`

// markExpectedSQL inserts or replaces one feedback row, in the upsert
// syntax both SQLite (3.24 and later) and PostgreSQL know.
const markExpectedSQL = `INSERT INTO anomaly_feedback (domain, kind, item_key, marked_by, marked_at, note) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (domain, kind, item_key) DO UPDATE SET marked_by = excluded.marked_by, marked_at = excluded.marked_at, note = excluded.note`

// unmarkExpectedSQL deletes one feedback row.
const unmarkExpectedSQL = `DELETE FROM anomaly_feedback WHERE domain = ? AND kind = ? AND item_key = ?`

// expectedAnomalies reads the feedback of domain through run, by kind and
// key. It reads every row of the domain: rows are made one at a time by
// people, so a domain has few.
func expectedAnomalies(ctx context.Context, run rowSource, domain string) ([]ExpectedAnomaly, error) {
	var out []ExpectedAnomaly
	err := run(ctx, expectedAnomaliesSQL, []any{domain}, func(scan func(...any) error) error {
		e := ExpectedAnomaly{Domain: domain}
		var at int64
		if err := scan(&e.Kind, &e.Key, &e.By, &at, &e.Note); err != nil {
			return err
		}
		e.At = time.Unix(at, 0).UTC()
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read expected anomalies of domain %q: %w", domain, err)
	}
	slices.SortFunc(out, func(a, b ExpectedAnomaly) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Key, b.Key))
	})
	return out, nil
}

// markExpectedArgs are the arguments of markExpectedSQL, or an error for
// feedback that cannot be stored. A zero At is now.
func markExpectedArgs(e ExpectedAnomaly) ([]any, error) {
	if e.Domain == "" || e.Kind == "" || e.Key == "" {
		return nil, errors.New("mark anomaly expected: domain, kind and key are required")
	}
	at := e.At
	if at.IsZero() {
		at = time.Now()
	}
	return []any{e.Domain, e.Kind, e.Key, e.By, at.Unix(), e.Note}, nil
}

// ExpectedAnomalies implements Store.
func (s *SQLite) ExpectedAnomalies(ctx context.Context, domain string) ([]ExpectedAnomaly, error) {
	return expectedAnomalies(ctx, s.rows, domain)
}

// MarkExpected implements Store. It writes on the single writing
// connection, so it waits for an open ReportTx of this store to end.
func (s *SQLite) MarkExpected(ctx context.Context, e ExpectedAnomaly) error {
	args, err := markExpectedArgs(e)
	if err != nil {
		return err
	}
	if _, err := s.w.ExecContext(ctx, markExpectedSQL, args...); err != nil {
		return fmt.Errorf("mark %s %s of domain %q expected: %w", e.Kind, e.Key, e.Domain, err)
	}
	return nil
}

// UnmarkExpected implements Store.
func (s *SQLite) UnmarkExpected(ctx context.Context, domain, kind, key string) error {
	res, err := s.w.ExecContext(ctx, unmarkExpectedSQL, domain, kind, key)
	if err != nil {
		return fmt.Errorf("unmark %s %s of domain %q: %w", kind, key, domain, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("unmark %s %s of domain %q: %w", kind, key, domain, err)
	}
	return unmarked(n, domain, kind, key)
}

// unmarked is the outcome of deleting n feedback rows.
func unmarked(n int64, domain, kind, key string) error {
	if n == 0 {
		return fmt.Errorf("expected anomaly %s %s of domain %q: %w", kind, key, domain, ErrNotFound)
	}
	return nil
}
