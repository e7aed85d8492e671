package notify

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// Kinds of channel.
const (
	KindWebhook = "webhook"
	KindSlack   = "slack"
	KindDiscord = "discord"
	KindTeams   = "teams"
	KindEmail   = "email"
)

// Kinds lists the kinds of channel.
func Kinds() []string {
	return []string{KindWebhook, KindSlack, KindDiscord, KindTeams, KindEmail}
}

// TLS modes of an email channel.
const (
	// TLSStartTLS upgrades a plain connection with STARTTLS (RFC 3207),
	// usually on port 587; the server must offer it.
	TLSStartTLS = "starttls"
	// TLSImplicit speaks TLS from the start (RFC 8314), usually on port
	// 465.
	TLSImplicit = "tls"
	// TLSNone sends in the clear: only for a relay on the same host or
	// network.
	TLSNone = "none"
)

// Channel is a destination of notifications. URL, the values of Headers,
// Secret and Email.Password are secrets: they are sealed at rest and the
// API never returns them.
type Channel struct {
	ID      int64  `json:"id,omitempty"`
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Enabled bool   `json:"enabled"`
	// Events filters the webhook event types it gets from Publish (empty:
	// all of webhook.Types()). Enqueue ignores it.
	Events []string `json:"events,omitempty"`
	// URL is the endpoint of a webhook, Slack, Discord or Teams channel
	// (for the last three it grants posting: a secret).
	URL string `json:"url,omitempty"`
	// Headers are custom headers sent to a generic webhook, such as an
	// Authorization for the receiver.
	Headers map[string]string `json:"headers,omitempty"`
	// Secret signs the requests of a generic webhook (package webhook);
	// empty: unsigned.
	Secret string `json:"secret,omitempty"`
	// Email configures an email channel.
	Email *EmailConfig `json:"email,omitempty"`
	// MaxPerHour caps the alerts sent to the channel in an hour (0:
	// unlimited); the alert engine enforces it.
	MaxPerHour int `json:"max_per_hour,omitempty"`
	// QuietHours, when set, holds alerts during those hours; the alert
	// engine sends a summary after.
	QuietHours *QuietHours `json:"quiet_hours,omitempty"`
	// Problem, when set, says why the channel cannot send, such as
	// secrets that do not open with the configured key. It is not stored.
	Problem string    `json:"problem,omitempty"`
	Created time.Time `json:"created,omitzero"`
	Updated time.Time `json:"updated,omitzero"`
}

// EmailConfig is how an email channel sends: through an SMTP server
// (RFC 5321) with a submission account.
type EmailConfig struct {
	Host string `json:"host"`
	// Port defaults to 587 with STARTTLS, 465 with TLS, 25 without.
	Port int `json:"port,omitempty"`
	// TLS is TLSStartTLS (the default), TLSImplicit or TLSNone.
	TLS      string `json:"tls,omitempty"`
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	// From is the sender address; To the recipients.
	From string   `json:"from"`
	To   []string `json:"to"`
}

// QuietHours is a daily span of local time, such as 22:00 to 07:00, in
// which alerts wait.
type QuietHours struct {
	// Start and End are "HH:MM"; a span whose End is before its Start
	// crosses midnight. Equal: no quiet hours.
	Start string `json:"start"`
	End   string `json:"end"`
	// TZ is an IANA time zone name such as "Europe/Berlin"; empty: UTC.
	TZ string `json:"tz,omitempty"`
}

// ValidationError is a channel setting that is not acceptable, for the
// API's answer.
type ValidationError struct {
	// Field names the setting, as in the JSON ("email.host").
	Field   string
	Message string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Message }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Validate checks c and fills in defaults (the email port and TLS mode).
// It returns a *ValidationError (errors.As) naming the first setting that
// is wrong.
func (c *Channel) Validate() error {
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" || len(c.Name) > 100 {
		return invalid("name", "a name of 1 to 100 characters is required")
	}
	if !slices.Contains(Kinds(), c.Kind) {
		return invalid("kind", "%q is not one of %s", c.Kind, strings.Join(Kinds(), ", "))
	}
	for _, e := range c.Events {
		if !webhook.Known(e) {
			return invalid("events", "%q is not one of %s", e, strings.Join(webhook.Types(), ", "))
		}
	}
	if len(c.Events) > 0 {
		// A sorted copy: the caller's slice stays as it was.
		c.Events = slices.Compact(slices.Sorted(slices.Values(c.Events)))
	}
	if c.MaxPerHour < 0 {
		return invalid("max_per_hour", "0 (unlimited) or more")
	}
	if c.QuietHours != nil {
		if err := c.QuietHours.validate(); err != nil {
			return err
		}
	}
	if c.Kind != KindWebhook && (len(c.Headers) > 0 || c.Secret != "") {
		return invalid("headers", "custom headers and a signing secret are for generic webhooks only")
	}
	if c.Kind == KindEmail {
		if c.URL != "" {
			return invalid("url", "an email channel has no URL")
		}
		return c.validateEmail()
	}
	if c.Email != nil {
		return invalid("email", "only an email channel has email settings")
	}
	if err := validateURL(c.URL); err != nil {
		return err
	}
	for name, value := range c.Headers {
		if !validHeaderName(name) {
			return invalid("headers", "%q is not a header name", name)
		}
		if strings.ContainsAny(value, "\r\n\x00") {
			return invalid("headers", "the value of %s has a line break", name)
		}
		if reservedHeader(name) {
			return invalid("headers", "%s is set by Parse DMARC", name)
		}
	}
	return nil
}

