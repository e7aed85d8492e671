package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// event returns a message of an event of type typ.
func event(t *testing.T, typ string) notice.Message {
	t.Helper()
	ev, err := webhook.New(typ, time.Time{}, map[string]string{"domain": "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return notice.Message{Event: ev, Title: "example.com: " + typ, Severity: notice.Info, Summary: "A test."}
}

// addWebhook creates an enabled generic webhook channel to r.
func addWebhook(t *testing.T, s *Service, name string, r *receiver, events ...string) Channel {
	t.Helper()
	c, err := s.CreateChannel(t.Context(), Channel{Name: name, Kind: KindWebhook, Enabled: true, Events: events,
		URL: r.URL + "/hook/" + name, Secret: string(r.secret), Headers: map[string]string{"Authorization": "Bearer token-" + name}})
	if err != nil {
		t.Fatalf("create channel %s: %v", name, err)
	}
	return c
}

// runOnce runs one round of s's worker and returns how many entries it
// claimed.
func runOnce(t *testing.T, s *Service) int {
	t.Helper()
	n, err := s.RunOnce(t.Context())
	if err != nil {
		t.Fatalf("run once: %v", err)
	}
	return n
}

// deliveries returns the delivery log of a channel, oldest first.
func deliveries(t *testing.T, s *Service, channel int64) []Delivery {
	t.Helper()
	list, err := s.Deliveries(t.Context(), channel, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	return list
}

// TestWebhookDelivery publishes an event to a generic webhook, which gets
// it signed, with its custom header, and the delivery logged.
func TestWebhookDelivery(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		clk := newClock()
		s := newService(t, b.newDB(t)(), testKey(t), clk)
		r := newReceiver(t, "s3cret")
		c := addWebhook(t, s, "siem", r)
		m := event(t, webhook.ReportReceived)
		if err := s.Publish(t.Context(), m); err != nil {
			t.Fatal(err)
		}
		if n := runOnce(t, s); n != 1 {
			t.Fatalf("claimed %d, want 1", n)
		}
		reqs := r.Requests()
		if len(reqs) != 1 {
			t.Fatalf("%d requests, want 1", len(reqs))
		}
		req := reqs[0]
		if req.verified != nil {
			t.Errorf("signature: %v", req.verified)
		}
		var got webhook.Event
		if err := json.Unmarshal(req.body, &got); err != nil {
			t.Fatal(err)
		}
		if got.ID != m.Event.ID || got.Type != webhook.ReportReceived || string(got.Data) != `{"domain":"example.com"}` {
			t.Errorf("event %+v", got)
		}
		for name, want := range map[string]string{"Authorization": "Bearer token-siem", "Content-Type": "application/json",
			webhook.HeaderEvent: webhook.ReportReceived, webhook.HeaderEventID: m.Event.ID, webhook.HeaderAttempt: "1"} {
			if v := req.header.Get(name); v != want {
				t.Errorf("header %s: %q, want %q", name, v, want)
			}
		}
		log := deliveries(t, s, c.ID)
		if len(log) != 1 || log[0].Status != store.DeliveryOK || log[0].StatusCode != 200 || log[0].EventID != m.Event.ID ||
			log[0].Attempt != 1 || log[0].Test {
			t.Errorf("log %+v", log)
		}
		if n := runOnce(t, s); n != 0 {
			t.Errorf("claimed %d after delivery, want 0", n)
		}
	})
}

// TestRetry: an endpoint answers 500 then 200; the event is sent again
// when its backoff is over, with the same id and the next attempt
// number, and both attempts are logged.
func TestRetry(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		clk := newClock()
		s := newService(t, b.newDB(t)(), testKey(t), clk)
		r := newReceiver(t, "k", http.StatusInternalServerError)
		c := addWebhook(t, s, "flaky", r)
		m := event(t, webhook.SourceNew)
		if err := s.Enqueue(t.Context(), []int64{c.ID}, m); err != nil {
			t.Fatal(err)
		}
		runOnce(t, s)
		if n := runOnce(t, s); n != 0 {
			t.Fatalf("claimed %d before the backoff is over", n)
		}
		clk.Add(time.Minute) // the backoff after one failure
		if n := runOnce(t, s); n != 1 {
			t.Fatalf("claimed %d after the backoff, want 1", n)
		}
		reqs := r.Requests()
		if len(reqs) != 2 {
			t.Fatalf("%d requests, want 2", len(reqs))
		}
		for i, req := range reqs {
			if id, n := req.header.Get(webhook.HeaderEventID), req.header.Get(webhook.HeaderAttempt); id != m.Event.ID || n != []string{"1", "2"}[i] {
				t.Errorf("request %d: event %s attempt %s", i, id, n)
			}
			if req.header.Get(webhook.HeaderDelivery) != reqs[0].header.Get(webhook.HeaderDelivery) {
				t.Errorf("request %d: another delivery id", i)
			}
		}
		log := deliveries(t, s, c.ID)
		if len(log) != 2 || log[0].Status != store.DeliveryRetry || log[0].StatusCode != 500 ||
			!strings.Contains(log[0].Error, "500 Internal Server Error") || log[1].Status != store.DeliveryOK || log[1].Attempt != 2 {
			t.Errorf("log %+v", log)
		}
	})
}

