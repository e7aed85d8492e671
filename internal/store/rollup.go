package store

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// Daily rollups. The aggregate queries (Summary, Timeline, TopSources) read
// two tables maintained at ingest instead of the records table:
//
//   - rollup_days: the counters of Totals per (domain, day), one row per
//     policy domain and UTC day, whatever the number of records, and the
//     sketch of the day's distinct source IPs (sketch.go). Summary and
//     Timeline read only this table: they sum the counters and merge the
//     sketches for UniqueSources, which cannot be summed from daily counts.
//     The row also keeps the day's top list (toplist.go): the IPs with the
//     most messages and their counters, from which TopSources answers.
//   - rollup_sources: the same counters per (domain, day, source_ip). Top
//     sources group it by source IP when the top lists cannot answer.
//
// Both are written in the report's own transaction (ReportTx), so a report
// and its rollups are stored together or not at all. A report has one domain
// and one day, so its rollups are accumulated in memory per source IP and
// upserted (INSERT ... ON CONFLICT DO UPDATE adding the counters, which
// SQLite and PostgreSQL both accept) at Commit, or earlier when more than
// maxRollupSources IPs are pending. The day's sketch cannot be merged in
// SQL, so the day row is read, merged and written back (flushDay). In
// PostgreSQL the read locks the row (SELECT ... FOR UPDATE, or the upsert
// of a new row) until the transaction ends, so two replicas storing reports
// of the same domain and day serialize there and neither loses the other's
// IPs; SQLite has a single writer. Nothing else maintains them: a feature
// that deletes records or reports (retention) must subtract the deleted
// counters from both tables or rebuild the affected (domain, day) rows from
// records (sketch and top list included), or the statistics will keep
// counting what is gone.

// maxRollupSources bounds the source IPs a ReportTx accumulates before it
// upserts them, so memory stays bounded (about 200 bytes an IP) however
// many distinct IPs a report names. Real reports name a few thousand at
// most; only a pathological one flushes early.
const maxRollupSources = 65536

// rollupBatch is the number of rows per upsert statement: 14 parameters a
// row stays below SQLite's limit of 32766 bound parameters, and a report's
// rollups are few compared with its records, so the size barely matters.
const rollupBatch = 256

// counters are the counters of Totals (all but UniqueSources), weighted by
// record count as totalsColumns computes them.
type counters struct {
	messages, dmarcPass, dkimPass, dkimFail, spfPass, spfFail, fullyAligned, fullyFailed,
	dispNone, dispQuarantine, dispReject int64
}

// counterColumns are the rollup tables' counter columns, in the order of
// counters and of Totals.
var counterColumns = []string{"messages", "dmarc_pass", "dkim_pass", "dkim_fail", "spf_pass", "spf_fail",
	"fully_aligned", "fully_failed", "disposition_none", "disposition_quarantine", "disposition_reject"}

func (c *counters) add(r *aggregate.Record) {
	n, pe := r.Count, &r.PolicyEvaluated
	dkim, spf := pe.DKIM == "pass", pe.SPF == "pass"
	dkimFail, spfFail := pe.DKIM == "fail", pe.SPF == "fail"
	c.messages += n
	if dkim || spf {
		c.dmarcPass += n
	}
	if dkim {
		c.dkimPass += n
	} else if dkimFail {
		c.dkimFail += n
	}
	if spf {
		c.spfPass += n
	} else if spfFail {
		c.spfFail += n
	}
	if dkim && spf {
		c.fullyAligned += n
	}
	if dkimFail && spfFail {
		c.fullyFailed += n
	}
	switch pe.Disposition {
	case "none", "pass":
		c.dispNone += n
	case "quarantine":
		c.dispQuarantine += n
	case "reject":
		c.dispReject += n
	}
}

// pointers are the counters in the order of counterColumns.
func (c *counters) pointers() [11]*int64 {
	return [...]*int64{&c.messages, &c.dmarcPass, &c.dkimPass, &c.dkimFail, &c.spfPass, &c.spfFail,
		&c.fullyAligned, &c.fullyFailed, &c.dispNone, &c.dispQuarantine, &c.dispReject}
}

// plus adds the counters of o.
func (c *counters) plus(o *counters) {
	mine, theirs := c.pointers(), o.pointers()
	for i, p := range mine {
		*p += *theirs[i]
	}
}

func (c *counters) appendArgs(args []any) []any {
	for _, p := range c.pointers() {
		args = append(args, *p)
	}
	return args
}

// execer runs a statement of portable SQL (? placeholders) in a report's
// transaction; each store provides one.
type execer func(ctx context.Context, q string, args ...any) error

