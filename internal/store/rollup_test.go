package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// recordsTotals are the SELECT expressions of Totals computed directly from
// the records table: the definition the rollups must reproduce.
const recordsTotals = `CAST(COALESCE(SUM(count), 0) AS BIGINT),
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

// fromRecords answers what Summary, Timeline and TopSources answer, by
// scanning the records table.
type fromRecords struct{ run rowSource }

func (r fromRecords) summary(ctx context.Context, f AggregateFilter) (Totals, error) {
	var t Totals
	w, args := f.where("day")
	err := r.run(ctx, "SELECT "+recordsTotals+" FROM records"+w, args, func(scan func(...any) error) error {
		return scan(t.dest()...)
	})
	return t, err
}

func (r fromRecords) timeline(ctx context.Context, f AggregateFilter, weekly bool) ([]TimelinePoint, error) {
	bucket := "day"
	if weekly {
		bucket = week
	}
	w, args := f.where("day")
	var out []TimelinePoint
	q := "SELECT " + bucket + " AS bucket, " + recordsTotals + " FROM records" + w + " GROUP BY bucket ORDER BY bucket"
	err := r.run(ctx, q, args, func(scan func(...any) error) error {
		var p TimelinePoint
		var start int64
		if err := scan(append([]any{&start}, p.dest()...)...); err != nil {
			return err
		}
		p.Start = time.Unix(start, 0).UTC()
		out = append(out, p)
		return nil
	})
	return out, err
}

func (r fromRecords) topSources(ctx context.Context, f AggregateFilter, limit int) ([]SourceTotals, error) {
	w, args := f.where("day")
	q := "SELECT source_ip, MIN(day), MAX(day), " + recordsTotals + " FROM records" + w +
		" GROUP BY source_ip ORDER BY 4 DESC, source_ip LIMIT ?"
	return scanSourceTotals(ctx, r.run, q, append(args, limit))
}

// variedRecords are n records of random verdicts, dispositions (including
// DMARCbis pass and unknown values) and counts (including 0) from a pool of
// IPs shared between reports, so rollup rows are upserted more than once.
func variedRecords(rng *rand.Rand, n int) []*aggregate.Record {
	verdicts := []string{"pass", "fail", "pass", "none", ""}
	dispositions := []string{"none", "none", "quarantine", "reject", "pass", "other"}
	recs := make([]*aggregate.Record, n)
	for i := range recs {
		recs[i] = &aggregate.Record{
			SourceIP: fmt.Sprintf("192.0.2.%d", rng.IntN(40)),
			Count:    rng.Int64N(100),
			PolicyEvaluated: aggregate.PolicyEvaluated{
				Disposition: dispositions[rng.IntN(len(dispositions))],
				DKIM:        verdicts[rng.IntN(len(verdicts))],
				SPF:         verdicts[rng.IntN(len(verdicts))],
			},
		}
	}
	return recs
}

// storeVaried stores reports of three domains over 20 days, several
// reporters a day, one report without records.
func storeVaried(t *testing.T, s Store) {
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range 60 {
		h := testHeader([]string{"google.com", "Yahoo", "outlook.com"}[i%3], fmt.Sprint("r", i),
			[]string{"example.com", "example.org", "example.net"}[rng.IntN(3)])
		h.Metadata.DateRange.Begin = testBegin.AddDate(0, 0, rng.IntN(20)).Add(time.Duration(rng.IntN(24)) * time.Hour)
		n := rng.IntN(30)
		if i == 5 {
			n = 0
		}
		store(t, s, Incoming{Header: h, SourceName: "varied"}, variedRecords(rng, n), Summary{})
	}
}

// checkRollups compares the rollup answers with the records' for filters of
// every kind.
func checkRollups(t *testing.T, s Store) {
	t.Helper()
	ctx := t.Context()
	ref := fromRecords{rowsOf(t, s)}
	day := func(n int) time.Time { return testBegin.AddDate(0, 0, n) }
	filters := []AggregateFilter{
		{},
		{Domain: "example.com"},
		{Domain: "example.org", Since: day(3)},
		{Until: day(10)},
		{Domain: "example.net", Since: day(2), Until: day(15)},
		{Since: day(5), Until: day(6)},
		{Domain: "nothing.example"},
		{Since: day(100)},
	}
	for _, f := range filters {
		name := fmt.Sprintf("%q [%s, %s)", f.Domain, f.Since.Format(time.DateOnly), f.Until.Format(time.DateOnly))
		got, err := s.Summary(ctx, f)
		want, werr := ref.summary(ctx, f)
		if err != nil || werr != nil {
			t.Fatalf("%s: summary: %v, records: %v", name, err, werr)
		}
		equal(t, name+" summary", got, want)
		for _, weekly := range []bool{false, true} {
			got, err := s.Timeline(ctx, f, weekly)
			want, werr := ref.timeline(ctx, f, weekly)
			if err != nil || werr != nil {
				t.Fatalf("%s: timeline: %v, records: %v", name, err, werr)
			}
			equal(t, fmt.Sprint(name, " timeline weekly=", weekly), got, want)
		}
		for _, limit := range []int{3, 1000} {
			got, err := s.TopSources(ctx, f, limit)
			want, werr := ref.topSources(ctx, f, limit)
			if err != nil || werr != nil {
				t.Fatalf("%s: top sources: %v, records: %v", name, err, werr)
			}
			equal(t, fmt.Sprint(name, " top ", limit), got, want)
		}
	}
}

// TestRollupsMatchRecords checks that the rollups maintained at ingest, and
// those the migration backfills from existing records, answer as the
// records do.
func TestRollupsMatchRecords(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		open := b.newDB(t)
		s := open(t, 0)
		storeVaried(t, s)
		t.Run("ingest", func(t *testing.T) { checkRollups(t, s) })

		// Back to schema version 4, then migrate again: version 5
		// rebuilds the rollups from the records, version 7 their
		// sketches and version 10 their top lists from rollup_sources
		// (the later versions are undone too, as migrate starts after
		// the newest).
		// The newest tables first: later ones may refer to earlier ones.
		var tables []string
		for _, m := range schemaSteps {
			if m.version < 5 {
				continue
			}
			for _, table := range regexp.MustCompile(`CREATE TABLE (\w+)`).FindAllStringSubmatch(m.sql, -1) {
				tables = append(tables, table[1])
			}
		}
		for _, table := range slices.Backward(tables) {
			execSQL(t, s, "DROP TABLE "+table)
		}
		execSQL(t, s, `DELETE FROM schema_migrations WHERE version >= 5`)
		t.Run("backfill", func(t *testing.T) { checkRollups(t, open(t, 0)) })
	})
}

// TestRollupsFlushEarly checks that a report with more source IPs than the
// bound upserts them in sorted runs before Commit, each IP once a run, and
// that its day's top list is then rebuilt from the source rows instead of
// merged from the IPs it touched (the first runs' are gone).
func TestRollupsFlushEarly(t *testing.T) {
	t.Parallel()
	var (
		runs   []string
		stored dayRow
	)
	exec := func(_ context.Context, q string, args ...any) error {
		n := len(args)
		var s sourceSketch
		if err := s.unmarshal(args[n-4].([]byte)); err != nil {
			t.Fatal(err)
		}
		var top topList
		if err := top.unmarshal(args[n-3].([]byte)); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, fmt.Sprintf("update %d args, %d IPs, top %d", n, s.count(), len(top.entries)))
		return nil
	}
	query := func(_ context.Context, q string, args []any, each func(func(...any) error) error) error {
		switch {
		case strings.HasPrefix(q, "INSERT INTO rollup_sources"):
			var ips []string
			for i := 2; i < len(args); i += 14 {
				ips = append(ips, fmt.Sprint(args[i], "=", args[i+1]))
				row := args[i : i+12]
				err := each(func(dest ...any) error {
					*dest[0].(*string) = row[0].(string)
					for j := 1; j < len(row); j++ {
						*dest[j].(*int64) = row[j].(int64)
					}
					return nil
				})
				if err != nil {
					return err
				}
			}
			runs = append(runs, strings.Join(ips, " "))
			return nil
		case strings.HasPrefix(q, "SELECT sources, top"):
			runs = append(runs, "read")
		case strings.HasPrefix(q, "INSERT INTO rollup_days"):
			runs = append(runs, fmt.Sprint("insert ", args[2]))
			stored = dayRow{args[len(args)-2].([]byte), args[len(args)-1].([]byte)}
		case strings.Contains(q, "ORDER BY messages DESC"):
			runs = append(runs, "rebuild")
			return nil
		}
		if stored.sketch == nil {
			return nil
		}
		return each(func(dest ...any) error {
			*dest[0].(*[]byte), *dest[1].(*[]byte) = stored.sketch, stored.top
			return nil
		})
	}
	u := newRollups("example.com", 86400, exec, query)
	u.limit = 3
	for _, existing := range [][]string{nil, {"a", "z"}} {
		if existing != nil {
			stored = dayRow{sketchOf(existing).appendBinary(nil), (&topList{}).appendBinary(nil)}
		}
		for _, ip := range []string{"d", "b", "a", "b", "c", "a", "e"} {
			if err := u.add(t.Context(), ip, &aggregate.Record{SourceIP: ip, Count: 2}); err != nil {
				t.Fatal(err)
			}
		}
		if err := u.flush(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	run := []string{"a=2 b=4 d=2", "a=2 c=2 e=2", "read"}
	want := append(append(append(append(run, "insert 14", "rebuild", "update 4 args, 5 IPs, top 0"), run...), "rebuild"),
		"update 15 args, 6 IPs, top 0")
	equal(t, "runs", runs, want)
}

// TestUpsertRollupSQL pins the statement's shape.
func TestUpsertRollupSQL(t *testing.T) {
	t.Parallel()
	q := upsertRollupSQL("rollup_days", []string{"domain", "day"}, []string{"sources"}, 2)
	for _, want := range []string{
		"INSERT INTO rollup_days (domain, day, messages, ",
		"disposition_reject, sources) VALUES (" + strings.Repeat("?, ", 13) + "?), (",
		" ON CONFLICT (domain, day) DO UPDATE SET messages = rollup_days.messages + excluded.messages, ",
		"disposition_reject = rollup_days.disposition_reject + excluded.disposition_reject",
	} {
		if !strings.Contains(q, want) {
			t.Errorf("%s\nlacks %q", q, want)
		}
	}
	if strings.Contains(q, "sources =") {
		t.Errorf("%s\nupdates the kept column", q)
	}
	equal(t, "placeholders", strings.Count(q, "?"), 28)
}

// rowsOf is the rowSource of s.
func rowsOf(t testing.TB, s Store) rowSource {
	switch s := s.(type) {
	case *SQLite:
		return s.rows
	case *Postgres:
		return s.rows
	}
	t.Fatalf("rowsOf: unknown store %T", s)
	return nil
}

// execSQL runs a statement of portable SQL on s's database.
func execSQL(t testing.TB, s Store, q string, args ...any) {
	t.Helper()
	var err error
	switch s := s.(type) {
	case *SQLite:
		_, err = s.w.ExecContext(t.Context(), q, args...)
	case *Postgres:
		_, err = s.pool.Exec(t.Context(), rebind(q), args...)
	default:
		t.Fatalf("execSQL: unknown store %T", s)
	}
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestRollupSketchConcurrent stores reports of one domain and day from two
// stores on one database at once, as replicas would, and checks that the
// day's sketch lost none of their IPs: each commit merges into the sketch
// the other committed.
func TestRollupSketchConcurrent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		open := b.newDB(t)
		stores := []Store{open(t, 0), open(t, 0)}
		const workers, reports, ips = 4, 4, 30 // 480 IPs: the count stays exact
		ctx := t.Context()
		errs := make(chan error, workers)
		for w := range workers {
			go func() {
				s := stores[w%len(stores)]
				for r := range reports {
					h := testHeader("org", fmt.Sprint("w", w, "r", r), "example.com")
					tx, err := s.BeginReport(ctx, Incoming{Header: h, SourceName: "concurrent"})
					if err != nil {
						errs <- err
						return
					}
					for i := range ips {
						rec := &aggregate.Record{SourceIP: fmt.Sprintf("10.%d.%d.%d", w, r, i), Count: 1}
						if err := tx.Add(ctx, rec); err != nil {
							errs <- err
							return
						}
					}
					if _, err := tx.Commit(ctx, Summary{Status: StatusValid}); err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for range workers {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		got, err := stores[0].Summary(ctx, AggregateFilter{Domain: "example.com"})
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "unique sources", got.UniqueSources, int64(workers*reports*ips))
		equal(t, "messages", got.Messages, int64(workers*reports*ips))
	})
}
