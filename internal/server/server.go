package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/alert"
	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
	"github.com/parse-dmarc/parse-dmarc/internal/digest"
	"github.com/parse-dmarc/parse-dmarc/internal/dnswatch"
	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/notify"
	"github.com/parse-dmarc/parse-dmarc/internal/remedy"
	"github.com/parse-dmarc/parse-dmarc/internal/senders"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/web"
)

// Defaults of Server fields.
const (
	// DefaultMaxUpload is the largest upload request accepted: 64 MiB,
	// room for a batch of compressed reports.
	DefaultMaxUpload = 64 << 20
)

// Server answers HTTP requests. Its fields are set before Handler is
// called and not changed after.
type Server struct {
	Store    store.Store
	Importer *ingest.Importer
	Log      *slog.Logger
	// Auth, when set, guards everything but the health endpoints and the
	// public badges (of the domains whose badge is enabled).
	Auth *BasicAuth
	// Metrics, when set, is served at /metrics and told of imports.
	Metrics *Metrics
	// MaxUpload bounds an upload request's body; default DefaultMaxUpload.
	MaxUpload int64
	// Version is reported by /api/v1/version.
	Version string
	// Timeout bounds the handling of a request, default DefaultTimeout;
	// StreamTimeout, default DefaultStreamTimeout, that of a request
	// whose body or answer has no size bound (uploads, exports). Either
	// way a client that stops sending or reading for a minute is dropped.
	Timeout, StreamTimeout time.Duration
	// IPs, when set, tells the organization, ASN, country and reverse DNS
	// name of source IPs.
	IPs IPData
	// Senders, when set, identifies the sending services of sources for
	// their classification (serve sets the built-in catalogue, merged
	// with --senders); nil: none is identified.
	Senders *senders.Catalogue
	// SPF, when set, tells the classification whether a domain's SPF
	// record authorizes a source IP.
	SPF analysis.SPFAuthorizer
	// Reputation, when set, judges the source IP of the source page
	// (GET /api/v1/sources/{ip}), from the store's history and, when
	// configured, external services.
	Reputation Reputation
	// DNS, when set, checks domains' DNS records and keeps their history
	// (the /api/v1/dns routes); nil: those routes answer 501.
	DNS *dnswatch.Watcher
	// Guide, when set, answers "Fix this" for a source
	// (GET /api/v1/sources/{ip}/fix) and the policy advisor
	// (GET /api/v1/domains/{domain}/advice); nil: those routes answer
	// 501.
	Guide *remedy.Guide
	// UI serves the dashboard at every path the API does not claim;
	// default the dashboard embedded in the binary (package web).
	UI http.Handler
	// DisableIMAPTest refuses POST /api/v1/imap/test (403): the test
	// connects wherever its caller says, which lets anyone with API
	// access probe the hosts and ports the server can reach (SSRF).
	DisableIMAPTest bool
	// DisableForensic refuses the failure report routes (403): they hold
	// personal data (see forensic.go). ForensicRetention is the default
	// retention of failure reports GET /api/v1/forensic/retention tells;
	// 0 keeps them.
	DisableForensic   bool
	ForensicRetention time.Duration
	// Alerts, when set, keeps the alert rules and the alert history (the
	// /api/v1/alerts routes); nil: those routes answer 501.
	Alerts *alert.Engine
	// Digest, when set, builds the reports of GET /api/v1/digest (with
	// the issues of its Guide); nil: a Builder on Store, without issues.
	Digest *digest.Builder
	// Schedules, when set, sends scheduled reports on request (POST
	// /api/v1/schedules/{id}/run); nil: that route answers 501.
	Schedules *digest.Scheduler
	// Notify, when set, keeps the notification channels and sends
	// through them (the /api/v1/channels routes); nil: those routes
	// answer 501.
	Notify *notify.Service
}

