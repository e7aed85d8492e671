package server

import (
	"math"
	"net/http"

	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// Limits of the top sources listing.
const (
	defaultTopSources = 20
	maxTopSources     = 1000
)

// statistics is the parsing protocol's statistics object over stored
// records (plus dmarc_pass, the count behind pass_rate_overall).
type statistics struct {
	store.Totals
	PassRateDKIM    float64 `json:"pass_rate_dkim"`
	PassRateSPF     float64 `json:"pass_rate_spf"`
	PassRateOverall float64 `json:"pass_rate_overall"`
}

func statsOf(t store.Totals) statistics {
	return statistics{Totals: t, PassRateDKIM: percent(t.DKIMPass, t.Messages),
		PassRateSPF: percent(t.SPFPass, t.Messages), PassRateOverall: percent(t.DMARCPass, t.Messages)}
}

// percent is part of whole in percent, rounded to 2 decimals; 0 for none.
func percent(part, whole int64) float64 {
	if whole == 0 {
		return 0
	}
	return math.Round(float64(part)*10000/float64(whole)) / 100
}

// aggregateFilter reads domain, since and until.
func aggregateFilter(w http.ResponseWriter, r *http.Request) (store.AggregateFilter, bool) {
	f := store.AggregateFilter{Domain: r.URL.Query().Get("domain")}
	var ok bool
	f.Since, f.Until, ok = dateRange(w, r)
	return f, ok
}

// summary answers GET /api/v1/stats/summary?domain=&since=&until=.
func (s *Server) summary(w http.ResponseWriter, r *http.Request) {
	f, ok := aggregateFilter(w, r)
	if !ok {
		return
	}
	t, err := s.Store.Summary(r.Context(), f)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"statistics": statsOf(t)})
}

// timeline answers GET /api/v1/stats/timeline?domain=&since=&until=&bucket=day|week.
func (s *Server) timeline(w http.ResponseWriter, r *http.Request) {
	f, ok := aggregateFilter(w, r)
	if !ok {
		return
	}
	bucket := r.URL.Query().Get("bucket")
	if bucket != "" && bucket != "day" && bucket != "week" {
		writeError(w, http.StatusBadRequest, "bad_request", "bucket: day or week")
		return
	}
	points, err := s.Store.Timeline(r.Context(), f, bucket == "week")
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	type point struct {
		Start string `json:"start"`
		statistics
	}
	out := []point{}
	for _, p := range points {
		out = append(out, point{p.Start.Format("2006-01-02"), statsOf(p.Totals)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"bucket": map[bool]string{true: "week", false: "day"}[bucket == "week"], "points": out})
}

// topSources answers GET /api/v1/stats/sources?domain=&since=&until=&limit=&classify=:
// the top sources with what is known of their IPs; the first classify of
// them (at most 200) are also classified, by the domain with most of their
// mail, and their reverse DNS names looked up.
func (s *Server) topSources(w http.ResponseWriter, r *http.Request) {
	f, ok := aggregateFilter(w, r)
	if !ok {
		return
	}
	limit, ok := intParam(w, r, "limit", 1, maxTopSources, defaultTopSources)
	if !ok {
		return
	}
	classify, ok := intParam(w, r, "classify", 0, maxClassified, 0)
	if !ok {
		return
	}
	ctx := r.Context()
	src, err := s.Store.TopSources(ctx, f, limit)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	out, err := s.describeSources(ctx, src, f, classify)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sources": out, "ip_data": s.ipData()})
}

// domains answers GET /api/v1/domains.
func (s *Server) domains(w http.ResponseWriter, r *http.Request) {
	ds, err := s.Store.Domains(r.Context())
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	type domain struct {
		store.DomainTotals
		PassRate float64 `json:"pass_rate"`
	}
	out := []domain{}
	for _, d := range ds {
		out = append(out, domain{d, percent(d.DMARCPass, d.Messages)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"domains": out})
}

// reporters answers GET /api/v1/reporters?domain=&since=&until=.
func (s *Server) reporters(w http.ResponseWriter, r *http.Request) {
	f, ok := aggregateFilter(w, r)
	if !ok {
		return
	}
	rs, err := s.Store.Reporters(r.Context(), f)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	if rs == nil {
		rs = []store.ReporterTotals{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"reporters": rs})
}
