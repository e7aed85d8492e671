package mailer

import (
	"cmp"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// TLS modes of Config.TLS.
const (
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
	TLSNone     = "none"
)

// DefaultTimeout bounds a Send whose Config has no Timeout: dialing,
// TLS, authentication and the transfer together.
const DefaultTimeout = 30 * time.Second

// ErrConfig is matched (errors.Is) by the errors of a Config that cannot
// work, which no retry will change.
var ErrConfig = errors.New("invalid SMTP configuration")

// Config is how to reach the submission server.
type Config struct {
	Host string
	// Port is 587 for "starttls", 465 for "tls" and 25 for "none" when
	// zero.
	Port int
	// TLS is TLSStartTLS (the default when empty), TLSImplicit or TLSNone.
	TLS string
	// Username and Password authenticate with AUTH PLAIN when Username
	// is set.
	Username, Password string
	// From is the sender, an address with or without a name
	// ("Parse DMARC <dmarc@example.com>").
	From string
	// HELO is the name this client gives in EHLO; the machine's host
	// name when empty.
	HELO string
	// Timeout bounds a Send; DefaultTimeout when zero.
	Timeout time.Duration
	// RootCAs verify the server's certificate instead of the system's
	// roots, for a private CA (and tests).
	RootCAs *x509.CertPool
}

// normalize returns c with its defaults filled in, and an error wrapping
// ErrConfig when it cannot work.
func (c Config) normalize() (Config, error) {
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	c.TLS = strings.ToLower(c.TLS)
	switch c.TLS {
	case TLSStartTLS:
		c.Port = cmp.Or(c.Port, 587)
	case TLSImplicit:
		c.Port = cmp.Or(c.Port, 465)
	case TLSNone:
		c.Port = cmp.Or(c.Port, 25)
	default:
		return c, fmt.Errorf("%w: TLS mode %q (starttls, tls or none)", ErrConfig, c.TLS)
	}
	if c.Host == "" || strings.ContainsAny(c.Host, " /\r\n") {
		return c, fmt.Errorf("%w: host %q", ErrConfig, c.Host)
	}
	if c.Port < 1 || c.Port > 65535 {
		return c, fmt.Errorf("%w: port %d", ErrConfig, c.Port)
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return c, fmt.Errorf("%w: from %q: %v", ErrConfig, c.From, err)
	}
	if c.Username != "" && c.TLS == TLSNone && !loopback(c.Host) {
		return c, fmt.Errorf("%w: %w", ErrConfig, ErrInsecureAuth)
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	return c, nil
}

// loopback reports whether host names this machine: "localhost" or a
// loopback address. A password may go there in clear text.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ParseURL reads a Config from a URL:
//
//	smtp://user:password@host:587?tls=starttls&from=dmarc@example.com&helo=name&timeout=30s
//
// The scheme "smtp" means STARTTLS unless tls= says otherwise, "smtps"
// implicit TLS; the user and password are percent-decoded. A password in
// a URL ends up in shell histories and process lists: prefer setting it
// apart.
func ParseURL(s string) (Config, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Config{}, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	var c Config
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		c.TLS = TLSStartTLS
	case "smtps":
		c.TLS = TLSImplicit
	default:
		return Config{}, fmt.Errorf("%w: scheme %q (smtp or smtps)", ErrConfig, u.Scheme)
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return Config{}, fmt.Errorf("%w: no host", ErrConfig)
	}
	c.Host = u.Hostname()
	if p := u.Port(); p != "" {
		c.Port, err = strconv.Atoi(p)
		if err != nil || c.Port < 1 || c.Port > 65535 {
			return Config{}, fmt.Errorf("%w: port %q", ErrConfig, p)
		}
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	q := u.Query()
	if v := q.Get("tls"); v != "" {
		c.TLS = strings.ToLower(v)
	}
	c.From = q.Get("from")
	c.HELO = q.Get("helo")
	if v := q.Get("timeout"); v != "" {
		c.Timeout, err = time.ParseDuration(v)
		if err != nil || c.Timeout < 0 {
			return Config{}, fmt.Errorf("%w: timeout %q", ErrConfig, v)
		}
	}
	switch c.TLS {
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return Config{}, fmt.Errorf("%w: TLS mode %q (starttls, tls or none)", ErrConfig, c.TLS)
	}
	return c, nil
}
