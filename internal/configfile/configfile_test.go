package configfile

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/alert"
	"github.com/parse-dmarc/parse-dmarc/internal/notify"
	"github.com/parse-dmarc/parse-dmarc/internal/secretbox"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// settings is a file with a channel of each kind that takes a secret by
// reference, a rule and a schedule naming them.
const settings = `{
  "channels": [
    {"name": "ops", "kind": "slack", "url": "${SLACK_URL}", "enabled": true},
    {"name": "hook", "kind": "webhook", "url": "https://hooks.example/dmarc", "secret": "${HOOK_SECRET}", "enabled": true}
  ],
  "alert_rules": [
    {"name": "Compliance", "type": "compliance_below", "settings": {"threshold": 85}, "channels": ["ops", "hook"], "enabled": true}
  ],
  "schedules": [
    {"name": "Weekly", "kind": "weekly", "weekday": "Mon", "time": "08:00", "time_zone": "Europe/Paris", "channels": ["ops"], "pdf": true}
  ]
}`

func env(name string) string {
	return map[string]string{"SLACK_URL": "https://hooks.slack.com/services/T/B/x", "HOOK_SECRET": "s3cret"}[name]
}

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "settings.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func targets(t *testing.T) (Targets, store.Store) {
	t.Helper()
	st, err := store.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	box, err := secretbox.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	return Targets{Notify: notify.New(st, box, log), Alerts: &alert.Engine{Store: st, Log: log}, Store: st}, st
}

// TestApply applies the file twice (created, then updated in place, the
// dashboard's own entries left alone) and reads everything back.
func TestApply(t *testing.T) {
	t.Parallel()
	tg, st := targets(t)
	ctx := t.Context()
	// Made in the dashboard: the file does not name it, so it stays.
	if _, err := tg.Alerts.CreateRule(ctx, alert.Rule{Name: "Mine", Type: alert.TypeNewDomain, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	f, err := Load(write(t, settings), env)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := f.Apply(ctx, tg)
	if err != nil {
		t.Fatal(err)
	}
	if sum != (Summary{Channels: Count{Created: 2}, Rules: Count{Created: 1}, Schedules: Count{Created: 1}}) {
		t.Errorf("first apply: %+v", sum)
	}
	if sum, err = f.Apply(ctx, tg); err != nil || sum != (Summary{Channels: Count{Updated: 2}, Rules: Count{Updated: 1}, Schedules: Count{Updated: 1}}) {
		t.Errorf("second apply: %+v, %v", sum, err)
	}

	chans, err := tg.Notify.Channels(ctx)
	if err != nil || len(chans) != 2 {
		t.Fatalf("channels %+v, %v", chans, err)
	}
	ids := map[string]int64{}
	for _, c := range chans {
		ids[c.Name] = c.ID
		if c.Name == "ops" && c.URL != "https://hooks.slack.com/services/T/B/x" || c.Name == "hook" && c.Secret != "s3cret" {
			t.Errorf("secrets not expanded: %+v", c)
		}
	}
	rules, err := tg.Alerts.Rules(ctx)
	if err != nil || len(rules) != 2 {
		t.Fatalf("rules %+v, %v", rules, err)
	}
	for _, r := range rules {
		if r.Name == "Compliance" && (len(r.Channels) != 2 || !strings.Contains(string(r.Settings), `"threshold":85`)) {
			t.Errorf("rule %+v", r)
		}
	}
	scs, err := st.Schedules(ctx)
	if err != nil || len(scs) != 1 {
		t.Fatalf("schedules %+v, %v", scs, err)
	}
	if sc := scs[0]; sc.Day != 1 || sc.TimeZone != "Europe/Paris" || !sc.PDF || !sc.Enabled || len(sc.Channels) != 1 || sc.Channels[0] != ids["ops"] {
		t.Errorf("schedule %+v", sc)
	}
}

// TestLoadErrors: every mistake is named with the file and the entry.
func TestLoadErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, body, want string }{
		{"not JSON", `{`, "unexpected EOF"},
		{"unknown key", `{"rules": []}`, `unknown field "rules"`},
		{"secret not set", `{"channels": [{"name": "x", "kind": "slack", "url": "${NOPE}"}]}`, "NOPE is not set"},
		{"bad rule", `{"alert_rules": [{"name": "r", "type": "compliance_below", "settings": {"threshold": 120}}]}`, "alert rule 1 (r): settings.threshold"},
		{"rule twice", `{"alert_rules": [{"name": "r", "type": "new_domain"}, {"name": "r", "type": "new_domain"}]}`, "alert rule 2 (r): the name is used twice"},
		{"bad schedule", `{"schedules": [{"name": "s", "kind": "weekly", "weekday": "someday", "time": "08:00"}]}`, "schedule 1 (s): invalid schedule: weekday"},
		{"bad time zone", `{"schedules": [{"name": "s", "kind": "daily", "time": "08:00", "time_zone": "Mars/Olympus"}]}`, "time_zone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := write(t, tc.body)
			_, err := Load(p, env)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("error %v, want %q naming %s", err, tc.want, p)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "none.json"), env); err == nil || !strings.Contains(err.Error(), "none.json") {
		t.Errorf("missing file: %v", err)
	}
}

// TestApplyUnknownChannel: a rule naming no channel stops the apply.
func TestApplyUnknownChannel(t *testing.T) {
	t.Parallel()
	tg, _ := targets(t)
	f, err := Load(write(t, `{"alert_rules": [{"name": "r", "type": "new_domain", "channels": ["nowhere"]}]}`), env)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Apply(t.Context(), tg); err == nil || !strings.Contains(err.Error(), `alert rule r: no channel is named "nowhere"`) {
		t.Errorf("apply: %v", err)
	}
}