// TestGiveUp: an endpoint that always fails gets MaxAttempts attempts;
// the last is logged as failed and the entry leaves the outbox. A 410
// Gone is not retried.
func TestGiveUp(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := newService(t, backends()[0].newDB(t)(), testKey(t), clk)
	s.MaxAttempts = 3
	r := newReceiver(t, "k", 503, 503, 503, 503)
	c := addWebhook(t, s, "down", r)
	gone := addWebhook(t, s, "gone", newReceiver(t, "k", http.StatusGone))
	if err := s.Enqueue(t.Context(), []int64{c.ID, gone.ID}, event(t, webhook.AlertTriggered)); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		runOnce(t, s)
		clk.Add(time.Hour)
	}
	log := deliveries(t, s, c.ID)
	var outcomes []string
	for _, d := range log {
		outcomes = append(outcomes, d.Status)
	}
	if strings.Join(outcomes, " ") != "retrying retrying failed" || !strings.Contains(log[2].Error, "giving up") {
		t.Errorf("outcomes %v, last %+v", outcomes, log[len(log)-1])
	}
	if log := deliveries(t, s, gone.ID); len(log) != 1 || log[0].Status != store.DeliveryFailed || log[0].StatusCode != http.StatusGone {
		t.Errorf("gone: %+v", log)
	}
}

// TestTimeout: an endpoint that does not answer is cut at the sender's
// timeout, logged with the reason and no secret of its URL.
func TestTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	hang := newReceiver(t, "k")
	hang.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) }) // before the server closes
	clk := newClock()
	s := newService(t, backends()[0].newDB(t)(), testKey(t), clk)
	s.Senders[KindWebhook] = &WebhookSender{Timeout: 100 * time.Millisecond}
	c := addWebhook(t, s, "hang", hang)
	if err := s.Publish(t.Context(), event(t, webhook.ComplianceChanged)); err != nil {
		t.Fatal(err)
	}
	runOnce(t, s)
	log := deliveries(t, s, c.ID)
	if len(log) != 1 || log[0].Status != store.DeliveryRetry || log[0].StatusCode != 0 ||
		!strings.Contains(log[0].Error, "deadline exceeded") && !strings.Contains(log[0].Error, "Timeout") {
		t.Fatalf("log %+v", log)
	}
	if strings.Contains(log[0].Error, "/hook/") {
		t.Errorf("the error shows the URL's path: %s", log[0].Error)
	}
}

