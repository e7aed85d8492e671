package store

import (
	"context"
	"fmt"
	"time"
)

// NewSource is a source IP of a report that no other report of the
// report's domain has: a sender the domain has not seen before (the
// source.new event).
type NewSource struct {
	Domain   string
	SourceIP string
	// Day is the day of the report's records.
	Day time.Time
	// Messages counts its messages in the report, DMARCPass those that
	// passed DMARC.
	Messages, DMARCPass int64
}

// newSourcesSQL finds the report's IPs without a record of another report
// of the same domain; each check is a lookup in records_source_ip that
// stops at the first other report.
const newSourcesSQL = `SELECT r.domain, r.source_ip, MIN(r.day), SUM(r.count),
	SUM(CASE WHEN r.dkim = 'pass' OR r.spf = 'pass' THEN r.count ELSE 0 END)
FROM records r
WHERE r.report_id = ? AND NOT EXISTS
	(SELECT 1 FROM records o WHERE o.source_ip = r.source_ip AND o.domain = r.domain AND o.report_id <> r.report_id)
GROUP BY r.domain, r.source_ip
ORDER BY SUM(r.count) DESC, r.source_ip
LIMIT ?`

// newSources lists the new sources of a report, the most messages first.
func newSources(ctx context.Context, run rowSource, reportID int64, limit int) ([]NewSource, error) {
	var out []NewSource
	err := run(ctx, newSourcesSQL, []any{reportID, max(limit, 1)}, func(scan func(...any) error) error {
		var s NewSource
		var day int64
		if err := scan(&s.Domain, &s.SourceIP, &day, &s.Messages, &s.DMARCPass); err != nil {
			return err
		}
		s.Day = time.Unix(day, 0).UTC()
		out = append(out, s)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("new sources of report %d: %w", reportID, err)
	}
	return out, nil
}

// NewSources implements Store.
func (s *SQLite) NewSources(ctx context.Context, reportID int64, limit int) ([]NewSource, error) {
	return newSources(ctx, s.rows, reportID, limit)
}

// NewSources implements Store.
func (p *Postgres) NewSources(ctx context.Context, reportID int64, limit int) ([]NewSource, error) {
	return newSources(ctx, p.rows, reportID, limit)
}
