package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/alert"
	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/synth"
)

// alertServer is a test server with the alert engine, its clock at now,
// and an importer whose reports are received an hour before.
func alertServer(t *testing.T, now time.Time) (*httptest.Server, *alert.Engine, *ingest.Importer) {
	t.Helper()
	st := openTestStore(t)
	e := &alert.Engine{Store: st, Now: func() time.Time { return now }}
	im := &ingest.Importer{Store: st, Now: func() time.Time { return now.Add(-time.Hour) }}
	ts := httptest.NewServer((&Server{Store: st, Importer: im, Alerts: e}).Handler())
	t.Cleanup(ts.Close)
	return ts, e, im
}

// TestAlertRulesAPI creates, lists, changes and deletes rules.
func TestAlertRulesAPI(t *testing.T) {
	t.Parallel()
	ts, _, _ := alertServer(t, time.Now())
	base := ts.URL + "/api/v1/alerts/rules"

	var e apiError
	if status := send(t, "POST", base, `{"name":"c","type":"compliance_below","settings":{"threshold":120}}`, &e); status != 400 ||
		e.Error.Code != "invalid" || !strings.HasPrefix(e.Error.Message, "settings.threshold:") {
		t.Errorf("invalid threshold: %d %+v", status, e)
	}
	if status := send(t, "POST", base, `{"name":"c","type":"weather"}`, &e); status != 400 || !strings.HasPrefix(e.Error.Message, "type:") {
		t.Errorf("unknown type: %d %+v", status, e)
	}
	if status := send(t, "POST", base, `{"name":"c","kind":"x"}`, &e); status != 400 || e.Error.Code != "bad_request" {
		t.Errorf("unknown field: %d %+v", status, e)
	}

	var rule alert.Rule
	if status := send(t, "POST", base, `{"name":"Compliance","type":"compliance_below","domain":"Example.com","settings":{"window":"7d"}}`,
		&rule); status != 201 || rule.ID == 0 || !rule.Enabled || rule.Domain != "example.com" ||
		string(rule.Settings) != `{"threshold":90,"window":"7d","min_messages":100}` || rule.Channels == nil {
		t.Fatalf("created: %d %+v %s", status, rule, rule.Settings)
	}
	var got alert.Rule
	if r := get(t, fmt.Sprintf("%s/%d", base, rule.ID), &got); r.StatusCode != 200 || got.Name != "Compliance" {
		t.Errorf("get: %d %+v", r.StatusCode, got)
	}
	// A PUT changes what it names; a new type takes its defaults.
	if status := send(t, "PUT", fmt.Sprintf("%s/%d", base, rule.ID), `{"name":"Renamed","enabled":false}`, &got); status != 200 ||
		got.Name != "Renamed" || got.Enabled || got.Domain != "example.com" || string(got.Settings) != string(rule.Settings) {
		t.Errorf("put: %d %+v", status, got)
	}
	if status := send(t, "PUT", fmt.Sprintf("%s/%d", base, rule.ID), `{"type":"dns_regression"}`, &got); status != 200 ||
		string(got.Settings) != `{"min_severity":"error"}` {
		t.Errorf("put a type: %d %+v %s", status, got, got.Settings)
	}
	var list struct{ Rules []alert.Rule }
	if r := get(t, base, &list); r.StatusCode != 200 || len(list.Rules) != 1 || list.Rules[0].ID != rule.ID {
		t.Errorf("list: %+v", list)
	}
	var presets struct {
		Presets []alert.Rule
		Types   []string
	}
	if r := get(t, ts.URL+"/api/v1/alerts/presets", &presets); r.StatusCode != 200 || len(presets.Presets) != len(alert.Types()) ||
		len(presets.Types) != len(alert.Types()) {
		t.Errorf("presets: %+v", presets)
	}
	if status := send(t, "DELETE", fmt.Sprintf("%s/%d", base, rule.ID), "", nil); status != 204 {
		t.Errorf("delete: %d", status)
	}
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		if status := send(t, m, fmt.Sprintf("%s/%d", base, rule.ID), "{}", nil); status != 404 {
			t.Errorf("%s of a deleted rule: %d", m, status)
		}
	}
	if status := send(t, "GET", base+"/x", "", nil); status != 400 {
		t.Errorf("bad id: %d", status)
	}
}

