package store

import (
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestAlertRules adds, lists, updates and deletes rules; disabling or
// deleting a rule clears its active alerts.
func TestAlertRules(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		ctx := t.Context()
		at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
		r := AlertRule{Name: "Compliance below 90%", Type: "compliance_below", Domain: "example.com",
			Settings: []byte(`{"threshold":90}`), Channels: []int64{3, 1}, Severity: "critical", Enabled: true}
		id, err := s.AddAlertRule(ctx, r, at)
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.AddAlertRule(ctx, AlertRule{Name: "New domains", Type: "new_domain"}, at)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.AlertRule(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		r.ID, r.Created, r.Updated = id, at, at
		equal(t, "rule", got, r)
		list, err := s.AlertRules(ctx)
		if err != nil || len(list) != 2 || list[0].ID != id || list[1].ID != other {
			t.Fatalf("rules: %+v, %v", list, err)
		}
		equal(t, "no channels", list[1].Channels, []int64{})
		equal(t, "no settings", string(list[1].Settings), "{}")

		later := at.Add(time.Hour)
		r.Name, r.Settings, r.Updated = "Compliance below 80%", []byte(`{"threshold":80}`), later
		if err := s.UpdateAlertRule(ctx, r, later); err != nil {
			t.Fatal(err)
		}
		got, _ = s.AlertRule(ctx, id)
		equal(t, "updated", got, r)

		if _, err := s.AlertRule(ctx, 999); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing rule: %v", err)
		}
		if err := s.UpdateAlertRule(ctx, AlertRule{ID: 999, Name: "x", Type: "y"}, later); !errors.Is(err, ErrNotFound) {
			t.Errorf("update missing rule: %v", err)
		}
		if err := s.DeleteAlertRule(ctx, 999, later); !errors.Is(err, ErrNotFound) {
			t.Errorf("delete missing rule: %v", err)
		}
		if _, err := s.AddAlertRule(ctx, AlertRule{Type: "y"}, later); err == nil {
			t.Error("rule without a name stored")
		}

		// Disabling clears the active alerts; a resolved one keeps who
		// resolved it.
		a1 := openAlert(t, s, Alert{RuleID: id, Key: "compliance", Opened: at})
		a2 := openAlert(t, s, Alert{RuleID: id, Key: "other", Opened: at})
		if _, err := s.ResolveAlert(ctx, a2.ID, "alice", at); err != nil {
			t.Fatal(err)
		}
		r.Enabled = false
		if err := s.UpdateAlertRule(ctx, r, later); err != nil {
			t.Fatal(err)
		}
		got1, _ := s.Alert(ctx, a1.ID)
		got2, _ := s.Alert(ctx, a2.ID)
		if got1.State != AlertResolved || got1.ResolvedBy != "rule disabled" || !got1.Cleared.Equal(later) || !got1.Resolved.Equal(later) {
			t.Errorf("alert of a disabled rule: %+v", got1)
		}
		if got2.ResolvedBy != "alice" || !got2.Resolved.Equal(at) || !got2.Cleared.Equal(later) {
			t.Errorf("resolved alert of a disabled rule: %+v", got2)
		}

		a3 := openAlert(t, s, Alert{RuleID: other, Key: "example.net", Opened: at})
		if err := s.DeleteAlertRule(ctx, other, later); err != nil {
			t.Fatal(err)
		}
		got3, _ := s.Alert(ctx, a3.ID)
		if got3.State != AlertResolved || got3.ResolvedBy != "rule deleted" {
			t.Errorf("alert of a deleted rule: %+v", got3)
		}
		if _, err := s.AlertRule(ctx, other); !errors.Is(err, ErrNotFound) {
			t.Errorf("deleted rule: %v", err)
		}
	})
}

func openAlert(t *testing.T, s Store, a Alert) Alert {
	t.Helper()
	if a.Title == "" {
		a.Title = "title of " + a.Key
	}
	got, opened, err := s.OpenAlert(t.Context(), a)
	if err != nil || !opened {
		t.Fatalf("open %s: %+v, %v, %v", a.Key, got, opened, err)
	}
	return got
}

