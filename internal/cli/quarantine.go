package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

func runQuarantine(ctx context.Context, env Env, args []string) int {
	fs := flagSet(env, "quarantine", "list | show ID | retry",
		`Inputs that could not be parsed are kept in quarantine with their reason and raw
bytes. "list" shows them; "show ID" writes one entry's raw bytes to standard output
(to inspect or fix it); "retry" imports every entry again, after an upgrade that
handles them, and removes those that are now stored (or found to be duplicates).`)
	db := fs.String("db", defaultDB, "database: a SQLite file or a postgres:// URL")
	if code, ok := parseFlags(fs, &env, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return ExitUsage
	}
	return withStore(ctx, env, *db, func(st store.Store) int {
		return quarantine(ctx, env, st, fs)
	})
}

func quarantine(ctx context.Context, env Env, st store.Store, fs *flag.FlagSet) int {
	entries, err := st.Quarantined(ctx)
	if err != nil {
		fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
		return ExitFail
	}
	switch fs.Arg(0) {
	case "list":
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tRECEIVED\tTYPE\tBYTES\tSOURCE\tREASON")
		for _, q := range entries {
			size := strconv.FormatInt(q.Size, 10)
			if q.Truncated {
				size += "+"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", q.ID, q.ReceivedAt.Format("2006-01-02 15:04"), q.ErrorType, size, q.SourceName, q.Reason)
		}
		tw.Flush()
		return ExitOK
	case "show":
		id, err := strconv.ParseInt(fs.Arg(1), 10, 64)
		if err != nil {
			fmt.Fprintf(env.Stderr, "parse-dmarc: quarantine show: %q is not an entry ID\n", fs.Arg(1))
			return ExitUsage
		}
		raw, err := st.QuarantinedRaw(ctx, id)
		if err != nil {
			fmt.Fprintf(env.Stderr, "parse-dmarc: quarantine entry %d: %v\n", id, err)
			return ExitFail
		}
		env.Stdout.Write(raw)
		return ExitOK
	case "retry":
		im := &ingest.Importer{Store: st}
		fixed, still := 0, 0
		for _, q := range entries {
			raw, err := st.QuarantinedRaw(ctx, q.ID)
			if err != nil {
				fmt.Fprintf(env.Stderr, "parse-dmarc: quarantine entry %d: %v\n", q.ID, err)
				return ExitFail
			}
			var last ingest.Result
			im.Progress = func(r ingest.Result) { last = r }
			sum, err := im.ImportReader(ctx, q.SourceName, bytes.NewReader(raw))
			if err != nil {
				fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
				return ExitFail
			}
			if sum.Quarantined > 0 {
				// Still refused: keep the original entry, drop the copy.
				if last.Outcome == ingest.Quarantined {
					st.DeleteQuarantined(ctx, last.ReportID)
				}
				still++
				fmt.Fprintf(env.Stderr, "%d %s: still refused: %v\n", q.ID, q.SourceName, last.Err)
				continue
			}
			if err := st.DeleteQuarantined(ctx, q.ID); err != nil {
				fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
				return ExitFail
			}
			fixed++
			fmt.Fprintf(env.Stderr, "%d %s: %d reports stored, %d duplicate\n", q.ID, q.SourceName, sum.Imported, sum.Duplicates)
		}
		fmt.Fprintf(env.Stdout, "%d entries: %d now stored, %d still refused\n", len(entries), fixed, still)
		return ExitOK
	}
	fs.Usage()
	return ExitUsage
}
