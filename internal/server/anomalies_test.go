package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/anomaly"
)

// anomalyList is the answer of GET /api/v1/anomalies.
type anomalyList struct {
	Domain        string
	LearningUntil string   `json:"learning_until"`
	Provisional   []string `json:"provisional_days"`
	Skipped       []string
	Anomalies     []anomalyView
	Expected      []struct{ Kind, Key, Note string }
}

// anomalyView is one anomaly of an anomalyList.
type anomalyView struct {
	ID, Kind, Key, Day, Confidence, Explanation string
	Score                                       int
	Alert, Expected                             bool
	Evidence                                    []string
	Feedback                                    *struct{ By, Note string }
}

// find is the anomaly of kind and key in l, nil when none.
func (l anomalyList) find(kind, key string) *anomalyView {
	for i := range l.Anomalies {
		if l.Anomalies[i].Kind == kind && l.Anomalies[i].Key == key {
			return &l.Anomalies[i]
		}
	}
	return nil
}

// send makes a request with a JSON body and decodes the answer into v.
func send(t *testing.T, method, url, body string, v any) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.NewDecoder(bytes.NewReader(b)).Decode(v); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, b)
		}
	}
	return resp.StatusCode
}

// TestAnomaliesFeedback lists the anomalies of a history with a spoofing
// burst from new countries, marks the burst's largest source expected,
// which stops its alert (and only its), and unmarks it.
func TestAnomaliesFeedback(t *testing.T) {
	t.Parallel()
	h, burst := spoofedHistory(t)
	ts := historyServer(t, h, countryIPs(h.Countries))
	list := func() anomalyList {
		t.Helper()
		var l anomalyList
		u := fmt.Sprintf("%s/api/v1/anomalies?domain=%s&since=%s&until=%s", ts.URL, h.Domain,
			burst.Start.AddDate(0, 0, -3).Format(time.DateOnly), burst.End.AddDate(0, 0, 3).Format(time.DateOnly))
		if r := get(t, u, &l); r.StatusCode != http.StatusOK {
			t.Fatalf("status %d", r.StatusCode)
		}
		return l
	}
	l := list()
	if l.Domain != h.Domain || len(l.Skipped) != 0 || l.LearningUntil != h.Start.AddDate(0, 0, 14).Format(time.DateOnly) {
		t.Errorf("list: %+v", l)
	}
	var target string
	for _, a := range l.Anomalies {
		if a.ID != anomaly.ID(h.Domain, a.Kind, a.Key) || a.Explanation == "" || len(a.Evidence) == 0 || a.Confidence == "" {
			t.Errorf("anomaly %+v", a)
		}
		if a.Kind == anomaly.KindNewUnauthorized && a.Alert && slices.Contains(burst.IPs, a.Key) && target == "" {
			target = a.Key
		}
	}
	if target == "" {
		t.Fatalf("no alert of the burst's %d IPs among %d anomalies", len(burst.IPs), len(l.Anomalies))
	}
	alerts := func(l anomalyList) int {
		n := 0
		for _, a := range l.Anomalies {
			if a.Alert {
				n++
			}
		}
		return n
	}
	before := alerts(l)
	if !slices.ContainsFunc(l.Anomalies, func(a anomalyView) bool {
		return a.Kind == anomaly.KindGeographicShift && a.Key == h.Countries[target]
	}) {
		t.Errorf("no geographic shift to %s", h.Countries[target])
	}

	// Marked expected: listed, not alerting, with the note; the others
	// unchanged.
	var fb struct {
		ID       string
		Expected bool
		Feedback struct{ Kind, Key, Note string }
	}
	body := fmt.Sprintf(`{"domain": %q, "kind": "new_unauthorized", "key": %q, "note": "our pen test"}`, strings.ToUpper(h.Domain), target)
	if code := send(t, "POST", ts.URL+"/api/v1/anomalies/expected", body, &fb); code != http.StatusOK ||
		fb.ID != anomaly.ID(h.Domain, anomaly.KindNewUnauthorized, target) || !fb.Expected || fb.Feedback.Note != "our pen test" {
		t.Fatalf("mark: %d %+v", code, fb)
	}
	l = list()
	a := l.find(anomaly.KindNewUnauthorized, target)
	if a == nil || a.Alert || !a.Expected || a.Feedback == nil || a.Feedback.Note != "our pen test" || alerts(l) != before-1 {
		t.Errorf("marked: %+v, %d alerts, were %d", a, alerts(l), before)
	}
	if len(l.Expected) != 1 || l.Expected[0].Key != target {
		t.Errorf("feedback listed: %+v", l.Expected)
	}

	// Unmarked: it alerts again; unmarking twice is 404.
	del := fmt.Sprintf("%s/api/v1/anomalies/expected?domain=%s&kind=new_unauthorized&key=%s", ts.URL, h.Domain, url.QueryEscape(target))
	if code := send(t, "DELETE", del, "", nil); code != http.StatusOK {
		t.Fatalf("unmark: %d", code)
	}
	if a := list().find(anomaly.KindNewUnauthorized, target); a == nil || !a.Alert || a.Expected {
		t.Errorf("unmarked: %+v", a)
	}
	if code := send(t, "DELETE", del, "", nil); code != http.StatusNotFound {
		t.Errorf("unmark twice: %d", code)
	}

	// min_score leaves out the quiet ones.
	var loud anomalyList
	get(t, fmt.Sprintf("%s/api/v1/anomalies?domain=%s&min_score=50", ts.URL, h.Domain), &loud)
	if len(loud.Anomalies) == 0 || slices.ContainsFunc(loud.Anomalies, func(a anomalyView) bool { return a.Score < 50 }) {
		t.Errorf("min_score=50: %+v", loud.Anomalies)
	}
	if r := get(t, ts.URL+"/api/v1/anomalies?domain="+h.Domain+"&min_score=101", nil); r.StatusCode != http.StatusBadRequest {
		t.Errorf("min_score=101: %d", r.StatusCode)
	}

	for _, tc := range []struct {
		name, body string
		code       int
	}{
		{"unknown kind", `{"domain": "` + h.Domain + `", "kind": "weird", "key": "x"}`, http.StatusBadRequest},
		{"day kind, IP key", `{"domain": "` + h.Domain + `", "kind": "volume_spike", "key": "192.0.2.1"}`, http.StatusBadRequest},
		{"unknown field", `{"domain": "` + h.Domain + `", "kind": "volume_spike", "key": "2026-03-01", "by": "me"}`, http.StatusBadRequest},
		{"no domain", `{"kind": "volume_spike", "key": "2026-03-01"}`, http.StatusBadRequest},
		{"long note", `{"domain": "` + h.Domain + `", "kind": "volume_spike", "key": "2026-03-01", "note": "` + strings.Repeat("x", 1001) + `"}`, http.StatusBadRequest},
		{"unknown domain", `{"domain": "unknown.example", "kind": "volume_spike", "key": "2026-03-01"}`, http.StatusNotFound},
		{"not JSON", `kind=volume_spike`, http.StatusBadRequest},
	} {
		var e apiError
		if code := send(t, "POST", ts.URL+"/api/v1/anomalies/expected", tc.body, &e); code != tc.code || e.Error.Message == "" {
			t.Errorf("%s: %d %+v", tc.name, code, e)
		}
	}
}

