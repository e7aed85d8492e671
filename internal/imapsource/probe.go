package imapsource

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/emersion/go-imap/v2"
)

// ProbeTimeout bounds a whole Probe: a person waits for it.
const ProbeTimeout = 15 * time.Second

// probeMaxMailboxes is how many of the server's mailboxes a failed select
// lists.
const probeMaxMailboxes = 20

// ProbeResult is what Probe found.
type ProbeResult struct {
	// OK is set when every step succeeded.
	OK bool `json:"ok"`
	// Steps are the steps run, in order; the steps after a failed one are
	// not run and not listed.
	Steps []ProbeStep `json:"steps"`
	// Messages counts the messages in the mailbox, when it was opened.
	Messages uint32 `json:"messages"`
}

// ProbeStep is the outcome of one step of a Probe.
type ProbeStep struct {
	// Step is StepConnect, StepTLS, StepLogin or StepSelect.
	Step string `json:"step"`
	OK   bool   `json:"ok"`
	// Message says in plain English what happened; for a failure, the
	// error and what to check.
	Message string `json:"message"`
}

// Probe tries the account as the Fetcher would use it, step by step:
// connect (TCP), tls (the handshake, or STARTTLS; skipped in plain mode),
// login, and select (the mailbox, opened read-only, and its message
// count). It is meant to check settings before they are saved, and tells
// what failed and what to check.
//
// Probe changes nothing on the server: it opens the mailbox with EXAMINE,
// creates no folder and moves no message, so it cannot tell whether the
// processed, invalid and other folders could be created. It takes at most
// ProbeTimeout (less when ctx ends first), logs nothing, and keeps the
// password out of its messages. dial is nil for a net.Dialer.
//
// Probe connects wherever the account says: a caller that takes the
// account from a user lets that user make the server open connections to
// any host and port it can reach.
func Probe(ctx context.Context, a Account, dial DialFunc) ProbeResult {
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	a = a.withDefaults()
	var res ProbeResult
	add := func(step string, ok bool, msg string) {
		if len(a.Password) >= 4 {
			msg = strings.ReplaceAll(msg, a.Password, "********")
		}
		res.Steps = append(res.Steps, ProbeStep{Step: step, OK: ok, Message: msg})
	}
	if err := a.check(); err != nil {
		add(StepConnect, false, err.Error())
		return res
	}
	f := &Fetcher{Account: a, Dial: dial}
	cn, err := f.connect(ctx)
	if err != nil {
		step := StepConnect
		var se *stepError
		if errors.As(err, &se) {
			step = se.step
		}
		for _, s := range []string{StepConnect, StepTLS, StepLogin} {
			if s == step {
				break
			}
			add(s, true, probeOK(s, a))
		}
		add(step, false, probeHint(ctx, step, a, err))
		return res
	}
	defer func() {
		// Until stopped, the end of ctx closes the connection, which
		// bounds the logout.
		cn.c.Logout().Wait()
		cn.stop()
		cn.c.Close()
	}()
	for _, s := range []string{StepConnect, StepTLS, StepLogin} {
		add(s, true, probeOK(s, a))
	}
	name := cn.name(a.Mailbox)
	shown := fmt.Sprintf("%q", a.Mailbox)
	if name != a.Mailbox {
		shown = fmt.Sprintf("%q (%q on this server)", a.Mailbox, name)
	}
	sel, err := cn.c.Select(name, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		add(StepSelect, false, cn.selectHint(ctx, shown, err))
		return res
	}
	res.OK, res.Messages = true, sel.NumMessages
	add(StepSelect, true, fmt.Sprintf("mailbox %s opened read-only: %d messages", shown, sel.NumMessages))
	return res
}

// probeOK is the message of a step that succeeded.
func probeOK(step string, a Account) string {
	switch step {
	case StepConnect:
		return "connected to " + a.Addr
	case StepTLS:
		verified := "certificate verified"
		if a.InsecureSkipVerify {
			verified = "certificate NOT verified (insecure skip verify): a man in the middle could read the password"
		}
		switch a.TLS {
		case TLS:
			return "TLS handshake done, " + verified
		case STARTTLS:
			return "STARTTLS done, " + verified
		}
		return "skipped: plain mode sends the password in clear text"
	case StepLogin:
		return "logged in as " + a.Username
	}
	return "done"
}

