package server

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// complianceWindow is the period parse_dmarc_compliance_ratio covers.
const complianceWindow = 7 * 24 * time.Hour

// Metrics are the Prometheus metrics of roadmap section 3.4, with the Go
// runtime and process metrics, in a registry of their own (no global
// state). Counters count what this process did since it started; the
// compliance gauge is read from the store at scrape time, so every replica
// reports the same value.
type Metrics struct {
	reg           *prometheus.Registry
	reports       *prometheus.CounterVec
	messages      *prometheus.CounterVec
	fetchDuration *prometheus.HistogramVec
	fetchErrors   *prometheus.CounterVec
}

// NewMetrics registers the metrics; st feeds the compliance and sources
// gauges.
func NewMetrics(st store.Store) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		reports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parse_dmarc_reports_total",
			Help: "Reports processed by this process, by outcome (imported, duplicate, quarantined; ignored: mails without any report).",
		}, []string{"outcome"}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parse_dmarc_messages_total",
			Help: "Messages in the reports imported by this process, by DMARC result (pass, fail).",
		}, []string{"result"}),
		fetchDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "parse_dmarc_fetch_duration_seconds",
			Help:    "Duration of mailbox fetch passes, failed ones included, by IMAP account.",
			Buckets: prometheus.ExponentialBuckets(0.1, 2, 12),
		}, []string{"account"}),
		fetchErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parse_dmarc_fetch_errors_total",
			Help: "Mailbox fetch passes that failed (network, login, server or store), by IMAP account.",
		}, []string{"account"}),
	}
	m.reg.MustRegister(m.reports, m.messages, m.fetchDuration, m.fetchErrors,
		&complianceCollector{st: st}, &sourcesCollector{st: st},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Imported counts one importer result, from any source (upload, directory,
// mailbox); nil Metrics count nothing.
func (m *Metrics) Imported(ctx context.Context, st store.Store, r ingest.Result) {
	if m == nil {
		return
	}
	m.reports.WithLabelValues(r.Outcome.String()).Inc()
	if r.Outcome != ingest.Imported || r.Format != ingest.FormatAggregate {
		return // only aggregate reports count messages
	}
	rep, err := st.Report(ctx, r.ReportID)
	if err != nil {
		return
	}
	m.messages.WithLabelValues("pass").Add(float64(rep.PassCount))
	m.messages.WithLabelValues("fail").Add(float64(rep.MessageCount - rep.PassCount))
}

// FetchAccount creates the fetch series of an IMAP account at zero, so that
// they are exposed before its first pass and the first failure is an
// increase that rate() and increase() see. Accounts are few and fixed at
// start (they label the series), so the labels stay bounded.
func (m *Metrics) FetchAccount(account string) {
	if m == nil {
		return
	}
	m.fetchDuration.WithLabelValues(account)
	m.fetchErrors.WithLabelValues(account)
}

// Fetched counts one mailbox fetch pass of account: its duration, and a
// failure when err is not nil.
func (m *Metrics) Fetched(account string, d time.Duration, err error) {
	if m == nil {
		return
	}
	m.fetchDuration.WithLabelValues(account).Observe(d.Seconds())
	errs := m.fetchErrors.WithLabelValues(account) // exposed at zero
	if err != nil {
		errs.Inc()
	}
}

// complianceCollector computes parse_dmarc_compliance_ratio per policy
// domain over the last complianceWindow when scraped.
type complianceCollector struct{ st store.Store }

var complianceDesc = prometheus.NewDesc("parse_dmarc_compliance_ratio",
	"Share of messages passing DMARC over the last 7 days of reports, by policy domain (0 to 1).", []string{"domain"}, nil)

func (c *complianceCollector) Describe(ch chan<- *prometheus.Desc) { ch <- complianceDesc }

func (c *complianceCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	reps, err := c.st.Reports(ctx, store.ReportFilter{Since: time.Now().Add(-complianceWindow)})
	if err != nil {
		ch <- prometheus.NewInvalidMetric(complianceDesc, err)
		return
	}
	type tally struct{ pass, total int64 }
	by := map[string]*tally{}
	for _, r := range reps {
		t := by[r.Header.Policy.Domain]
		if t == nil {
			t = &tally{}
			by[r.Header.Policy.Domain] = t
		}
		t.pass += r.PassCount
		t.total += r.MessageCount
	}
	for d, t := range by {
		if t.total > 0 {
			ch <- prometheus.MustNewConstMetric(complianceDesc, prometheus.GaugeValue, float64(t.pass)/float64(t.total), d)
		}
	}
}
