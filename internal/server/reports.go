package server

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// Page sizes of report listings.
const (
	defaultPage = 50
	maxPage     = 500
)

// reportView is a stored report as the API shows it.
type reportView struct {
	ID                 int64                     `json:"id"`
	Metadata           aggregate.Metadata        `json:"metadata"`
	PolicyPublished    aggregate.PolicyPublished `json:"policy_published"`
	Source             string                    `json:"source"`
	SHA256             string                    `json:"sha256"`
	ReceivedAt         time.Time                 `json:"received_at"`
	ValidationStatus   string                    `json:"validation_status"`
	ValidationMessages []aggregate.Message       `json:"validation_messages,omitempty"`
	RecordCount        int64                     `json:"record_count"`
	MessageCount       int64                     `json:"message_count"`
	DMARCPass          int64                     `json:"dmarc_pass"`
	DKIMPass           int64                     `json:"dkim_pass"`
	SPFPass            int64                     `json:"spf_pass"`
	// PassRate is the percentage of messages passing DMARC.
	PassRate float64 `json:"pass_rate"`
}

func viewOf(r *store.StoredReport, withMessages bool) reportView {
	v := reportView{
		ID: r.ID, Metadata: r.Header.Metadata, PolicyPublished: r.Header.Policy, Source: r.SourceName,
		SHA256: r.SHA256, ReceivedAt: r.ReceivedAt.UTC(), ValidationStatus: r.Status,
		RecordCount: r.RecordCount, MessageCount: r.MessageCount, DMARCPass: r.PassCount,
		DKIMPass: r.DKIMPassCount, SPFPass: r.SPFPassCount,
	}
	if r.MessageCount > 0 {
		v.PassRate = float64(r.PassCount*10000/r.MessageCount) / 100
	}
	if withMessages {
		v.ValidationMessages = r.Messages
	}
	return v
}

// listReports answers GET /api/v1/reports?domain=&org=&since=&until=&status=&limit=&cursor=
// with a page of reports, newest first, and the cursor of the next page.
func (s *Server) listReports(w http.ResponseWriter, r *http.Request) {
	f, ok := reportFilter(w, r)
	if !ok {
		return
	}
	page := f.Limit
	f.Limit++ // one more tells whether there is a next page
	reps, err := s.Store.Reports(r.Context(), f)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	out := struct {
		Reports    []reportView `json:"reports"`
		NextCursor string       `json:"next_cursor,omitempty"`
	}{Reports: []reportView{}}
	for i := range reps {
		if i == page {
			out.NextCursor = strconv.FormatInt(reps[page-1].ID, 10)
			break
		}
		out.Reports = append(out.Reports, viewOf(&reps[i], false))
	}
	writeJSON(w, http.StatusOK, out)
}

// reportFilter reads the filters shared by the report list and the
// exports: domain, org, since, until, status, limit, cursor. It answers 400
// itself and returns false on a bad value.
func reportFilter(w http.ResponseWriter, r *http.Request) (store.ReportFilter, bool) {
	q := r.URL.Query()
	f := store.ReportFilter{Domain: q.Get("domain"), OrgName: q.Get("org"), Status: q.Get("status"), Limit: defaultPage}
	var ok bool
	if f.Since, f.Until, ok = dateRange(w, r); !ok {
		return f, false
	}
	if f.Limit, ok = intParam(w, r, "limit", 1, maxPage, defaultPage); !ok {
		return f, false
	}
	if v := q.Get("cursor"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 1 {
			writeError(w, http.StatusBadRequest, "bad_request", "cursor: not a cursor from an earlier page")
			return f, false
		}
		f.BeforeID = id
	}
	switch f.Status {
	case "", store.StatusValid, store.StatusWarnings, store.StatusErrors:
	default:
		writeError(w, http.StatusBadRequest, "bad_request", "status: valid, warnings or errors")
		return f, false
	}
	return f, true
}

// dateRange reads the since and until query parameters, answering 400
// itself on a bad value.
func dateRange(w http.ResponseWriter, r *http.Request) (since, until time.Time, ok bool) {
	q := r.URL.Query()
	var err error
	if since, err = parseDate(q.Get("since")); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "since: "+err.Error())
		return since, until, false
	}
	if until, err = parseDate(q.Get("until")); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "until: "+err.Error())
		return since, until, false
	}
	return since, until, true
}

// parseDate reads an RFC 3339 time or a YYYY-MM-DD day (UTC).
func parseDate(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, errors.New("a date (2026-11-25) or an RFC 3339 time")
	}
	return t.UTC(), nil
}

// pathID reads the {id} path value.
func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		writeError(w, http.StatusBadRequest, "bad_request", "id: a positive number")
		return 0, false
	}
	return id, true
}

// getReport answers GET /api/v1/reports/{id}: the report with its
// validation messages and its records, streamed from the store so a report
// of any size is sent in constant memory.
func (s *Server) getReport(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	rep, err := s.Store.Report(r.Context(), id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	head, _ := json.Marshal(viewOf(rep, true))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	bw := &errWriter{w: w}
	bw.write([]byte(`{"report":`))
	bw.write(head)
	bw.write([]byte(`,"records":[`))
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	n := 0
	err = s.Store.Records(r.Context(), id, func(rec *aggregate.Record) error {
		if n > 0 {
			bw.write([]byte{','})
		}
		n++
		enc.Encode(rec)
		return bw.err
	})
	if err != nil {
		// The status line is sent; all that can be done is to stop.
		s.log().Warn("report records", "id", id, "err", err)
		return
	}
	bw.write([]byte("]}\n"))
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	e.write(p)
	return len(p), e.err
}

func (e *errWriter) write(p []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(p)
	}
}

// rawReport answers GET /api/v1/reports/{id}/raw with the original XML:
// gzip-encoded when the client accepts it, as it is stored.
func (s *Server) rawReport(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	raw, err := s.Store.ReportRaw(r.Context(), id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.serveOriginal(w, r, raw, "application/xml", "report-"+strconv.FormatInt(id, 10)+".xml")
}

// serveOriginal answers with the gzip raw of a report's original as a
// download named filename: gzip-encoded when the client accepts it, as it
// is stored; 404 when raw is nil (it was too large to keep).
func (s *Server) serveOriginal(w http.ResponseWriter, r *http.Request, raw []byte, contentType, filename string) {
	if raw == nil {
		writeError(w, http.StatusNotFound, "not_kept", "the original of this report was too large to keep")
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	w.Header().Set("Vary", "Accept-Encoding")
	if acceptsGzip(r) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(raw)
		return
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	io.Copy(w, zr)
}

// intParam reads query parameter name as an integer in [lo, hi], def when
// absent; on a bad value it answers 400 naming the range and ok is false.
func intParam(w http.ResponseWriter, r *http.Request, name string, lo, hi, def int) (n int, ok bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		writeError(w, http.StatusBadRequest, "bad_request", name+": a number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
		return 0, false
	}
	return n, true
}
