package mailer

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/parse-dmarc/parse-dmarc/internal/testcert"
)

// testCert returns a self-signed certificate for 127.0.0.1 and localhost,
// and a pool that trusts it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	c := testcert.New(t)
	return c.TLS, c.Pool
}

// received is a message the test server took.
type received struct {
	From string
	To   []string
	Data []byte
	// TLS and User say how the session was when it sent DATA.
	TLS  bool
	User string
}

// backend is the test server's: it takes AUTH PLAIN for user "alice"
// with password "secret", refuses recipients in refuse with their error,
// and keeps what it took.
type backend struct {
	refuse map[string]error

	mu   sync.Mutex
	got  []received
	auth int
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &testSession{b: b, c: c}, nil
}

func (b *backend) messages() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.got...)
}

func (b *backend) auths() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.auth
}

type testSession struct {
	b    *backend
	c    *smtp.Conn
	user string
	msg  received
}

func (s *testSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *testSession) Auth(mech string) (sasl.Server, error) {
	s.b.mu.Lock()
	s.b.auth++
	s.b.mu.Unlock()
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != "alice" || password != "secret" {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication failed"}
		}
		s.user = username
		return nil
	}), nil
}

func (s *testSession) Mail(from string, _ *smtp.MailOptions) error {
	s.msg = received{From: from}
	return nil
}

func (s *testSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := s.b.refuse[to]; err != nil {
		return err
	}
	s.msg.To = append(s.msg.To, to)
	return nil
}

func (s *testSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.Data = data
	_, s.msg.TLS = s.c.TLSConnectionState()
	s.msg.User = s.user
	s.b.mu.Lock()
	s.b.got = append(s.b.got, s.msg)
	s.b.mu.Unlock()
	return nil
}

func (s *testSession) Reset()        { s.msg = received{} }
func (s *testSession) Logout() error { return nil }

// serverOptions choose how the test server is.
type serverOptions struct {
	// mode is "starttls" (offered), "tls" (implicit) or "none" (no
	// STARTTLS offered; AUTH allowed in clear text).
	mode     string
	maxBytes int64
	refuse   map[string]error
}

// testServer is a go-smtp server on a free loopback port.
type testServer struct {
	be   *backend
	port int
	pool *x509.CertPool
}

func startServer(t *testing.T, o serverOptions) *testServer {
	t.Helper()
	cert, pool := testCert(t)
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	be := &backend{refuse: o.refuse}
	s := smtp.NewServer(be)
	s.Domain = "localhost"
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	s.MaxMessageBytes = o.maxBytes
	s.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	switch o.mode {
	case "starttls":
		s.TLSConfig = tlsConfig
	case "tls":
		ln = tls.NewListener(ln, tlsConfig)
	case "none":
		s.AllowInsecureAuth = true
	default:
		t.Fatalf("mode %q", o.mode)
	}
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return &testServer{be: be, port: ln.Addr().(*net.TCPAddr).Port, pool: pool}
}

// config returns a Config for the server with mode and alice's password.
func (ts *testServer) config(mode string) Config {
	return Config{Host: "127.0.0.1", Port: ts.port, TLS: mode, Username: "alice", Password: "secret",
		From: "Parse DMARC <dmarc@example.com>", HELO: "test.example", RootCAs: ts.pool, Timeout: 20 * time.Second}
}

// stallServer accepts connections and never says a word; it returns its
// port.
func stallServer(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return ln.Addr().(*net.TCPAddr).Port
}

// smtpError is a server's refusal with code.
func smtpError(code int) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 1, 1}, Message: "No such user " + strconv.Itoa(code)}
}
