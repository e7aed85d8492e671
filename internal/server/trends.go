package server

import (
	"context"
	"errors"
	"net/http"
	"net/netip"

	"github.com/parse-dmarc/parse-dmarc/internal/anomaly"
	"github.com/parse-dmarc/parse-dmarc/internal/enrich"
	"github.com/parse-dmarc/parse-dmarc/internal/trend"
)

// trends answers GET /api/v1/trends?domain=&since=&until=: the parsing
// protocol's trend object of one domain (package trend): volume and pass
// rate against the previous period of the same length, new and
// disappeared sources, anomalies. Without since, the last 7 days up to the
// domain's last day with mail.
func (s *Server) trends(w http.ResponseWriter, r *http.Request) {
	q, ok := s.trendQuery(w, r)
	if !ok {
		return
	}
	rep, err := trend.Compute(r.Context(), s.Store, q)
	if err != nil {
		s.trendError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// trendQuery reads the domain (required) and range of a trend or anomaly
// request.
func (s *Server) trendQuery(w http.ResponseWriter, r *http.Request) (trend.Query, bool) {
	q := trend.Query{Domain: r.URL.Query().Get("domain")}
	if q.Domain == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "domain: required")
		return q, false
	}
	var ok bool
	if q.Since, q.Until, ok = dateRange(w, r); !ok {
		return q, false
	}
	q.Countries = s.countriesOf(r.Context())
	return q, true
}

// trendError answers for an error of package trend.
func (s *Server) trendError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, trend.ErrNoMail):
		writeError(w, http.StatusNotFound, "not_found", "no mail for domain "+r.URL.Query().Get("domain"))
	case errors.Is(err, trend.ErrRange):
		writeError(w, http.StatusBadRequest, "bad_request", "until: after since")
	default:
		s.storeError(w, r, err)
	}
}

// countriesOf is the country data of the anomaly detector's geographic
// rule: nil (the rule is skipped, and the answer says so) unless country
// data is loaded.
func (s *Server) countriesOf(ctx context.Context) anomaly.Countries {
	if s.IPs == nil || s.IPs.Status().Country.State != enrich.StateReady {
		return nil
	}
	return ipCountries{ctx, s.IPs}
}

// ipCountries tells the country of source IPs from IP data.
type ipCountries struct {
	ctx context.Context
	ips IPData
}

func (c ipCountries) CountryOf(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ""
	}
	return c.ips.Lookup(c.ctx, addr).Country
}
