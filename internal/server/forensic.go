package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// Failure (forensic) reports hold personal data: the reported message's
// sender, subject and header, even redacted. Their routes are behind the
// admin's password like every other route (until the accounts system
// exists, the admin is the only one allowed to see them), and answer 403
// when Server.DisableForensic is set: serve sets it with --no-forensic-api,
// and whenever it serves without a password on an address other than
// loopback (--insecure-no-auth), so that they are never open to a
// network.

// maxForensicCounts is the most rows GET /api/v1/forensic/counts lists.
const maxForensicCounts = 1000

// maxRetentionBody bounds the body of PUT /api/v1/forensic/retention/{domain}.
const maxRetentionBody = 1 << 10

// forensicAllowed answers 403 when failure reports are not served.
func (s *Server) forensicAllowed(w http.ResponseWriter) bool {
	if s.DisableForensic {
		writeError(w, http.StatusForbidden, "forbidden",
			"failure reports hold personal data and are not served here (--no-forensic-api, or no admin password on a network address)")
		return false
	}
	return true
}

// forensicView is a stored failure report in a list: its search columns
// and the summary of the reported message, as redacted at ingest.
type forensicView struct {
	ID             int64     `json:"id"`
	ReceivedAt     time.Time `json:"received_at"`
	Arrival        time.Time `json:"arrival_date"`
	Domain         string    `json:"reported_domain"`
	SourceIP       string    `json:"source_ip"`
	MessageID      string    `json:"message_id"`
	From           string    `json:"from"`
	FromDomain     string    `json:"from_domain"`
	MailFrom       string    `json:"original_mail_from"`
	Subject        string    `json:"subject"`
	FeedbackType   string    `json:"feedback_type"`
	AuthFailure    string    `json:"auth_failure"`
	DeliveryResult string    `json:"delivery_result"`
	UserAgent      string    `json:"user_agent"`
	ReporterFrom   string    `json:"reporter_from"`
	Format         string    `json:"format"`
	Redaction      string    `json:"redaction"`
	SourceName     string    `json:"source_name"`
	Status         string    `json:"validation_status"`
}

func forensicViewOf(s *store.StoredForensicReport) forensicView {
	r := &s.Report
	return forensicView{ID: s.ID, ReceivedAt: s.ReceivedAt, Arrival: s.Arrival, Domain: r.ReportedDomain, SourceIP: r.SourceIP,
		MessageID: r.Message.MessageID, From: r.Message.From, FromDomain: r.Message.FromDomain, MailFrom: r.OriginalMailFrom,
		Subject: r.Message.Subject, FeedbackType: r.FeedbackType, AuthFailure: r.AuthFailure, DeliveryResult: r.DeliveryResult,
		UserAgent: r.UserAgent, ReporterFrom: r.Reporter.From, Format: r.Format, Redaction: r.Privacy.Redaction,
		SourceName: s.SourceName, Status: s.Status}
}

// forensicFilter reads domain, source_ip, message_id, sender, since and
// until, answering 400 itself on a bad value.
func forensicFilter(w http.ResponseWriter, r *http.Request) (store.ForensicFilter, bool) {
	q := r.URL.Query()
	f := store.ForensicFilter{Domain: strings.ToLower(q.Get("domain")), SourceIP: q.Get("source_ip"),
		MessageID: q.Get("message_id"), Sender: q.Get("sender")}
	if f.SourceIP != "" {
		a, err := netip.ParseAddr(f.SourceIP)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "source_ip: an IPv4 or IPv6 address")
			return f, false
		}
		f.SourceIP = a.Unmap().String() // as stored
	}
	var ok bool
	f.Since, f.Until, ok = dateRange(w, r)
	return f, ok
}

