package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// SourceDay is what one source IP sent as one policy domain on one UTC day
// (by report begin): the totals of its records, UniqueSources left zero.
// The internal reputation of an IP (package reputation) is computed from
// these, across every domain of the store.
type SourceDay struct {
	Domain string
	Day    time.Time
	Totals
}

// SourceHistory returns the totals per policy domain and day of the
// newest limit records of source IP ip, across all domains, the newest day
// first (then by domain). partial is true when the IP has more records
// than limit: the history then starts later than the IP's first record.
//
// It reads the records table through its source_ip index, as
// SourceRecords does, but only the six columns the totals need, and counts
// each record with Totals.Add, the rollups' own rule. The cost grows with
// the IP's records (they are sorted by day) and is bounded by limit in
// what is read back.
func (a aggregates) SourceHistory(ctx context.Context, ip string, limit int) (days []SourceDay, partial bool, err error) {
	if limit <= 0 {
		return nil, false, fmt.Errorf("history of source %s: limit %d", ip, limit)
	}
	type key struct {
		domain string
		day    int64
	}
	byDay := map[key]*SourceDay{}
	n := 0
	var (
		k   key
		rec aggregate.Record
	)
	pe := &rec.PolicyEvaluated
	err = a.run(ctx, `SELECT domain, day, count, disposition, dkim, spf FROM records WHERE source_ip = ?
ORDER BY day DESC, id DESC LIMIT ?`, []any{ip, limit + 1}, func(scan func(...any) error) error {
		if err := scan(&k.domain, &k.day, &rec.Count, &pe.Disposition, &pe.DKIM, &pe.SPF); err != nil {
			return err
		}
		if n++; n > limit {
			partial = true
			return nil
		}
		d := byDay[k]
		if d == nil {
			d = &SourceDay{Domain: k.domain, Day: time.Unix(k.day, 0).UTC()}
			byDay[k] = d
		}
		d.Add(&rec)
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("history of source %s: %w", ip, err)
	}
	days = make([]SourceDay, 0, len(byDay))
	for _, d := range byDay {
		days = append(days, *d)
	}
	slices.SortFunc(days, func(a, b SourceDay) int {
		if c := b.Day.Compare(a.Day); c != 0 {
			return c
		}
		return cmp.Compare(a.Domain, b.Domain)
	})
	return days, partial, nil
}