// TestAlerts opens alerts once per rule and condition, acknowledges,
// resolves and clears them, and lists them with filters and a cursor.
func TestAlerts(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		ctx := t.Context()
		at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
		want := Alert{RuleID: 7, RuleName: "New sources", Key: "source:192.0.2.1", Domain: "example.com", Type: "new_source",
			Severity: "warning", Title: "New source", Summary: "192.0.2.1 sent 500 messages.", Facts: []byte(`[{"name":"IP","value":"192.0.2.1"}]`),
			Opened: at}
		a, opened, err := s.OpenAlert(ctx, want)
		if err != nil || !opened {
			t.Fatalf("open: %v, %v", opened, err)
		}
		want.ID, want.State, want.LastSeen = a.ID, AlertOpen, at
		equal(t, "opened", a, want)

		// The same condition again: the active alert, not a new one.
		again, opened, err := s.OpenAlert(ctx, Alert{RuleID: 7, Key: "source:192.0.2.1", Title: "again", Opened: at.Add(time.Hour)})
		if err != nil || opened || again.ID != a.ID || again.Title != "New source" {
			t.Errorf("opened twice: %+v, %v, %v", again, opened, err)
		}
		// Another rule, same key: an alert of its own.
		b2 := openAlert(t, s, Alert{RuleID: 8, Key: "source:192.0.2.1", Domain: "example.org", Opened: at})

		if err := s.SeeAlerts(ctx, []int64{a.ID}, at.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		acked, err := s.AckAlert(ctx, a.ID, "bob", at.Add(3*time.Hour))
		if err != nil || acked.State != AlertAcknowledged || acked.AckedBy != "bob" || !acked.Acked.Equal(at.Add(3*time.Hour)) ||
			!acked.LastSeen.Equal(at.Add(2*time.Hour)) {
			t.Errorf("acknowledged: %+v, %v", acked, err)
		}
		// Acknowledging again changes nothing.
		if again, err := s.AckAlert(ctx, a.ID, "carol", at.Add(4*time.Hour)); err != nil || again.AckedBy != "bob" {
			t.Errorf("acknowledged twice: %+v, %v", again, err)
		}
		// Resolved by hand: still active, so the condition does not open
		// another alert while it holds.
		res, err := s.ResolveAlert(ctx, a.ID, "carol", at.Add(5*time.Hour))
		if err != nil || res.State != AlertResolved || res.ResolvedBy != "carol" || !res.Cleared.IsZero() {
			t.Errorf("resolved: %+v, %v", res, err)
		}
		if _, opened, _ := s.OpenAlert(ctx, Alert{RuleID: 7, Key: "source:192.0.2.1", Opened: at.Add(6 * time.Hour)}); opened {
			t.Error("opened again while resolved by hand and active")
		}
		if _, err := s.AckAlert(ctx, a.ID, "dave", at); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Alert(ctx, a.ID); got.State != AlertResolved {
			t.Errorf("a resolved alert acknowledged: %+v", got)
		}
		active, err := s.ActiveAlerts(ctx, 7)
		if err != nil || len(active) != 1 || active[0].ID != a.ID {
			t.Errorf("active of rule 7: %+v, %v", active, err)
		}
		// The condition clears: no longer active, resolver kept; then it
		// comes back as a new alert.
		if err := s.ClearAlert(ctx, a.ID, at.Add(7*time.Hour), ""); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Alert(ctx, a.ID)
		if !got.Cleared.Equal(at.Add(7*time.Hour)) || got.ResolvedBy != "carol" || !got.Resolved.Equal(at.Add(5*time.Hour)) {
			t.Errorf("cleared: %+v", got)
		}
		c := openAlert(t, s, Alert{RuleID: 7, Key: "source:192.0.2.1", Domain: "example.com", Opened: at.Add(8 * time.Hour)})
		if err := s.ClearAlert(ctx, c.ID, at.Add(9*time.Hour), ""); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Alert(ctx, c.ID)
		if got.State != AlertResolved || got.ResolvedBy != "" || !got.Resolved.Equal(at.Add(9*time.Hour)) {
			t.Errorf("resolved as it cleared: %+v", got)
		}
		active, _ = s.ActiveAlerts(ctx, 0)
		if len(active) != 1 || active[0].ID != b2.ID {
			t.Errorf("active: %+v", active)
		}
		if _, err := s.Alert(ctx, 999); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing alert: %v", err)
		}
		if _, err := s.AckAlert(ctx, 999, "x", at); !errors.Is(err, ErrNotFound) {
			t.Errorf("acknowledge a missing alert: %v", err)
		}

		ids := func(f AlertFilter) []int64 {
			t.Helper()
			list, err := s.Alerts(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, a := range list {
				out = append(out, a.ID)
			}
			return out
		}
		equal(t, "all", ids(AlertFilter{}), []int64{c.ID, b2.ID, a.ID})
		equal(t, "open", ids(AlertFilter{State: AlertOpen}), []int64{b2.ID})
		equal(t, "example.com", ids(AlertFilter{Domain: "example.com"}), []int64{c.ID, a.ID})
		equal(t, "page 1", ids(AlertFilter{Limit: 2}), []int64{c.ID, b2.ID})
		equal(t, "page 2", ids(AlertFilter{Limit: 2, BeforeID: b2.ID}), []int64{a.ID})
		equal(t, "rule 8", ids(AlertFilter{RuleID: 8}), []int64{b2.ID})
	})
}

