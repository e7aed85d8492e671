package server

import (
	"context"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// Bounds of the parse_dmarc_sources_unique scrape, which costs one store
// query per domain.
const (
	// sourcesDays is the window: the UTC days of report begin counted,
	// today included.
	sourcesDays = 30
	// maxSourceDomains is the most domains exposed: the most recently
	// reported ones. It bounds both the queries of a scrape and the
	// series Prometheus keeps.
	maxSourceDomains = 1000
	// sourcesTimeout bounds the whole scrape of the gauge, under
	// Prometheus' default scrape timeout of 10 s.
	sourcesTimeout = 5 * time.Second
)

var sourcesDesc = prometheus.NewDesc("parse_dmarc_sources_unique",
	"Distinct source IPs in the reports that began in the last 30 days (UTC days, today included), by policy domain; the 1,000 most recently reported domains at most. Exact up to 512 IPs a domain and day, an estimate (about ±2%) beyond.",
	[]string{"domain"}, nil)

// sourcesCollector computes parse_dmarc_sources_unique when scraped, from
// the store's aggregates (Summary's UniqueSources), so that every replica
// reports the same value. A failing or slow store fails the scrape rather
// than exposing a partial list, as the compliance gauge does.
type sourcesCollector struct {
	st store.Store
	// max and timeout replace maxSourceDomains and sourcesTimeout in
	// tests; now replaces time.Now.
	max     int
	timeout time.Duration
	now     func() time.Time
}

func (c *sourcesCollector) Describe(ch chan<- *prometheus.Desc) { ch <- sourcesDesc }

func (c *sourcesCollector) Collect(ch chan<- prometheus.Metric) {
	timeout, max, now := sourcesTimeout, maxSourceDomains, time.Now
	if c.timeout > 0 {
		timeout = c.timeout
	}
	if c.max > 0 {
		max = c.max
	}
	if c.now != nil {
		now = c.now
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	since := now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -(sourcesDays - 1))
	domains, err := c.st.Domains(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(sourcesDesc, err)
		return
	}
	// A domain whose newest report ended before the window has no record
	// in it: no query, no series.
	domains = slices.DeleteFunc(domains, func(d store.DomainTotals) bool { return d.LastReport.Before(since) })
	slices.SortFunc(domains, func(a, b store.DomainTotals) int { return b.LastReport.Compare(a.LastReport) })
	domains = domains[:min(len(domains), max)]
	for _, d := range domains {
		t, err := c.st.Summary(ctx, store.AggregateFilter{Domain: d.Domain, Since: since})
		if err != nil {
			ch <- prometheus.NewInvalidMetric(sourcesDesc, err)
			return
		}
		ch <- prometheus.MustNewConstMetric(sourcesDesc, prometheus.GaugeValue, float64(t.UniqueSources), d.Domain)
	}
}
