package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/tlsrpt"
)

// maxTLSFailures is the most failure rows GET /api/v1/tls/summary lists.
const maxTLSFailures = 100

// successRate is the successful share of sessions in percent, 2
// decimals; 100 when there were none (nothing failed).
func successRate(ok, failed int64) float64 {
	if ok+failed == 0 {
		return 100
	}
	return percent(ok, ok+failed)
}

// tlsReportView is a stored SMTP TLS report in a list.
type tlsReportView struct {
	ID               int64     `json:"id"`
	OrganizationName string    `json:"org_name"`
	ReportID         string    `json:"report_id"`
	Begin            time.Time `json:"date_begin"`
	End              time.Time `json:"date_end"`
	ReceivedAt       time.Time `json:"received_at"`
	SourceName       string    `json:"source_name"`
	Domains          []string  `json:"domains"`
	Successful       int64     `json:"successful_sessions"`
	Failed           int64     `json:"failed_sessions"`
	// Status is "valid", "warnings" or "errors", from the report's
	// messages.
	Status string `json:"validation_status"`
}

func tlsView(s *store.StoredTLSReport) tlsReportView {
	status := "valid"
	for _, m := range s.Report.Messages {
		if m.Severity == tlsrpt.SeverityError {
			status = "errors"
			break
		}
		status = "warnings"
	}
	return tlsReportView{ID: s.ID, OrganizationName: s.Report.OrganizationName, ReportID: s.Report.ReportID,
		Begin: s.Report.Begin, End: s.Report.End, ReceivedAt: s.ReceivedAt, SourceName: s.SourceName,
		Domains: s.Domains, Successful: s.Successful, Failed: s.Failed, Status: status}
}

// tlsFilter reads domain, since and until.
func tlsFilter(w http.ResponseWriter, r *http.Request) (store.TLSFilter, bool) {
	f := store.TLSFilter{Domain: r.URL.Query().Get("domain")}
	var ok bool
	f.Since, f.Until, ok = dateRange(w, r)
	return f, ok
}