// TestAnomaliesExpectedDay marks a volume spike's day expected: the day
// no longer alerts.
func TestAnomaliesExpectedDay(t *testing.T) {
	t.Parallel()
	var h *synthHistory
	for seed := uint64(1); seed < 500 && h == nil; seed++ {
		c := newSynth(seed)
		for _, inc := range c.Incidents {
			if inc.Kind == "volume_spike" && inc.End.Before(c.Start.AddDate(0, 0, synthDays-5)) {
				h = &synthHistory{c, inc.Start.Format(time.DateOnly)}
				break
			}
		}
	}
	if h == nil {
		t.Fatal("no history with a volume spike")
	}
	ts := historyServer(t, h.History, nil)
	u := fmt.Sprintf("%s/api/v1/anomalies?domain=%s&since=%s", ts.URL, h.Domain, h.day)
	var l anomalyList
	get(t, u, &l)
	if a := l.find(anomaly.KindVolumeSpike, h.day); a == nil || !a.Alert {
		t.Fatalf("no spike on %s: %+v", h.day, l.Anomalies)
	}
	body := fmt.Sprintf(`{"domain": %q, "kind": "volume_spike", "key": %q, "note": "campaign"}`, h.Domain, h.day)
	if code := send(t, "POST", ts.URL+"/api/v1/anomalies/expected", body, nil); code != http.StatusOK {
		t.Fatalf("mark: %d", code)
	}
	l = anomalyList{}
	get(t, u, &l)
	if a := l.find(anomaly.KindVolumeSpike, h.day); a == nil || a.Alert || !a.Expected {
		t.Errorf("expected spike: %+v", a)
	}
}