func validateURL(s string) error {
	if s == "" {
		return invalid("url", "the endpoint URL is required")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return invalid("url", "an http:// or https:// URL is required")
	}
	if u.User != nil {
		return invalid("url", "put credentials in a custom header, not in the URL")
	}
	return nil
}

// validHeaderName reports whether name is an HTTP field name (a token,
// RFC 9110 section 5.1).
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r > 0x7e || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}

// reservedHeader reports whether a custom header would replace one the
// sender sets.
func reservedHeader(name string) bool {
	n := strings.ToLower(name)
	return strings.HasPrefix(n, "x-parse-dmarc-") || slices.Contains([]string{"content-type", "content-length", "host", "user-agent", "transfer-encoding", "connection"}, n)
}

func (c *Channel) validateEmail() error {
	e := c.Email
	if e == nil {
		return invalid("email", "an email channel needs its SMTP settings")
	}
	e.Host = strings.TrimSpace(e.Host)
	if e.Host == "" || strings.ContainsAny(e.Host, " /:") && !strings.HasPrefix(e.Host, "[") {
		return invalid("email.host", "the SMTP server's host name is required")
	}
	switch e.TLS {
	case "":
		e.TLS = TLSStartTLS
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return invalid("email.tls", "%q is not one of starttls, tls, none", e.TLS)
	}
	if e.Port == 0 {
		e.Port = map[string]int{TLSStartTLS: 587, TLSImplicit: 465, TLSNone: 25}[e.TLS]
	}
	if e.Port < 1 || e.Port > 65535 {
		return invalid("email.port", "a port from 1 to 65535")
	}
	if e.Password != "" && e.Username == "" {
		return invalid("email.username", "a password needs a username")
	}
	if _, err := mail.ParseAddress(e.From); err != nil {
		return invalid("email.from", "a sender address is required: %v", err)
	}
	if len(e.To) == 0 {
		return invalid("email.to", "at least one recipient is required")
	}
	for _, to := range e.To {
		if _, err := mail.ParseAddress(to); err != nil {
			return invalid("email.to", "%q: %v", to, err)
		}
	}
	return nil
}

func (q *QuietHours) validate() error {
	if _, err := parseClock(q.Start); err != nil {
		return invalid("quiet_hours.start", "%v", err)
	}
	if _, err := parseClock(q.End); err != nil {
		return invalid("quiet_hours.end", "%v", err)
	}
	if _, err := time.LoadLocation(q.TZ); err != nil {
		return invalid("quiet_hours.tz", "unknown time zone %q", q.TZ)
	}
	return nil
}

// parseClock parses "HH:MM" into minutes after midnight.
func parseClock(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, errors.New("a time of day as HH:MM is required")
	}
	return t.Hour()*60 + t.Minute(), nil
}

// Until returns when the quiet hours that hold at t end, and t itself when
// t is outside them (or q is nil or invalid). Minutes are counted in the
// zone's local time, so a span across a daylight saving change is an hour
// longer or shorter.
func (q *QuietHours) Until(t time.Time) time.Time {
	if q == nil {
		return t
	}
	start, err1 := parseClock(q.Start)
	end, err2 := parseClock(q.End)
	loc, err3 := time.LoadLocation(q.TZ)
	if err1 != nil || err2 != nil || err3 != nil || start == end {
		return t
	}
	lt := t.In(loc)
	now := lt.Hour()*60 + lt.Minute()
	// The end on the wall clock of its day: time.Date normalizes the
	// minutes as local time, where adding them to midnight would be an
	// hour off on a day daylight saving time starts or ends.
	at := func(day, minute int) time.Time {
		return time.Date(lt.Year(), lt.Month(), lt.Day()+day, 0, minute, 0, 0, loc)
	}
	switch {
	case start < end && now >= start && now < end:
		return at(0, end)
	case start > end && now >= start:
		return at(1, end)
	case start > end && now < end:
		return at(0, end)
	}
	return t
}

// Active reports whether t is within the quiet hours.
func (q *QuietHours) Active(t time.Time) bool { return q.Until(t).After(t) }