// TestRestart: the outbox outlives the Service and its store. A retry
// scheduled before a restart is sent by the next process, and an entry
// claimed by a process that died is sent once its lease lapsed.
func TestRestart(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		open := b.newDB(t)
		key := testKey(t)
		clk := newClock()
		r := newReceiver(t, "k", http.StatusBadGateway)
		first := open()
		s1 := newService(t, first, key, clk)
		c := addWebhook(t, s1, "hook", r)
		if err := s1.Publish(t.Context(), event(t, webhook.SourceNew)); err != nil {
			t.Fatal(err)
		}
		runOnce(t, s1) // 502: retry in a minute
		// A second event is claimed by the first process, which then
		// dies before sending it.
		if err := s1.Publish(t.Context(), event(t, webhook.ReportReceived)); err != nil {
			t.Fatal(err)
		}
		if claimed, err := first.ClaimNotifications(t.Context(), clk.Now(), clk.Now().Add(DefaultLease), 10); err != nil || len(claimed) != 1 {
			t.Fatalf("claim: %d, %v", len(claimed), err)
		}
		first.Close()

		s2 := newService(t, open(), key, clk)
		clk.Add(time.Minute)
		if n := runOnce(t, s2); n != 1 {
			t.Fatalf("after restart: claimed %d, want the retry", n)
		}
		clk.Add(DefaultLease)
		if n := runOnce(t, s2); n != 1 {
			t.Fatalf("after the lease: claimed %d, want the orphan", n)
		}
		log := deliveries(t, s2, c.ID)
		if len(log) != 3 || log[1].Status != store.DeliveryOK || log[1].Attempt != 2 || log[2].Status != store.DeliveryOK ||
			log[2].EventType != webhook.ReportReceived || log[2].Attempt != 1 {
			t.Errorf("log %+v", log)
		}
	})
}

// TestEventFilter: Publish reaches the enabled channels whose filter has
// the event's type, or that have none; Enqueue ignores filters.
func TestEventFilter(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := newService(t, backends()[0].newDB(t)(), testKey(t), clk)
	all, sources, reports, off := newReceiver(t, "k"), newReceiver(t, "k"), newReceiver(t, "k"), newReceiver(t, "k")
	addWebhook(t, s, "all", all)
	addWebhook(t, s, "sources", sources, webhook.SourceNew)
	rc := addWebhook(t, s, "reports", reports, webhook.ReportReceived, webhook.AlertTriggered)
	oc := addWebhook(t, s, "off", off)
	if _, err := s.UpdateChannel(t.Context(), oc.ID, func(c *Channel) error { c.Enabled = false; return nil }); err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{webhook.SourceNew, webhook.ComplianceChanged} {
		if err := s.Publish(t.Context(), event(t, typ)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Enqueue(t.Context(), []int64{rc.ID}, event(t, webhook.SourceNew)); err != nil {
		t.Fatal(err)
	}
	runOnce(t, s)
	for name, want := range map[string]struct {
		r    *receiver
		want string
	}{"all": {all, "source.new compliance.changed"}, "sources": {sources, "source.new"}, "reports": {reports, "source.new"}, "off": {off, ""}} {
		var got []string
		for _, req := range want.r.Requests() {
			got = append(got, req.header.Get(webhook.HeaderEvent))
		}
		if g := strings.Join(got, " "); g != want.want && !(name == "all" && g == "compliance.changed source.new") {
			t.Errorf("%s got %q, want %q", name, g, want.want)
		}
	}
}

// TestTwoServices: two Services on one database, as two replicas, send
// every event once.
func TestTwoServices(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		open := b.newDB(t)
		key, clk := testKey(t), newClock()
		a, c := newService(t, open(), key, clk), newService(t, open(), key, clk)
		a.Concurrency, c.Concurrency = 2, 2
		r := newReceiver(t, "k")
		addWebhook(t, a, "hook", r)
		const events = 60
		want := map[string]bool{}
		for range events {
			m := event(t, webhook.ReportReceived)
			want[m.Event.ID] = true
			if err := c.Publish(t.Context(), m); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		for _, s := range []*Service{a, c, a, c} {
			wg.Go(func() {
				for {
					n, err := s.RunOnce(t.Context())
					if err != nil {
						t.Error(err)
					}
					if n == 0 || err != nil {
						return
					}
				}
			})
		}
		wg.Wait()
		got := map[string]int{}
		for _, req := range r.Requests() {
			got[req.header.Get(webhook.HeaderEventID)]++
		}
		if len(got) != events {
			t.Errorf("%d events delivered, want %d", len(got), events)
		}
		for id, n := range got {
			if n != 1 || !want[id] {
				t.Errorf("event %s delivered %d times", id, n)
			}
		}
	})
}

// TestRun: the worker wakes when the Service enqueues and stops with its
// context.
func TestRun(t *testing.T) {
	t.Parallel()
	s := newService(t, backends()[0].newDB(t)(), testKey(t), newClock())
	s.PollInterval = time.Hour
	r := newReceiver(t, "k")
	addWebhook(t, s, "hook", r)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		s.Run(ctx)
		close(done)
	}()
	for range 2 {
		if err := s.Publish(t.Context(), event(t, webhook.SourceNew)); err != nil {
			t.Fatal(err)
		}
		<-r.got
	}
	cancel()
	<-done
}

