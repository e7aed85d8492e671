package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The reads of a domain's history that the anomaly detector (package
// anomaly) learns its baselines from and that its feedback is about: the
// domain's first and last day, and its source rollup rows day by day.
// Both read the rollups (rollup.go), in portable SQL both stores run.

// SourceDayTotals is the totals of one source IP on one day of a domain:
// one row of the source rollups. UniqueSources is 1.
type SourceDayTotals struct {
	Day      time.Time `json:"day"`
	SourceIP string    `json:"source_ip"`
	Totals
}

// sourceDays reads the source rows of f, whose Domain is required, the
// newest day first, at most limit rows; partial is true when f has more.
// The rows of one domain are one range of the primary key (domain, day,
// source_ip), read backwards, so the cost grows with the rows returned,
// whatever the size of the store. A caller that needs whole days drops the
// oldest day of a partial answer: it may be cut.
func sourceDays(ctx context.Context, run rowSource, f AggregateFilter, limit int) (rows []SourceDayTotals, partial bool, err error) {
	if f.Domain == "" {
		return nil, false, errors.New("source days: a domain is required")
	}
	if limit < 1 {
		return nil, false, fmt.Errorf("source days: limit %d below 1", limit)
	}
	w, args := f.where("day")
	q := "SELECT day, source_ip, " + strings.Join(counterColumns, ", ") + " FROM rollup_sources" + w +
		" ORDER BY day DESC, source_ip DESC LIMIT ?"
	args = append(args, limit+1)
	err = run(ctx, q, args, func(scan func(...any) error) error {
		if len(rows) == limit {
			partial = true
			return nil
		}
		var r SourceDayTotals
		var day int64
		if err := scan(append([]any{&day, &r.SourceIP}, r.dest()[:len(counterColumns)]...)...); err != nil {
			return err
		}
		r.Day, r.UniqueSources = time.Unix(day, 0).UTC(), 1
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("source days of domain %q: %w", f.Domain, err)
	}
	return rows, partial, nil
}

// domainSpan reads the first and last day with mail of domain, zero when
// it has none: two ends of one range of the primary key of rollup_days.
func domainSpan(ctx context.Context, run rowSource, domain string) (first, last time.Time, err error) {
	var n, lo, hi int64
	_, err = scanOne(ctx, run, `SELECT COUNT(*), COALESCE(MIN(day), 0), COALESCE(MAX(day), 0) FROM rollup_days WHERE domain = ?`,
		[]any{domain}, &n, &lo, &hi)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("days of domain %q: %w", domain, err)
	}
	if n == 0 {
		return time.Time{}, time.Time{}, nil
	}
	return time.Unix(lo, 0).UTC(), time.Unix(hi, 0).UTC(), nil
}

// SourceDays implements Store.
func (a aggregates) SourceDays(ctx context.Context, f AggregateFilter, limit int) ([]SourceDayTotals, bool, error) {
	return sourceDays(ctx, a.run, f, limit)
}

// DomainSpan implements Store.
func (a aggregates) DomainSpan(ctx context.Context, domain string) (first, last time.Time, err error) {
	return domainSpan(ctx, a.run, domain)
}
