package imapsource

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// connectTimeout bounds dialing, the TLS handshake, the greeting and the
// login together.
const connectTimeout = time.Minute

// DialFunc opens a network connection, as net.Dialer.DialContext does.
// TLS, when the account asks for it, is added on top.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// The steps of setting up a connection, as Probe reports them.
const (
	StepConnect = "connect" // TCP connection (and, in plain mode, the greeting)
	StepTLS     = "tls"     // TLS handshake or STARTTLS, and the greeting
	StepLogin   = "login"   // LOGIN, and learning about the server
	StepSelect  = "select"  // opening the mailbox (Probe only)
)

// stepError is an error of connect with the step that failed, which Probe
// reports. It reads and unwraps as err: connect's other callers do not see
// it.
type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// conn is one logged-in connection and what was learned about the server.
type conn struct {
	c     *imapclient.Client
	caps  imap.CapSet
	delim rune   // hierarchy delimiter; 0 for a flat server
	ns    string // personal namespace prefix, such as "INBOX."
	// newMail receives a value when the server announces a new message
	// count (EXISTS) outside a SELECT: what wakes an IDLE.
	newMail chan struct{}
	// ensured is set once the folders exist.
	ensured bool
	// stop detaches the closing of the connection from the context.
	stop func() bool
}

// connect dials the account's server, secures the connection as the
// account says, and logs in. The connection is closed when ctx ends, which
// makes any command in progress fail. Its errors are *stepError.
func (f *Fetcher) connect(ctx context.Context) (*conn, error) {
	a := f.account()
	dial := f.Dial
	if dial == nil {
		dial = (&net.Dialer{Timeout: 30 * time.Second}).DialContext
	}
	sctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	raw, err := dial(sctx, "tcp", a.Addr)
	if err != nil {
		return nil, &stepError{StepConnect, fmt.Errorf("dial %s: %w", a.Addr, err)}
	}
	// Until logged in, the setup context bounds every step.
	stopSetup := context.AfterFunc(sctx, func() { raw.Close() })
	cn := &conn{newMail: make(chan struct{}, 1)}
	opts := &imapclient.Options{
		TLSConfig: a.tlsConfig(),
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case cn.newMail <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	fail := func(step string, err error) (*conn, error) {
		stopSetup()
		raw.Close()
		if ctx.Err() != nil {
			return nil, &stepError{step, ctx.Err()}
		}
		if sctx.Err() != nil {
			return nil, &stepError{step, fmt.Errorf("connect to %s: %w (after %s)", a.Addr, err, connectTimeout)}
		}
		return nil, &stepError{step, err}
	}
	switch a.TLS {
	case TLS:
		tc := tls.Client(raw, opts.TLSConfig)
		if err := tc.HandshakeContext(sctx); err != nil {
			return fail(StepTLS, fmt.Errorf("tls with %s: %w", a.Addr, err))
		}
		cn.c = imapclient.New(tc, opts)
	case STARTTLS:
		// NewStartTLS sends STARTTLS without looking at the capabilities:
		// a server without it answers BAD or NO, and nothing is sent in
		// clear text.
		cn.c, err = imapclient.NewStartTLS(raw, opts)
		if err != nil {
			return fail(StepTLS, fmt.Errorf("starttls with %s: %w", a.Addr, err))
		}
	default:
		cn.c = imapclient.New(raw, opts)
	}
	greeting := StepTLS
	if a.TLS == Plain {
		greeting = StepConnect
	}
	if err := cn.c.WaitGreeting(); err != nil {
		return fail(greeting, fmt.Errorf("greeting of %s: %w", a.Addr, err))
	}
	if err := cn.c.Login(a.Username, a.Password).Wait(); err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) {
			return fail(StepLogin, fmt.Errorf("%w: %s as %s: %w", ErrLogin, a.Addr, a.Username, err))
		}
		return fail(StepLogin, fmt.Errorf("login at %s: %w", a.Addr, err))
	}
	if err := cn.learn(); err != nil {
		return fail(StepLogin, fmt.Errorf("%s: %w", a.Addr, err))
	}
	if !stopSetup() {
		return fail(StepLogin, errors.New("connection closed during setup"))
	}
	cn.stop = context.AfterFunc(ctx, func() { cn.c.Close() })
	return cn, nil
}

// learn asks the logged-in server for its capabilities, its hierarchy
// delimiter and its personal namespace.
func (cn *conn) learn() error {
	cn.caps = cn.c.Caps()
	if cn.caps == nil {
		return errors.New("no capabilities")
	}
	l, err := cn.c.List("", "", nil).Collect()
	if err != nil {
		return fmt.Errorf("list hierarchy delimiter: %w", err)
	}
	if len(l) > 0 {
		cn.delim = l[0].Delim
	}
	if cn.caps.Has(imap.CapNamespace) {
		ns, err := cn.c.Namespace().Wait()
		if err != nil {
			return fmt.Errorf("namespace: %w", err)
		}
		if len(ns.Personal) > 0 {
			cn.ns = ns.Personal[0].Prefix
			if ns.Personal[0].Delim != 0 {
				cn.delim = ns.Personal[0].Delim
			}
		}
	}
	return nil
}

// name translates a configured mailbox name (levels separated by '/') into
// the server's: its delimiter, and its personal namespace prefix.
func (cn *conn) name(s string) string {
	if strings.EqualFold(s, "INBOX") {
		return "INBOX"
	}
	if cn.delim != 0 && cn.delim != '/' {
		s = strings.ReplaceAll(s, "/", string(cn.delim))
	}
	if cn.ns != "" && !hasPrefixFold(s, cn.ns) {
		s = cn.ns + s
	}
	return s
}

// hasPrefixFold is strings.HasPrefix ignoring case, for "INBOX." prefixes.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// ensureFolder creates mailbox name unless it exists, and subscribes to it
// so mail clients show it.
func (cn *conn) ensureFolder(name string) (created bool, err error) {
	l, err := cn.c.List("", name, nil).Collect()
	if err != nil {
		return false, fmt.Errorf("list %q: %w", name, err)
	}
	for _, d := range l {
		if d.Mailbox != name {
			continue
		}
		for _, attr := range d.Attrs {
			if strings.EqualFold(string(attr), string(imap.MailboxAttrNoSelect)) || strings.EqualFold(string(attr), string(imap.MailboxAttrNonExistent)) {
				return false, fmt.Errorf("folder %q exists but cannot hold messages", name)
			}
		}
		return false, nil
	}
	if err := cn.c.Create(name, nil).Wait(); err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) && ie.Code == imap.ResponseCodeAlreadyExists {
			return false, nil
		}
		return false, fmt.Errorf("create folder %q: %w", name, err)
	}
	// Not subscribing only hides the folder in some clients.
	cn.c.Subscribe(name).Wait()
	return true, nil
}

// close logs out, politely but without waiting long, and closes.
func (cn *conn) close() {
	cn.stop()
	done := make(chan struct{})
	go func() {
		cn.c.Logout().Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	cn.c.Close()
}