// rollups accumulates the rollups of one report.
type rollups struct {
	domain  string
	day     int64
	records int64                // records added: a report without any adds no day row
	total   counters             // of the sources flushed, summed as they are: cheaper than once a record
	sources map[string]*counters // by source IP as stored
	sketch  sourceSketch         // of all the report's IPs, early flushes included
	// touched are the IPs upserted with their day totals after the
	// upsert, for the day's top list (toplist.go); after an early flush
	// they are dropped and overflow is set: the list is then rebuilt.
	touched  []topEntry
	overflow bool
	// forUpdate locks the day row read before its update: " FOR UPDATE"
	// in PostgreSQL; empty in SQLite, whose single writer serializes.
	forUpdate string
	limit     int   // of sources before an early flush: maxRollupSources
	args      []any // scratch for the upserts
	// exec and query run statements in the report's transaction.
	exec  execer
	query rowSource
}

func newRollups(domain string, day int64, exec execer, query rowSource) *rollups {
	return &rollups{domain: domain, day: day, sources: make(map[string]*counters), limit: maxRollupSources,
		exec: exec, query: query}
}

// add counts r, whose source IP is stored as ip.
func (u *rollups) add(ctx context.Context, ip string, r *aggregate.Record) error {
	u.records++
	c := u.sources[ip]
	if c == nil {
		if len(u.sources) >= u.limit {
			if err := u.flushSources(ctx); err != nil {
				return err
			}
			u.overflow = true
			clear(u.touched)
			u.touched = nil
		}
		c = new(counters)
		u.sources[ip] = c
		u.sketch.add(sourceHash(ip))
	}
	c.add(r)
	return nil
}

// flush upserts everything accumulated: the sources, then the day row and
// its sketch. Every transaction takes its row locks in that order and the
// sources in IP order, so two PostgreSQL transactions storing reports of
// the same domain and day wait for each other instead of deadlocking. (A
// report flushing early, with more than maxRollupSources IPs, takes them in
// several sorted runs; a deadlock is then possible, and PostgreSQL breaks it
// by failing one of the two reports, which its importer can retry.)
func (u *rollups) flush(ctx context.Context) error {
	if err := u.flushSources(ctx); err != nil {
		return err
	}
	if u.records == 0 {
		return nil
	}
	if err := u.flushDay(ctx); err != nil {
		return err
	}
	u.total = counters{}
	u.records = 0
	u.sketch.reset()
	clear(u.touched)
	u.touched, u.overflow = u.touched[:0], false
	return nil
}

// flushDay adds the report's counters, sketch and top list to its day
// row. The row is written once, since SQLite rewrites a whole row, its
// sketch of up to 4 KiB included, on every update. (In a profile of reports
// of 110 records flushDay is 3.6% of the CPU time.) An existing row is read
// (and in PostgreSQL locked, forUpdate) and then updated with the counters
// and the merged sketch and list. A new row is inserted with the report's
// sketch and list; if another PostgreSQL transaction inserted it meanwhile,
// the insert becomes an update that waits for it, keeps the row's sketch
// and list and returns them to be merged and written again.
func (u *rollups) flushDay(ctx context.Context) error {
	query := u.query
	var day dayRow
	found := false
	err := query(ctx, "SELECT sources, top FROM rollup_days WHERE domain = ? AND day = ?"+u.forUpdate, []any{u.domain, u.day},
		func(scan func(...any) error) error {
			found = true
			return scan(&day.sketch, &day.top)
		})
	if err != nil {
		return fmt.Errorf("read daily rollup: %w", err)
	}
	if !found {
		var mine dayRow
		mine.sketch = u.sketch.appendBinary(nil)
		if !u.overflow {
			top := topList{entries: u.touched}
			top.truncate(topListSize)
			mine.top = top.appendBinary(nil)
		}
		args := append(u.total.appendArgs(append(u.args[:0], u.domain, u.day)), mine.sketch, mine.top)
		err := query(ctx, upsertDaySQL, args, func(scan func(...any) error) error { return scan(&day.sketch, &day.top) })
		clear(args)
		if err != nil {
			return fmt.Errorf("update daily rollup: %w", err)
		}
		if bytes.Equal(day.sketch, mine.sketch) && bytes.Equal(day.top, mine.top) && mine.top != nil {
			return nil // inserted (or merged into an equal row)
		}
		return u.writeDay(ctx, day, "UPDATE rollup_days SET sources = ?, top = ?")
	}
	set := make([]string, len(counterColumns))
	for i, c := range counterColumns {
		set[i] = c + " = " + c + " + ?"
	}
	return u.writeDay(ctx, day, "UPDATE rollup_days SET "+strings.Join(set, ", ")+", sources = ?, top = ?", u.total.appendArgs(nil)...)
}

// dayRow is the stored sketch and top list of a day row.
type dayRow struct{ sketch, top []byte }

