package alert

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/notify"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/synth"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// newDomain stores the first report of a new domain n, received at at:
// a new_domain rule alerts on it.
func newDomain(t *testing.T, st store.Store, n int, at time.Time) string {
	t.Helper()
	d := fmt.Sprintf("d%d.example", n)
	storeDay(t, st, d, at.Truncate(day).Add(-day), at, pass("192.0.2.1", 10))
	return d
}

// TestDedup: a condition found in several rounds is one alert and one
// message; when it goes and comes back, it is a new alert.
func TestDedup(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st store.Store) {
		e, n, c := newEngine(st, now, notify.Channel{ID: 1, Name: "ops", Kind: notify.KindSlack, Enabled: true})
		rule := addRule(t, e, Rule{Name: "compliance", Type: TypeComplianceBelow, Channels: []int64{1}})
		history(t, st, "example.com", newest, 10, steady)
		storeDay(t, st, "example.com", newest, now, pass("192.0.2.1", 700), fail("198.51.100.9", 300))
		for i := range 3 {
			c.set(now.Add(time.Duration(i) * time.Minute))
			evaluate(t, e)
		}
		as := alerts(t, e)
		sent, _ := n.take()
		if len(as) != 1 || len(sent) != 1 || sent[0].channel != 1 || !as[0].LastSeen.Equal(now.Add(2*time.Minute)) {
			t.Fatalf("alerts %+v, sent %+v", as, sent)
		}
		var data webhook.AlertTriggeredData
		m := sent[0].m
		if m.Event.Type != webhook.AlertTriggered || json.Unmarshal(m.Event.Data, &data) != nil || data.AlertID != alertID(as[0].ID) ||
			data.Rule != rule.Name || data.Type != TypeComplianceBelow || data.Domain != "example.com" || data.Title != m.Title ||
			m.Title != as[0].Title || len(m.Facts) != len(as[0].Facts) || !m.Event.Timestamp.Equal(now) {
			t.Errorf("message %+v, data %+v", m, data)
		}

		// Recovered, then down again: a second alert.
		storeDay(t, st, "example.com", newest.AddDate(0, 0, 1), now.AddDate(0, 0, 1), steady(0, now)...)
		c.set(now.AddDate(0, 0, 1))
		evaluate(t, e)
		storeDay(t, st, "example.com", newest.AddDate(0, 0, 2), now.AddDate(0, 0, 2), fail("198.51.100.9", 500))
		c.set(now.AddDate(0, 0, 2))
		evaluate(t, e)
		as = alerts(t, e)
		if len(as) != 2 || as[0].State != store.AlertOpen || as[1].State != store.AlertResolved || as[0].Title != "example.com: DMARC compliance 0% (below 90%)" {
			t.Errorf("after coming back: %+v", as)
		}
		if sent, _ := n.take(); len(sent) != 1 {
			t.Errorf("sent after coming back: %+v", sent)
		}
	})
}

