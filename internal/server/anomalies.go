package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/anomaly"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/trend"
)

// Limits of feedback.
const (
	maxFeedbackBody = 4 << 10
	maxFeedbackNote = 1000
)

// anomalies answers GET /api/v1/anomalies?domain=&since=&until=&min_score=:
// what the anomaly detector (package anomaly) finds in the domain's days,
// without since the last 30 up to its last day with mail, each with a
// stable id, score, confidence, explanation and evidence, whether it
// alerts and whether someone marked it expected; with the domain's
// feedback. min_score leaves out the anomalies scoring less: a domain
// spoofed every day has dozens of quiet new failing sources a day, which
// the protocol lists (score 20).
func (s *Server) anomalies(w http.ResponseWriter, r *http.Request) {
	q, ok := s.trendQuery(w, r)
	if !ok {
		return
	}
	minScore, ok := intParam(w, r, "min_score", 0, 100, 0)
	if !ok {
		return
	}
	res, h, err := trend.Anomalies(r.Context(), s.Store, q)
	if err != nil {
		s.trendError(w, r, err)
		return
	}
	res.Anomalies = slices.DeleteFunc(res.Anomalies, func(a anomaly.Anomaly) bool { return a.Score < minScore })
	expected := h.Expected
	if expected == nil {
		expected = []store.ExpectedAnomaly{}
	}
	writeJSON(w, http.StatusOK, struct {
		*anomaly.Result
		Expected []store.ExpectedAnomaly `json:"expected"`
	}{res, expected})
}

// feedbackView is the answer of the feedback routes.
type feedbackView struct {
	ID       string                 `json:"id"`
	Expected bool                   `json:"expected"`
	Feedback *store.ExpectedAnomaly `json:"feedback,omitempty"`
}

// markExpected answers POST /api/v1/anomalies/expected with a body
// {domain, kind, key, note}: it marks the anomaly of that domain, kind and
// key expected, by the authenticated user, so the detector no longer
// alerts on it (and leaves an expected day out of its baselines). Marking
// again replaces the note. 404 for a domain without mail.
func (s *Server) markExpected(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Domain, Kind, Key, Note string
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxFeedbackBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		msg := `the body is {"domain", "kind", "key", "note"}`
		if !errors.Is(err, io.EOF) {
			msg += ": " + err.Error()
		}
		writeError(w, http.StatusBadRequest, "bad_request", msg)
		return
	}
	if len(body.Note) > maxFeedbackNote {
		writeError(w, http.StatusBadRequest, "bad_request", "note: at most 1000 bytes")
		return
	}
	e, ok := s.feedbackTarget(w, r, body.Domain, body.Kind, body.Key)
	if !ok {
		return
	}
	e.Note = body.Note
	e.By, _, _ = r.BasicAuth()
	if err := s.Store.MarkExpected(r.Context(), e); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.log().Info("anomaly marked expected", "domain", e.Domain, "kind", e.Kind, "key", e.Key, "by", e.By)
	list, err := s.Store.ExpectedAnomalies(r.Context(), e.Domain)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	v := feedbackView{ID: anomaly.ID(e.Domain, e.Kind, e.Key), Expected: true}
	for i := range list {
		if list[i].Kind == e.Kind && list[i].Key == e.Key {
			v.Feedback = &list[i]
		}
	}
	writeJSON(w, http.StatusOK, v)
}

// unmarkExpected answers DELETE /api/v1/anomalies/expected?domain=&kind=&key=:
// the anomaly alerts again. 404 when it was not marked.
func (s *Server) unmarkExpected(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	e, ok := s.feedbackTarget(w, r, q.Get("domain"), q.Get("kind"), q.Get("key"))
	if !ok {
		return
	}
	if err := s.Store.UnmarkExpected(r.Context(), e.Domain, e.Kind, e.Key); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			writeError(w, http.StatusNotFound, "not_found", "this anomaly is not marked expected")
			return
		}
		s.storeError(w, r, err)
		return
	}
	s.log().Info("anomaly no longer expected", "domain", e.Domain, "kind", e.Kind, "key", e.Key)
	writeJSON(w, http.StatusOK, feedbackView{ID: anomaly.ID(e.Domain, e.Kind, e.Key)})
}

// feedbackTarget checks the domain, kind and key of feedback: a domain
// with mail (404 otherwise), a kind of anomaly and a key of that kind, as
// the detector writes it.
func (s *Server) feedbackTarget(w http.ResponseWriter, r *http.Request, domain, kind, key string) (store.ExpectedAnomaly, bool) {
	domain = strings.ToLower(strings.TrimSpace(domain))
	if domain == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "domain: required")
		return store.ExpectedAnomaly{}, false
	}
	key, err := anomaly.CanonicalKey(kind, key)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return store.ExpectedAnomaly{}, false
	}
	_, last, err := s.Store.DomainSpan(r.Context(), domain)
	if err != nil {
		s.storeError(w, r, err)
		return store.ExpectedAnomaly{}, false
	}
	if last.IsZero() {
		writeError(w, http.StatusNotFound, "not_found", "no mail for domain "+domain)
		return store.ExpectedAnomaly{}, false
	}
	return store.ExpectedAnomaly{Domain: domain, Kind: kind, Key: key}, true
}