// writeDay runs update (an UPDATE of the day row taking args, then the
// sketch and the top list) with the union of the stored sketch and the
// report's, and the stored top list merged with the report's IPs. A list
// that cannot be merged (the report flushed early, or the row has none) is
// rebuilt from the day's source rows, which include the report's.
func (u *rollups) writeDay(ctx context.Context, stored dayRow, update string, args ...any) error {
	var sketch sourceSketch
	if err := sketch.unmarshal(stored.sketch); err != nil {
		return fmt.Errorf("update daily rollup of %s on %d: %w", u.domain, u.day, err)
	}
	sketch.merge(&u.sketch)
	var top topList
	if u.overflow || stored.top == nil {
		if err := rebuildTopList(ctx, u.query, u.domain, u.day, &top); err != nil {
			return err
		}
	} else {
		if err := top.unmarshal(stored.top); err != nil {
			return fmt.Errorf("update daily rollup of %s on %d: %w", u.domain, u.day, err)
		}
		top.merge(u.touched, topListSize)
	}
	args = append(args, sketch.appendBinary(nil), top.appendBinary(nil), u.domain, u.day)
	if err := u.exec(ctx, update+" WHERE domain = ? AND day = ?", args...); err != nil {
		return fmt.Errorf("update daily rollup: %w", err)
	}
	return nil
}

// rebuildTopList reads the top list of a domain and day from its source
// rows: a scan of the day's rows, needed only when a list cannot be
// merged.
func rebuildTopList(ctx context.Context, query rowSource, domain string, day int64, top *topList) error {
	*top = topList{}
	err := query(ctx, "SELECT source_ip, "+strings.Join(counterColumns, ", ")+
		" FROM rollup_sources WHERE domain = ? AND day = ? ORDER BY messages DESC, source_ip LIMIT ?",
		[]any{domain, day, topListSize + 1}, func(scan func(...any) error) error {
			e, err := scanTopEntry(scan)
			if err != nil {
				return err
			}
			if len(top.entries) == topListSize {
				top.exceed(e.c.messages)
				return nil
			}
			top.entries = append(top.entries, e)
			return nil
		})
	if err != nil {
		return fmt.Errorf("rebuild top sources of %s on %d: %w", domain, day, err)
	}
	top.truncate(topListSize) // the database's order of IPs may differ from Go's
	return nil
}

// scanTopEntry scans a source IP and its counters.
func scanTopEntry(scan func(...any) error) (topEntry, error) {
	var e topEntry
	dest := []any{&e.ip}
	for _, p := range e.c.pointers() {
		dest = append(dest, p)
	}
	return e, scan(dest...)
}

// upsertDaySQL inserts the day row of a report with its sketch and top
// list, or, when the row exists, adds the counters, keeps the row's sketch
// and list and returns them.
var upsertDaySQL = upsertRollupSQL("rollup_days", []string{"domain", "day"}, []string{"sources", "top"}, 1) + " RETURNING sources, top"

// flushSources upserts the accumulated sources, in IP order, and keeps
// their new day totals in touched for the top list.
func (u *rollups) flushSources(ctx context.Context) error {
	ips := make([]string, 0, len(u.sources))
	for ip := range u.sources {
		ips = append(ips, ip)
	}
	slices.Sort(ips)
	keys := []string{"domain", "day", "source_ip"}
	returning := " RETURNING source_ip, " + strings.Join(counterColumns, ", ")
	for len(ips) > 0 {
		n := min(len(ips), rollupBatch)
		args := u.args[:0]
		for _, ip := range ips[:n] {
			c := u.sources[ip]
			u.total.plus(c)
			args = c.appendArgs(append(args, u.domain, u.day, ip))
		}
		err := u.query(ctx, upsertRollupSQL("rollup_sources", keys, nil, n)+returning, args, func(scan func(...any) error) error {
			e, err := scanTopEntry(scan)
			u.touched = append(u.touched, e)
			return err
		})
		if err != nil {
			return fmt.Errorf("update source rollup: %w", err)
		}
		clear(args)
		u.args = args[:0]
		ips = ips[n:]
	}
	clear(u.sources)
	return nil
}

// upsertRollupSQL is a multi-row upsert of n rows into a rollup table keyed
// by keys, then the counters, then the kept columns: existing rows get the
// new counters added and keep their kept columns.
func upsertRollupSQL(table string, keys, kept []string, n int) string {
	cols := append(append(slices.Clone(keys), counterColumns...), kept...)
	row := "(" + strings.Repeat("?, ", len(cols)-1) + "?)"
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	b.WriteString(" ON CONFLICT (" + strings.Join(keys, ", ") + ") DO UPDATE SET ")
	for i, c := range counterColumns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c + " = " + table + "." + c + " + excluded." + c)
	}
	return b.String()
}

// Add counts record r into t as the rollups do; UniqueSources is left
// alone (counting distinct IPs needs a set). It lets code outside the
// store total records it streams (a source's page) exactly as the
// aggregate queries would.
func (t *Totals) Add(r *aggregate.Record) {
	var c counters
	c.add(r)
	t.addCounters(&c)
}

// addCounters adds c to the counters of t.
func (t *Totals) addCounters(c *counters) {
	dest := t.dest()
	for i, p := range c.pointers() {
		*dest[i].(*int64) += *p
	}
}
