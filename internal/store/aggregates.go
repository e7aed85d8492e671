package store

import (
	"context"
	"fmt"
	"time"
)

// The aggregate queries of the API: summary statistics, timeline, top
// sources, domains and reporters. They are portable SQL over the records
// table, whose denormalized domain and day columns (indexed together) make
// a domain's period a range scan; both stores run the same text. For very
// large stores, daily rollup tables maintained at ingest are the next step.

// AggregateFilter selects the records of a domain (all when empty) whose
// report began on a day in [Since, Until) (unbounded when zero).
type AggregateFilter struct {
	Domain       string
	Since, Until time.Time
}

// Totals are message counts weighted by record count, using the aligned
// policy_evaluated verdicts, as the parsing protocol's statistics.
type Totals struct {
	Messages              int64 `json:"total_messages"`
	DMARCPass             int64 `json:"dmarc_pass"`
	DKIMPass              int64 `json:"dkim_pass"`
	DKIMFail              int64 `json:"dkim_fail"`
	SPFPass               int64 `json:"spf_pass"`
	SPFFail               int64 `json:"spf_fail"`
	FullyAligned          int64 `json:"fully_aligned"`
	FullyFailed           int64 `json:"fully_failed"`
	DispositionNone       int64 `json:"disposition_none"` // DMARCbis "pass" included
	DispositionQuarantine int64 `json:"disposition_quarantine"`
	DispositionReject     int64 `json:"disposition_reject"`
	UniqueSources         int64 `json:"unique_sources"`
}

// TimelinePoint is the totals of one day or week (starting Monday, UTC).
type TimelinePoint struct {
	Start time.Time `json:"start"`
	Totals
}

// SourceTotals is the totals of one source IP.
type SourceTotals struct {
	SourceIP  string    `json:"source_ip"`
	FirstSeen time.Time `json:"first_seen"` // day of the first report naming it
	LastSeen  time.Time `json:"last_seen"`
	Totals
}

// DomainTotals summarizes the reports of one policy domain.
type DomainTotals struct {
	Domain     string    `json:"domain"`
	Reports    int64     `json:"reports"`
	Messages   int64     `json:"messages"`
	DMARCPass  int64     `json:"dmarc_pass"`
	LastReport time.Time `json:"last_report"` // end of the newest report's range
}

// ReporterTotals summarizes the reports of one reporting organization.
type ReporterTotals struct {
	OrgName  string `json:"org_name"`
	Reports  int64  `json:"reports"`
	Messages int64  `json:"messages"`
}

// totalsColumns are the SELECT expressions filling Totals, in its order.
// CAST keeps PostgreSQL's SUM of BIGINT (numeric) an integer.
const totalsColumns = `CAST(COALESCE(SUM(count), 0) AS BIGINT),
	CAST(COALESCE(SUM(CASE WHEN dkim = 'pass' OR spf = 'pass' THEN count ELSE 0 END), 0) AS BIGINT),
	CAST(COALESCE(SUM(CASE WHEN dkim = 'pass' THEN count ELSE 0 END), 0) AS BIGINT),
	CAST(COALESCE(SUM(CASE WHEN dkim = 'fail' THEN count ELSE 0 END), 0) AS BIGINT),
	CAST(COALESCE(SUM(CASE WHEN spf = 'pass' THEN count ELSE 0 END), 0) AS BIGINT),
	CAST(COALESCE(SUM(CASE WHEN spf = 'fail' THEN count ELSE 0 END), 0) AS BIGINT),
	CAST(COALESCE(SUM(CASE WHEN dkim = 'pass' AND spf = 'pass' THEN count ELSE 0 END), 0) AS BIGINT),
	CAST(COALESCE(SUM(CASE WHEN dkim = 'fail' AND spf = 'fail' THEN count ELSE 0 END), 0) AS BIGINT),
	CAST(COALESCE(SUM(CASE WHEN disposition IN ('none', 'pass') THEN count ELSE 0 END), 0) AS BIGINT),
	CAST(COALESCE(SUM(CASE WHEN disposition = 'quarantine' THEN count ELSE 0 END), 0) AS BIGINT),
	CAST(COALESCE(SUM(CASE WHEN disposition = 'reject' THEN count ELSE 0 END), 0) AS BIGINT),
	COUNT(DISTINCT source_ip)`

func (t *Totals) dest() []any {
	return []any{&t.Messages, &t.DMARCPass, &t.DKIMPass, &t.DKIMFail, &t.SPFPass, &t.SPFFail, &t.FullyAligned,
		&t.FullyFailed, &t.DispositionNone, &t.DispositionQuarantine, &t.DispositionReject, &t.UniqueSources}
}

// where is the WHERE clause of f over a table with a domain column and
// the day column named (records: day; reports: date_begin).
func (f AggregateFilter) where(day string) (string, []any) {
	q, args := " WHERE 1 = 1", []any{}
	if f.Domain != "" {
		q += " AND domain = ?"
		args = append(args, f.Domain)
	}
	if !f.Since.IsZero() {
		q += " AND " + day + " >= ?"
		args = append(args, f.Since.Unix())
	}
	if !f.Until.IsZero() {
		q += " AND " + day + " < ?"
		args = append(args, f.Until.Unix())
	}
	return q, args
}

