package server

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/notify"
	"github.com/parse-dmarc/parse-dmarc/internal/secretbox"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// hookReceiver is a webhook endpoint on loopback that checks signatures
// with its secret.
type hookReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	events   []webhook.Event
	verified []error
	headers  []http.Header
}

func newHookReceiver(t *testing.T, secret string) *hookReceiver {
	h := &hookReceiver{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev webhook.Event
		json.Unmarshal(body, &ev)
		h.mu.Lock()
		h.events = append(h.events, ev)
		h.verified = append(h.verified, webhook.Verify([]byte(secret), r.Header, body, time.Now(), 0))
		h.headers = append(h.headers, r.Header.Clone())
		h.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.Close)
	return h
}

// newChannelServer returns a test server with notification channels.
func newChannelServer(t *testing.T) *httptest.Server {
	t.Helper()
	st := openTestStore(t)
	key := make([]byte, secretbox.KeySize)
	rand.Read(key)
	box, err := secretbox.New(key)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Store: st, Notify: notify.New(st, box, nil), Version: "test"}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// call sends a request with a JSON body (none when body is nil) and
// decodes the answer into v; it returns the status and the raw answer.
func call(t *testing.T, method, url string, body any, v any) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		if s, ok := body.(string); ok {
			b = []byte(s)
		}
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, url, rd)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if v != nil && resp.StatusCode < 300 && resp.StatusCode != http.StatusNoContent {
		if err := json.Unmarshal(raw, v); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, raw)
		}
	}
	return resp.StatusCode, string(raw)
}

// TestChannelsAPI creates, reads, updates, tests and deletes a webhook
// channel over the API; its secrets never come back.
func TestChannelsAPI(t *testing.T) {
	t.Parallel()
	ts := newChannelServer(t)
	api := ts.URL + "/api/v1/channels"
	hook := newHookReceiver(t, "s3cret-value")

	for _, tt := range []struct {
		body any
		want string
	}{
		{map[string]any{"name": "x", "kind": "pager", "url": hook.URL}, `"kind: \"pager\" is not one of`},
		{map[string]any{"name": "x", "kind": "webhook", "url": "ftp://x"}, `url: an http:// or https:// URL is required`},
		{map[string]any{"name": "x", "kind": "webhook", "url": hook.URL, "events": []string{"nope"}}, `events: \"nope\"`},
		{map[string]any{"name": "x", "kind": "webhook", "url": hook.URL, "quiet_hours": "late"}, `quiet_hours: `},
		{map[string]any{"name": "x", "kind": "webhook", "url": hook.URL, "colour": "red"}, `unknown field \"colour\"`},
		{`{"name":`, `bad_request`},
	} {
		if status, raw := call(t, "POST", api, tt.body, nil); status != http.StatusBadRequest || !strings.Contains(raw, tt.want) {
			t.Errorf("POST %v: %d %s, want 400 with %s", tt.body, status, raw, tt.want)
		}
	}

	var c channelView
	status, raw := call(t, "POST", api, map[string]any{"name": "SIEM", "kind": "webhook", "url": hook.URL + "/in?token=T0KEN",
		"secret": "s3cret-value", "headers": map[string]string{"Authorization": "Bearer AUTH", "X-Team": "sec"},
		"events": []string{"source.new"}, "quiet_hours": map[string]string{"start": "22:00", "end": "07:00", "tz": "UTC"}}, &c)
	if status != http.StatusCreated || c.ID == 0 || !c.Enabled || !c.SecretSet || !c.URLSet || c.URLHint != "http://"+hook.Listener.Addr().String()+"/…" ||
		strings.Join(c.HeaderNames, ",") != "Authorization,X-Team" || c.QuietHours == nil {
		t.Fatalf("create: %d %s", status, raw)
	}
	for _, secret := range []string{"T0KEN", "s3cret-value", "AUTH"} {
		if strings.Contains(raw, secret) {
			t.Errorf("the answer shows a secret: %s", raw)
		}
	}
	id := "/" + strconv.FormatInt(c.ID, 10)

	// Rename a header away, keep the other's value, drop quiet hours;
	// the secret and URL stay.
	status, raw = call(t, "PUT", api+id, `{"name": "SIEM 2", "headers": {"Authorization": null, "X-Other": "1"}, "quiet_hours": null}`, &c)
	if status != http.StatusOK || c.Name != "SIEM 2" || strings.Join(c.HeaderNames, ",") != "Authorization,X-Other" || c.QuietHours != nil || !c.SecretSet {
		t.Fatalf("update: %d %s", status, raw)
	}
	if status, raw := call(t, "PUT", api+id, `{"headers": {"X-New": null}}`, nil); status != http.StatusBadRequest || !strings.Contains(raw, "no value to keep") {
		t.Errorf("keeping a header that has no value: %d %s", status, raw)
	}
	if status, _ := call(t, "PUT", api+"/999", `{"name": "y"}`, nil); status != http.StatusNotFound {
		t.Errorf("update of a missing channel: %d", status)
	}

	var d notify.Delivery
	if status, raw := call(t, "POST", api+id+"/test", nil, &d); status != http.StatusOK || d.Status != "delivered" || d.StatusCode != 204 || !d.Test || d.EventType != webhook.Ping {
		t.Fatalf("test: %d %s", status, raw)
	}
	if status, raw := call(t, "POST", api+id+"/test", map[string]string{"event": "alert.triggered"}, &d); status != http.StatusOK || d.Status != "delivered" {
		t.Fatalf("test with an example: %d %s", status, raw)
	}
	if status, _ := call(t, "POST", api+id+"/test", map[string]string{"event": "nope"}, nil); status != http.StatusBadRequest {
		t.Errorf("test of an unknown event: %d", status)
	}
	hook.mu.Lock()
	if len(hook.events) != 2 || hook.events[0].Type != webhook.Ping || hook.events[1].Type != webhook.AlertTriggered ||
		hook.verified[0] != nil || hook.verified[1] != nil || hook.headers[0].Get("Authorization") != "Bearer AUTH" ||
		hook.headers[0].Get("X-Other") != "1" || hook.events[0].ID == hook.events[1].ID {
		t.Errorf("received %+v, verified %v", hook.events, hook.verified)
	}
	hook.mu.Unlock()

	var log struct{ Deliveries []notify.Delivery }
	if status, raw := call(t, "GET", api+id+"/deliveries?limit=10", nil, &log); status != http.StatusOK || len(log.Deliveries) != 2 ||
		log.Deliveries[0].EventType != webhook.AlertTriggered {
		t.Errorf("deliveries: %d %s", status, raw)
	}
	if status, _ := call(t, "GET", api+id+"/deliveries?limit=0", nil, nil); status != http.StatusBadRequest {
		t.Errorf("limit 0: %d", status)
	}
	if status, _ := call(t, "GET", api+"/999/deliveries", nil, nil); status != http.StatusNotFound {
		t.Errorf("deliveries of a missing channel: %d", status)
	}

	var list struct{ Channels []channelView }
	if status, raw := call(t, "GET", api, nil, &list); status != http.StatusOK || len(list.Channels) != 1 || list.Channels[0].Name != "SIEM 2" ||
		strings.Contains(raw, "T0KEN") {
		t.Errorf("list: %d %s", status, raw)
	}
	if status, _ := call(t, "DELETE", api+id, nil, nil); status != http.StatusNoContent {
		t.Errorf("delete: %d", status)
	}
	if status, _ := call(t, "GET", api+id, nil, nil); status != http.StatusNotFound {
		t.Errorf("get after delete: %d", status)
	}
}