// TestAlertQueue queues notifications per channel, sends some and counts
// the sends of the last hour.
func TestAlertQueue(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		ctx := t.Context()
		at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
		a1 := openAlert(t, s, Alert{RuleID: 1, Key: "a", Opened: at})
		a2 := openAlert(t, s, Alert{RuleID: 1, Key: "b", Opened: at})
		if err := s.QueueAlert(ctx, a1.ID, []int64{2, 1}, at); err != nil {
			t.Fatal(err)
		}
		if err := s.QueueAlert(ctx, a2.ID, []int64{1}, at.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		// Queued twice: once.
		if err := s.QueueAlert(ctx, a2.ID, []int64{1}, at.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Alert(ctx, a1.ID); !got.Notified {
			t.Error("queued alert not marked notified")
		}
		q, err := s.QueuedAlerts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "queue", q, []QueuedAlert{{1, a1.ID, at}, {1, a2.ID, at.Add(time.Minute)}, {2, a1.ID, at}})

		if err := s.AlertsSent(ctx, 1, []int64{a1.ID, a2.ID}, at.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.AlertsSent(ctx, 1, nil, at.Add(90*time.Minute)); err != nil {
			t.Fatal(err)
		}
		q, _ = s.QueuedAlerts(ctx)
		equal(t, "queue after sending", q, []QueuedAlert{{2, a1.ID, at}})
		for _, tc := range []struct {
			since time.Time
			want  int
		}{{at, 2}, {at.Add(time.Hour), 2}, {at.Add(61 * time.Minute), 1}, {at.Add(2 * time.Hour), 0}} {
			if n, err := s.AlertSends(ctx, 1, tc.since); err != nil || n != tc.want {
				t.Errorf("sends since %v: %d, %v; want %d", tc.since, n, err, tc.want)
			}
		}
		if n, _ := s.AlertSends(ctx, 2, at); n != 0 {
			t.Errorf("sends of channel 2: %d", n)
		}
		// A send a day later prunes the old records.
		if err := s.AlertsSent(ctx, 2, []int64{a1.ID}, at.Add(26*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.AlertSends(ctx, 1, at); n != 0 {
			t.Errorf("sends of channel 1 after pruning: %d", n)
		}
	})
}

// TestNoteDomains notes domains with the receipt of their first report.
func TestNoteDomains(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		ctx := t.Context()
		at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
		for i, d := range []string{"example.com", "example.com", "example.org"} {
			store(t, s, Incoming{Header: testHeader("google.com", "r"+string(rune('a'+i)), d), SourceName: "t",
				ReceivedAt: at.Add(time.Duration(2-i) * time.Hour)}, nil, Summary{})
		}
		if err := s.NoteDomains(ctx, []string{"example.com", "nothing.example"}); err != nil {
			t.Fatal(err)
		}
		got, err := s.DomainFirstReports(ctx)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "noted", got, map[string]time.Time{"example.com": at.Add(time.Hour)})
		// Noted once: a later report changes nothing.
		if err := s.NoteDomains(ctx, []string{"example.com", "example.org"}); err != nil {
			t.Fatal(err)
		}
		got, _ = s.DomainFirstReports(ctx)
		equal(t, "noted again", got, map[string]time.Time{"example.com": at.Add(time.Hour), "example.org": at})
	})
}

// TestAlertDomainsMigration: the migration notes the domains stored
// before it, so none of them counts as new.
func TestAlertDomainsMigration(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := sql.Open("sqlite", sqliteDSN(path, nil, true))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	i := slices.IndexFunc(sqliteMigrations, func(m migration) bool { return m.name == "alerts" })
	if _, err := migrate(ctx, db, sqliteMigrations[:i]); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		domain string
		at     int64
	}{{"example.com", 2000}, {"example.com", 1000}, {"example.org", 3000}} {
		if _, err := db.ExecContext(ctx, `INSERT INTO reports (org_name, email, extra_contact_info, report_id, report_key, domain,
	adkim, aspf, policy, subdomain_policy, percentage, nonexistent_subdomain_policy, failure_options, testing, discovery_method,
	date_begin, date_end, duration_hours, generator, version, namespace, source_name, sha256, received_at, status,
	record_count, message_count, pass_count, dkim_pass_count, spf_pass_count)
	VALUES ('o', '', '', ?, ?, ?, '', '', '', '', 100, '', '', '', '', 0, 0, 24, '', '', '', '', '', ?, 'valid', 0, 0, 0, 0, 0)`,
			r.at, r.at, r.domain, r.at); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := migrate(ctx, db, sqliteMigrations); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	rows, err := db.QueryContext(ctx, `SELECT domain, first_report FROM alert_domains`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var d string
		var at int64
		if err := rows.Scan(&d, &at); err != nil {
			t.Fatal(err)
		}
		got[d] = at
	}
	equal(t, "noted by the migration", got, map[string]int64{"example.com": 1000, "example.org": 3000})
}
