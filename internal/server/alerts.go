package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/parse-dmarc/parse-dmarc/internal/alert"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// maxRuleBody bounds the body of the alert rule routes.
const maxRuleBody = 16 << 10

// alertEngine returns the alert engine, or answers 501 and reports false
// when the server has none.
func (s *Server) alertEngine(w http.ResponseWriter) (*alert.Engine, bool) {
	if s.Alerts == nil {
		writeError(w, http.StatusNotImplemented, "not_configured", "alerts are not configured on this server")
		return nil, false
	}
	return s.Alerts, true
}

// alertError answers for an error of the alert engine: 400 naming the
// setting of a rule that is wrong, 409 for acknowledging a resolved alert,
// as storeError otherwise.
func (s *Server) alertError(w http.ResponseWriter, r *http.Request, err error) {
	var ve *alert.ValidationError
	switch {
	case errors.As(err, &ve):
		writeError(w, http.StatusBadRequest, "invalid", ve.Error())
	case errors.Is(err, alert.ErrResolved):
		writeError(w, http.StatusConflict, "resolved", "the alert is resolved already")
	default:
		s.storeError(w, r, err)
	}
}

// ruleInput is the body of POST and PUT of a rule. In a PUT the fields
// left out stay as they were, but for the settings of a rule whose type
// changes, which take the new type's defaults. A new rule is enabled
// unless the body says otherwise.
type ruleInput struct {
	Name     *string         `json:"name"`
	Type     *string         `json:"type"`
	Domain   *string         `json:"domain"`
	Settings json.RawMessage `json:"settings"`
	Channels *[]int64        `json:"channels"`
	Severity *string         `json:"severity"`
	Enabled  *bool           `json:"enabled"`
}

// apply sets the fields of in on rule.
func (in *ruleInput) apply(rule *alert.Rule) {
	if in.Type != nil && *in.Type != rule.Type {
		rule.Type, rule.Settings = *in.Type, nil
	}
	for _, f := range []struct{ dst, src *string }{{&rule.Name, in.Name}, {&rule.Domain, in.Domain}, {&rule.Severity, in.Severity}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if len(in.Settings) > 0 {
		rule.Settings = in.Settings
	}
	if in.Channels != nil {
		rule.Channels = *in.Channels
	}
	if in.Enabled != nil {
		rule.Enabled = *in.Enabled
	}
}

// readRuleInput decodes the body of POST and PUT.
func readRuleInput(w http.ResponseWriter, r *http.Request) (ruleInput, bool) {
	var in ruleInput
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRuleBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		msg := `the body is a rule: {"name", "type", "domain", "settings", "channels", "severity", "enabled"}`
		if !errors.Is(err, io.EOF) {
			msg += ": " + err.Error()
		}
		writeError(w, http.StatusBadRequest, "bad_request", msg)
		return in, false
	}
	return in, true
}

// listAlertRules answers GET /api/v1/alerts/rules: the rules by id.
func (s *Server) listAlertRules(w http.ResponseWriter, r *http.Request) {
	e, ok := s.alertEngine(w)
	if !ok {
		return
	}
	rules, err := e.Rules(r.Context())
	if err != nil {
		s.alertError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"rules": rules})
}

// alertPresets answers GET /api/v1/alerts/presets: rules worth having,
// not stored; the dashboard offers them (no rule exists until someone
// makes one).
func (s *Server) alertPresets(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"presets": alert.Presets(), "types": alert.Types()})
}

// getAlertRule answers GET /api/v1/alerts/rules/{id}.
func (s *Server) getAlertRule(w http.ResponseWriter, r *http.Request) {
	e, ok := s.alertEngine(w)
	if !ok {
		return
	}
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	rule, err := e.Rule(r.Context(), id)
	if err != nil {
		s.alertError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rule)
}

// createAlertRule answers POST /api/v1/alerts/rules: 201 with the rule,
// its settings in full; 400 naming the setting that is wrong.
func (s *Server) createAlertRule(w http.ResponseWriter, r *http.Request) {
	e, ok := s.alertEngine(w)
	if !ok {
		return
	}
	in, ok := readRuleInput(w, r)
	if !ok {
		return
	}
	rule := alert.Rule{Enabled: true}
	in.apply(&rule)
	rule, err := e.CreateRule(r.Context(), rule)
	if err != nil {
		s.alertError(w, r, err)
		return
	}
	s.log().Info("alert rule created", "id", rule.ID, "name", rule.Name, "type", rule.Type)
	writeJSON(w, http.StatusCreated, rule)
}