// tlsReports answers GET /api/v1/tls/reports?domain=&since=&until=&limit=&before=:
// the SMTP TLS reports, the last stored first; next_before is the cursor
// of the next page, 0 on the last.
func (s *Server) tlsReports(w http.ResponseWriter, r *http.Request) {
	f, ok := tlsFilter(w, r)
	if !ok {
		return
	}
	limit, before, ok := beforePage(w, r)
	if !ok {
		return
	}
	list, err := s.Store.TLSReports(r.Context(), f, before, limit+1)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	list, next := cutPage(list, limit, func(s *store.StoredTLSReport) int64 { return s.ID })
	out := make([]tlsReportView, len(list))
	for i := range list {
		out[i] = tlsView(&list[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"reports": out, "next_before": next})
}

// tlsFailureView is a failure detail of a report with its explanation.
type tlsFailureView struct {
	tlsrpt.Failure
	Explanation tlsrpt.Explanation `json:"explanation"`
}

// tlsPolicyView is a policy of a report with its rate and explained
// failures.
type tlsPolicyView struct {
	tlsrpt.Policy
	SuccessRate float64          `json:"success_rate"`
	Failures    []tlsFailureView `json:"failure_details"`
}

// tlsReport answers GET /api/v1/tls/reports/{id}: the report as parsed,
// with its messages, each policy's success rate and each failure's
// explanation and fix.
func (s *Server) tlsReport(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	rep, err := s.Store.TLSReport(r.Context(), id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	policies := make([]tlsPolicyView, len(rep.Report.Policies))
	for i, p := range rep.Report.Policies {
		v := tlsPolicyView{Policy: p, SuccessRate: successRate(p.Successful, p.Failed), Failures: []tlsFailureView{}}
		for _, f := range p.Failures {
			v.Failures = append(v.Failures, tlsFailureView{Failure: f, Explanation: tlsrpt.Explain(f.ResultType)})
		}
		policies[i] = v
	}
	writeJSON(w, http.StatusOK, map[string]any{"report": tlsView(rep), "contact_info": rep.Report.ContactInfo,
		"policies": policies, "messages": rep.Report.Messages})
}

// tlsRaw answers GET /api/v1/tls/reports/{id}/raw with the JSON as sent.
func (s *Server) tlsRaw(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	raw, err := s.Store.TLSReportRaw(r.Context(), id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.serveOriginal(w, r, raw, "application/tlsrpt+json", "tls-report-"+strconv.FormatInt(id, 10)+".json")
}

// tlsDayView is a day of sessions.
type tlsDayView struct {
	Day         string  `json:"day"`
	Successful  int64   `json:"successful_sessions"`
	Failed      int64   `json:"failed_sessions"`
	SuccessRate float64 `json:"success_rate"`
	Reports     int64   `json:"reports"`
}

// tlsFailureTotalsView sums the failures of a result type at an MX host.
type tlsFailureTotalsView struct {
	Domain      string             `json:"domain"`
	ResultType  string             `json:"result_type"`
	MXHost      string             `json:"receiving_mx_hostname"`
	ReasonCodes []string           `json:"reason_codes"`
	Sessions    int64              `json:"sessions"`
	Reporters   int64              `json:"reporters"`
	FirstSeen   time.Time          `json:"first_seen"`
	LastSeen    time.Time          `json:"last_seen"`
	Explanation tlsrpt.Explanation `json:"explanation"`
}

// tlsSummary answers GET /api/v1/tls/summary?domain=&since=&until=: the
// sessions per day with their success rate, the totals, and the failures
// per domain, result type and MX host (the most sessions first, at most
// 100), each explained with its fix.
func (s *Server) tlsSummary(w http.ResponseWriter, r *http.Request) {
	f, ok := tlsFilter(w, r)
	if !ok {
		return
	}
	days, err := s.Store.TLSDays(r.Context(), f)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	fails, err := s.Store.TLSFailures(r.Context(), f, maxTLSFailures)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	var total tlsDayView
	dv := make([]tlsDayView, len(days))
	for i, d := range days {
		dv[i] = tlsDayView{Day: d.Day.Format(time.DateOnly), Successful: d.Successful, Failed: d.Failed,
			SuccessRate: successRate(d.Successful, d.Failed), Reports: d.Reports}
		total.Successful, total.Failed, total.Reports = total.Successful+d.Successful, total.Failed+d.Failed, total.Reports+d.Reports
	}
	fv := make([]tlsFailureTotalsView, len(fails))
	for i, t := range fails {
		codes := t.ReasonCodes
		if codes == nil {
			codes = []string{}
		}
		fv[i] = tlsFailureTotalsView{Domain: t.Domain, ResultType: t.ResultType, MXHost: t.ReceivingMXHostname,
			ReasonCodes: codes, Sessions: t.Sessions, Reporters: t.Reporters, FirstSeen: t.FirstSeen, LastSeen: t.LastSeen,
			Explanation: tlsrpt.Explain(t.ResultType)}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"totals": map[string]any{"successful_sessions": total.Successful, "failed_sessions": total.Failed,
			"success_rate": successRate(total.Successful, total.Failed), "reports": total.Reports},
		"days": dv, "failures": fv,
	})
}

// tlsDomains answers GET /api/v1/tls/domains: the policy domains with
// SMTP TLS reports, their sessions and last report.
func (s *Server) tlsDomains(w http.ResponseWriter, r *http.Request) {
	list, err := s.Store.TLSDomains(r.Context())
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	type view struct {
		Domain      string    `json:"domain"`
		Reports     int64     `json:"reports"`
		Successful  int64     `json:"successful_sessions"`
		Failed      int64     `json:"failed_sessions"`
		SuccessRate float64   `json:"success_rate"`
		LastSeen    time.Time `json:"last_seen"`
	}
	out := make([]view, len(list))
	for i, d := range list {
		out[i] = view{Domain: d.Domain, Reports: d.Reports, Successful: d.Successful, Failed: d.Failed, LastSeen: d.LastSeen,
			SuccessRate: successRate(d.Successful, d.Failed)}
	}
	writeJSON(w, http.StatusOK, map[string]any{"domains": out})
}