// probeHint is the message of a connect, tls or login step that failed
// with err: the error, and what to check.
func probeHint(ctx context.Context, step string, a Account, err error) string {
	msg := err.Error()
	if ctx.Err() != nil {
		msg = fmt.Sprintf("no answer from %s within %s", a.Addr, ProbeTimeout)
	}
	var hint string
	switch step {
	case StepConnect:
		var dnsErr *net.DNSError
		var netErr net.Error
		switch {
		case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
			hint = "the host name does not resolve (no such host): check its spelling"
		case errors.Is(err, syscall.ECONNREFUSED):
			hint = "the connection was refused: check host, port and firewall (IMAP is usually 993 with TLS, 143 with STARTTLS)"
		case ctx.Err() != nil || errors.As(err, &netErr) && netErr.Timeout():
			hint = "timed out: check host, port and firewall; a firewall that drops packets looks like this"
		case errors.As(err, &dnsErr):
			hint = "the host name could not be looked up: check it, and this server's DNS"
		default:
			hint = "check host, port and firewall, and that an IMAP server listens there"
		}
	case StepTLS:
		hint = tlsHint(ctx, a, err)
	case StepLogin:
		var ie *imap.Error
		switch {
		case errors.Is(err, ErrLogin) && errors.As(err, &ie) && ie.Code == imap.ResponseCodePrivacyRequired:
			hint = "the server refuses to log in without TLS: choose tls (port 993) or starttls (port 143)"
		case errors.Is(err, ErrLogin):
			hint = "the server refused the user name or password: check both (the user name is often the full address); " +
				"Gmail, Microsoft 365, Yahoo and iCloud need an app password, and IMAP enabled for the account"
		case ctx.Err() != nil:
			hint = "the server did not answer the login in time"
		default:
			hint = "the connection failed while logging in"
		}
	}
	return msg + " — " + hint
}

// tlsHint says what to check when the TLS handshake or STARTTLS failed:
// the port for the mode, or which certificate problem.
func tlsHint(ctx context.Context, a Account, err error) string {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		record   tls.RecordHeaderError
		ie       *imap.Error
	)
	switch {
	case errors.As(err, &unknown):
		return "certificate problem: signed by an unknown authority (self-signed, or a private CA this server does not trust)"
	case errors.As(err, &hostname):
		return fmt.Sprintf("certificate problem: name mismatch, the certificate is not valid for %q; use the host name the certificate names", hostname.Host)
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "certificate problem: expired or not yet valid (check this server's clock too)"
	case errors.As(err, &invalid):
		return "certificate problem: the certificate is not valid for a server"
	case errors.As(err, &record):
		return "the server does not speak TLS on this port: wrong port for the mode? 993 is TLS, 143 is STARTTLS"
	case a.TLS == STARTTLS && errors.As(err, &ie):
		return "the server does not offer STARTTLS on this port: wrong port for the mode? 993 is TLS, 143 is STARTTLS"
	case a.TLS == STARTTLS && ctx.Err() != nil:
		return "the server did not greet: wrong port for the mode? 993 is TLS (it waits for the client to speak first), 143 is STARTTLS"
	case ctx.Err() != nil:
		return "the TLS handshake did not finish: wrong port for the mode? 993 is TLS, 143 is STARTTLS"
	}
	return "wrong port for the mode (993 is TLS, 143 is STARTTLS), or a certificate problem"
}

// selectHint is the message of a select that failed with err. When the
// server refused it, the message lists the server's mailboxes (at most
// probeMaxMailboxes) to choose from.
func (cn *conn) selectHint(ctx context.Context, shown string, err error) string {
	var ie *imap.Error
	if !errors.As(err, &ie) {
		if ctx.Err() != nil {
			return fmt.Sprintf("no answer while opening mailbox %s within %s", shown, ProbeTimeout)
		}
		return fmt.Sprintf("opening mailbox %s: %v", shown, err)
	}
	msg := fmt.Sprintf("the server cannot open mailbox %s (%v): it does not exist, or cannot hold messages", shown, err)
	names, more, lerr := cn.mailboxes(probeMaxMailboxes)
	switch {
	case lerr != nil:
		return msg + "; listing the mailboxes failed too: " + lerr.Error()
	case len(names) == 0:
		return msg + "; the server lists no mailboxes"
	}
	list := strings.Join(names, ", ")
	if more {
		list += ", …"
	}
	return msg + "; the server has: " + list
}

// mailboxes lists the names of at most max selectable mailboxes (LIST ""
// "*"), and whether there are more.
func (cn *conn) mailboxes(max int) (names []string, more bool, err error) {
	cmd := cn.c.List("", "*", nil)
	for {
		d := cmd.Next()
		if d == nil {
			break
		}
		if hasAttr(d.Attrs, imap.MailboxAttrNoSelect) || hasAttr(d.Attrs, imap.MailboxAttrNonExistent) {
			continue
		}
		if len(names) == max {
			more = true
			continue
		}
		names = append(names, fmt.Sprintf("%q", d.Mailbox))
	}
	return names, more, cmd.Close()
}

// hasAttr reports whether attrs holds attr, ignoring case.
func hasAttr(attrs []imap.MailboxAttr, attr imap.MailboxAttr) bool {
	for _, a := range attrs {
		if strings.EqualFold(string(a), string(attr)) {
			return true
		}
	}
	return false
}
