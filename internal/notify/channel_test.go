package notify

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	email := func(e EmailConfig) *EmailConfig { return &e }
	ok := EmailConfig{Host: "smtp.example.com", From: "DMARC <dmarc@example.com>", To: []string{"ops@example.com"}}
	tests := []struct {
		name  string
		c     Channel
		field string // "" when valid
	}{
		{"webhook", Channel{Name: "siem", Kind: KindWebhook, URL: "https://example.com/hook", Headers: map[string]string{"Authorization": "Bearer x"}, Secret: "k"}, ""},
		{"slack", Channel{Name: "ops", Kind: KindSlack, URL: "https://hooks.slack.com/services/T/B/X", Events: []string{"source.new", "source.new"}}, ""},
		{"email", Channel{Name: "mail", Kind: KindEmail, Email: email(ok)}, ""},
		{"quiet hours", Channel{Name: "q", Kind: KindDiscord, URL: "https://discord.com/api/webhooks/1/x", QuietHours: &QuietHours{Start: "22:00", End: "07:00", TZ: "Europe/Berlin"}}, ""},
		{"no name", Channel{Name: " ", Kind: KindWebhook, URL: "https://example.com/"}, "name"},
		{"unknown kind", Channel{Name: "x", Kind: "pager", URL: "https://example.com/"}, "kind"},
		{"unknown event", Channel{Name: "x", Kind: KindWebhook, URL: "https://example.com/", Events: []string{"ping"}}, "events"},
		{"no URL", Channel{Name: "x", Kind: KindTeams}, "url"},
		{"ftp URL", Channel{Name: "x", Kind: KindWebhook, URL: "ftp://example.com/"}, "url"},
		{"credentials in URL", Channel{Name: "x", Kind: KindWebhook, URL: "https://u:p@example.com/"}, "url"},
		{"bad header name", Channel{Name: "x", Kind: KindWebhook, URL: "https://example.com/", Headers: map[string]string{"Bad Name": "v"}}, "headers"},
		{"header line break", Channel{Name: "x", Kind: KindWebhook, URL: "https://example.com/", Headers: map[string]string{"X-A": "v\r\nX-B: w"}}, "headers"},
		{"reserved header", Channel{Name: "x", Kind: KindWebhook, URL: "https://example.com/", Headers: map[string]string{"X-Parse-DMARC-Signature": "v"}}, "headers"},
		{"secret on slack", Channel{Name: "x", Kind: KindSlack, URL: "https://example.com/", Secret: "k"}, "headers"},
		{"email without settings", Channel{Name: "x", Kind: KindEmail}, "email"},
		{"email settings on webhook", Channel{Name: "x", Kind: KindWebhook, URL: "https://example.com/", Email: email(ok)}, "email"},
		{"no recipient", Channel{Name: "x", Kind: KindEmail, Email: email(EmailConfig{Host: "h", From: "a@example.com"})}, "email.to"},
		{"bad recipient", Channel{Name: "x", Kind: KindEmail, Email: email(EmailConfig{Host: "h", From: "a@example.com", To: []string{"nobody"}})}, "email.to"},
		{"bad tls", Channel{Name: "x", Kind: KindEmail, Email: email(EmailConfig{Host: "h", TLS: "ssl", From: "a@example.com", To: []string{"b@example.com"}})}, "email.tls"},
		{"password without user", Channel{Name: "x", Kind: KindEmail, Email: email(EmailConfig{Host: "h", Password: "p", From: "a@example.com", To: []string{"b@example.com"}})}, "email.username"},
		{"negative rate", Channel{Name: "x", Kind: KindWebhook, URL: "https://example.com/", MaxPerHour: -1}, "max_per_hour"},
		{"bad quiet start", Channel{Name: "x", Kind: KindWebhook, URL: "https://example.com/", QuietHours: &QuietHours{Start: "25:00", End: "07:00"}}, "quiet_hours.start"},
		{"bad zone", Channel{Name: "x", Kind: KindWebhook, URL: "https://example.com/", QuietHours: &QuietHours{Start: "22:00", End: "07:00", TZ: "Mars/Olympus"}}, "quiet_hours.tz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			var ve *ValidationError
			switch {
			case tt.field == "" && err != nil:
				t.Errorf("valid channel refused: %v", err)
			case tt.field != "" && (!errors.As(err, &ve) || ve.Field != tt.field):
				t.Errorf("error %v, want one about %s", err, tt.field)
			}
		})
	}
	c := tests[1].c
	if c.Validate(); len(c.Events) != 1 {
		t.Errorf("events not deduplicated: %v", c.Events)
	}
	e := Channel{Name: "m", Kind: KindEmail, Email: email(EmailConfig{Host: "h", TLS: TLSImplicit, From: "a@example.com", To: []string{"b@example.com"}})}
	if err := e.Validate(); err != nil || e.Email.Port != 465 {
		t.Errorf("implicit TLS port: %d, %v", e.Email.Port, err)
	}
}

