package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/dnswatch"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// Bounds of the DNS check routes.
const (
	// dnsCheckTimeout bounds a check the API runs: the lookups still
	// unanswered then are findings, so the answer comes within the
	// request's time limit.
	dnsCheckTimeout = 20 * time.Second
	// dnsHistoryDefault and dnsHistoryMax are the default and largest
	// limit of a history (the store keeps store.DNSChecksKept).
	dnsHistoryDefault = 30
	dnsHistoryMax     = store.DNSChecksKept
)

// dnsHistory is the answer of GET /api/v1/dns/{domain}/history.
type dnsHistory struct {
	Domain string `json:"domain"`
	// SelectorsSeen are the DKIM selectors the domain's reports saw
	// signing its mail, for the dashboard to offer.
	SelectorsSeen []store.SelectorCount `json:"selectors_seen"`
	Checks        []dnswatch.Check      `json:"checks"`
}

// dnsEnabled answers 501 and reports false when the server has no
// Watcher.
func (s *Server) dnsEnabled(w http.ResponseWriter) bool {
	if s.DNS == nil {
		writeError(w, http.StatusNotImplemented, "not_configured", "DNS checks are not configured on this server")
		return false
	}
	return true
}

// dnsLatest answers GET /api/v1/dns: the newest stored check of every
// domain, with its result.
func (s *Server) dnsLatest(w http.ResponseWriter, r *http.Request) {
	if !s.dnsEnabled(w) {
		return
	}
	checks, err := s.DNS.Latest(r.Context())
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"checks": checks})
}

// dnsCheckNow answers GET /api/v1/dns/{domain}?selector=a&selector=b: it
// checks the domain's records now (requests for the same domain and
// selectors meanwhile share the check), stores the result in its history
// and answers it with the changes since the previous check.
//
// Only domains with reports are checked unless any=1 is given: a check
// asks dozens of DNS questions and fetches https://mta-sts.DOMAIN/, so
// checking any name would make the server a DNS and HTTPS client for
// whoever may call the API. The dashboard sends any=1 only when its user
// types a domain without reports in (before the first report arrives).
func (s *Server) dnsCheckNow(w http.ResponseWriter, r *http.Request) {
	if !s.dnsEnabled(w) {
		return
	}
	q := r.URL.Query()
	var selectors []string
	for _, v := range q["selector"] {
		for sel := range strings.SplitSeq(v, ",") {
			selectors = append(selectors, sel)
		}
	}
	domain, ok := s.dnsDomain(w, r)
	if !ok {
		return
	}
	if v := q.Get("any"); v != "1" && v != "true" {
		_, known, err := s.storedDomain(r.Context(), r.PathValue("domain"), domain)
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		if !known {
			writeError(w, http.StatusNotFound, "unknown_domain", "no reports of "+domain+": add any=1 to check a domain without reports")
			return
		}
	}
	c, err := s.DNS.CheckNow(r.Context(), dnswatch.Request{Domain: domain, Selectors: selectors,
		Origin: dnswatch.OriginAPI, Timeout: dnsCheckTimeout})
	switch {
	case errors.Is(err, dnswatch.ErrTooManySelectors):
		writeError(w, http.StatusBadRequest, "bad_request", "selector: "+err.Error())
	case errors.Is(err, dnscheck.ErrInvalidDomain):
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
	case r.Context().Err() != nil:
		s.storeError(w, r, err) // answers the timeout, or nothing to a client gone
	case err != nil:
		s.log().Error("DNS check", "domain", domain, "err", err)
		writeError(w, http.StatusInternalServerError, "dns_check_failed", "the DNS check failed; see the server log")
	default:
		writeJSON(w, http.StatusOK, c)
	}
}

// dnsHistory answers GET /api/v1/dns/{domain}/history?limit=: the newest
// stored checks of the domain, each with what changed since the one
// before, and the DKIM selectors its reports saw.
func (s *Server) dnsHistory(w http.ResponseWriter, r *http.Request) {
	if !s.dnsEnabled(w) {
		return
	}
	limit, ok := intParam(w, r, "limit", 1, dnsHistoryMax, dnsHistoryDefault)
	if !ok {
		return
	}
	domain, ok := s.dnsDomain(w, r)
	if !ok {
		return
	}
	checks, err := s.DNS.History(r.Context(), domain, limit)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	out := dnsHistory{Domain: domain, SelectorsSeen: []store.SelectorCount{}, Checks: checks}
	stored, known, err := s.storedDomain(r.Context(), r.PathValue("domain"), domain)
	if err == nil && known {
		out.SelectorsSeen, err = s.DNS.SeenSelectors(r.Context(), stored)
	}
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// dnsDomain returns the domain of the path as dnscheck normalizes it, or
// answers 400.
func (s *Server) dnsDomain(w http.ResponseWriter, r *http.Request) (string, bool) {
	d, err := dnscheck.NormalizeDomain(r.PathValue("domain"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return "", false
	}
	return d, true
}

// storedDomain finds the name by which the reports name a domain: the
// normalized name, or the name as given (reports keep the policy domain
// as their reporters wrote it).
func (s *Server) storedDomain(ctx context.Context, given, normalized string) (string, bool, error) {
	names := []string{normalized}
	if given != normalized {
		names = append(names, given)
	}
	for _, name := range names {
		reps, err := s.Store.Reports(ctx, store.ReportFilter{Domain: name, Limit: 1})
		if err != nil {
			return "", false, err
		}
		if len(reps) > 0 {
			return name, true, nil
		}
	}
	return "", false, nil
}
