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
//   - rollup_sources: the same counters per (domain, day, source_ip). Top
//     sources group it by source IP.
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
// records, or the statistics will keep counting what is gone.

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

// plus adds the counters of o.
func (c *counters) plus(o *counters) {
	c.messages += o.messages
	c.dmarcPass += o.dmarcPass
	c.dkimPass += o.dkimPass
	c.dkimFail += o.dkimFail
	c.spfPass += o.spfPass
	c.spfFail += o.spfFail
	c.fullyAligned += o.fullyAligned
	c.fullyFailed += o.fullyFailed
	c.dispNone += o.dispNone
	c.dispQuarantine += o.dispQuarantine
	c.dispReject += o.dispReject
}

func (c *counters) appendArgs(args []any) []any {
	return append(args, c.messages, c.dmarcPass, c.dkimPass, c.dkimFail, c.spfPass, c.spfFail,
		c.fullyAligned, c.fullyFailed, c.dispNone, c.dispQuarantine, c.dispReject)
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
	// forUpdate locks the day row read before its update: " FOR UPDATE"
	// in PostgreSQL; empty in SQLite, whose single writer serializes.
	forUpdate string
	limit     int   // of sources before an early flush: maxRollupSources
	args      []any // scratch for the upserts
}

func newRollups(domain string, day int64) *rollups {
	return &rollups{domain: domain, day: day, sources: make(map[string]*counters), limit: maxRollupSources}
}

// add counts r, whose source IP is stored as ip.
func (u *rollups) add(ctx context.Context, exec execer, ip string, r *aggregate.Record) error {
	u.records++
	c := u.sources[ip]
	if c == nil {
		if len(u.sources) >= u.limit {
			if err := u.flushSources(ctx, exec); err != nil {
				return err
			}
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
func (u *rollups) flush(ctx context.Context, exec execer, query rowSource) error {
	if err := u.flushSources(ctx, exec); err != nil {
		return err
	}
	if u.records == 0 {
		return nil
	}
	if err := u.flushDay(ctx, exec, query); err != nil {
		return err
	}
	u.total = counters{}
	u.records = 0
	u.sketch.reset()
	return nil
}

// flushDay adds the report's counters and sketch to its day row. The row
// is written once, since SQLite rewrites a whole row, its sketch of up to
// 4 KiB included, on every update. (In a profile of reports of 110 records
// flushDay is 3.6% of the CPU time.) An existing row is read (and in PostgreSQL
// locked, forUpdate) and then updated with the counters and the merged
// sketch. A new row is inserted with the report's sketch; if another
// PostgreSQL transaction inserted it meanwhile, the insert becomes an
// update that waits for it, keeps the row's sketch and returns it to be
// merged and written again.
func (u *rollups) flushDay(ctx context.Context, exec execer, query rowSource) error {
	var stored []byte
	found := false
	err := query(ctx, "SELECT sources FROM rollup_days WHERE domain = ? AND day = ?"+u.forUpdate, []any{u.domain, u.day},
		func(scan func(...any) error) error {
			found = true
			return scan(&stored)
		})
	if err != nil {
		return fmt.Errorf("read daily rollup: %w", err)
	}
	if !found {
		mine := u.sketch.appendBinary(nil)
		args := append(u.total.appendArgs(append(u.args[:0], u.domain, u.day)), mine)
		err := query(ctx, upsertDaySQL, args, func(scan func(...any) error) error { return scan(&stored) })
		clear(args)
		if err != nil {
			return fmt.Errorf("update daily rollup: %w", err)
		}
		if bytes.Equal(stored, mine) {
			return nil // inserted (or merged into an equal sketch)
		}
		return u.writeSketch(ctx, exec, stored, "UPDATE rollup_days SET sources = ?")
	}
	set := make([]string, len(counterColumns))
	for i, c := range counterColumns {
		set[i] = c + " = " + c + " + ?"
	}
	return u.writeSketch(ctx, exec, stored, "UPDATE rollup_days SET "+strings.Join(set, ", ")+", sources = ?", u.total.appendArgs(nil)...)
}

// writeSketch runs update (an UPDATE of the day row taking args, then the
// sketch) with the union of stored and the report's sketch.
func (u *rollups) writeSketch(ctx context.Context, exec execer, stored []byte, update string, args ...any) error {
	var day sourceSketch
	if err := day.unmarshal(stored); err != nil {
		return fmt.Errorf("update daily rollup of %s on %d: %w", u.domain, u.day, err)
	}
	day.merge(&u.sketch)
	args = append(args, day.appendBinary(nil), u.domain, u.day)
	if err := exec(ctx, update+" WHERE domain = ? AND day = ?", args...); err != nil {
		return fmt.Errorf("update daily rollup: %w", err)
	}
	return nil
}

// upsertDaySQL inserts the day row of a report with its sketch, or, when
// the row exists, adds the counters, keeps the row's sketch and returns it.
var upsertDaySQL = upsertRollupSQL("rollup_days", []string{"domain", "day"}, []string{"sources"}, 1) + " RETURNING sources"

func (u *rollups) flushSources(ctx context.Context, exec execer) error {
	ips := make([]string, 0, len(u.sources))
	for ip := range u.sources {
		ips = append(ips, ip)
	}
	slices.Sort(ips)
	keys := []string{"domain", "day", "source_ip"}
	for len(ips) > 0 {
		n := min(len(ips), rollupBatch)
		args := u.args[:0]
		for _, ip := range ips[:n] {
			c := u.sources[ip]
			u.total.plus(c)
			args = c.appendArgs(append(args, u.domain, u.day, ip))
		}
		if err := exec(ctx, upsertRollupSQL("rollup_sources", keys, nil, n), args...); err != nil {
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
	t.Messages += c.messages
	t.DMARCPass += c.dmarcPass
	t.DKIMPass += c.dkimPass
	t.DKIMFail += c.dkimFail
	t.SPFPass += c.spfPass
	t.SPFFail += c.spfFail
	t.FullyAligned += c.fullyAligned
	t.FullyFailed += c.fullyFailed
	t.DispositionNone += c.dispNone
	t.DispositionQuarantine += c.dispQuarantine
	t.DispositionReject += c.dispReject
}
