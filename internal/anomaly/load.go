package anomaly

import (
	"context"
	"fmt"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// HistoryStore is what Load reads; store.Store has it.
type HistoryStore interface {
	DomainSpan(ctx context.Context, domain string) (first, last time.Time, err error)
	Timeline(ctx context.Context, f store.AggregateFilter, weekly bool) ([]store.TimelinePoint, error)
	SourceDays(ctx context.Context, f store.AggregateFilter, limit int) ([]store.SourceDayTotals, bool, error)
	ExpectedAnomalies(ctx context.Context, domain string) ([]store.ExpectedAnomaly, error)
}

// DefaultMaxSourceRows bounds the source rows Load reads: a (day, IP)
// row is about 200 bytes in memory, so 200,000 rows are some 40 MB, the
// 90 days of a domain with 2,000 source IPs a day.
const DefaultMaxSourceRows = 200_000

// Load reads the history of domain from from to until (exclusive) from
// st: its daily totals, its source rows (at most maxRows, the newest
// first; zero means DefaultMaxSourceRows) and its feedback. When the
// source rows are cut, the oldest day read is dropped, as it may be
// incomplete, and SourcesFrom says where they start. A domain without
// mail gives an empty History.
func Load(ctx context.Context, st HistoryStore, domain string, from, until time.Time, maxRows int) (*History, error) {
	if maxRows <= 0 {
		maxRows = DefaultMaxSourceRows
	}
	first, last, err := st.DomainSpan(ctx, domain)
	if err != nil {
		return nil, fmt.Errorf("load history of %s: %w", domain, err)
	}
	h := &History{Domain: domain, From: from, First: first, Last: last}
	if first.IsZero() {
		return h, nil
	}
	f := store.AggregateFilter{Domain: domain, Since: from, Until: until}
	if h.Days, err = st.Timeline(ctx, f, false); err != nil {
		return nil, fmt.Errorf("load history of %s: %w", domain, err)
	}
	rows, partial, err := st.SourceDays(ctx, f, maxRows)
	if err != nil {
		return nil, fmt.Errorf("load history of %s: %w", domain, err)
	}
	if partial && len(rows) > 0 {
		oldest := rows[len(rows)-1].Day
		for len(rows) > 0 && rows[len(rows)-1].Day.Equal(oldest) {
			rows = rows[:len(rows)-1]
		}
		h.SourcesFrom = oldest.AddDate(0, 0, 1)
	}
	h.Sources = rows
	if h.Expected, err = st.ExpectedAnomalies(ctx, domain); err != nil {
		return nil, fmt.Errorf("load history of %s: %w", domain, err)
	}
	return h, nil
}