// TestAlertsAPI lists the alerts of new domains a page at a time with
// filters, acknowledges and resolves one.
func TestAlertsAPI(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	ts, e, im := alertServer(t, now)
	ctx := context.Background()
	if _, err := e.CreateRule(ctx, alert.Rule{Name: "domains", Type: alert.TypeNewDomain, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		var b bytes.Buffer
		synth.Write(&b, synth.Options{Records: 5, Seed: uint64(i), Domain: fmt.Sprintf("d%d.example", i), Begin: now.AddDate(0, 0, -1)})
		if _, err := im.ImportReader(ctx, "r.xml", &b); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Evaluate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	type page struct {
		Alerts     []alert.Alert
		NextCursor string `json:"next_cursor"`
	}
	var p page
	if r := get(t, ts.URL+"/api/v1/alerts?limit=2", &p); r.StatusCode != 200 || len(p.Alerts) != 2 || p.NextCursor == "" ||
		p.Alerts[0].Domain != "d2.example" || p.Alerts[0].State != "open" || !p.Alerts[0].Active || len(p.Alerts[0].Facts) == 0 {
		t.Fatalf("page 1: %+v", p)
	}
	id := p.Alerts[0].ID
	var p2 page
	if get(t, ts.URL+"/api/v1/alerts?limit=2&cursor="+p.NextCursor, &p2); len(p2.Alerts) != 1 || p2.NextCursor != "" ||
		p2.Alerts[0].Domain != "d0.example" {
		t.Errorf("page 2: %+v", p2)
	}

	var a alert.Alert
	if status := send(t, "POST", fmt.Sprintf("%s/api/v1/alerts/%d/ack", ts.URL, id), "", &a); status != 200 ||
		a.State != "acknowledged" || a.AckedBy != "api" || !a.Acked.Equal(now) {
		t.Errorf("ack: %d %+v", status, a)
	}
	var filtered page
	if get(t, ts.URL+"/api/v1/alerts?state=open", &filtered); len(filtered.Alerts) != 2 {
		t.Errorf("open: %+v", filtered)
	}
	if get(t, ts.URL+"/api/v1/alerts?domain=d1.example", &filtered); len(filtered.Alerts) != 1 || filtered.Alerts[0].Domain != "d1.example" {
		t.Errorf("d1.example: %+v", filtered)
	}
	if status := send(t, "POST", fmt.Sprintf("%s/api/v1/alerts/%d/resolve", ts.URL, id), "", &a); status != 200 ||
		a.State != "resolved" || a.ResolvedBy != "api" || !a.Active {
		t.Errorf("resolve: %d %+v", status, a)
	}
	var e409 apiError
	if status := send(t, "POST", fmt.Sprintf("%s/api/v1/alerts/%d/ack", ts.URL, id), "", &e409); status != 409 || e409.Error.Code != "resolved" {
		t.Errorf("ack of a resolved alert: %d %+v", status, e409)
	}
	if r := get(t, fmt.Sprintf("%s/api/v1/alerts/%d", ts.URL, id), &a); r.StatusCode != 200 || a.State != "resolved" {
		t.Errorf("get: %d %+v", r.StatusCode, a)
	}
	for _, u := range []string{"/api/v1/alerts?state=closed", "/api/v1/alerts?cursor=x", "/api/v1/alerts?active=maybe",
		"/api/v1/alerts?limit=0"} {
		if r := get(t, ts.URL+u, nil); r.StatusCode != 400 {
			t.Errorf("%s: %d", u, r.StatusCode)
		}
	}
	if status := send(t, "POST", ts.URL+"/api/v1/alerts/999/resolve", "", nil); status != 404 {
		t.Errorf("resolve a missing alert: %d", status)
	}
}

// TestAlertsNotConfigured: without the engine the routes answer 501.
func TestAlertsNotConfigured(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer((&Server{Store: openTestStore(t)}).Handler())
	defer ts.Close()
	for _, u := range []string{"/api/v1/alerts", "/api/v1/alerts/rules", "/api/v1/alerts/1"} {
		var e apiError
		if r := get(t, ts.URL+u, &e); r.StatusCode != http.StatusNotImplemented || e.Error.Code != "not_configured" {
			t.Errorf("%s: %d %+v", u, r.StatusCode, e)
		}
	}
	var body json.RawMessage
	if r := get(t, ts.URL+"/api/v1/alerts/presets", &body); r.StatusCode != 200 {
		t.Errorf("presets without the engine: %d", r.StatusCode)
	}
}
