package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/notice"
)

// Errors of Send for a server that cannot take the message safely; no
// retry will change them. Test for them with errors.Is.
var (
	// ErrNoStartTLS: the mode is "starttls" and the server does not offer
	// STARTTLS (or an attacker in the path removed it, RFC 3207 section
	// 6); Send does not go on in clear text.
	ErrNoStartTLS = errors.New("the server does not offer STARTTLS")
	// ErrInsecureAuth: a password would go in clear text to another
	// machine.
	ErrInsecureAuth = errors.New("AUTH over a connection without TLS to another machine")
	// ErrNoAuthPlain: a username is set and the server does not offer
	// AUTH PLAIN.
	ErrNoAuthPlain = errors.New("the server does not offer AUTH PLAIN")
	// ErrTooBig: the message is larger than the server's SIZE.
	ErrTooBig = errors.New("the message is larger than the server takes")
)

// Permanent reports whether err, from Send, will not go away by retrying:
// a configuration or server that cannot work safely, or a 5xx answer of
// the server (RFC 5321 section 4.2.1). Network errors, timeouts and 4xx
// answers are worth a retry.
func Permanent(err error) bool {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code >= 500
	}
	for _, p := range []error{ErrConfig, ErrNoStartTLS, ErrInsecureAuth, ErrNoAuthPlain, ErrTooBig, ErrNoRecipients} {
		if errors.Is(err, p) {
			return true
		}
	}
	return false
}

// Send submits m to the recipients to through the server of cfg, within
// cfg.Timeout and ctx. Errors name the step that failed and wrap the
// server's answer (a *textproto.Error with its code) or ctx's error.
func Send(ctx context.Context, cfg Config, to []string, m notice.Message) error {
	cfg, err := cfg.normalize()
	if err != nil {
		return err
	}
	msg, err := Compose(cfg.From, to, m, Options{})
	if err != nil {
		return err
	}
	// Compose parsed both already.
	sender, _ := mail.ParseAddress(cfg.From)
	rcpts, _ := parseRecipients(to)

	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	s := &session{cfg: cfg, ctx: ctx}
	err = s.send(sender.Address, rcpts, msg)
	if err != nil && ctx.Err() != nil {
		// The connection was broken off: the context's error says why.
		err = fmt.Errorf("%s: %w", s.step, ctx.Err())
	}
	if err != nil {
		return fmt.Errorf("smtp %s: %w", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)), err)
	}
	return nil
}

// session is one submission; step names what it was doing, for errors.
type session struct {
	cfg  Config
	ctx  context.Context
	step string
	// stop ends the watch of ctx over the connection.
	stop func() bool
}

func (s *session) send(from string, rcpts []*mail.Address, msg []byte) error {
	c, err := s.connect()
	if s.stop != nil {
		defer s.stop()
	}
	if err != nil {
		return err
	}
	defer c.Close()

	if s.cfg.Username != "" {
		s.step = "auth"
		if err := s.auth(c); err != nil {
			return err
		}
	}
	if ok, param := c.Extension("SIZE"); ok {
		if max, err := strconv.ParseInt(param, 10, 64); err == nil && max > 0 && int64(len(msg)) > max {
			return fmt.Errorf("%w: %d bytes, %d at most", ErrTooBig, len(msg), max)
		}
	}
	s.step = "mail from"
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("%s: %w", s.step, err)
	}
	for _, r := range rcpts {
		s.step = "rcpt to " + r.Address
		if err := c.Rcpt(r.Address); err != nil {
			return fmt.Errorf("%s: %w", s.step, err)
		}
	}
	s.step = "data"
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("%s: %w", s.step, err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("%s: %w", s.step, err)
	}
	// Close ends DATA and reads the server's acceptance: from here the
	// message is the server's.
	if err := w.Close(); err != nil {
		return fmt.Errorf("%s: %w", s.step, err)
	}
	s.step = "quit"
	c.Quit()
	return nil
}

// connect dials the server, with TLS from the start for "tls", reads its
// greeting, says EHLO and, for "starttls", starts TLS. The connection is
// broken off when the context ends.
func (s *session) connect() (*smtp.Client, error) {
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	s.step = "dial"
	var conn net.Conn
	var err error
	if s.cfg.TLS == TLSImplicit {
		d := tls.Dialer{Config: s.tlsConfig()}
		conn, err = d.DialContext(s.ctx, "tcp", addr)
	} else {
		var d net.Dialer
		conn, err = d.DialContext(s.ctx, "tcp", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.step, err)
	}
	// When the context ends (Send gives it the timeout), a deadline in
	// the past ends every read and write; as it is set after the context
	// ended, Send finds the context's error and reports it.
	s.stop = context.AfterFunc(s.ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })

	s.step = "greeting"
	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("%s: %w", s.step, err)
	}
	s.step = "ehlo"
	if err := c.Hello(s.helo()); err != nil {
		c.Close()
		return nil, fmt.Errorf("%s: %w", s.step, err)
	}
	if s.cfg.TLS == TLSStartTLS {
		s.step = "starttls"
		if ok, _ := c.Extension("STARTTLS"); !ok {
			c.Close()
			return nil, ErrNoStartTLS
		}
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			c.Close()
			return nil, fmt.Errorf("%s: %w", s.step, err)
		}
	}
	return c, nil
}

// auth authenticates with AUTH PLAIN, over TLS or to a loopback address
// only; net/smtp's PlainAuth checks this as well.
func (s *session) auth(c *smtp.Client) error {
	if _, isTLS := c.TLSConnectionState(); !isTLS && !loopback(s.cfg.Host) {
		return ErrInsecureAuth
	}
	ok, mechs := c.Extension("AUTH")
	if !ok || !slices.ContainsFunc(strings.Fields(mechs), func(m string) bool { return strings.EqualFold(m, "PLAIN") }) {
		return ErrNoAuthPlain
	}
	if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)); err != nil {
		return fmt.Errorf("%s: %w", s.step, err)
	}
	return nil
}

func (s *session) tlsConfig() *tls.Config {
	return &tls.Config{ServerName: s.cfg.Host, RootCAs: s.cfg.RootCAs, MinVersion: tls.VersionTLS12}
}

// helo returns the name for EHLO: the configured one, or the machine's
// host name, or "localhost".
func (s *session) helo() string {
	if s.cfg.HELO != "" {
		return s.cfg.HELO
	}
	if h, err := os.Hostname(); err == nil && h != "" && !strings.ContainsAny(h, " \r\n") {
		return h
	}
	return "localhost"
}