// TestAcknowledgeResolve: acknowledge and resolve by a person; resolved
// by hand while the condition holds, it stays silent until the condition
// clears.
func TestAcknowledgeResolve(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		e, n, c := newEngine(st, now, notify.Channel{ID: 1, Name: "ops", Kind: notify.KindSlack, Enabled: true})
		addRule(t, e, Rule{Name: "domains", Type: TypeNewDomain})
		newDomain(t, st, 1, now.Add(-time.Hour))
		evaluate(t, e)
		as := alerts(t, e)
		if len(as) != 1 {
			t.Fatalf("alerts: %+v", as)
		}
		id := as[0].ID
		c.set(now.Add(time.Minute))
		a, err := e.Acknowledge(ctx, id, "alice")
		if err != nil || a.State != store.AlertAcknowledged || a.AckedBy != "alice" || !a.Acked.Equal(now.Add(time.Minute)) || !a.Active {
			t.Errorf("acknowledged: %+v, %v", a, err)
		}
		c.set(now.Add(2 * time.Minute))
		a, err = e.Resolve(ctx, id, "bob")
		if err != nil || a.State != store.AlertResolved || a.ResolvedBy != "bob" || !a.Active || a.AckedBy != "alice" {
			t.Errorf("resolved: %+v, %v", a, err)
		}
		if a, err := e.Resolve(ctx, id, "carol"); err != nil || a.ResolvedBy != "bob" {
			t.Errorf("resolved again: %+v, %v", a, err)
		}
		if _, err := e.Acknowledge(ctx, id, "dave"); !errors.Is(err, ErrResolved) {
			t.Errorf("acknowledged when resolved: %v", err)
		}
		if _, err := e.Acknowledge(ctx, 999, "dave"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("acknowledged a missing alert: %v", err)
		}
		// The condition holds: no new alert.
		evaluate(t, e)
		if as := alerts(t, e); len(as) != 1 {
			t.Errorf("alerts after resolving by hand: %+v", as)
		}
		// It clears (the domain is no longer new): the alert keeps who
		// resolved it.
		c.set(now.AddDate(0, 0, NewDays))
		evaluate(t, e)
		a, _ = e.Alert(ctx, id)
		if a.Active || a.ResolvedBy != "bob" || !a.Resolved.Equal(now.Add(2*time.Minute)) {
			t.Errorf("cleared: %+v", a)
		}
		if sent, _ := n.take(); len(sent) != 1 {
			t.Errorf("sent: %+v", sent)
		}
	})
}

// TestRouting: a rule without channels goes to the enabled channels
// subscribed to alert.triggered; one with channels to those; disabling
// or deleting a rule clears its alerts.
func TestRouting(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		e, n, c := newEngine(st, now,
			notify.Channel{ID: 1, Name: "all", Kind: notify.KindWebhook, Enabled: true},
			notify.Channel{ID: 2, Name: "alerts", Kind: notify.KindSlack, Enabled: true, Events: []string{webhook.AlertTriggered}},
			notify.Channel{ID: 3, Name: "reports", Kind: notify.KindWebhook, Enabled: true, Events: []string{webhook.ReportReceived}},
			notify.Channel{ID: 4, Name: "off", Kind: notify.KindEmail, Enabled: false})
		all := addRule(t, e, Rule{Name: "domains", Type: TypeNewDomain})
		newDomain(t, st, 1, now.Add(-time.Hour))
		evaluate(t, e)
		sent, _ := n.take()
		var to []int64
		for _, s := range sent {
			to = append(to, s.channel)
		}
		slices.Sort(to)
		if !slices.Equal(to, []int64{1, 2}) {
			t.Errorf("sent to %v", to)
		}

		if _, err := e.CreateRule(ctx, Rule{Name: "x", Type: TypeNewDomain, Channels: []int64{9}}); err == nil {
			t.Error("rule with a channel that is not there stored")
		}
		listed := addRule(t, e, Rule{Name: "listed", Type: TypeNewDomain, Channels: []int64{3, 4}, Severity: "critical"})
		c.set(now.Add(time.Minute))
		newDomain(t, st, 2, now)
		evaluate(t, e)
		sent, _ = n.take()
		// d2.example: rule "domains" to 1 and 2; rule "listed" (d1 and
		// d2) to 3 only, 4 being disabled.
		got := map[int64]int{}
		for _, s := range sent {
			got[s.channel]++
			if s.channel == 3 && s.m.Severity != "critical" {
				t.Errorf("severity of the rule: %+v", s.m)
			}
		}
		if len(got) != 3 || got[1] != 1 || got[2] != 1 || got[3] != 1 {
			t.Errorf("sent to %v: %+v", got, sent)
		}

		listed.Enabled = false
		if _, err := e.UpdateRule(ctx, listed.ID, listed); err != nil {
			t.Fatal(err)
		}
		if err := e.DeleteRule(ctx, all.ID); err != nil {
			t.Fatal(err)
		}
		for _, a := range alerts(t, e) {
			if a.Active || a.State != store.AlertResolved {
				t.Errorf("alert of a rule disabled or deleted: %+v", a)
			}
		}
		evaluate(t, e)
		if as := alerts(t, e); len(as) != 4 {
			t.Errorf("alerts after a round without rules: %d", len(as))
		}
	})
}