// rowSource runs a portable query (? placeholders) and calls each with the
// scan function of every row; each store provides one.
type rowSource func(ctx context.Context, q string, args []any, each func(scan func(dest ...any) error) error) error

// week is the SQL of a day's Monday: 1970-01-01 was a Thursday.
const week = "day - ((day / 86400 + 3) % 7) * 86400"

func summary(ctx context.Context, run rowSource, f AggregateFilter) (Totals, error) {
	var t Totals
	w, args := f.where("day")
	err := run(ctx, "SELECT "+totalsColumns+" FROM records"+w, args, func(scan func(...any) error) error {
		return scan(t.dest()...)
	})
	if err != nil {
		return Totals{}, fmt.Errorf("summary: %w", err)
	}
	return t, nil
}

func timeline(ctx context.Context, run rowSource, f AggregateFilter, weekly bool) ([]TimelinePoint, error) {
	bucket := "day"
	if weekly {
		bucket = week
	}
	w, args := f.where("day")
	var out []TimelinePoint
	q := "SELECT " + bucket + " AS bucket, " + totalsColumns + " FROM records" + w + " GROUP BY bucket ORDER BY bucket"
	err := run(ctx, q, args, func(scan func(...any) error) error {
		var p TimelinePoint
		var start int64
		if err := scan(append([]any{&start}, p.dest()...)...); err != nil {
			return err
		}
		p.Start = time.Unix(start, 0).UTC()
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	return out, nil
}

func topSources(ctx context.Context, run rowSource, f AggregateFilter, limit int) ([]SourceTotals, error) {
	w, args := f.where("day")
	q := "SELECT source_ip, MIN(day), MAX(day), " + totalsColumns + " FROM records" + w +
		" GROUP BY source_ip ORDER BY 4 DESC, source_ip LIMIT ?"
	var out []SourceTotals
	err := run(ctx, q, append(args, limit), func(scan func(...any) error) error {
		var st SourceTotals
		var first, last int64
		if err := scan(append([]any{&st.SourceIP, &first, &last}, st.dest()...)...); err != nil {
			return err
		}
		st.FirstSeen, st.LastSeen = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC()
		st.UniqueSources = 1
		out = append(out, st)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("top sources: %w", err)
	}
	return out, nil
}

func domains(ctx context.Context, run rowSource) ([]DomainTotals, error) {
	q := `SELECT domain, COUNT(*), CAST(COALESCE(SUM(message_count), 0) AS BIGINT),
	CAST(COALESCE(SUM(pass_count), 0) AS BIGINT), MAX(date_end) FROM reports GROUP BY domain ORDER BY domain`
	var out []DomainTotals
	err := run(ctx, q, nil, func(scan func(...any) error) error {
		var d DomainTotals
		var last int64
		if err := scan(&d.Domain, &d.Reports, &d.Messages, &d.DMARCPass, &last); err != nil {
			return err
		}
		d.LastReport = time.Unix(last, 0).UTC()
		out = append(out, d)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("domains: %w", err)
	}
	return out, nil
}

func reporters(ctx context.Context, run rowSource, f AggregateFilter) ([]ReporterTotals, error) {
	w, args := f.where("date_begin")
	q := "SELECT org_name, COUNT(*), CAST(COALESCE(SUM(message_count), 0) AS BIGINT) FROM reports" + w +
		" GROUP BY org_name ORDER BY 3 DESC, org_name"
	var out []ReporterTotals
	err := run(ctx, q, args, func(scan func(...any) error) error {
		var r ReporterTotals
		if err := scan(&r.OrgName, &r.Reports, &r.Messages); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reporters: %w", err)
	}
	return out, nil
}

// aggregates implements the aggregate methods of Store for both stores,
// which embed it with their own rowSource.
type aggregates struct{ run rowSource }

// Summary implements Store.
func (a aggregates) Summary(ctx context.Context, f AggregateFilter) (Totals, error) {
	return summary(ctx, a.run, f)
}

// Timeline implements Store.
func (a aggregates) Timeline(ctx context.Context, f AggregateFilter, weekly bool) ([]TimelinePoint, error) {
	return timeline(ctx, a.run, f, weekly)
}

// TopSources implements Store.
func (a aggregates) TopSources(ctx context.Context, f AggregateFilter, limit int) ([]SourceTotals, error) {
	return topSources(ctx, a.run, f, limit)
}

// Domains implements Store.
func (a aggregates) Domains(ctx context.Context) ([]DomainTotals, error) { return domains(ctx, a.run) }

// Reporters implements Store.
func (a aggregates) Reporters(ctx context.Context, f AggregateFilter) ([]ReporterTotals, error) {
	return reporters(ctx, a.run, f)
}

func (s *SQLite) rows(ctx context.Context, q string, args []any, each func(func(...any) error) error) error {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (p *Postgres) rows(ctx context.Context, q string, args []any, each func(func(...any) error) error) error {
	rows, err := p.pool.Query(ctx, rebind(q), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}