func TestQuietHours(t *testing.T) {
	t.Parallel()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	at := func(day, h, m int) time.Time { return time.Date(2026, 11, day, h, m, 0, 0, berlin) }
	night := &QuietHours{Start: "22:00", End: "07:00", TZ: "Europe/Berlin"}
	lunch := &QuietHours{Start: "12:00", End: "13:30", TZ: "Europe/Berlin"}
	tests := []struct {
		name string
		q    *QuietHours
		t    time.Time
		want time.Time
	}{
		{"before night", night, at(24, 21, 59), at(24, 21, 59)},
		{"night start", night, at(24, 22, 0), at(25, 7, 0)},
		{"after midnight", night, at(25, 3, 0), at(25, 7, 0)},
		{"night end", night, at(25, 7, 0), at(25, 7, 0)},
		{"noon", lunch, at(24, 12, 10), at(24, 13, 30)},
		{"afternoon", lunch, at(24, 14, 0), at(24, 14, 0)},
		{"UTC instant", night, time.Date(2026, 11, 24, 22, 30, 0, 0, time.UTC), at(25, 7, 0)},
		{"nil", nil, at(24, 23, 0), at(24, 23, 0)},
		{"empty span", &QuietHours{Start: "10:00", End: "10:00"}, at(24, 10, 0), at(24, 10, 0)},
	}
	for _, tt := range tests {
		if got := tt.q.Until(tt.t); !got.Equal(tt.want) {
			t.Errorf("%s: Until = %v, want %v", tt.name, got, tt.want)
		}
		if got := tt.q.Active(tt.t); got != tt.want.After(tt.t) {
			t.Errorf("%s: Active = %v", tt.name, got)
		}
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	for n, ceiling := range map[int]time.Duration{0: 30 * time.Second, 1: 30 * time.Second, 2: time.Minute, 5: 8 * time.Minute,
		10: 6 * time.Hour, 64: 6 * time.Hour} {
		for range 50 {
			if d := Backoff(n); d < time.Second || d > ceiling {
				t.Fatalf("Backoff(%d) = %v, want 1s to %v", n, d, ceiling)
			}
		}
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://hooks.slack.com/services/T0/B0/XYZ": "https://hooks.slack.com/…",
		"https://example.com":                        "https://example.com",
		"http://127.0.0.1:8080/?token=x":             "http://127.0.0.1:8080/…",
		"::":                                         "(an invalid URL)",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzValidate: Validate never panics on a channel decoded from any JSON
// (the API's and the config file's input), and what it accepts it
// accepts again unchanged.
func FuzzValidate(f *testing.F) {
	f.Add(`{"name":"a","kind":"webhook","url":"https://example.com/","headers":{"X-A":"b"},"events":["source.new"]}`)
	f.Add(`{"name":"m","kind":"email","email":{"host":"h","from":"a@example.com","to":["b@example.com"]},"quiet_hours":{"start":"22:00","end":"07:00","tz":"UTC"}}`)
	f.Fuzz(func(t *testing.T, in string) {
		var c Channel
		if json.Unmarshal([]byte(in), &c) != nil {
			return
		}
		if c.Validate() != nil {
			return
		}
		before, _ := json.Marshal(c)
		if err := c.Validate(); err != nil {
			t.Fatalf("valid channel refused on a second look: %v", err)
		}
		if after, _ := json.Marshal(c); string(after) != string(before) {
			t.Fatalf("Validate changed a valid channel: %s -> %s", before, after)
		}
	})
}