// TestRateLimit: a channel with a limit of 2 an hour gets two messages;
// the alerts after wait, and go out in one message when the oldest send
// of the hour ages out.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		e, n, c := newEngine(st, now,
			notify.Channel{ID: 1, Name: "limited", Kind: notify.KindSlack, Enabled: true, MaxPerHour: 2},
			notify.Channel{ID: 2, Name: "free", Kind: notify.KindWebhook, Enabled: true})
		addRule(t, e, Rule{Name: "domains", Type: TypeNewDomain})
		for i := range 5 {
			at := now.Add(time.Duration(i) * 10 * time.Minute)
			c.set(at)
			newDomain(t, st, i, at)
			evaluate(t, e)
		}
		count := func(sent []sent, ch int64) (out []sent) {
			for _, s := range sent {
				if s.channel == ch {
					out = append(out, s)
				}
			}
			return out
		}
		sent, _ := n.take()
		if got := count(sent, 1); len(got) != 2 || !strings.HasPrefix(got[1].m.Title, "New domain d1.example") {
			t.Fatalf("limited channel got %d: %+v", len(got), got)
		}
		if got := count(sent, 2); len(got) != 5 {
			t.Errorf("free channel got %d", len(got))
		}
		// Within the hour of the first send: nothing.
		c.set(now.Add(60 * time.Minute))
		if err := e.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if sent, _ := n.take(); len(sent) != 0 {
			t.Errorf("sent within the limit's hour: %+v", sent)
		}
		c.set(now.Add(61 * time.Minute))
		if err := e.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		sent, _ = n.take()
		if len(sent) != 1 || sent[0].channel != 1 {
			t.Fatalf("sent after the hour: %+v", sent)
		}
		m := sent[0].m
		var data webhook.AlertTriggeredData
		json.Unmarshal(m.Event.Data, &data)
		if m.Title != "New domain d4.example: its first DMARC report came (and 2 more alerts)" ||
			!strings.Contains(m.Summary, "2 more alerts held by the limit of 2 messages an hour:\n- [info] New domain d3.example") ||
			!strings.Contains(m.Summary, "- [info] New domain d2.example") || data.Title != m.Title || data.Summary != m.Summary ||
			fact(m.Facts, "More alerts") == "" {
			t.Errorf("summary: %+v", m)
		}
		// The summary counts: the limit holds again.
		c.set(now.Add(62 * time.Minute))
		newDomain(t, st, 9, now.Add(62*time.Minute))
		evaluate(t, e)
		sent, _ = n.take()
		if got := count(sent, 1); len(got) != 0 {
			t.Errorf("limited channel within the limit: %+v", got)
		}
	})
}

