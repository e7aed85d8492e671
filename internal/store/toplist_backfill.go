package store

import (
	"context"
	"fmt"
	"strings"
)

// backfillTopLists fills the top list of every rollup_days row from its
// rollup_sources rows, in the migration that adds the column. Like
// backfillSketches it works one domain at a time, reading that domain's
// source rows in key order, so memory stays bounded by one day's source
// IPs however large the store.
func backfillTopLists(ctx context.Context, run rowSource, exec execer) error {
	domains, err := rollupDomains(ctx, run)
	if err != nil {
		return err
	}
	type dayList struct {
		day int64
		top []byte
	}
	var (
		lists []dayList
		cur   topList
		day   int64 = -1
	)
	end := func() {
		if day >= 0 {
			cur.truncate(topListSize)
			lists = append(lists, dayList{day, cur.appendBinary(nil)})
		}
		cur = topList{entries: cur.entries[:0]}
	}
	q := "SELECT day, source_ip, " + strings.Join(counterColumns, ", ") + " FROM rollup_sources WHERE domain = ? ORDER BY day"
	for _, domain := range domains {
		lists, day = lists[:0], -1
		err := run(ctx, q, []any{domain}, func(scan func(...any) error) error {
			var d int64
			e, err := scanTopEntry(func(dest ...any) error { return scan(append([]any{&d}, dest...)...) })
			if err != nil {
				return err
			}
			if d != day {
				end()
				day = d
			}
			cur.entries = append(cur.entries, e)
			if len(cur.entries) >= 4*topListSize { // bound memory on days of many IPs
				cur.truncate(topListSize)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("read sources of %s: %w", domain, err)
		}
		end()
		for _, l := range lists {
			if err := exec(ctx, `UPDATE rollup_days SET top = ? WHERE domain = ? AND day = ?`, l.top, domain, l.day); err != nil {
				return fmt.Errorf("write top sources of %s: %w", domain, err)
			}
		}
	}
	return nil
}

// rollupDomains lists the domains of rollup_days.
func rollupDomains(ctx context.Context, run rowSource) ([]string, error) {
	var domains []string
	err := run(ctx, `SELECT DISTINCT domain FROM rollup_days ORDER BY domain`, nil, func(scan func(...any) error) error {
		var d string
		if err := scan(&d); err != nil {
			return err
		}
		domains = append(domains, d)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list domains: %w", err)
	}
	return domains, nil
}
