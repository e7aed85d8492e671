package notify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadAndApplyChannels reads a channels file with secrets from the
// environment and applies it twice: the second time updates by name, and
// a channel made in the dashboard stays.
func TestLoadAndApplyChannels(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "channels.json")
	os.WriteFile(path, []byte(`{"channels": [
		{"name": "SIEM", "kind": "webhook", "enabled": true, "url": "https://siem.example.com/in", "secret": "${SIEM_SECRET}",
		 "headers": {"Authorization": "${SIEM_AUTH}"}, "events": ["source.new"]},
		{"name": "Ops", "kind": "slack", "enabled": true, "url": "${SLACK_URL}", "max_per_hour": 4,
		 "quiet_hours": {"start": "22:00", "end": "07:00", "tz": "Europe/Berlin"}}
	]}`), 0o600)
	env := map[string]string{"SIEM_SECRET": "s3cret", "SIEM_AUTH": "Bearer x", "SLACK_URL": "https://hooks.slack.com/services/T/B/X"}
	list, err := LoadChannels(path, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if list[0].Secret != "s3cret" || list[0].Headers["Authorization"] != "Bearer x" || list[1].URL != env["SLACK_URL"] {
		t.Fatalf("expanded: %+v", list)
	}
	s := newService(t, backends()[0].newDB(t)(), testKey(t), newClock())
	manual, err := s.CreateChannel(t.Context(), Channel{Name: "Manual", Kind: KindWebhook, URL: "https://example.com/"})
	if err != nil {
		t.Fatal(err)
	}
	if c, u, err := s.Apply(t.Context(), list); err != nil || c != 2 || u != 0 {
		t.Fatalf("first apply: %d created, %d updated, %v", c, u, err)
	}
	list[1].MaxPerHour = 9
	if c, u, err := s.Apply(t.Context(), list); err != nil || c != 0 || u != 2 {
		t.Fatalf("second apply: %d created, %d updated, %v", c, u, err)
	}
	all, err := s.Channels(t.Context())
	if err != nil || len(all) != 3 || all[0].ID != manual.ID || all[2].MaxPerHour != 9 || all[1].Secret != "s3cret" {
		t.Errorf("channels %+v, %v", all, err)
	}

	for body, want := range map[string]string{
		`{"channels": [{"name": "a", "kind": "slack", "url": "${MISSING}"}]}`:                                                      "MISSING is not set",
		`{"channels": [{"name": "a", "kind": "pager", "url": "https://x/"}]}`:                                                      "kind",
		`{"channels": [{"name": "a", "kind": "slack", "url": "https://x/"}, {"name": "a", "kind": "slack", "url": "https://y/"}]}`: "used twice",
		`{"chanels": []}`: "unknown field",
	} {
		os.WriteFile(path, []byte(body), 0o600)
		if _, err := LoadChannels(path, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %s", body, err, want)
		}
	}
}