// TestChannelsEmail creates an email channel: the password is
// write-only and kept when an update leaves it out.
func TestChannelsEmail(t *testing.T) {
	t.Parallel()
	ts := newChannelServer(t)
	api := ts.URL + "/api/v1/channels"
	var c channelView
	status, raw := call(t, "POST", api, map[string]any{"name": "Ops mail", "kind": "email", "max_per_hour": 5,
		"email": map[string]any{"host": "smtp.example.com", "username": "u", "password": "pa55", "from": "dmarc@example.com", "to": []string{"ops@example.com"}}}, &c)
	if status != http.StatusCreated || c.Email == nil || !c.Email.PasswordSet || c.Email.Port != 587 || c.Email.TLS != "starttls" || c.MaxPerHour != 5 ||
		strings.Contains(raw, "pa55") {
		t.Fatalf("create: %d %s", status, raw)
	}
	status, raw = call(t, "PUT", ts.URL+"/api/v1/channels/"+strconv.FormatInt(c.ID, 10), map[string]any{
		"email": map[string]any{"host": "smtp2.example.com", "tls": "tls", "username": "u", "from": "dmarc@example.com", "to": []string{"a@example.com"}}}, &c)
	if status != http.StatusOK || !c.Email.PasswordSet || c.Email.Port != 465 || c.Email.Host != "smtp2.example.com" {
		t.Errorf("update: %d %s", status, raw)
	}
}

// TestWebhookEvents lists the event types with example payloads.
func TestWebhookEvents(t *testing.T) {
	t.Parallel()
	ts := newChannelServer(t)
	var got struct {
		Events []webhook.Info
	}
	if status, raw := call(t, "GET", ts.URL+"/api/v1/webhooks/events", nil, &got); status != http.StatusOK || len(got.Events) != len(webhook.Types()) {
		t.Fatalf("%d %s", status, raw)
	}
	for _, e := range got.Events {
		if e.Example.Type != e.Type || len(e.Example.Data) < 10 || e.Description == "" {
			t.Errorf("event %+v", e)
		}
	}
}

// TestChannelsNotConfigured: without a notification service the routes
// answer 501, the catalogue still answers.
func TestChannelsNotConfigured(t *testing.T) {
	t.Parallel()
	ts, _ := newServer(t, nil)
	if status, _ := call(t, "GET", ts.URL+"/api/v1/channels", nil, nil); status != http.StatusNotImplemented {
		t.Errorf("channels: %d", status)
	}
	if status, _ := call(t, "GET", ts.URL+"/api/v1/webhooks/events", nil, nil); status != http.StatusOK {
		t.Errorf("events: %d", status)
	}
}
