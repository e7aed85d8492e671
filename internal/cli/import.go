package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/forensic"
	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// defaultDB is the SQLite file used when --db is not given.
var defaultDB = filepath.Join("data", "parse-dmarc.db")

func runImport(ctx context.Context, env Env, args []string) int {
	fs := flagSet(env, "import", "PATH...",
		`Parse the DMARC reports in each PATH (files of any supported kind, or directories,
read recursively; "-" reads standard input) and store them. A report already stored
(same reporter, report ID and domain) is skipped; one that cannot be parsed is kept
in quarantine with its reason, never dropped. Failure (forensic) reports are stored
without the message body or recipient addresses, and reduced as --forensic-redact
says; a mail that holds no report at all is counted and left where it is.`)
	db := fs.String("db", defaultDB, "database: a SQLite file (created if missing) or a postgres:// URL")
	quiet := fs.Bool("quiet", false, "print only the summary")
	ff := addForensicFlags(fs)
	if code, ok := parseFlags(fs, &env, args); !ok {
		return code
	}
	redaction, err := ff.redaction()
	if err != nil {
		fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
		return ExitUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return ExitUsage
	}
	return withStore(ctx, env, *db, func(st store.Store) int {
		return importPaths(ctx, env, st, fs.Args(), *quiet, redaction)
	})
}

// importPaths imports each path (or standard input for "-") and prints the
// summary.
func importPaths(ctx context.Context, env Env, st store.Store, paths []string, quiet bool, redaction forensic.Redaction) int {
	prog := newProgress(env.Stderr, quiet)
	prog.count(ctx, paths)
	im := &ingest.Importer{Store: st, Progress: prog.result, Log: slog.New(slog.DiscardHandler), Redaction: redaction}
	var total ingest.Summary
	start := time.Now()
	code := ExitOK
	for _, path := range paths {
		var sum ingest.Summary
		var err error
		if path == "-" {
			sum, err = im.ImportReader(ctx, "-", env.Stdin)
		} else {
			sum, err = im.ImportPath(ctx, path)
		}
		total.Imported += sum.Imported
		total.Duplicates += sum.Duplicates
		total.Quarantined += sum.Quarantined
		total.Ignored += sum.Ignored
		total.Records += sum.Records
		if err != nil {
			prog.clear()
			fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
			code = ExitFail
		}
	}
	total.Elapsed = time.Since(start)
	prog.clear()
	fmt.Fprintf(env.Stdout, "%d files: %d reports new, %d duplicate, %d quarantined; %d mails without a report; %d records in %.2fs\n",
		prog.done, total.Imported, total.Duplicates, total.Quarantined, total.Ignored, total.Records, total.Elapsed.Seconds())
	if total.Quarantined > 0 {
		code = ExitFail
	}
	return code
}

// withStore opens the SQLite store at path for fn and closes it after,
// reporting a failure to open it.
func withStore(ctx context.Context, env Env, path string, fn func(store.Store) int) int {
	st, err := openStore(ctx, path)
	if err != nil {
		fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
		return ExitFail
	}
	defer st.Close()
	return fn(st)
}

// openStore opens the store named by db: a postgres:// URL, or a SQLite
// file whose directory is created when missing.
func openStore(ctx context.Context, db string) (store.Store, error) {
	if !store.IsPostgresURL(db) {
		if err := os.MkdirAll(filepath.Dir(db), 0o750); err != nil {
			return nil, fmt.Errorf("create the database directory: %w", err)
		}
	}
	return store.Open(ctx, db)
}

// progress reports each payload: on a terminal a bar of the input files
// done, rewritten in place, with quarantined inputs on lines of their own;
// elsewhere (logs, CI) a plain line per payload.
type progress struct {
	w     io.Writer
	tty   bool
	quiet bool
	total int    // input files, when counted
	done  int    // input files started
	file  string // the input file of the last payload
	dirty bool
}

func newProgress(w io.Writer, quiet bool) *progress {
	return &progress{w: w, tty: isTerminal(w), quiet: quiet}
}

// count counts the input files of paths for the bar; on a terminal only,
// since it reads the directories twice.
func (p *progress) count(ctx context.Context, paths []string) {
	if !p.tty || p.quiet {
		return
	}
	for _, path := range paths {
		if path == "-" {
			p.total++
			continue
		}
		ingest.Files(ctx, path, func(string) error { p.total++; return nil })
	}
}

func (p *progress) result(r ingest.Result) {
	if file, _, _ := strings.Cut(r.Name, " > "); file != p.file {
		p.file = file
		p.done++
	}
	if p.quiet {
		return
	}
	line := fmt.Sprintf("%s: %s", r.Name, r.Outcome)
	switch {
	case r.Outcome == ingest.Imported:
		line += fmt.Sprintf(" (%d records, %s)", r.Records, r.Status)
	case r.Outcome == ingest.Quarantined && r.Err != nil:
		if msg := r.Err.Error(); strings.Contains(msg, r.Name) {
			line = "quarantined: " + msg // the error names the input already
		} else {
			line += ": " + msg
		}
	}
	if !p.tty || r.Outcome == ingest.Quarantined {
		p.clear()
		fmt.Fprintln(p.w, line)
		if !p.tty {
			return
		}
	}
	p.bar()
}

// bar draws "[=====>     ] 12/40 files" in place.
func (p *progress) bar() {
	const width = 30
	total := max(p.total, p.done)
	filled := 0
	if total > 0 {
		filled = width * p.done / total
	}
	b := strings.Repeat("=", filled) + strings.Repeat(" ", width-filled)
	if filled > 0 && filled < width {
		b = b[:filled-1] + ">" + b[filled:]
	}
	fmt.Fprintf(p.w, "\r\033[K[%s] %d/%d files  %s", b, p.done, total, shorten(p.file, 60))
	p.dirty = true
}

// shorten keeps the end of a long name, which is the part that changes.
func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return "…" + string(r[len(r)-n+1:])
	}
	return s
}

// clear ends an in-place progress line.
func (p *progress) clear() {
	if p.dirty {
		fmt.Fprint(p.w, "\r\033[K")
		p.dirty = false
	}
}
