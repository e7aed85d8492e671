package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// addTestChannel stores a channel named name that gets events (all when
// none).
func addTestChannel(t *testing.T, s Store, name string, enabled bool, events ...string) int64 {
	t.Helper()
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	id, err := s.AddNotifyChannel(t.Context(), NotifyChannel{Name: name, Kind: "webhook", Enabled: enabled, Events: events,
		Config: []byte(`{}`), Secrets: "sb1.x.y", Created: at, Updated: at})
	if err != nil {
		t.Fatalf("add channel %s: %v", name, err)
	}
	return id
}

// TestNotifyChannels stores, reads, updates and deletes channels.
func TestNotifyChannels(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		ctx := t.Context()
		at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
		c := NotifyChannel{Name: "ops \x00é", Kind: "slack", Enabled: true, Events: []string{"source.new", "alert.triggered"},
			Config: []byte(`{"max_per_hour":3}`), Secrets: "sb1.abcd.xyz", Created: at, Updated: at}
		id, err := s.AddNotifyChannel(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		other := addTestChannel(t, s, "other", false)
		got, err := s.NotifyChannel(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want := c
		want.ID = id
		if _, pg := s.(*Postgres); pg {
			want.Name = "ops \uFFFDé"
		}
		equal(t, "read back", got, want)

		c.ID, c.Name, c.Enabled, c.Events, c.Secrets = id, "ops", false, nil, ""
		c.Created, c.Updated = at.Add(time.Hour), at.Add(time.Hour)
		if err := s.UpdateNotifyChannel(ctx, c); err != nil {
			t.Fatal(err)
		}
		list, err := s.NotifyChannels(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != id || list[1].ID != other {
			t.Fatalf("list: %+v", list)
		}
		c.Created = at // kept
		equal(t, "updated", list[0], c)

		c.ID = other + 100
		if err := s.UpdateNotifyChannel(ctx, c); !errors.Is(err, ErrNotFound) {
			t.Errorf("update of a missing channel: %v", err)
		}
		if _, err := s.NotifyChannel(ctx, other+100); !errors.Is(err, ErrNotFound) {
			t.Errorf("read of a missing channel: %v", err)
		}
		if err := s.DeleteNotifyChannel(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteNotifyChannel(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("second delete: %v", err)
		}
		if _, err := s.AddNotifyChannel(ctx, NotifyChannel{Name: "x"}); err == nil {
			t.Error("a channel without kind and config was stored")
		}
	})
}

// TestNotifyOutbox publishes to the channels that want an event, claims,
// retries and finishes entries, and deletes a channel with its entries
// and log.
func TestNotifyOutbox(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		ctx := t.Context()
		now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
		n := Notification{EventID: "evt_1", EventType: "report.received", Message: []byte(`{"m":1}`), NextAt: now, Created: now}
		if count, err := s.PublishNotification(ctx, n); err != nil || count != 0 {
			t.Fatalf("publish without channels: %d, %v", count, err)
		}
		all := addTestChannel(t, s, "all", true)
		addTestChannel(t, s, "sources", true, "source.new")
		addTestChannel(t, s, "disabled", false)
		reports := addTestChannel(t, s, "reports", true, "alert.triggered", "report.received")
		// A type whose LIKE pattern would match others without escaping.
		addTestChannel(t, s, "underscore", true, "report_received")
		count, err := s.PublishNotification(ctx, n)
		if err != nil || count != 2 {
			t.Fatalf("publish: %d, %v", count, err)
		}
		if err := s.EnqueueNotifications(ctx, []Notification{{ChannelID: reports, EventID: "evt_2", EventType: "alert.triggered",
			Message: []byte(`{"m":2}`), NextAt: now.Add(time.Minute), Created: now}}); err != nil {
			t.Fatal(err)
		}

		lease := now.Add(2 * time.Minute)
		claimed, err := s.ClaimNotifications(ctx, now, lease, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(claimed) != 2 || claimed[0].ChannelID != all || claimed[1].ChannelID != reports {
			t.Fatalf("claimed %+v", claimed)
		}
		equal(t, "entry", claimed[0], Notification{ID: claimed[0].ID, ChannelID: all, EventID: "evt_1", EventType: "report.received",
			Message: []byte(`{"m":1}`), NextAt: now, LeaseUntil: lease, Created: now})
		if again, err := s.ClaimNotifications(ctx, now.Add(time.Minute), now.Add(time.Hour), 10); err != nil || len(again) != 1 || again[0].EventID != "evt_2" {
			t.Fatalf("claim while leased: %+v, %v", again, err)
		}

		// The first fails and is retried later; the second is delivered.
		d := NotifyDelivery{ChannelID: all, NotificationID: claimed[0].ID, EventID: "evt_1", EventType: "report.received",
			Attempt: 1, Outcome: DeliveryRetry, StatusCode: 500, Error: "the endpoint answered 500", Duration: 1500 * time.Millisecond, At: now}
		if err := s.FinishNotification(ctx, claimed[0], d, now.Add(10*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishNotification(ctx, claimed[1], NotifyDelivery{ChannelID: reports, NotificationID: claimed[1].ID,
			EventID: "evt_1", EventType: "report.received", Attempt: 1, Outcome: DeliveryOK, StatusCode: 204, At: now}, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ClaimNotifications(ctx, now.Add(5*time.Minute), now.Add(7*time.Minute), 10); err != nil || len(got) != 0 {
			t.Fatalf("claim before the retry is due: %+v, %v", got, err)
		}
		got, err := s.ClaimNotifications(ctx, now.Add(10*time.Minute), now.Add(12*time.Minute), 10)
		if err != nil || len(got) != 1 || got[0].ID != claimed[0].ID || got[0].Attempts != 1 {
			t.Fatalf("claim of the retry: %+v, %v", got, err)
		}
		// A worker whose lease lapsed finds the entry claimed by another
		// and leaves it alone.
		if err := s.FinishNotification(ctx, claimed[0], d, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, s, "notify_outbox"); n != 2 {
			t.Errorf("outbox after a stale finish: %d entries, want 2", n)
		}

		log, err := s.NotifyDeliveries(ctx, all, 10)
		if err != nil {
			t.Fatal(err)
		}
		d.ID = log[1].ID
		if len(log) != 2 {
			t.Fatalf("log: %+v", log)
		}
		equal(t, "oldest delivery", log[1], d)
		id, err := s.LogNotifyDelivery(ctx, NotifyDelivery{ChannelID: all, EventID: "evt_9", EventType: "ping", Attempt: 1,
			Outcome: DeliveryFailed, Error: "no \x00", At: now, Test: true})
		if err != nil {
			t.Fatal(err)
		}
		if log, err := s.NotifyDeliveries(ctx, all, 1); err != nil || len(log) != 1 || log[0].ID != id || !log[0].Test {
			t.Errorf("newest: %+v, %v", log, err)
		}

		if err := s.DeleteNotifyChannel(ctx, all); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, s, "notify_outbox"); n != 1 {
			t.Errorf("outbox after deleting a channel: %d entries, want 1", n)
		}
		if log, err := s.NotifyDeliveries(ctx, all, 10); err != nil || len(log) != 0 {
			t.Errorf("log of a deleted channel: %+v, %v", log, err)
		}
	})
}

func countRows(t *testing.T, s Store, table string) int64 {
	t.Helper()
	var n int64
	if err := queryRow(t, s, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestNotifyDeliveriesPruned keeps the newest NotifyDeliveriesKept
// deliveries of a channel and those of another.
func TestNotifyDeliveriesPruned(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		ctx := t.Context()
		a, other := addTestChannel(t, s, "a", true), addTestChannel(t, s, "b", true)
		if _, err := s.LogNotifyDelivery(ctx, NotifyDelivery{ChannelID: other, EventID: "evt_b", Attempt: 1, Outcome: DeliveryOK}); err != nil {
			t.Fatal(err)
		}
		// NotifyDeliveriesKept in one statement, then 3 more.
		execSQL(t, s, `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
INSERT INTO notify_deliveries (channel_id, notification_id, event_id, event_type, attempt, outcome, status_code, error, duration_ms, at, test)
SELECT ?, 0, 'evt_' || CAST(i AS TEXT), 'ping', 1, 'delivered', 200, '', 0, 0, 0 FROM n`, NotifyDeliveriesKept, a)
		var last int64
		for i := range 3 {
			id, err := s.LogNotifyDelivery(ctx, NotifyDelivery{ChannelID: a, EventID: fmt.Sprint("evt_new", i), Attempt: 1, Outcome: DeliveryOK})
			if err != nil {
				t.Fatal(err)
			}
			last = id
		}
		log, err := s.NotifyDeliveries(ctx, a, 2*NotifyDeliveriesKept)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != NotifyDeliveriesKept || log[0].ID != last || log[len(log)-1].EventID != "evt_3" {
			t.Errorf("kept %d, newest %d, oldest %s", len(log), log[0].ID, log[len(log)-1].EventID)
		}
		if log, err := s.NotifyDeliveries(ctx, other, 10); err != nil || len(log) != 1 {
			t.Errorf("other channel: %+v, %v", log, err)
		}
	})
}

// TestNotifyClaimConcurrent claims an outbox from two stores on one
// database at once: every entry is claimed once.
func TestNotifyClaimConcurrent(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		open := b.newDB(t)
		stores := []Store{open(t, 0), open(t, 0)}
		ctx := t.Context()
		ch := addTestChannel(t, stores[0], "a", true)
		now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
		const entries = 200
		var list []Notification
		for i := range entries {
			list = append(list, Notification{ChannelID: ch, EventID: fmt.Sprint("evt_", i), EventType: "source.new",
				Message: []byte(`{}`), NextAt: now, Created: now})
		}
		if err := stores[0].EnqueueNotifications(ctx, list); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		seen := map[int64]int{}
		var wg sync.WaitGroup
		for w := range 6 {
			wg.Go(func() {
				for {
					got, err := stores[w%2].ClaimNotifications(ctx, now, now.Add(time.Minute), 7)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, n := range got {
						seen[n.ID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != entries {
			t.Errorf("claimed %d entries, want %d", len(seen), entries)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("entry %d claimed %d times", id, n)
			}
		}
	})
}
