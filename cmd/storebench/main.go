// Command storebench measures how fast the store ingests records: it
// generates reports with realistic values, imports them into a fresh SQLite
// file through store.BeginReport, Add and Commit, and compares the time with
// the sqlite3 command-line shell's .import of the same rows, as CSV, into a
// table with the same columns and indexes.
//
// Usage:
//
//	storebench [-n 1000000] [-reports 10] [-batch 128] [-db FILE] [-sqlite3 /usr/bin/sqlite3]
//
// Only the store calls are timed (records are generated before each
// report), and the store is closed inside the timing because closing
// checkpoints the WAL, as the sqlite3 shell does when it exits.
package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "storebench:", err)
		os.Exit(1)
	}
}

type config struct {
	n, reports, batch, cacheKiB int
	db, sqlite3, dir, profile   string
	keep                        bool
}

func run(ctx context.Context) error {
	var c config
	flag.IntVar(&c.n, "n", 1_000_000, "records in all")
	flag.IntVar(&c.reports, "reports", 10, "reports the records are spread over")
	flag.IntVar(&c.batch, "batch", 0, "records per INSERT (0: the store's default)")
	flag.IntVar(&c.cacheKiB, "cache", 0, "page cache of the store's writer in KiB (0: the store's default)")
	flag.StringVar(&c.db, "db", "", "database file to create (default: in a temporary directory)")
	flag.StringVar(&c.sqlite3, "sqlite3", "/usr/bin/sqlite3", `sqlite3 shell for the comparison ("" skips it)`)
	flag.BoolVar(&c.keep, "keep", false, "keep the temporary directory")
	flag.StringVar(&c.profile, "cpuprofile", "", "write a CPU profile of the store's import to this file")
	flag.Parse()
	if c.n <= 0 || c.reports <= 0 || c.reports > c.n {
		return errors.New("-n and -reports must be positive, -reports at most -n")
	}
	var err error
	if c.dir, err = os.MkdirTemp("", "storebench-"); err != nil {
		return err
	}
	if c.keep {
		fmt.Println("files in", c.dir)
	} else {
		defer os.RemoveAll(c.dir)
	}
	if c.db == "" {
		c.db = filepath.Join(c.dir, "store.db")
	}
	if _, err := os.Stat(c.db); err == nil {
		return fmt.Errorf("%s exists; the benchmark needs a fresh file", c.db)
	}

	ours, err := importStore(ctx, c)
	if err != nil {
		return err
	}
	batch := c.batch
	if batch <= 0 {
		batch = store.DefaultBatchSize
	}
	fmt.Printf("store:   %d records in %d reports, batch %d: %.2fs (open %.2fs, reports %.2fs, close %.2fs), %.0f records/s\n",
		c.n, c.reports, batch, ours.total().Seconds(), ours.open.Seconds(), ours.reports.Seconds(), ours.close.Seconds(),
		float64(c.n)/ours.total().Seconds())

	if c.sqlite3 == "" {
		return nil
	}
	if _, err := os.Stat(c.sqlite3); err != nil {
		fmt.Printf("sqlite3: %s missing, comparison skipped\n", c.sqlite3)
		return nil
	}
	csvPath := filepath.Join(c.dir, "records.csv")
	if err := writeCSV(ctx, c.db, csvPath); err != nil {
		return err
	}
	for _, cache := range []struct {
		name   string
		pragma string
	}{
		{"default cache", ""},
		{"same cache as the store", fmt.Sprintf("PRAGMA cache_size=%d;\n", -cacheKiB(c))},
	} {
		shell, err := importShell(ctx, c, csvPath, cache.pragma)
		if err != nil {
			return err
		}
		fmt.Printf("sqlite3: .import --csv, %s: %.2fs, %.0f records/s; ours/sqlite3 = %.2f\n",
			cache.name, shell.Seconds(), float64(c.n)/shell.Seconds(), ours.total().Seconds()/shell.Seconds())
	}
	return nil
}

func cacheKiB(c config) int {
	if c.cacheKiB > 0 {
		return c.cacheKiB
	}
	return 32 << 10
}

// timing is where the store's import spent its time.
type timing struct{ open, reports, close time.Duration }

func (t timing) total() time.Duration { return t.open + t.reports + t.close }