func (s *Server) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// Handler returns the HTTP handler of all routes.
func (s *Server) Handler() http.Handler {
	api := http.NewServeMux()
	badges := newBadges(s)
	api.HandleFunc("GET /api/v1/version", s.version)
	api.HandleFunc("GET /api/v1/openapi.json", s.openapi)
	api.HandleFunc("GET /api/v1/reports", s.listReports)
	api.HandleFunc("POST /api/v1/reports", s.upload)
	api.HandleFunc("GET /api/v1/reports/{id}", s.getReport)
	api.HandleFunc("GET /api/v1/reports/{id}/raw", s.rawReport)
	api.HandleFunc("GET /api/v1/export/{file}", s.exportRecords)
	api.HandleFunc("GET /api/v1/stats/summary", s.summary)
	api.HandleFunc("GET /api/v1/stats/timeline", s.timeline)
	api.HandleFunc("GET /api/v1/stats/sources", s.topSources)
	api.HandleFunc("GET /api/v1/stats/countries", s.countries)
	api.HandleFunc("GET /api/v1/scores", s.scores)
	api.HandleFunc("GET /api/v1/trends", s.trends)
	api.HandleFunc("GET /api/v1/anomalies", s.anomalies)
	api.HandleFunc("POST /api/v1/anomalies/expected", s.markExpected)
	api.HandleFunc("DELETE /api/v1/anomalies/expected", s.unmarkExpected)
	api.HandleFunc("GET /api/v1/sources/{ip}", s.source)
	api.HandleFunc("GET /api/v1/sources/{ip}/fix", s.fixSource)
	api.HandleFunc("GET /api/v1/domains", s.domains)
	api.HandleFunc("GET /api/v1/domains/{domain}/badge", badges.getSetting)
	api.HandleFunc("PUT /api/v1/domains/{domain}/badge", badges.putSetting)
	api.HandleFunc("GET /api/v1/domains/{domain}/advice", s.advice)
	api.HandleFunc("GET /api/v1/reporters", s.reporters)
	api.HandleFunc("GET /api/v1/quarantine", s.listQuarantine)
	api.HandleFunc("GET /api/v1/quarantine/{id}/raw", s.rawQuarantine)
	api.HandleFunc("POST /api/v1/imap/test", s.imapTest)
	api.HandleFunc("GET /api/v1/dns", s.dnsLatest)
	api.HandleFunc("GET /api/v1/dns/{domain}", s.dnsCheckNow)
	api.HandleFunc("GET /api/v1/dns/{domain}/history", s.dnsHistory)
	api.HandleFunc("GET /api/v1/alerts", s.listAlerts)
	api.HandleFunc("GET /api/v1/alerts/{id}", s.getAlert)
	api.HandleFunc("POST /api/v1/alerts/{id}/ack", s.ackAlert)
	api.HandleFunc("POST /api/v1/alerts/{id}/resolve", s.resolveAlert)
	api.HandleFunc("GET /api/v1/schedules", s.listSchedules)
	api.HandleFunc("POST /api/v1/schedules", s.createSchedule)
	api.HandleFunc("GET /api/v1/schedules/{id}", s.getSchedule)
	api.HandleFunc("PUT /api/v1/schedules/{id}", s.updateSchedule)
	api.HandleFunc("DELETE /api/v1/schedules/{id}", s.deleteSchedule)
	api.HandleFunc("POST /api/v1/schedules/{id}/run", s.runSchedule)
	api.HandleFunc("GET /api/v1/schedules/{id}/runs", s.scheduleRuns)
	api.HandleFunc("GET /api/v1/digest", s.digestReport)
	api.HandleFunc("GET /api/v1/alerts/presets", s.alertPresets)
	api.HandleFunc("GET /api/v1/alerts/rules", s.listAlertRules)
	api.HandleFunc("POST /api/v1/alerts/rules", s.createAlertRule)
	api.HandleFunc("GET /api/v1/alerts/rules/{id}", s.getAlertRule)
	api.HandleFunc("PUT /api/v1/alerts/rules/{id}", s.updateAlertRule)
	api.HandleFunc("DELETE /api/v1/alerts/rules/{id}", s.deleteAlertRule)
	api.HandleFunc("GET /api/v1/channels", s.listChannels)
	api.HandleFunc("POST /api/v1/channels", s.createChannel)
	api.HandleFunc("GET /api/v1/channels/{id}", s.getChannel)
	api.HandleFunc("PUT /api/v1/channels/{id}", s.updateChannel)
	api.HandleFunc("DELETE /api/v1/channels/{id}", s.deleteChannel)
	api.HandleFunc("POST /api/v1/channels/{id}/test", s.testChannel)
	api.HandleFunc("GET /api/v1/channels/{id}/deliveries", s.channelDeliveries)
	api.HandleFunc("GET /api/v1/webhooks/events", s.webhookEvents)
	api.HandleFunc("GET /api/v1/tls/domains", s.tlsDomains)
	api.HandleFunc("GET /api/v1/tls/summary", s.tlsSummary)
	api.HandleFunc("GET /api/v1/tls/reports", s.tlsReports)
	api.HandleFunc("GET /api/v1/tls/reports/{id}", s.tlsReport)
	api.HandleFunc("GET /api/v1/tls/reports/{id}/raw", s.tlsRaw)
	api.HandleFunc("GET /api/v1/forensic", s.forensicReports)
	api.HandleFunc("GET /api/v1/forensic/counts", s.forensicCounts)
	api.HandleFunc("GET /api/v1/forensic/retention", s.forensicRetention)
	api.HandleFunc("PUT /api/v1/forensic/retention/{domain}", s.putForensicRetention)
	api.HandleFunc("DELETE /api/v1/forensic/retention/{domain}", s.deleteForensicRetention)
	api.HandleFunc("GET /api/v1/forensic/{id}", s.forensicReport)
	api.HandleFunc("DELETE /api/v1/forensic/{id}", s.deleteForensic)
	api.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	ui := s.UI
	if ui == nil {
		ui = web.Handler()
	}
	api.Handle("/", ui)
	if s.Metrics != nil {
		api.Handle("GET /metrics", s.Metrics.Handler())
	}
	var h http.Handler = api
	if s.Auth != nil {
		h = s.Auth.Wrap(h)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	// Public: badges are embedded in READMEs; only opted-in domains show
	// anything (see badges.serve).
	mux.HandleFunc("GET /badge/{file}", badges.serve)
	mux.Handle("/", h)
	return s.deadlines(mux, api)
}

// NewHTTPServer returns an http.Server for h with the timeouts a server
// facing the internet needs. WriteTimeout is only the deadline every
// request starts with: Server's handlers push it back as they write, so an
// export may take an hour but a client may not stall it. ReadTimeout stays
// unset: it would cut uploads on slow links, and, once expired, make
// net/http cancel the context of a long export; handlers set read
// deadlines of their own while they read a body.
func NewHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      ioIdle,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}

// healthz answers while the process runs (liveness).
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyz answers 200 when the store answers within 2 seconds (readiness).
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := s.Store.Counts(ctx); err != nil {
		s.log().Warn("not ready", "err", err)
		writeError(w, http.StatusServiceUnavailable, "store_unavailable", "the store does not answer")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ready\n"))
}

func (s *Server) version(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"version": s.Version})
}
