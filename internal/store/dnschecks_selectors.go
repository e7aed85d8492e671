package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// SelectorCount is a DKIM selector that reports saw signing a domain's
// mail, with the messages of the records that named it.
type SelectorCount struct {
	Selector string `json:"selector"`
	Messages int64  `json:"messages"`
}

// dkimSelectorsSQL reads the DKIM results of a domain's newest records
// that name a selector. The index on (domain, day) gives the newest days
// first; the LIKE spares parsing the results without a selector.
const dkimSelectorsSQL = `SELECT count, dkim_results FROM records
WHERE domain = ? AND dkim_results LIKE '%"selector"%' ORDER BY day DESC LIMIT ?`

// dkimSelectors lists the selectors of the DKIM signatures of domain
// itself (d= equal to domain, compared without case) in its newest
// records, at most records read, the most messages first. Selectors
// cannot be discovered from DNS (RFC 6376 §3.1), so the reports are the
// one place they can be learnt from; signatures of other domains (an
// ESP's own d=) are left out, as their keys are not under domain.
func dkimSelectors(ctx context.Context, run rowSource, domain string, records int) ([]SelectorCount, error) {
	counts := map[string]int64{}
	err := run(ctx, dkimSelectorsSQL, []any{domain, max(records, 1)}, func(scan func(...any) error) error {
		var n int64
		var js string
		if err := scan(&n, &js); err != nil {
			return err
		}
		var results []struct {
			Domain   string `json:"domain"`
			Selector string `json:"selector"`
		}
		if json.Unmarshal([]byte(js), &results) != nil {
			return nil // written by this store: cannot happen, and one bad row is no reason to fail
		}
		for _, r := range results {
			sel := strings.ToLower(strings.TrimSpace(r.Selector))
			if sel != "" && strings.EqualFold(strings.TrimSuffix(r.Domain, "."), domain) {
				counts[sel] += n
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read DKIM selectors of %s: %w", domain, err)
	}
	out := make([]SelectorCount, 0, len(counts))
	for s, n := range counts {
		out = append(out, SelectorCount{s, n})
	}
	slices.SortFunc(out, func(a, b SelectorCount) int {
		return cmp.Or(cmp.Compare(b.Messages, a.Messages), cmp.Compare(a.Selector, b.Selector))
	})
	return out, nil
}

// DKIMSelectors implements Store.
func (s *SQLite) DKIMSelectors(ctx context.Context, domain string, records int) ([]SelectorCount, error) {
	return dkimSelectors(ctx, s.rows, domain, records)
}

// DKIMSelectors implements Store.
func (p *Postgres) DKIMSelectors(ctx context.Context, domain string, records int) ([]SelectorCount, error) {
	return dkimSelectors(ctx, p.rows, pgText(domain), records)
}
