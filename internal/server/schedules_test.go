package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/digest"
	"github.com/parse-dmarc/parse-dmarc/internal/digest/digesttest"
	"github.com/parse-dmarc/parse-dmarc/internal/notice"
)

// recordingDeliverer counts what the scheduler hands over.
type recordingDeliverer struct{ msgs []notice.Message }

func (r *recordingDeliverer) Enqueue(_ context.Context, _ []int64, m notice.Message) error {
	r.msgs = append(r.msgs, m)
	return nil
}
func (r *recordingDeliverer) SendTo(_ context.Context, _ []string, m notice.Message) error {
	r.msgs = append(r.msgs, m)
	return nil
}

// TestSchedules creates, reads, updates, runs and deletes a schedule over
// the API, and previews the digest in each format.
func TestSchedules(t *testing.T) {
	t.Parallel()
	st := openTestStore(t)
	if err := digesttest.Fill(t.Context(), st, digesttest.Options{}); err != nil {
		t.Fatal(err)
	}
	b := &digest.Builder{Store: st, Now: func() time.Time { return digesttest.Now }}
	del := &recordingDeliverer{}
	s := &Server{Store: st, Version: "test", Digest: b,
		Schedules: &digest.Scheduler{Store: st, Builder: b, Deliver: del, Now: func() time.Time { return digesttest.Now }}}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)

	var created scheduleView
	body := `{"name":"Board","kind":"weekly","weekday":"monday","time":"08:30","time_zone":"Europe/Paris","domains":["example.com"],"recipients":["ciso@example.com"],"channels":[2],"pdf":true}`
	if code, _ := call(t, "POST", ts.URL+"/api/v1/schedules", body, &created); code != http.StatusCreated ||
		created.ID == 0 || created.Weekday != "monday" || !created.Enabled || created.NextRun == nil || len(created.Sections) != 5 {
		t.Fatalf("create: %d %+v", code, created)
	}
	for _, bad := range []string{`{"name":"x","kind":"weekly","weekday":"someday","time":"08:00","recipients":["a@example.com"]}`,
		`{"name":"x","kind":"daily","time":"25:00","recipients":["a@example.com"]}`, `{"name":"x","unknown":1}`} {
		if code, raw := call(t, "POST", ts.URL+"/api/v1/schedules", bad, nil); code != http.StatusBadRequest || !strings.Contains(raw, "bad_request") {
			t.Errorf("%s: %d %s", bad, code, raw)
		}
	}
	var list struct{ Schedules []scheduleView }
	if call(t, "GET", ts.URL+"/api/v1/schedules", nil, &list); len(list.Schedules) != 1 {
		t.Errorf("list: %+v", list)
	}
	var updated scheduleView
	if code, _ := call(t, "PUT", ts.URL+"/api/v1/schedules/"+itoa(created.ID), strings.Replace(body, `"weekly","weekday":"monday"`, `"monthly","day_of_month":2`, 1), &updated); code != http.StatusOK ||
		updated.Kind != "monthly" || updated.DayOfMonth != 2 || updated.Weekday != "" {
		t.Errorf("update: %d %+v", code, updated)
	}
	var run runView
	if code, _ := call(t, "POST", ts.URL+"/api/v1/schedules/"+itoa(created.ID)+"/run", nil, &run); code != http.StatusOK ||
		run.Status != digest.RunSent || run.Due != nil || run.Period != [2]string{"2026-10-01", "2026-11-01"} || len(del.msgs) != 2 {
		t.Errorf("run: %d %+v, %d messages", code, run, len(del.msgs))
	}
	var runs struct{ Runs []runView }
	if call(t, "GET", ts.URL+"/api/v1/schedules/"+itoa(created.ID)+"/runs", nil, &runs); len(runs.Runs) != 1 || runs.Runs[0].ID != run.ID {
		t.Errorf("runs: %+v", runs)
	}
	if code, _ := call(t, "DELETE", ts.URL+"/api/v1/schedules/"+itoa(created.ID), nil, nil); code != http.StatusNoContent {
		t.Errorf("delete: %d", code)
	}
	if code, _ := call(t, "GET", ts.URL+"/api/v1/schedules/"+itoa(created.ID)+"/runs", nil, nil); code != http.StatusNotFound {
		t.Errorf("runs of a deleted schedule: %d", code)
	}

	// The digest in each format.
	for _, tc := range []struct{ query, ctype, contains string }{
		{"period=week&format=text", "text/plain", "Week of 16 to 22 November 2026"},
		{"period=week&format=html&domain=example.com", "text/html", "<table"},
		{"period=month&format=pdf", "application/pdf", "%PDF-"},
		{"period=day&section=summary", "application/json", `"kind":"daily"`},
	} {
		resp := get(t, ts.URL+"/api/v1/digest?"+tc.query, nil)
		_, raw := call(t, "GET", ts.URL+"/api/v1/digest?"+tc.query, nil, nil)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.ctype) || !strings.Contains(raw, tc.contains) {
			t.Errorf("%s: %d %s %.200s", tc.query, resp.StatusCode, resp.Header.Get("Content-Type"), raw)
		}
	}
	for _, q := range []string{"period=year", "format=doc", "section=charts", "at=yesterday"} {
		if code, _ := call(t, "GET", ts.URL+"/api/v1/digest?"+q, nil, nil); code != http.StatusBadRequest {
			t.Errorf("%s: %d", q, code)
		}
	}
	// Without a scheduler a run on request is not configured.
	s2 := httptest.NewServer((&Server{Store: st}).Handler())
	t.Cleanup(s2.Close)
	if code, _ := call(t, "POST", s2.URL+"/api/v1/schedules/1/run", nil, nil); code != http.StatusNotImplemented {
		t.Errorf("run without a scheduler: %d", code)
	}
}
