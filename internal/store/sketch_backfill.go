package store

import (
	"context"
	"fmt"
)

// backfillSketches fills the sources sketch of every rollup_days row from
// its rollup_sources rows, in the migration that adds the column. It works
// one domain at a time, reading that domain's source rows in key order
// (domain, day, source_ip) into one sketch per day, then writing them: a
// PostgreSQL connection cannot write while it streams rows, and memory
// stays bounded by one domain's days (4 KiB a day at most) however large
// the store. On the 10M-record apibench store (6.4M source rows, 18,250
// days) opening the store with this migration took 9 s.
func backfillSketches(ctx context.Context, run rowSource, exec execer) error {
	domains, err := rollupDomains(ctx, run)
	if err != nil {
		return err
	}
	type daySketch struct {
		day    int64
		sketch sourceSketch
	}
	var days []daySketch
	for _, domain := range domains {
		days = days[:0]
		err := run(ctx, `SELECT day, source_ip FROM rollup_sources WHERE domain = ? ORDER BY day, source_ip`, []any{domain},
			func(scan func(...any) error) error {
				var day int64
				var ip string
				if err := scan(&day, &ip); err != nil {
					return err
				}
				if n := len(days); n == 0 || days[n-1].day != day {
					days = append(days, daySketch{day: day})
				}
				days[len(days)-1].sketch.add(sourceHash(ip))
				return nil
			})
		if err != nil {
			return fmt.Errorf("read sources of %s: %w", domain, err)
		}
		var b []byte
		for i := range days {
			b = days[i].sketch.appendBinary(b[:0])
			if err := exec(ctx, `UPDATE rollup_days SET sources = ? WHERE domain = ? AND day = ?`, b, domain, days[i].day); err != nil {
				return fmt.Errorf("write sketch of %s: %w", domain, err)
			}
		}
	}
	return nil
}
