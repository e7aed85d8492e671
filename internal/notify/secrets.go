package notify

import (
	"encoding/json"
	"fmt"

	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// sealAD binds the sealed settings to their purpose (secretbox.Box.Seal).
var sealAD = []byte("parse-dmarc notify channel secrets")

// config is what the store keeps of a channel in the clear.
type config struct {
	Email      *emailConfig `json:"email,omitempty"`
	MaxPerHour int          `json:"max_per_hour,omitempty"`
	QuietHours *QuietHours  `json:"quiet_hours,omitempty"`
}

// emailConfig is EmailConfig without its password.
type emailConfig struct {
	Host     string   `json:"host"`
	Port     int      `json:"port"`
	TLS      string   `json:"tls"`
	Username string   `json:"username,omitempty"`
	From     string   `json:"from"`
	To       []string `json:"to"`
}

// secrets is what the store keeps of a channel sealed.
type secrets struct {
	URL      string            `json:"url,omitempty"`
	Headers  map[string]string `json:"headers,omitempty"`
	Secret   string            `json:"secret,omitempty"`
	Password string            `json:"password,omitempty"`
}

// toStore splits c into its clear and sealed settings.
func (s *Service) toStore(c Channel) (store.NotifyChannel, error) {
	cfg := config{MaxPerHour: c.MaxPerHour, QuietHours: c.QuietHours}
	sec := secrets{URL: c.URL, Headers: c.Headers, Secret: c.Secret}
	if e := c.Email; e != nil {
		cfg.Email = &emailConfig{Host: e.Host, Port: e.Port, TLS: e.TLS, Username: e.Username, From: e.From, To: e.To}
		sec.Password = e.Password
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		return store.NotifyChannel{}, fmt.Errorf("encode channel settings: %w", err)
	}
	sc := store.NotifyChannel{ID: c.ID, Name: c.Name, Kind: c.Kind, Enabled: c.Enabled, Events: c.Events,
		Config: raw, Created: c.Created, Updated: c.Updated}
	if sec.URL != "" || sec.Secret != "" || sec.Password != "" || len(sec.Headers) > 0 {
		plain, err := json.Marshal(sec)
		if err != nil {
			return store.NotifyChannel{}, fmt.Errorf("encode channel secrets: %w", err)
		}
		if sc.Secrets, err = s.Box.Seal(plain, sealAD); err != nil {
			return store.NotifyChannel{}, fmt.Errorf("seal the secrets of channel %q: %w", c.Name, err)
		}
	}
	return sc, nil
}

// fromStore is the channel of sc with its secrets opened. When they do
// not open (the key changed) it returns the channel without them, with
// Problem saying why, and the error.
func (s *Service) fromStore(sc store.NotifyChannel) (Channel, error) {
	c := Channel{ID: sc.ID, Name: sc.Name, Kind: sc.Kind, Enabled: sc.Enabled, Events: sc.Events,
		Created: sc.Created, Updated: sc.Updated}
	var cfg config
	if err := json.Unmarshal(sc.Config, &cfg); err != nil {
		err = fmt.Errorf("channel %d: decode settings: %w", sc.ID, err)
		c.Problem = err.Error()
		return c, err
	}
	c.MaxPerHour, c.QuietHours = cfg.MaxPerHour, cfg.QuietHours
	if e := cfg.Email; e != nil {
		c.Email = &EmailConfig{Host: e.Host, Port: e.Port, TLS: e.TLS, Username: e.Username, From: e.From, To: e.To}
	}
	if sc.Secrets == "" {
		return c, nil
	}
	sec, err := s.open(sc)
	if err != nil {
		c.Problem = err.Error()
		return c, err
	}
	c.URL, c.Headers, c.Secret = sec.URL, sec.Headers, sec.Secret
	if c.Email != nil {
		c.Email.Password = sec.Password
	}
	return c, nil
}

// open opens the secrets of sc.
func (s *Service) open(sc store.NotifyChannel) (secrets, error) {
	var sec secrets
	plain, err := s.Box.Open(sc.Secrets, sealAD)
	if err != nil {
		return sec, fmt.Errorf("channel %d (%s): open its secrets: %w", sc.ID, sc.Name, err)
	}
	if err := json.Unmarshal(plain, &sec); err != nil {
		return sec, fmt.Errorf("channel %d (%s): decode its secrets: %w", sc.ID, sc.Name, err)
	}
	return sec, nil
}
