package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/digest"
	"github.com/parse-dmarc/parse-dmarc/internal/remedy"
	"github.com/parse-dmarc/parse-dmarc/internal/senders"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// runDigest prints the report of the last complete period, for cron
// users who send it themselves.
func runDigest(ctx context.Context, env Env, args []string) int {
	fs := flagSet(env, "digest", "",
		`Print the DMARC report of the last complete day, week (Monday to Sunday) or
month: the headline against the period before, the compliance trend, each
domain's compliance, the notable events, the top issues to act on with their
fix, the sources and the DNS records. With --pdf it also writes the report as
a PDF, with its charts.`)
	data := fs.String("data", "data", "data directory (holds the SQLite database)")
	db := fs.String("db", "", "database: a SQLite file (default DATA/parse-dmarc.db) or a postgres:// URL")
	period := fs.String("period", "week", "day, week or month")
	at := fs.String("at", "", "report the last complete period before this day (YYYY-MM-DD; default today)")
	format := fs.String("format", "text", "what to print: text, html or json")
	pdf := fs.String("pdf", "", "also write the report as a PDF to this file")
	var domains, sections listFlag
	fs.Var(&domains, "domain", "a domain to report on (repeat or separate with commas; default all)")
	fs.Var(&sections, "section", "a section to include: summary, domains, issues, sources, dns (repeat or separate with commas; default all)")
	if code, ok := parseFlags(fs, &env, args); !ok {
		return code
	}
	kind, err := digest.ParseKind(*period)
	if fs.NArg() > 0 || err != nil || (*format != "text" && *format != "html" && *format != "json") {
		fs.Usage()
		return ExitUsage
	}
	req := digest.Request{Kind: kind, Domains: domains, Sections: sections}
	if *at != "" {
		if req.At, err = parseDay(*at); err != nil {
			fmt.Fprintf(env.Stderr, "parse-dmarc: --at: %v\n", err)
			return ExitUsage
		}
	}
	if *db == "" {
		*db = filepath.Join(*data, "parse-dmarc.db")
	}
	catalogue, err := senders.Builtin()
	if err != nil {
		fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
		return ExitFail
	}
	return withStore(ctx, env, *db, func(st store.Store) int {
		b := &digest.Builder{Store: st, Guide: &remedy.Guide{Store: st, Senders: catalogue}}
		d, err := b.Build(ctx, req)
		if err != nil {
			fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
			return ExitFail
		}
		var out bytes.Buffer
		switch *format {
		case "html":
			err = digest.WriteHTML(&out, d)
		case "json":
			enc := json.NewEncoder(&out)
			enc.SetIndent("", "  ")
			err = enc.Encode(d)
		default:
			err = digest.WriteText(&out, d)
		}
		if err == nil && *pdf != "" {
			var b bytes.Buffer
			if err = digest.WritePDF(&b, d); err == nil {
				err = os.WriteFile(*pdf, b.Bytes(), 0o644)
			}
		}
		if err != nil {
			fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
			return ExitFail
		}
		env.Stdout.Write(out.Bytes())
		return ExitOK
	})
}

// parseDay reads a YYYY-MM-DD day.
func parseDay(s string) (t time.Time, err error) {
	return time.Parse(time.DateOnly, strings.TrimSpace(s))
}