// TestSendNow sends a test to a disabled channel, logged as a test; a
// kind without a sender fails at once, logged.
func TestSendNow(t *testing.T) {
	t.Parallel()
	s := newService(t, backends()[0].newDB(t)(), testKey(t), newClock())
	r := newReceiver(t, "k", http.StatusUnauthorized)
	c := addWebhook(t, s, "hook", r)
	if _, err := s.UpdateChannel(t.Context(), c.ID, func(c *Channel) error { c.Enabled = false; return nil }); err != nil {
		t.Fatal(err)
	}
	ping, _ := webhook.Example(webhook.Ping, time.Now(), "")
	ping.ID = ""
	d, err := s.SendNow(t.Context(), c.ID, notice.Message{Event: ping, Title: "Test"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != store.DeliveryFailed || d.StatusCode != 401 || !d.Test || d.EventType != webhook.Ping || d.ID == 0 || d.EventID == "" {
		t.Errorf("first test: %+v", d)
	}
	if d, err := s.SendNow(t.Context(), c.ID, notice.Message{Event: ping}); err != nil || d.Status != store.DeliveryOK {
		t.Errorf("second test: %+v, %v", d, err)
	}
	if log := deliveries(t, s, c.ID); len(log) != 2 || !log[0].Test {
		t.Errorf("log %+v", log)
	}
	if _, err := s.SendNow(t.Context(), c.ID+100, notice.Message{Event: ping}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing channel: %v", err)
	}

	delete(s.Senders, KindSlack)
	slack, err := s.CreateChannel(t.Context(), Channel{Name: "chat", Kind: KindSlack, Enabled: true, URL: "https://hooks.slack.com/services/T/B/X"})
	if err != nil {
		t.Fatal(err)
	}
	d, err = s.SendNow(t.Context(), slack.ID, notice.Message{Event: ping})
	if err != nil || d.Status != store.DeliveryFailed || !strings.Contains(d.Error, "not configured") {
		t.Errorf("slack without a sender: %+v, %v", d, err)
	}
}

// TestSecretsSealed: the store holds no secret in the clear; another key
// cannot open them, which the channel says, and an update replacing all
// of them mends it.
func TestSecretsSealed(t *testing.T) {
	t.Parallel()
	open := backends()[0].newDB(t)
	st := open()
	s := newService(t, st, testKey(t), newClock())
	c, err := s.CreateChannel(t.Context(), Channel{Name: "mail", Kind: KindEmail, Enabled: true, Email: &EmailConfig{
		Host: "smtp.example.com", Username: "u", Password: "pa55word", From: "dmarc@example.com", To: []string{"ops@example.com"}}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Email.Port != 587 || c.Email.TLS != TLSStartTLS {
		t.Errorf("defaults: %+v", c.Email)
	}
	hook, err := s.CreateChannel(t.Context(), Channel{Name: "hook", Kind: KindWebhook, URL: "https://example.com/x?token=T0KEN",
		Secret: "s3cret", Headers: map[string]string{"X-Api-Key": "AP1KEY"}})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := st.NotifyChannels(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		all := string(row.Config) + row.Secrets
		for _, secret := range []string{"pa55word", "T0KEN", "s3cret", "AP1KEY"} {
			if strings.Contains(all, secret) {
				t.Errorf("channel %s: %s in the clear", row.Name, secret)
			}
		}
	}
	got, err := s.Channel(t.Context(), hook.ID)
	if err != nil || got.Secret != "s3cret" || got.Headers["X-Api-Key"] != "AP1KEY" || got.URL != hook.URL {
		t.Errorf("opened: %+v, %v", got, err)
	}

	other := newService(t, st, testKey(t), newClock())
	list, err := other.Channels(t.Context())
	if err != nil || len(list) != 2 || list[1].Problem == "" || list[1].Secret != "" {
		t.Fatalf("with another key: %+v, %v", list, err)
	}
	d, err := other.SendNow(t.Context(), hook.ID, event(t, webhook.Ping))
	if err != nil || d.Status != store.DeliveryRetry && d.Status != store.DeliveryFailed || !strings.Contains(d.Error, "open its secrets") {
		t.Errorf("send with another key: %+v, %v", d, err)
	}
	fixed, err := other.UpdateChannel(t.Context(), c.ID, func(c *Channel) error { c.Email.Password = "new"; return nil })
	if err != nil || fixed.Problem != "" {
		t.Fatalf("mend: %+v, %v", fixed, err)
	}
	if got, err := other.Channel(t.Context(), c.ID); err != nil || got.Email.Password != "new" {
		t.Errorf("mended: %+v, %v", got, err)
	}

	noKey := New(st, nil, nil)
	if _, err := noKey.CreateChannel(t.Context(), Channel{Name: "x", Kind: KindWebhook, URL: "https://example.com/"}); err == nil {
		t.Error("a secret was stored without a key")
	}
}

// TestChatSender posts to a Slack webhook on loopback: a 429 with
// Retry-After puts the next attempt after that wait, a 404 (webhook
// removed) is not retried.
func TestChatSender(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := newService(t, backends()[0].newDB(t)(), testKey(t), clk)
	limited := newReceiver(t, "")
	limited.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(limited.Requests()) == 0 {
			limited.mu.Lock()
			limited.requests = append(limited.requests, request{header: r.Header.Clone()})
			limited.mu.Unlock()
			w.Header().Set("Retry-After", "600")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		limited.mu.Lock()
		limited.requests = append(limited.requests, request{header: r.Header.Clone()})
		limited.mu.Unlock()
		w.Write([]byte("ok"))
	})
	gone := newReceiver(t, "", http.StatusNotFound)
	want := map[int64]string{}
	for r, log := range map[*receiver]string{limited: "retrying 429, delivered 200", gone: "failed 404"} {
		c, err := s.CreateChannel(t.Context(), Channel{Name: log, Kind: KindSlack, Enabled: true, URL: r.URL + "/services/T/B/X"})
		if err != nil {
			t.Fatal(err)
		}
		want[c.ID] = log
	}
	if err := s.Publish(t.Context(), event(t, webhook.AlertTriggered)); err != nil {
		t.Fatal(err)
	}
	runOnce(t, s)
	clk.Add(5 * time.Minute) // past the backoff, not the Retry-After
	if n := runOnce(t, s); n != 0 {
		t.Fatalf("claimed %d before Retry-After", n)
	}
	clk.Add(5 * time.Minute)
	if n := runOnce(t, s); n != 1 {
		t.Fatalf("claimed %d after Retry-After, want 1", n)
	}
	for id, want := range want {
		log := deliveries(t, s, id)
		var got []string
		for _, d := range log {
			got = append(got, fmt.Sprint(d.Status, " ", d.StatusCode))
		}
		if g := strings.Join(got, ", "); g != want {
			t.Errorf("channel %d: %s, want %s", id, g, want)
		}
	}
}