// forensicReports answers GET /api/v1/forensic?domain=&source_ip=&message_id=&sender=&since=&until=&limit=&before=:
// the failure reports, the last stored first; next_before is the cursor
// of the next page, 0 on the last.
func (s *Server) forensicReports(w http.ResponseWriter, r *http.Request) {
	if !s.forensicAllowed(w) {
		return
	}
	f, ok := forensicFilter(w, r)
	if !ok {
		return
	}
	limit, before, ok := beforePage(w, r)
	if !ok {
		return
	}
	list, err := s.Store.ForensicReports(r.Context(), f, before, limit+1)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	list, next := cutPage(list, limit, func(s *store.StoredForensicReport) int64 { return s.ID })
	out := make([]forensicView, len(list))
	for i := range list {
		out[i] = forensicViewOf(&list[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"reports": out, "next_before": next})
}

// forensicLink is what the aggregate reports say of a failure report's
// source IP on its domain and day, and where to see more.
type forensicLink struct {
	Day string `json:"day"`
	// Found is false when no aggregate report has that source on that
	// day (yet: aggregate reports come a day later).
	Found  bool          `json:"found"`
	Totals *store.Totals `json:"totals"`
	// SourcePage is the dashboard's page of the source for that domain
	// and day; SourceAPI the API route behind it.
	SourcePage string `json:"source_page"`
	SourceAPI  string `json:"source_api"`
	// Related lists the failure reports of the same domain, source and
	// day, this one included, at most 20.
	Related []int64 `json:"related"`
}

// forensicReport answers GET /api/v1/forensic/{id}: the report as stored
// (redacted at ingest, without the body or recipients), its validation
// messages, and its link to the aggregate data of the same domain, source
// IP and day.
func (s *Server) forensicReport(w http.ResponseWriter, r *http.Request) {
	if !s.forensicAllowed(w) {
		return
	}
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	rep, err := s.Store.ForensicReport(r.Context(), id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	link, err := s.forensicLinkOf(r, rep)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	msgs := rep.Report.Messages
	if msgs == nil {
		msgs = []aggregate.Message{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"report": forensicViewOf(rep), "document": &rep.Report,
		"messages": msgs, "aggregate": link})
}

func (s *Server) forensicLinkOf(r *http.Request, rep *store.StoredForensicReport) (forensicLink, error) {
	day := rep.Day.Format(time.DateOnly)
	q := url.Values{"domain": {rep.Report.ReportedDomain}, "since": {day}, "until": {rep.Day.AddDate(0, 0, 1).Format(time.DateOnly)}}
	ip := url.PathEscape(rep.Report.SourceIP)
	link := forensicLink{Day: day, SourcePage: "/sources/" + ip + "?" + q.Encode(), SourceAPI: "/api/v1/sources/" + ip + "?" + q.Encode(),
		Related: []int64{}}
	t, found, err := s.Store.SourceDayTotals(r.Context(), rep.Report.ReportedDomain, rep.Report.SourceIP, rep.Day)
	if err != nil {
		return link, err
	}
	if found {
		link.Found, link.Totals = true, &t
	}
	f := store.ForensicFilter{Domain: rep.Report.ReportedDomain, SourceIP: rep.Report.SourceIP, Since: rep.Day, Until: rep.Day.AddDate(0, 0, 1)}
	related, err := s.Store.ForensicReports(r.Context(), f, 0, 20)
	if err != nil {
		return link, err
	}
	for _, o := range related {
		link.Related = append(link.Related, o.ID)
	}
	return link, nil
}

// deleteForensic answers DELETE /api/v1/forensic/{id}: the report is
// deleted at once (a data subject's request need not wait for the
// retention).
func (s *Server) deleteForensic(w http.ResponseWriter, r *http.Request) {
	if !s.forensicAllowed(w) {
		return
	}
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := s.Store.DeleteForensicReport(r.Context(), id); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.log().Info("failure report deleted", "id", id)
	w.WriteHeader(http.StatusNoContent)
}

// forensicCounts answers GET /api/v1/forensic/counts?domain=&source_ip=&since=&until=:
// the number of failure reports per domain, source IP and day (the key of
// the aggregate data), the newest day first, at most 1000 rows, for the
// aggregate pages to link to the failure reports of a row.
func (s *Server) forensicCounts(w http.ResponseWriter, r *http.Request) {
	if !s.forensicAllowed(w) {
		return
	}
	f, ok := forensicFilter(w, r)
	if !ok {
		return
	}
	list, err := s.Store.ForensicCounts(r.Context(), f, maxForensicCounts)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	type view struct {
		Domain   string `json:"domain"`
		SourceIP string `json:"source_ip"`
		Day      string `json:"day"`
		Reports  int64  `json:"reports"`
	}
	out := make([]view, len(list))
	for i, c := range list {
		out[i] = view{Domain: c.Domain, SourceIP: c.SourceIP, Day: c.Day.Format(time.DateOnly), Reports: c.Reports}
	}
	writeJSON(w, http.StatusOK, map[string]any{"counts": out})
}

// retentionView is a domain's retention of failure reports.
type retentionView struct {
	Domain    string    `json:"domain"`
	Days      int       `json:"days"`
	UpdatedAt time.Time `json:"updated_at"`
}

// forensicRetention answers GET /api/v1/forensic/retention: the default
// retention in days (0: kept until deleted) and the domains that have
// their own.
func (s *Server) forensicRetention(w http.ResponseWriter, r *http.Request) {
	if !s.forensicAllowed(w) {
		return
	}
	list, err := s.Store.ForensicRetentions(r.Context())
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	out := make([]retentionView, len(list))
	for i, d := range list {
		out[i] = retentionView{Domain: d.Domain, Days: d.Days, UpdatedAt: d.UpdatedAt}
	}
	writeJSON(w, http.StatusOK, map[string]any{"default_days": int(s.ForensicRetention / (24 * time.Hour)), "domains": out})
}

// putForensicRetention answers PUT /api/v1/forensic/retention/{domain}
// with a body {"days": N}: the domain's failure reports are kept N days
// (0: until deleted) instead of the default, from the next prune.
func (s *Server) putForensicRetention(w http.ResponseWriter, r *http.Request) {
	if !s.forensicAllowed(w) {
		return
	}
	var body struct {
		Days *int `json:"days"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRetentionBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || body.Days == nil || *body.Days < 0 || *body.Days > 36500 {
		msg := `the body is {"days": N}, N from 0 (kept until deleted) to 36500`
		if err != nil && !errors.Is(err, io.EOF) {
			msg += ": " + err.Error()
		}
		writeError(w, http.StatusBadRequest, "bad_request", msg)
		return
	}
	domain := strings.ToLower(strings.TrimSpace(r.PathValue("domain")))
	if domain == "" || strings.ContainsAny(domain, " /@") {
		writeError(w, http.StatusBadRequest, "bad_request", "domain: a domain name")
		return
	}
	if err := s.Store.SetForensicRetention(r.Context(), store.ForensicRetention{Domain: domain, Days: *body.Days}); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.log().Info("failure report retention set", "domain", domain, "days", *body.Days)
	writeJSON(w, http.StatusOK, retentionView{Domain: domain, Days: *body.Days, UpdatedAt: time.Now().UTC().Truncate(time.Second)})
}

// deleteForensicRetention answers DELETE /api/v1/forensic/retention/{domain}:
// the domain has the default retention again; 404 when it had none of
// its own.
func (s *Server) deleteForensicRetention(w http.ResponseWriter, r *http.Request) {
	if !s.forensicAllowed(w) {
		return
	}
	if err := s.Store.DeleteForensicRetention(r.Context(), r.PathValue("domain")); err != nil {
		s.storeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
