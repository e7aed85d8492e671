package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/digest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// Bounds of the schedule routes.
const (
	maxScheduleBody   = 64 << 10
	scheduleRunsLimit = store.ScheduleRunsKept
)

// scheduleView is a schedule as the API shows and takes it.
type scheduleView struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Weekday is the day of a weekly schedule, DayOfMonth of a monthly
	// one.
	Weekday    string     `json:"weekday,omitempty"`
	DayOfMonth int        `json:"day_of_month,omitempty"`
	Time       string     `json:"time"`
	TimeZone   string     `json:"time_zone"`
	Domains    []string   `json:"domains"`
	Sections   []string   `json:"sections"`
	Recipients []string   `json:"recipients"`
	Channels   []int64    `json:"channels"`
	PDF        bool       `json:"pdf"`
	Enabled    bool       `json:"enabled"`
	LastRun    *time.Time `json:"last_run"`
	NextRun    *time.Time `json:"next_run"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// viewOfSchedule is the API's view of sc at now.
func viewOfSchedule(sc store.ReportSchedule, now time.Time) scheduleView {
	v := scheduleView{ID: sc.ID, Name: sc.Name, Kind: sc.Kind, Time: sc.Time, TimeZone: sc.TimeZone, Domains: sc.Domains,
		Sections: sc.Sections, Recipients: sc.Recipients, Channels: sc.Channels, PDF: sc.PDF, Enabled: sc.Enabled,
		CreatedAt: sc.CreatedAt, UpdatedAt: sc.UpdatedAt}
	switch digest.Kind(sc.Kind) {
	case digest.Weekly:
		if sc.Day >= 0 && sc.Day < len(digest.Weekdays) {
			v.Weekday = digest.Weekdays[sc.Day]
		}
	case digest.Monthly:
		v.DayOfMonth = sc.Day
	}
	if !sc.LastRun.IsZero() {
		v.LastRun = &sc.LastRun
	}
	if sc.Enabled {
		// The next due time is the last one a period later: try a day,
		// a week and a month ahead.
		for _, ahead := range []time.Duration{24 * time.Hour, 7 * 24 * time.Hour, 32 * 24 * time.Hour} {
			if next, err := digest.LastDue(sc, now.Add(ahead)); err == nil && next.After(now) {
				v.NextRun = &next
				break
			}
		}
	}
	return v
}

// schedulesEnabled answers 501 and reports false when the server has no
// Scheduler.
func (s *Server) schedulesEnabled(w http.ResponseWriter) bool {
	if s.Schedules == nil {
		writeError(w, http.StatusNotImplemented, "not_configured", "scheduled reports are not configured on this server")
		return false
	}
	return true
}

// listSchedules answers GET /api/v1/schedules.
func (s *Server) listSchedules(w http.ResponseWriter, r *http.Request) {
	list, err := s.Store.Schedules(r.Context())
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	now := time.Now()
	out := []scheduleView{}
	for _, sc := range list {
		out = append(out, viewOfSchedule(sc, now))
	}
	writeJSON(w, http.StatusOK, map[string]any{"schedules": out})
}

// getSchedule answers GET /api/v1/schedules/{id}.
func (s *Server) getSchedule(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	sc, err := s.Store.Schedule(r.Context(), id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewOfSchedule(sc, time.Now()))
}

// readSchedule reads and checks the body of a POST or PUT.
func readSchedule(w http.ResponseWriter, r *http.Request) (store.ReportSchedule, bool) {
	var in digest.ScheduleSpec
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxScheduleBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		msg := "the body is a schedule: {name, kind, weekday, day_of_month, time, time_zone, domains, sections, recipients, channels, pdf, enabled}"
		if !errors.Is(err, io.EOF) {
			msg += ": " + err.Error()
		}
		writeError(w, http.StatusBadRequest, "bad_request", msg)
		return store.ReportSchedule{}, false
	}
	sc, err := in.Schedule()
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", strings.TrimPrefix(err.Error(), digest.ErrSchedule.Error()+": "))
		return sc, false
	}
	return sc, true
}

// createSchedule answers POST /api/v1/schedules: 201 with the schedule.
func (s *Server) createSchedule(w http.ResponseWriter, r *http.Request) {
	sc, ok := readSchedule(w, r)
	if !ok {
		return
	}
	id, err := s.Store.AddSchedule(r.Context(), sc)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	if sc, err = s.Store.Schedule(r.Context(), id); err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, viewOfSchedule(sc, time.Now()))
}

// updateSchedule answers PUT /api/v1/schedules/{id}: the settings are
// replaced, the last run kept.
func (s *Server) updateSchedule(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	sc, ok := readSchedule(w, r)
	if !ok {
		return
	}
	sc.ID = id
	if err := s.Store.UpdateSchedule(r.Context(), sc); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.getSchedule(w, r)
}

// deleteSchedule answers DELETE /api/v1/schedules/{id}: 204.
func (s *Server) deleteSchedule(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := s.Store.DeleteSchedule(r.Context(), id); err != nil {
		s.storeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// runView is a run as the API shows it.
type runView struct {
	ID         int64      `json:"id"`
	At         time.Time  `json:"at"`
	Due        *time.Time `json:"due"`
	Period     [2]string  `json:"period"`
	Status     string     `json:"status"`
	Error      string     `json:"error,omitempty"`
	Recipients []string   `json:"recipients"`
}

func viewOfRun(r store.ScheduleRun) runView {
	v := runView{ID: r.ID, At: r.At, Status: r.Status, Error: r.Error, Recipients: r.Recipients,
		Period: [2]string{r.PeriodStart.Format(time.DateOnly), r.PeriodEnd.Format(time.DateOnly)}}
	if !r.Due.IsZero() {
		v.Due = &r.Due
	}
	return v
}

// runSchedule answers POST /api/v1/schedules/{id}/run: the report is
// sent now, for the last complete period, and the run recorded (200 with
// it, whether it was sent or failed); the schedule's last run is left
// alone.
func (s *Server) runSchedule(w http.ResponseWriter, r *http.Request) {
	if !s.schedulesEnabled(w) {
		return
	}
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	sc, err := s.Store.Schedule(r.Context(), id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	run, err := s.Schedules.Send(r.Context(), sc, time.Time{})
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewOfRun(run))
}

// scheduleRuns answers GET /api/v1/schedules/{id}/runs?limit=: the
// newest runs first.
func (s *Server) scheduleRuns(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	limit, ok := intParam(w, r, "limit", 1, scheduleRunsLimit, 20)
	if !ok {
		return
	}
	if _, err := s.Store.Schedule(r.Context(), id); err != nil {
		s.storeError(w, r, err)
		return
	}
	runs, err := s.Store.ScheduleRuns(r.Context(), id, limit)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	out := make([]runView, len(runs))
	for i, run := range runs {
		out[i] = viewOfRun(run)
	}
	writeJSON(w, http.StatusOK, map[string]any{"runs": out})
}

// digestReport answers GET /api/v1/digest?period=day|week|month&domain=
// (repeatable)&section=&at=&format=json|text|html|pdf: the report of the
// last complete period before at (default now), to preview or download.
func (s *Server) digestReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	kind, err := digest.ParseKind(cmpOr(q.Get("period"), "week"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "period: day, week or month")
		return
	}
	at, err := parseDate(q.Get("at"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "at: "+err.Error())
		return
	}
	format := cmpOr(q.Get("format"), "json")
	if format != "json" && format != "text" && format != "html" && format != "pdf" {
		writeError(w, http.StatusBadRequest, "bad_request", "format: json, text, html or pdf")
		return
	}
	b := s.Digest
	if b == nil {
		b = &digest.Builder{Store: s.Store}
	}
	var sections []string
	for _, v := range q["section"] {
		sections = append(sections, strings.Split(v, ",")...)
	}
	d, err := b.Build(r.Context(), digest.Request{Kind: kind, At: at, Domains: q["domain"], Sections: sections})
	switch {
	case errors.Is(err, digest.ErrSection):
		writeError(w, http.StatusBadRequest, "bad_request", "section: "+err.Error())
		return
	case err != nil:
		s.storeError(w, r, err)
		return
	}
	var out bytes.Buffer
	switch format {
	case "json":
		writeJSON(w, http.StatusOK, d)
		return
	case "text":
		err = digest.WriteText(&out, d)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	case "html":
		err = digest.WriteHTML(&out, d)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	case "pdf":
		err = digest.WritePDF(&out, d)
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `attachment; filename="`+digest.FileName(d, "pdf")+`"`)
	}
	if err != nil {
		s.log().Error("digest", "format", format, "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "the report could not be written; see the server log")
		return
	}
	w.Write(out.Bytes())
}

// cmpOr is v, or def when v is empty.
func cmpOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