// importStore imports the generated reports and returns the time spent in
// the store.
func importStore(ctx context.Context, c config) (timing, error) {
	var t timing
	if c.profile != "" {
		f, err := os.Create(c.profile)
		if err != nil {
			return t, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return t, err
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	st, err := store.OpenSQLiteWith(ctx, c.db, store.SQLiteOptions{BatchSize: c.batch, CacheKiB: c.cacheKiB})
	if err != nil {
		return t, err
	}
	t.open = time.Since(start)
	g := newGenerator(1)
	for i := range c.reports {
		n := c.n / c.reports
		if i < c.n%c.reports {
			n++
		}
		hdr, recs := g.report(i, n)
		start := time.Now()
		if err := importReport(ctx, st, hdr, recs); err != nil {
			st.Close()
			return t, fmt.Errorf("report %d: %w", i, err)
		}
		t.reports += time.Since(start)
	}
	start = time.Now()
	if err := st.Close(); err != nil {
		return t, err
	}
	t.close = time.Since(start)
	return t, nil
}

func importReport(ctx context.Context, st store.Store, hdr *aggregate.Header, recs []*aggregate.Record) error {
	tx, err := st.BeginReport(ctx, store.Incoming{Header: hdr, SourceName: "storebench", ReceivedAt: time.Now()})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, r := range recs {
		if err := tx.Add(ctx, r); err != nil {
			return err
		}
	}
	_, err = tx.Commit(ctx, store.Summary{Status: store.StatusValid})
	return err
}

// recordsColumns are all the columns of the records table, in table order,
// which is what .import into an existing table expects.
const recordsColumns = `id, report_id, domain, day, source_ip, count, disposition, dkim, spf,
	header_from, envelope_from, envelope_to, reasons, dkim_results, spf_results`

// writeCSV writes the rows the store inserted, so both imports write the
// same values. NULL becomes an empty field, which .import stores as an
// empty string.
func writeCSV(ctx context.Context, dbPath, csvPath string) error {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	db, err := sql.Open("sqlite", "file:"+esc.Replace(dbPath)+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT `+recordsColumns+` FROM records ORDER BY id`)
	if err != nil {
		return fmt.Errorf("read records: %w", err)
	}
	defer rows.Close()
	f, err := os.Create(csvPath)
	if err != nil {
		return err
	}
	defer f.Close()
	w := csv.NewWriter(f)
	vals := make([]sql.NullString, 15)
	ptrs := make([]any, len(vals))
	rec := make([]string, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("read record: %w", err)
		}
		for i, v := range vals {
			rec[i] = v.String
		}
		if err := w.Write(rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read records: %w", err)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return f.Close()
}

// importShell creates a database with the store's schema (tables and
// indexes) and its reports rows, then times the sqlite3 shell importing the
// CSV into its records table with the store's settings (WAL,
// synchronous=NORMAL, foreign keys checked).
func importShell(ctx context.Context, c config, csvPath, pragma string) (time.Duration, error) {
	target := filepath.Join(c.dir, "sqlite3.db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(target + suffix)
	}
	st, err := store.OpenSQLite(ctx, target)
	if err != nil {
		return 0, err
	}
	if err := st.Close(); err != nil {
		return 0, err
	}
	setup := fmt.Sprintf("ATTACH DATABASE '%s' AS src;\nINSERT INTO reports SELECT * FROM src.reports;\nDETACH DATABASE src;\n",
		strings.ReplaceAll(c.db, "'", "''"))
	if out, err := shell(ctx, c.sqlite3, target, setup); err != nil {
		return 0, fmt.Errorf("sqlite3 setup: %w: %s", err, out)
	}
	script := "PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\nPRAGMA foreign_keys=ON;\n" + pragma +
		".import --csv " + csvPath + " records\n"
	start := time.Now()
	out, err := shell(ctx, c.sqlite3, target, script)
	elapsed := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("sqlite3 .import: %w: %s", err, out)
	}
	out, err = shell(ctx, c.sqlite3, target, "SELECT COUNT(*) FROM records;\n")
	if err != nil {
		return 0, fmt.Errorf("sqlite3 count: %w: %s", err, out)
	}
	if got := strings.TrimSpace(out); got != fmt.Sprint(c.n) {
		return 0, fmt.Errorf("sqlite3 imported %s rows, want %d", got, c.n)
	}
	return elapsed, nil
}

func shell(ctx context.Context, sqlite3, db, script string) (string, error) {
	cmd := exec.CommandContext(ctx, sqlite3, "-bail", db)
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// generator makes reports like real ones: a few domains and reporters,
// about 5,000 distinct source IPs, one or two DKIM signatures.
type generator struct {
	rng           *rand.Rand
	ips           []string
	domains, orgs []string
}

func newGenerator(seed uint64) *generator {
	g := &generator{
		rng:     rand.New(rand.NewPCG(seed, 0x5eed)),
		domains: []string{"example.com", "example.org", "example.net"},
		orgs:    []string{"google.com", "Yahoo", "Outlook.com", "Mail.Ru", "comcast.net"},
	}
	for i := range 5000 {
		ip := fmt.Sprintf("%d.%d.%d.%d", 20+i%180, (i*7)&0xff, (i*13)&0xff, 1+i%250)
		if i%17 == 0 {
			ip = fmt.Sprintf("2001:db8:%x::%x", i>>8, i&0xff)
		}
		g.ips = append(g.ips, ip)
	}
	return g
}

func (g *generator) report(i, n int) (*aggregate.Header, []*aggregate.Record) {
	begin := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)
	domain, org := g.domains[i%len(g.domains)], g.orgs[i%len(g.orgs)]
	h := &aggregate.Header{
		Metadata: aggregate.Metadata{
			Reporter:  aggregate.Reporter{OrgName: org, Email: "noreply-dmarc@" + org},
			ReportID:  fmt.Sprintf("storebench-%d", i),
			DateRange: aggregate.DateRange{Begin: begin, End: begin.Add(24*time.Hour - time.Second), DurationHours: 24},
		},
		Policy: aggregate.PolicyPublished{Domain: domain, ADKIM: "r", ASPF: "r", Policy: "none", SubdomainPolicy: "none", Percentage: 100},
	}
	recs := make([]*aggregate.Record, n)
	for j := range recs {
		recs[j] = g.record(domain, i%2 == 0)
	}
	return h, recs
}

func (g *generator) record(domain string, envelopeTo bool) *aggregate.Record {
	src := g.rng.IntN(len(g.ips))
	r := &aggregate.Record{
		SourceIP:        g.ips[src],
		Count:           1 + g.rng.Int64N(50),
		PolicyEvaluated: aggregate.PolicyEvaluated{Disposition: "none", DKIM: "pass", SPF: "pass"},
		Identifiers:     aggregate.Identifiers{HeaderFrom: domain, EnvelopeFrom: domain},
		AuthResults: aggregate.AuthResults{
			DKIM: []aggregate.DKIMResult{{Domain: domain, Selector: "google", Result: "pass"}},
			SPF:  []aggregate.SPFResult{{Domain: domain, Scope: "mfrom", Result: "pass"}},
		},
	}
	if envelopeTo {
		r.Identifiers.EnvelopeTo = "receiver.example"
	}
	pe, ar := &r.PolicyEvaluated, &r.AuthResults
	switch src % 10 {
	case 0, 1, 2, 3, 4, 5: // the domain's own mail service
		if src%3 == 0 {
			ar.DKIM = append(ar.DKIM, aggregate.DKIMResult{Domain: "esp.example", Selector: "s1", Result: "pass"})
		}
	case 6: // an ESP with DKIM but a foreign envelope
		pe.SPF = "fail"
		r.Identifiers.EnvelopeFrom = "bounces.esp.example"
		ar.SPF[0].Domain = "bounces.esp.example"
		ar.DKIM = append(ar.DKIM, aggregate.DKIMResult{Domain: "esp.example", Selector: "s1", Result: "pass"})
	case 7: // forwarding: DKIM survives, SPF does not
		pe.SPF = "fail"
		pe.Reasons = []aggregate.Reason{{Type: "forwarded"}}
		r.Identifiers.EnvelopeFrom = "forwarder.example.org"
		ar.SPF[0] = aggregate.SPFResult{Domain: "forwarder.example.org", Scope: "mfrom", Result: "fail"}
	default: // spoofing
		pe.DKIM, pe.SPF = "fail", "fail"
		r.Identifiers.EnvelopeFrom = "spoof.example.net"
		ar.DKIM[0] = aggregate.DKIMResult{Domain: "spoof.example.net", Selector: "x", Result: "fail"}
		ar.SPF[0] = aggregate.SPFResult{Domain: "spoof.example.net", Scope: "mfrom", Result: "softfail"}
	}
	return r
}
