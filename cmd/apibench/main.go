// Command apibench measures the latency of the API's aggregate endpoints on
// a large store: /api/v1/stats/summary, /api/v1/stats/timeline and
// /api/v1/stats/sources, which read the daily rollups the store maintains
// at ingest.
//
// It first generates a dataset through the real ingest path
// (store.BeginReport, Add, Commit): 50 domains over 365 days, one report a
// day from each of five reporters, source IPs drawn from a Zipf
// distribution over 200,000 addresses (a few big senders in most reports, a
// long tail), and a mix of passing, forwarded and spoofed mail. The
// database is kept (--db) and reused when complete, so reruns only
// measure; an interrupted load resumes, since stored reports are skipped as
// duplicates. Then it serves the real HTTP handler (internal/server) on a
// local port and times GET requests for three cases: one domain over the
// last 30 days, one domain over the whole year, and all domains over the
// last 30 days. It prints p50, p95 and max per endpoint and case, the load
// rate and the database's size.
//
// Usage:
//
//	apibench [--records 10000000] [--db FILE|postgres://...] [--requests 200]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/server"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "apibench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	records := flag.Int("records", 10_000_000, "records in the dataset")
	db := flag.String("db", "", "SQLite file or postgres:// URL of the dataset (default: a file in the temporary directory named after --records)")
	requests := flag.Int("requests", 200, "timed requests per endpoint and case, after a warm-up")
	flag.Parse()
	if *records <= 0 || *requests <= 0 {
		return errors.New("--records and --requests must be positive")
	}
	if *db == "" {
		*db = filepath.Join(os.TempDir(), fmt.Sprintf("parse-dmarc-apibench-%d.db", *records))
	}
	d := newDataset(*records)
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := load(ctx, st, d); err != nil {
		return err
	}
	if size, err := dbSize(ctx, *db); err != nil {
		fmt.Println("database size: unknown:", err)
	} else {
		fmt.Printf("database size: %.2f GiB (%s)\n", float64(size)/(1<<30), *db)
	}
	srv := httptest.NewServer((&server.Server{Store: st}).Handler())
	defer srv.Close()
	return measure(ctx, srv.URL, d, *requests)
}

// load stores the reports of d that st lacks, printing progress and the
// rate.
func load(ctx context.Context, st store.Store, d dataset) error {
	c, err := st.Counts(ctx)
	if err != nil {
		return err
	}
	if c.Records == int64(d.records) && c.Reports == int64(d.reports()) {
		fmt.Printf("dataset: %d records in %d reports, loaded before\n", c.Records, c.Reports)
		return nil
	}
	fmt.Printf("dataset: loading %d records in %d reports (%d stored)\n", d.records, d.reports(), c.Records)
	start, last := time.Now(), time.Now()
	loaded := 0
	for i := range d.reports() {
		hdr, recs := d.report(i)
		n, err := storeReport(ctx, st, hdr, recs)
		if err != nil {
			return fmt.Errorf("report %d: %w", i, err)
		}
		loaded += n
		if time.Since(last) > 10*time.Second {
			last = time.Now()
			fmt.Printf("  %d/%d reports, %.0f records/s\n", i+1, d.reports(), float64(loaded)/time.Since(start).Seconds())
		}
	}
	el := time.Since(start)
	fmt.Printf("loaded %d records in %.1fs: %.0f records/s\n", loaded, el.Seconds(), float64(loaded)/el.Seconds())
	return nil
}

// storeReport stores one report and returns its records, or 0 when it was
// stored already.
func storeReport(ctx context.Context, st store.Store, hdr *aggregate.Header, recs []*aggregate.Record) (int, error) {
	tx, err := st.BeginReport(ctx, store.Incoming{Header: hdr, SourceName: "apibench", ReceivedAt: hdr.Metadata.DateRange.End})
	if errors.Is(err, store.ErrDuplicate) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	for _, r := range recs {
		if err := tx.Add(ctx, r); err != nil {
			return 0, err
		}
	}
	if _, err := tx.Commit(ctx, store.Summary{Status: store.StatusValid}); err != nil {
		return 0, err
	}
	return len(recs), nil
}

// measure times the requests of every case and endpoint and prints the
// table. Requests of a case rotate over the domains, so they do not all hit
// the same rows.
func measure(ctx context.Context, base string, d dataset, n int) error {
	month := d.last().AddDate(0, 0, -30).Format(time.DateOnly)
	cases := []struct {
		name  string
		query func(i int) string
	}{
		{"one domain, 30 days", func(i int) string { return "domain=" + d.domains[i%len(d.domains)] + "&since=" + month }},
		{"one domain, 365 days", func(i int) string { return "domain=" + d.domains[i%len(d.domains)] }},
		{"all domains, 30 days", func(int) string { return "since=" + month }},
	}
	endpoints := []string{"/api/v1/stats/summary", "/api/v1/stats/timeline", "/api/v1/stats/sources"}
	fmt.Printf("\n%-24s %-22s %9s %9s %9s\n", "endpoint", "case", "p50 ms", "p95 ms", "max ms")
	for _, ep := range endpoints {
		for _, c := range cases {
			const warmup = 5
			var times []time.Duration
			for i := range warmup + n {
				start := time.Now()
				if err := get(ctx, base+ep+"?"+c.query(i)); err != nil {
					return err
				}
				if i >= warmup {
					times = append(times, time.Since(start))
				}
			}
			slices.Sort(times)
			ms := func(q float64) float64 {
				return float64(times[int(q*float64(len(times)-1)+0.5)].Microseconds()) / 1000
			}
			fmt.Printf("%-24s %-22s %9.1f %9.1f %9.1f\n", ep, c.name, ms(0.50), ms(0.95), ms(1))
		}
	}
	return nil
}

func get(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// dbSize is the size of the SQLite file (with its WAL) or of the tables
// of the PostgreSQL schema.
func dbSize(ctx context.Context, db string) (int64, error) {
	if !store.IsPostgresURL(db) {
		var size int64
		for _, suffix := range []string{"", "-wal"} {
			fi, err := os.Stat(db + suffix)
			if err == nil {
				size += fi.Size()
			}
		}
		return size, nil
	}
	c, err := pgx.Connect(ctx, db)
	if err != nil {
		return 0, err
	}
	defer c.Close(ctx)
	var size int64
	err = c.QueryRow(ctx, `SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
	JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'`).Scan(&size)
	return size, err
}
