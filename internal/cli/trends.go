package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/trend"
)

func runTrends(ctx context.Context, env Env, args []string) int {
	fs := flagSet(env, "trends", "DOMAIN",
		fmt.Sprintf(`Print DOMAIN's trend: its messages and DMARC pass rate against the previous
period of the same length (improving, declining or stable), the source IPs new
in the period and those that stopped sending, and the anomalies the detector
finds (the protocol's thresholds and the domain's learned weekday and weekend
baselines; see the README's "Trends and anomalies"), those that alert marked
"!" and those marked expected (in the dashboard or the API) "~". The period is
[--since, --until) in whole UTC days: by default the last %d days up to the
domain's last day with mail. No IP data is read: the rule of countries not seen
in 30 days is skipped, and said to be.

Exit status: 0 when printed; 1 when the store has no mail of DOMAIN; 2 on usage
errors.`, trend.DefaultDays))
	db := fs.String("db", defaultDB, "database: a SQLite file or a postgres:// URL")
	since := fs.String("since", "", "first day of the period, YYYY-MM-DD (default: --until less 7 days)")
	until := fs.String("until", "", "day after the period, YYYY-MM-DD (default: the day after the domain's last mail)")
	asJSON := fs.Bool("json", false, "print the trend as JSON, as GET /api/v1/trends serves it")
	if code, ok := parseOneArg(fs, &env, args); !ok {
		return code
	}
	domain, err := dnscheck.NormalizeDomain(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(env.Stderr, "parse-dmarc: trends: %v\n", err)
		return ExitUsage
	}
	q := trend.Query{Domain: domain}
	for _, d := range []struct {
		name, v string
		to      *time.Time
	}{{"since", *since, &q.Since}, {"until", *until, &q.Until}} {
		if d.v == "" {
			continue
		}
		if *d.to, err = time.Parse(time.DateOnly, d.v); err != nil {
			fmt.Fprintf(env.Stderr, "parse-dmarc: --%s: a day, YYYY-MM-DD\n", d.name)
			return ExitUsage
		}
	}
	return withStore(ctx, env, *db, func(st store.Store) int {
		rep, err := trend.Compute(ctx, st, q)
		switch {
		case errors.Is(err, trend.ErrNoMail):
			fmt.Fprintf(env.Stderr, "parse-dmarc: trends: no mail of %s in the store\n", domain)
			return ExitFail
		case errors.Is(err, trend.ErrRange):
			fmt.Fprintf(env.Stderr, "parse-dmarc: trends: --until must be after --since\n")
			return ExitUsage
		case err != nil:
			fmt.Fprintf(env.Stderr, "parse-dmarc: trends: %v\n", err)
			return ExitFail
		}
		if *asJSON {
			enc := json.NewEncoder(env.Stdout)
			enc.SetIndent("", "  ")
			err = enc.Encode(rep)
		} else {
			err = trend.WriteText(env.Stdout, rep)
		}
		if err != nil {
			fmt.Fprintf(env.Stderr, "parse-dmarc: write: %v\n", err)
			return ExitFail
		}
		return ExitOK
	})
}
