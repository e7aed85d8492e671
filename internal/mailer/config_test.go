package mailer

import (
	"errors"
	"testing"
	"time"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Config
		err  bool
	}{
		{in: "smtp://alice@mail.example.com:587?tls=starttls",
			want: Config{Host: "mail.example.com", Port: 587, TLS: TLSStartTLS, Username: "alice"}},
		{in: "smtp://mail.example.com",
			want: Config{Host: "mail.example.com", TLS: TLSStartTLS}},
		{in: "smtps://alice%40example.com:p%40ss%3Aword@mail.example.com?from=Parse+DMARC+%3Cdmarc%40example.com%3E&helo=me.example&timeout=10s",
			want: Config{Host: "mail.example.com", TLS: TLSImplicit, Username: "alice@example.com", Password: "p@ss:word",
				From: "Parse DMARC <dmarc@example.com>", HELO: "me.example", Timeout: 10 * time.Second}},
		{in: "smtp://[::1]:2525?tls=none", want: Config{Host: "::1", Port: 2525, TLS: TLSNone}},
		{in: "smtp://127.0.0.1:25?tls=NONE", want: Config{Host: "127.0.0.1", Port: 25, TLS: TLSNone}},
		{in: "http://mail.example.com", err: true},
		{in: "smtp://", err: true},
		{in: "smtp:mail.example.com", err: true},
		{in: "smtp://mail.example.com:99999", err: true},
		{in: "smtp://mail.example.com?tls=ssl", err: true},
		{in: "smtp://mail.example.com?timeout=soon", err: true},
		{in: "smtp://mail.example.com?timeout=-1s", err: true},
	} {
		got, err := ParseURL(tc.in)
		if tc.err {
			if !errors.Is(err, ErrConfig) {
				t.Errorf("%s: err %v, want ErrConfig", tc.in, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v (%v), want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestConfigNormalize(t *testing.T) {
	t.Parallel()
	base := Config{Host: "mail.example.com", From: "dmarc@example.com"}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		port int
		err  error
	}{
		{"starttls default", func(c *Config) {}, 587, nil},
		{"implicit", func(c *Config) { c.TLS = "TLS" }, 465, nil},
		{"none", func(c *Config) { c.TLS = TLSNone }, 25, nil},
		{"port kept", func(c *Config) { c.Port = 2525 }, 2525, nil},
		{"password on loopback", func(c *Config) { c.TLS, c.Host, c.Username = TLSNone, "localhost", "alice" }, 25, nil},
		{"password in clear", func(c *Config) { c.TLS, c.Username = TLSNone, "alice" }, 0, ErrInsecureAuth},
		{"mode", func(c *Config) { c.TLS = "ssl" }, 0, ErrConfig},
		{"host", func(c *Config) { c.Host = "" }, 0, ErrConfig},
		{"port", func(c *Config) { c.Port = 70000 }, 0, ErrConfig},
		{"from", func(c *Config) { c.From = "nobody" }, 0, ErrConfig},
	} {
		c := base
		tc.edit(&c)
		got, err := c.normalize()
		if tc.err != nil {
			if !errors.Is(err, tc.err) || !Permanent(err) {
				t.Errorf("%s: err %v, want %v", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || got.Port != tc.port || got.Timeout != DefaultTimeout {
			t.Errorf("%s: %+v (%v), want port %d", tc.name, got, err, tc.port)
		}
	}
}