// TestQuietHours: alerts to a channel with quiet hours 22:00 to 07:00
// Europe/Berlin wait and go out in one summary when they end, also on the
// nights daylight saving time starts and ends, whose quiet hours are an
// hour shorter and longer in UTC.
func TestQuietHours(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		start time.Time // 22:00 local, in UTC
		end   time.Time // 07:00 local, in UTC
	}{
		{"winter", time.Date(2026, 1, 13, 21, 0, 0, 0, time.UTC), time.Date(2026, 1, 14, 6, 0, 0, 0, time.UTC)},
		{"summer", time.Date(2026, 7, 14, 20, 0, 0, 0, time.UTC), time.Date(2026, 7, 15, 5, 0, 0, 0, time.UTC)},
		// 2026-03-29: 02:00 CET becomes 03:00 CEST.
		{"spring forward", time.Date(2026, 3, 28, 21, 0, 0, 0, time.UTC), time.Date(2026, 3, 29, 5, 0, 0, 0, time.UTC)},
		// 2026-10-25: 03:00 CEST becomes 02:00 CET.
		{"fall back", time.Date(2026, 10, 24, 20, 0, 0, 0, time.UTC), time.Date(2026, 10, 25, 6, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			eachStore(t, func(t *testing.T, st store.Store) {
				ctx := t.Context()
				quiet := &notify.QuietHours{Start: "22:00", End: "07:00", TZ: "Europe/Berlin"}
				e, n, c := newEngine(st, tc.start.Add(-time.Minute),
					notify.Channel{ID: 1, Name: "night", Kind: notify.KindSlack, Enabled: true, QuietHours: quiet})
				addRule(t, e, Rule{Name: "domains", Type: TypeNewDomain})
				// Before: sent at once.
				newDomain(t, st, 0, c.now())
				evaluate(t, e)
				if sent, _ := n.take(); len(sent) != 1 {
					t.Fatalf("before the quiet hours: %+v", sent)
				}
				// At the start, before midnight, and after it: held.
				for i, at := range []time.Time{tc.start, tc.start.Add(2 * time.Hour), tc.start.Add(4 * time.Hour), tc.end.Add(-time.Minute)} {
					c.set(at)
					newDomain(t, st, i+1, at)
					evaluate(t, e)
					if sent, _ := n.take(); len(sent) != 0 {
						t.Fatalf("during the quiet hours at %v: %+v", at, sent)
					}
				}
				c.set(tc.end)
				if err := e.Flush(ctx); err != nil {
					t.Fatal(err)
				}
				sent, _ := n.take()
				if len(sent) != 1 {
					t.Fatalf("at the end of the quiet hours: %+v", sent)
				}
				m := sent[0].m
				if !strings.HasPrefix(m.Title, "New domain d4.example") || !strings.HasSuffix(m.Title, "(and 3 more alerts)") ||
					!strings.Contains(m.Summary, "3 more alerts held during the quiet hours (22:00 to 07:00, Europe/Berlin):") {
					t.Errorf("summary: %+v", m)
				}
				if err := e.Flush(ctx); err != nil {
					t.Fatal(err)
				}
				if sent, _ := n.take(); len(sent) != 0 {
					t.Errorf("sent twice: %+v", sent)
				}
			})
		})
	}
}

// TestNotifyAfterCrash: an alert opened but never queued (the process
// stopped between the two) is sent by the next round.
func TestNotifyAfterCrash(t *testing.T) {
	t.Parallel()
	st := openSQLite(t)
	e, n, _ := newEngine(st, now, notify.Channel{ID: 1, Name: "ops", Kind: notify.KindSlack, Enabled: true})
	rule := addRule(t, e, Rule{Name: "domains", Type: TypeNewDomain, Domain: "example.org"})
	if _, _, err := st.OpenAlert(t.Context(), store.Alert{RuleID: rule.ID, Key: "other", Domain: "example.org", Type: TypeNewDomain,
		Severity: "info", Title: "left over", Facts: []byte("[]"), Opened: now}); err != nil {
		t.Fatal(err)
	}
	// The round cannot judge the domain (it has no reports), so the
	// alert stays, and is sent.
	evaluate(t, e)
	sent, _ := n.take()
	if len(sent) != 1 || sent[0].m.Title != "left over" {
		t.Errorf("sent: %+v", sent)
	}
}

// TestStored: a report stored through ingest names its domain for the
// next round; a duplicate does not.
func TestStored(t *testing.T) {
	t.Parallel()
	st := openSQLite(t)
	e, _, _ := newEngine(st, now)
	im := &ingest.Importer{Store: st, Stored: e.Stored}
	var b bytes.Buffer
	synth.Write(&b, synth.Options{Records: 5, Domain: "example.org", Begin: newest})
	for range 2 {
		if _, err := im.ImportReader(t.Context(), "r.xml", bytes.NewReader(b.Bytes())); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.takePending(); !slices.Equal(got, []string{"example.org"}) {
		t.Errorf("pending: %v", got)
	}
	if got := e.takePending(); len(got) != 0 {
		t.Errorf("pending after taking: %v", got)
	}
}
