package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The aggregate queries of the API: summary statistics, timeline, top
// sources, domains and reporters, in portable SQL that both stores run.
// Summary, Timeline and TopSources read the daily rollups (rollup.go), not
// the records: the cost of Summary and Timeline grows with the (domain,
// day) rows a filter covers, that of TopSources with its (domain, day,
// source IP) rows; Domains and Reporters read the reports' counters.

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

// rollupTotals are the SELECT expressions filling Totals from the counter
// columns of a rollup table, in its order, UniqueSources left out. CAST
// keeps PostgreSQL's SUM of BIGINT (numeric) an integer.
var rollupTotals = func() string {
	cols := make([]string, len(counterColumns))
	for i, c := range counterColumns {
		cols[i] = "CAST(COALESCE(SUM(" + c + "), 0) AS BIGINT)"
	}
	return strings.Join(cols, ", ")
}()

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

// sourcesWhere is the WHERE clause of f over rollup_sources. Without a
// domain it lists every domain (read from rollup_days, one row per domain
// and day) so that a day range stays one range of the primary key (domain,
// day, source_ip) per domain, as both databases plan an IN list, instead of
// a scan of the whole table; an index on day would cost every upsert
// instead.
func (f AggregateFilter) sourcesWhere() (string, []any) {
	w, args := f.where("day")
	if f.Domain == "" {
		w += " AND domain IN (SELECT DISTINCT domain FROM rollup_days)"
	}
	return w, args
}

// rowSource runs a portable query (? placeholders) and calls each with the
// scan function of every row; each store provides one.
type rowSource func(ctx context.Context, q string, args []any, each func(scan func(dest ...any) error) error) error

// week is the SQL of a day's Monday: 1970-01-01 was a Thursday.
const week = "day - ((day / 86400 + 3) % 7) * 86400"

// summary sums the day rows of f and merges their sketches.
func summary(ctx context.Context, run rowSource, f AggregateFilter) (Totals, error) {
	var sum dayTotals
	err := readDays(ctx, run, f, func(_ int64, t *Totals, s *sourceSketch) {
		sum.add(t, s)
	})
	if err != nil {
		return Totals{}, fmt.Errorf("summary: %w", err)
	}
	return sum.totals(), nil
}

// timeline sums the day rows of f per day or week and merges their
// sketches per bucket.
func timeline(ctx context.Context, run rowSource, f AggregateFilter, weekly bool) ([]TimelinePoint, error) {
	buckets := make(map[int64]*dayTotals)
	err := readDays(ctx, run, f, func(day int64, t *Totals, s *sourceSketch) {
		if weekly {
			day -= ((day/86400 + 3) % 7) * 86400 // as the SQL of week
		}
		b := buckets[day]
		if b == nil {
			b = new(dayTotals)
			buckets[day] = b
		}
		b.add(t, s)
	})
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	var out []TimelinePoint // nil when empty, as before
	for start, b := range buckets {
		out = append(out, TimelinePoint{Start: time.Unix(start, 0).UTC(), Totals: b.totals()})
	}
	slices.SortFunc(out, func(a, b TimelinePoint) int { return a.Start.Compare(b.Start) })
	return out, nil
}

// dayTotals accumulates rollup_days rows: their counters summed, their
// sketches merged.
type dayTotals struct {
	t      Totals
	sketch sourceSketch
}

func (d *dayTotals) add(t *Totals, s *sourceSketch) {
	d.t.Messages += t.Messages
	d.t.DMARCPass += t.DMARCPass
	d.t.DKIMPass += t.DKIMPass
	d.t.DKIMFail += t.DKIMFail
	d.t.SPFPass += t.SPFPass
	d.t.SPFFail += t.SPFFail
	d.t.FullyAligned += t.FullyAligned
	d.t.FullyFailed += t.FullyFailed
	d.t.DispositionNone += t.DispositionNone
	d.t.DispositionQuarantine += t.DispositionQuarantine
	d.t.DispositionReject += t.DispositionReject
	d.sketch.merge(s)
}

func (d *dayTotals) totals() Totals {
	t := d.t
	t.UniqueSources = d.sketch.count()
	return t
}

// readDays calls each with the day, counters and sketch of every
// rollup_days row of f, in no particular order; each must not keep t or s.
// Merging the sketches in Go costs a few microseconds a row, so the cost
// grows with the (domain, day) rows of f, not with its source IPs.
func readDays(ctx context.Context, run rowSource, f AggregateFilter, each func(day int64, t *Totals, s *sourceSketch)) error {
	w, args := f.where("day")
	q := "SELECT day, " + strings.Join(counterColumns, ", ") + ", sources FROM rollup_days" + w
	var (
		t      Totals
		s      sourceSketch
		day    int64
		stored []byte
	)
	dest := append(append([]any{&day}, t.dest()[:len(counterColumns)]...), &stored)
	return run(ctx, q, args, func(scan func(...any) error) error {
		if err := scan(dest...); err != nil {
			return err
		}
		if err := s.unmarshal(stored); err != nil {
			return fmt.Errorf("rollup of day %d: %w", day, err)
		}
		each(day, &t, &s)
		return nil
	})
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

// rows is the rowSource of the readers.
func (s *SQLite) rows(ctx context.Context, q string, args []any, each func(func(...any) error) error) error {
	return sqlRows(s.r)(ctx, q, args, each)
}

// rows is the rowSource of the pool.
func (p *Postgres) rows(ctx context.Context, q string, args []any, each func(func(...any) error) error) error {
	return pgRows(p.pool)(ctx, q, args, each)
}
