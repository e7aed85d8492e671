package server

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strconv"

	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/remedy"
)

// guide returns the Guide of one request, or answers 501 and reports
// false when the server has none. Its DNS check is bounded by
// dnsCheckTimeout, as the API's DNS checks are: lookups unanswered then
// are findings (the current records shown as unknown), so the answer
// comes within the request's time limit rather than as a timeout.
func (s *Server) guide(w http.ResponseWriter) (*remedy.Guide, bool) {
	if s.Guide == nil {
		writeError(w, http.StatusNotImplemented, "not_configured", `"Fix this" and the policy advisor are not configured on this server`)
		return nil, false
	}
	g := *s.Guide
	if g.DNS != nil && (g.DNS.CheckTimeout <= 0 || g.DNS.CheckTimeout > dnsCheckTimeout) {
		c := *g.DNS
		c.CheckTimeout = dnsCheckTimeout
		g.DNS = &c
	}
	return &g, true
}

// remedyDomain returns the domain of a fix or an advice as the reports
// name it: "" when given is empty, the normalized name when no report
// names it (the guide then finds no mail). A name that cannot be a mail
// domain is answered 400.
func (s *Server) remedyDomain(w http.ResponseWriter, r *http.Request, given string) (string, bool) {
	if given == "" {
		return "", true
	}
	d, err := dnscheck.NormalizeDomain(given)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "domain: "+err.Error())
		return "", false
	}
	stored, known, err := s.storedDomain(r.Context(), given, d)
	if err != nil {
		s.storeError(w, r, err)
		return "", false
	}
	if known {
		d = stored
	}
	return d, true
}

// fixSource answers GET /api/v1/sources/{ip}/fix?domain=: why the
// source's mail fails for the domain (the one with most of its mail when
// none is given) and how to fix it, as remedy.Guide.Fix tells.
func (s *Server) fixSource(w http.ResponseWriter, r *http.Request) {
	g, ok := s.guide(w)
	if !ok {
		return
	}
	domain, ok := s.remedyDomain(w, r, r.URL.Query().Get("domain"))
	if !ok {
		return
	}
	ip := r.PathValue("ip")
	f, err := g.Fix(r.Context(), ip, domain)
	switch {
	case errors.Is(err, remedy.ErrInvalidIP):
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
	case errors.Is(err, remedy.ErrNoRecords):
		msg := "no reports of mail from " + ip
		if domain != "" {
			msg += " for " + domain
		}
		writeError(w, http.StatusNotFound, "no_mail", msg)
	case err != nil:
		s.storeError(w, r, err)
	default:
		writeJSON(w, http.StatusOK, f)
	}
}

// Bounds of an advice's period, in days (the API's and the CLI's): a
// week at least, as a shorter period misses the senders that mail weekly
// (and under remedy.MinAdviceDays days of reports the verdict is "not
// yet" anyway); a year at most, to bound what the store reads.
const (
	AdviceMinDays = 7
	AdviceMaxDays = 365
)

// advice answers GET /api/v1/domains/{domain}/advice?days=: whether the
// domain can tighten its DMARC policy, from the reports of the last days
// (remedy.Guide.Advise).
func (s *Server) advice(w http.ResponseWriter, r *http.Request) {
	g, ok := s.guide(w)
	if !ok {
		return
	}
	days, ok := intParam(w, r, "days", AdviceMinDays, AdviceMaxDays, remedy.DefaultDays)
	if !ok {
		return
	}
	domain, ok := s.remedyDomain(w, r, r.PathValue("domain"))
	if !ok {
		return
	}
	a, err := g.Advise(r.Context(), domain, days)
	switch {
	case errors.Is(err, remedy.ErrNoReports):
		writeError(w, http.StatusNotFound, "no_reports", "no reports of "+domain+" in the last "+strconv.Itoa(days)+" days")
	case err != nil:
		s.storeError(w, r, err)
	default:
		writeJSON(w, http.StatusOK, a)
	}
}

// GuideIPs returns what a remedy.Guide reads of a source IP (its IPs
// field) from ips: the reverse DNS name and network, as the source page
// classifies by; nil when ips is nil.
func GuideIPs(ips IPData) func(context.Context, string) analysis.IPInfo {
	if ips == nil {
		return nil
	}
	return func(ctx context.Context, ip string) analysis.IPInfo {
		addr, err := netip.ParseAddr(ip)
		if err != nil {
			return analysis.IPInfo{}
		}
		info := ips.Lookup(ctx, addr)
		return analysis.IPInfo{PTR: ips.Reverse(ctx, addr), ASN: info.ASN, ASOrg: info.Org}
	}
}
