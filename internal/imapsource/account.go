package imapsource

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"strings"
)

// Mode is how the connection to the IMAP server is protected.
type Mode int

const (
	// TLS is implicit TLS from the first byte (IMAPS, usually port 993).
	// It is the zero Mode, so an Account is protected unless it says
	// otherwise.
	TLS Mode = iota
	// STARTTLS upgrades a clear text connection (usually port 143)
	// before logging in. A server that does not offer STARTTLS is
	// refused rather than spoken to in clear text.
	STARTTLS
	// Plain sends everything, the password included, in clear text. It is
	// meant for a server on the same host or in a test, and is used only
	// when asked for.
	Plain
)

// String returns the name ParseMode accepts.
func (m Mode) String() string {
	switch m {
	case TLS:
		return "tls"
	case STARTTLS:
		return "starttls"
	case Plain:
		return "plain"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ParseMode parses "tls", "starttls" or "plain" (any case), for
// configuration files and flags.
func ParseMode(s string) (Mode, error) {
	for _, m := range []Mode{TLS, STARTTLS, Plain} {
		if strings.EqualFold(s, m.String()) {
			return m, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown TLS mode %q (want tls, starttls or plain)", ErrConfig, s)
}

// Defaults for the empty fields of Account.
const (
	DefaultMailbox         = "INBOX"
	DefaultProcessedFolder = "DMARC/Processed"
	DefaultInvalidFolder   = "DMARC/Invalid"
	DefaultOtherFolder     = "DMARC/Other"
)

// Account is one IMAP mailbox reports arrive in, and where to put them once
// processed.
//
// Mailbox and folder names separate their levels with '/': on a server
// with another hierarchy delimiter ('.' on Dovecot's default maildir
// layout) each '/' is replaced by it, and when the server's personal
// namespace has a prefix ("INBOX." on Courier) names outside it get it
// prepended. A name that already uses the server's own delimiter and
// prefix is left as it is. A '/' meant as part of one level's name cannot
// be expressed. Folders are created when missing.
type Account struct {
	// Name labels the account in logs and in the source names of the
	// reports it delivers ("imap://Name/INBOX;UIDVALIDITY=1/;UID=7");
	// default Username@host.
	Name string
	// Addr is the server's host:port.
	Addr string
	// TLS is how the connection is protected; the zero value is implicit
	// TLS.
	TLS Mode
	// Username and Password log in (IMAP LOGIN). The password is never
	// logged: Account's String and LogValue leave it out.
	Username, Password string
	// Mailbox is where reports arrive; default "INBOX".
	Mailbox string
	// ProcessedFolder receives messages whose reports were all stored
	// (new or duplicates); default "DMARC/Processed".
	ProcessedFolder string
	// InvalidFolder receives messages with anything quarantined: a report
	// that could not be read; default "DMARC/Invalid".
	InvalidFolder string
	// OtherFolder receives messages that hold no report of any kind
	// (mailing-list noise, bounces, a person's reply to the report
	// address: ingest.Ignored), kept there rather than deleted; default
	// "DMARC/Other".
	OtherFolder string
	// InsecureSkipVerify accepts any server certificate: a
	// man-in-the-middle then reads the password. Prefer RootCAs for a
	// private CA or a self-signed certificate.
	InsecureSkipVerify bool
	// RootCAs verifies the server certificate instead of the system's
	// roots, when set.
	RootCAs *x509.CertPool
}

// String describes the account without its password, so that printing an
// Account with %v or %+v does not leak it.
func (a Account) String() string {
	return fmt.Sprintf("%s (%s at %s, %s)", a.Name, a.Username, a.Addr, a.TLS)
}

// LogValue implements slog.LogValuer: the account as logged, without its
// password.
func (a Account) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("name", a.Name), slog.String("addr", a.Addr),
		slog.String("user", a.Username), slog.String("tls", a.TLS.String()),
		slog.String("mailbox", a.Mailbox),
	)
}

// Label is the account's name in logs, metrics and the source names of its
// reports: Name, or by default Username@host.
func (a Account) Label() string { return a.withDefaults().Name }

// withDefaults fills in the defaults of the empty fields.
func (a Account) withDefaults() Account {
	if a.Mailbox == "" {
		a.Mailbox = DefaultMailbox
	}
	if a.ProcessedFolder == "" {
		a.ProcessedFolder = DefaultProcessedFolder
	}
	if a.InvalidFolder == "" {
		a.InvalidFolder = DefaultInvalidFolder
	}
	if a.OtherFolder == "" {
		a.OtherFolder = DefaultOtherFolder
	}
	if a.Name == "" {
		host, _, err := net.SplitHostPort(a.Addr)
		if err != nil {
			host = a.Addr
		}
		a.Name = a.Username + "@" + host
	}
	return a
}

// check reports what makes an account (with defaults) unusable.
func (a Account) check() error {
	if _, _, err := net.SplitHostPort(a.Addr); err != nil {
		return fmt.Errorf("%w: account %s: address %q is not host:port: %w", ErrConfig, a.Name, a.Addr, err)
	}
	if a.Username == "" {
		return fmt.Errorf("%w: account %s: no user name", ErrConfig, a.Name)
	}
	switch a.TLS {
	case TLS, STARTTLS, Plain:
	default:
		return fmt.Errorf("%w: account %s: unknown TLS mode %d", ErrConfig, a.Name, int(a.TLS))
	}
	for _, f := range []string{a.ProcessedFolder, a.InvalidFolder, a.OtherFolder} {
		if sameMailbox(f, a.Mailbox) {
			return fmt.Errorf("%w: account %s: folder %q is the mailbox read from: messages would never leave it", ErrConfig, a.Name, f)
		}
	}
	return nil
}

// trackerAccount names the account in the Tracker's keys: the login and the
// server, which a change of Name does not affect.
func (a Account) trackerAccount() string { return a.Username + "@" + a.Addr }

// tlsConfig is the configuration for connections to the account's server.
func (a Account) tlsConfig() *tls.Config {
	host, _, _ := net.SplitHostPort(a.Addr)
	return &tls.Config{
		ServerName:         host,
		RootCAs:            a.RootCAs,
		InsecureSkipVerify: a.InsecureSkipVerify,
		MinVersion:         tls.VersionTLS12,
	}
}

// sameMailbox compares mailbox names as IMAP does: exactly, except that
// INBOX is case-insensitive.
func sameMailbox(a, b string) bool {
	if strings.EqualFold(a, "INBOX") && strings.EqualFold(b, "INBOX") {
		return true
	}
	return a == b
}
