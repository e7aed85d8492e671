package server

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// maxScoredDomains bounds the domains one /api/v1/scores answer scores (a
// few queries each): an MSP with more filters by domain.
const maxScoredDomains = 500

// trendDays is the length of the periods compared for the trend when the
// filter has no start: the last week with reports against the week before.
const trendDays = 7

// domainScore is one domain of /api/v1/scores.
type domainScore struct {
	Domain     string                `json:"domain"`
	Messages   int64                 `json:"messages"`
	PassRate   float64               `json:"pass_rate"`
	LastReport time.Time             `json:"last_report"`
	Score      analysis.HealthScore  `json:"score"`
	Trend      analysis.ScoreTrend   `json:"trend"`
	History    []analysis.DailyScore `json:"history"`
	Failing    []sourceView          `json:"failing"`
}

// scores answers GET /api/v1/scores?domain=&since=&until=: the compliance
// health score (roadmap 1.3) of each domain with mail in the range, with
// its factors, its trend against the previous period of the same length,
// its daily history and the three sources failing most. The policy scored
// is the one published in the domain's newest report.
func (s *Server) scores(w http.ResponseWriter, r *http.Request) {
	f, ok := aggregateFilter(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	all, err := s.Store.Domains(ctx)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	out := []domainScore{}
	for _, d := range all {
		if f.Domain != "" && d.Domain != f.Domain {
			continue
		}
		if len(out) == maxScoredDomains {
			break
		}
		ds, ok, err := s.domainScore(ctx, d, f)
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		if ok {
			out = append(out, ds)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"domains": out})
}

func (s *Server) domainScore(ctx context.Context, d store.DomainTotals, f store.AggregateFilter) (domainScore, bool, error) {
	f.Domain = d.Domain
	t, err := s.Store.Summary(ctx, f)
	if err != nil || t.Messages == 0 {
		return domainScore{}, false, err
	}
	pol, err := s.policyOf(ctx, d.Domain)
	if err != nil {
		return domainScore{}, false, err
	}
	score, _ := analysis.ComputeScore(analysis.ScoreInput{Counts: countsOf(t), Policy: pol})

	recent, earlier := trendPeriods(f, d.LastReport)
	var ins [2]analysis.ScoreInput
	for i, p := range []store.AggregateFilter{recent, earlier} {
		pt := t // the filter's own range, totalled above
		if p != f {
			if pt, err = s.Store.Summary(ctx, p); err != nil {
				return domainScore{}, false, err
			}
		}
		ins[i] = analysis.ScoreInput{Counts: countsOf(pt), Policy: pol}
	}

	days, err := s.Store.Timeline(ctx, f, false)
	if err != nil {
		return domainScore{}, false, err
	}
	dc := make([]analysis.DayCounts, 0, len(days))
	for _, p := range days {
		dc = append(dc, analysis.DayCounts{Day: p.Start, Counts: countsOf(p.Totals)})
	}

	top, err := s.Store.TopSources(ctx, f, 50)
	if err != nil {
		return domainScore{}, false, err
	}
	top = slices.DeleteFunc(top, func(x store.SourceTotals) bool { return x.DMARCPass >= x.Messages })
	slices.SortStableFunc(top, func(a, b store.SourceTotals) int {
		return cmp.Compare(b.Messages-b.DMARCPass, a.Messages-a.DMARCPass)
	})
	failing := []sourceView{}
	for _, x := range top[:min(3, len(top))] {
		failing = append(failing, s.sourceView(ctx, x, false))
	}
	return domainScore{
		Domain:     d.Domain,
		Messages:   t.Messages,
		PassRate:   percent(t.DMARCPass, t.Messages),
		LastReport: d.LastReport,
		Score:      score,
		Trend:      analysis.CompareScores(ins[0], ins[1]),
		History:    analysis.ScoreHistory(dc, pol),
		Failing:    failing,
	}, true, nil
}

// policyOf is the policy published in the domain's newest report.
func (s *Server) policyOf(ctx context.Context, domain string) (analysis.ScorePolicy, error) {
	reps, err := s.Store.Reports(ctx, store.ReportFilter{Domain: domain, Limit: 1})
	if err != nil || len(reps) == 0 {
		return analysis.ScorePolicy{Pct: 100}, err
	}
	p := reps[0].Header.Policy
	return analysis.ScorePolicy{Policy: p.Policy, Pct: p.Percentage, Testing: p.Testing == "y"}, nil
}

func countsOf(t store.Totals) analysis.MessageCounts {
	return analysis.MessageCounts{Messages: t.Messages, DMARCPass: t.DMARCPass, SPFPass: t.SPFPass, DKIMPass: t.DKIMPass}
}

// trendPeriods are the two periods whose scores give the trend: the
// filter's range itself (recent == f, so its totals are reused) and the one
// of the same length before it, a range open at the end counting as ending
// today; without a start, the last trendDays days up to the newest report
// and the days before them.
func trendPeriods(f store.AggregateFilter, last time.Time) (recent, earlier store.AggregateFilter) {
	recent, earlier = f, f
	end := f.Until
	if end.IsZero() {
		end = last.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
		if !f.Since.IsZero() && time.Now().After(end) {
			end = time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
		}
	}
	start := f.Since
	if start.IsZero() {
		start = end.AddDate(0, 0, -trendDays)
	}
	if f.Since.IsZero() {
		recent.Since, recent.Until = start, end
	}
	earlier.Since, earlier.Until = start.Add(-end.Sub(start)), start
	return recent, earlier
}
