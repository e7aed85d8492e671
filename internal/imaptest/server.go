package imaptest

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// Server is go-imap's in-memory IMAP server listening on loopback. It is
// closed when the test that started it ends.
type Server struct {
	// Addr is the clear-text listener's host:port; it offers STARTTLS
	// when the server was started with NewTLSServer, unless
	// WithoutSTARTTLS.
	Addr string
	// TLSAddr is the implicit TLS listener's host:port; empty for a
	// server started with NewServer.
	TLSAddr string
	// CertPool trusts the server's certificate; nil for a server started
	// with NewServer.
	CertPool *x509.CertPool

	mem   *imapmemserver.Server
	mu    sync.Mutex
	users map[string]*imapmemserver.User
}

// Option shapes a Server.
type Option func(*options)

type options struct {
	caps       imap.CapSet
	noSTARTTLS bool
	debug      io.Writer
}

// WithCaps sets the capabilities the server announces. Without it, a
// server announces IMAP4rev1 alone.
func WithCaps(caps imap.CapSet) Option {
	return func(o *options) { o.caps = caps }
}

// WithoutSTARTTLS leaves STARTTLS out of the clear-text listener of a
// server started with NewTLSServer.
func WithoutSTARTTLS() Option {
	return func(o *options) { o.noSTARTTLS = true }
}

// WithDebug writes the protocol the server exchanges, both ways, to w.
func WithDebug(w io.Writer) Option {
	return func(o *options) { o.debug = w }
}

// NewServer starts a server on 127.0.0.1 in clear text, without users.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return start(t, nil, opts)
}

// NewTLSServer starts a server on 127.0.0.1 with a certificate from
// SelfSigned: one listener in clear text with STARTTLS (Addr), one with
// implicit TLS (TLSAddr).
func NewTLSServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return start(t, SelfSigned(t), opts)
}

// start starts a server, with TLS when cert is not nil.
func start(t testing.TB, cert *Cert, opts []Option) *Server {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.caps == nil {
		o.caps = imap.CapSet{imap.CapIMAP4rev1: {}}
	}
	s := &Server{mem: imapmemserver.New(), users: map[string]*imapmemserver.User{}}
	so := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return s.mem.NewSession(), nil, nil
		},
		Caps:         o.caps,
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
		DebugWriter:  o.debug,
	}
	var tlsConf *tls.Config
	if cert != nil {
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert.TLS}}
		s.CertPool = cert.Pool
		if !o.noSTARTTLS {
			so.TLSConfig = tlsConf
		}
	}
	srv := imapserver.New(so)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	s.Addr = ln.Addr().String()
	if tlsConf != nil {
		tln, err := tls.Listen("tcp", "127.0.0.1:0", tlsConf)
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(tln)
		s.TLSAddr = tln.Addr().String()
	}
	return s
}

// AddUser adds a user that logs in with pass, with an empty INBOX.
func (s *Server) AddUser(t testing.TB, user, pass string) {
	t.Helper()
	u := imapmemserver.NewUser(user, pass)
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.users[user] = u
	s.mu.Unlock()
	s.mem.AddUser(u)
}

// user returns a user added with AddUser.
func (s *Server) user(t testing.TB, name string) *imapmemserver.User {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[name]
	if u == nil {
		t.Fatalf("imaptest: no user %q", name)
	}
	return u
}

// Deliver appends msg, without flags, to a mailbox of user, as a client's
// APPEND does: sessions that have the mailbox selected learn of it.
func (s *Server) Deliver(t testing.TB, user, mailbox string, msg []byte) {
	t.Helper()
	if _, err := s.user(t, user).Append(mailbox, bytes.NewReader(msg), &imap.AppendOptions{}); err != nil {
		t.Fatalf("imaptest: deliver to %s of %s: %v", mailbox, user, err)
	}
}

// Count returns the number of messages in a mailbox of user, 0 when the
// mailbox does not exist.
func (s *Server) Count(t testing.TB, user, mailbox string) uint32 {
	t.Helper()
	st, err := s.user(t, user).Status(mailbox, &imap.StatusOptions{NumMessages: true})
	if err != nil {
		return 0
	}
	return *st.NumMessages
}