// updateAlertRule answers PUT /api/v1/alerts/rules/{id}: the fields given
// replace those stored. A rule disabled resolves its active alerts.
func (s *Server) updateAlertRule(w http.ResponseWriter, r *http.Request) {
	e, ok := s.alertEngine(w)
	if !ok {
		return
	}
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	in, ok := readRuleInput(w, r)
	if !ok {
		return
	}
	rule, err := e.Rule(r.Context(), id)
	if err != nil {
		s.alertError(w, r, err)
		return
	}
	in.apply(&rule)
	if rule, err = e.UpdateRule(r.Context(), id, rule); err != nil {
		s.alertError(w, r, err)
		return
	}
	s.log().Info("alert rule updated", "id", id, "name", rule.Name)
	writeJSON(w, http.StatusOK, rule)
}

// deleteAlertRule answers DELETE /api/v1/alerts/rules/{id}: 204; its
// alerts stay in the history, resolved.
func (s *Server) deleteAlertRule(w http.ResponseWriter, r *http.Request) {
	e, ok := s.alertEngine(w)
	if !ok {
		return
	}
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := e.DeleteRule(r.Context(), id); err != nil {
		s.alertError(w, r, err)
		return
	}
	s.log().Info("alert rule deleted", "id", id)
	w.WriteHeader(http.StatusNoContent)
}

// listAlerts answers GET /api/v1/alerts?state=&domain=&rule=&active=&limit=&cursor=:
// the alert history, the newest first, a page at a time with the cursor
// of the next.
func (s *Server) listAlerts(w http.ResponseWriter, r *http.Request) {
	e, ok := s.alertEngine(w)
	if !ok {
		return
	}
	q := r.URL.Query()
	f := store.AlertFilter{State: q.Get("state"), Domain: q.Get("domain")}
	switch f.State {
	case "", store.AlertOpen, store.AlertAcknowledged, store.AlertResolved:
	default:
		writeError(w, http.StatusBadRequest, "bad_request", "state: open, acknowledged or resolved")
		return
	}
	switch q.Get("active") {
	case "", "0", "false":
	case "1", "true":
		f.Active = true
	default:
		writeError(w, http.StatusBadRequest, "bad_request", "active: true or false")
		return
	}
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"rule", &f.RuleID}, {"cursor", &f.BeforeID}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 {
				writeError(w, http.StatusBadRequest, "bad_request", p.name+": a positive number")
				return
			}
			*p.dst = n
		}
	}
	page, ok := intParam(w, r, "limit", 1, maxPage, defaultPage)
	if !ok {
		return
	}
	f.Limit = page + 1 // one more tells whether there is a next page
	list, err := e.Alerts(r.Context(), f)
	if err != nil {
		s.alertError(w, r, err)
		return
	}
	list, next := cutPage(list, page, func(a *alert.Alert) int64 { return a.ID })
	out := struct {
		Alerts     []alert.Alert `json:"alerts"`
		NextCursor string        `json:"next_cursor,omitempty"`
	}{Alerts: list}
	if next > 0 {
		out.NextCursor = strconv.FormatInt(next, 10)
	}
	writeJSON(w, http.StatusOK, out)
}

// getAlert answers GET /api/v1/alerts/{id}.
func (s *Server) getAlert(w http.ResponseWriter, r *http.Request) {
	e, ok := s.alertEngine(w)
	if !ok {
		return
	}
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	a, err := e.Alert(r.Context(), id)
	if err != nil {
		s.alertError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// ackAlert answers POST /api/v1/alerts/{id}/ack: the alert, acknowledged
// by the signed-in user ("api" without one); 409 when it is resolved.
func (s *Server) ackAlert(w http.ResponseWriter, r *http.Request) {
	s.setAlertState(w, r, (*alert.Engine).Acknowledge)
}

// resolveAlert answers POST /api/v1/alerts/{id}/resolve: the alert,
// resolved by the signed-in user. While its condition holds it opens no
// other alert.
func (s *Server) resolveAlert(w http.ResponseWriter, r *http.Request) {
	s.setAlertState(w, r, (*alert.Engine).Resolve)
}

func (s *Server) setAlertState(w http.ResponseWriter, r *http.Request, set func(*alert.Engine, context.Context, int64, string) (alert.Alert, error)) {
	e, ok := s.alertEngine(w)
	if !ok {
		return
	}
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	by, _, _ := r.BasicAuth()
	if by == "" {
		by = "api"
	}
	a, err := set(e, r.Context(), id, by)
	if err != nil {
		s.alertError(w, r, err)
		return
	}
	s.log().Info("alert "+a.State, "id", id, "by", by)
	writeJSON(w, http.StatusOK, a)
}
