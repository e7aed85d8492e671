package imapsource

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// closedAddr is a 127.0.0.1 port nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestProbe(t *testing.T) {
	e := newMemEnv(t, memOptions{})
	mails := testMails(t)[:3]
	for _, tc := range []struct {
		name string
		// setup returns the account to probe, from a user with three
		// messages in the INBOX.
		setup func(t *testing.T, a Account) Account
		// want is the outcome of each step run, in order ("ok" or
		// "fail"); failed is what the failed step's message contains.
		want   []string
		failed []string
	}{
		{"plain", func(t *testing.T, a Account) Account { return a }, []string{"ok", "ok", "ok", "ok"}, nil},
		{"tls", func(t *testing.T, a Account) Account {
			a.Addr, a.TLS, a.RootCAs = e.tlsAddr, TLS, e.roots
			return a
		}, []string{"ok", "ok", "ok", "ok"}, nil},
		{"starttls", func(t *testing.T, a Account) Account {
			a.TLS, a.RootCAs = STARTTLS, e.roots
			return a
		}, []string{"ok", "ok", "ok", "ok"}, nil},
		{"wrong password", func(t *testing.T, a Account) Account {
			a.Password = "wrong-password-1234"
			return a
		}, []string{"ok", "ok", "fail"}, []string{"user name or password", "app password", "Gmail"}},
		{"connection refused", func(t *testing.T, a Account) Account {
			a.Addr = closedAddr(t)
			return a
		}, []string{"fail"}, []string{"refused", "check host, port and firewall"}},
		{"tls against plain", func(t *testing.T, a Account) Account {
			a.TLS = TLS
			return a
		}, []string{"ok", "fail"}, []string{"wrong port for the mode", "993"}},
		{"tls unknown authority", func(t *testing.T, a Account) Account {
			a.Addr, a.TLS = e.tlsAddr, TLS
			return a
		}, []string{"ok", "fail"}, []string{"unknown authority"}},
		{"tls name mismatch", func(t *testing.T, a Account) Account {
			_, port, _ := net.SplitHostPort(e.tlsAddr)
			a.Addr, a.TLS, a.RootCAs = net.JoinHostPort("127.0.0.2", port), TLS, e.roots
			return a
		}, []string{"ok", "fail"}, []string{"name mismatch", "127.0.0.2"}},
		{"unknown mailbox", func(t *testing.T, a Account) Account {
			createFolders(t, e, a, "Archive")
			a.Mailbox = "Reports"
			return a
		}, []string{"ok", "ok", "ok", "fail"}, []string{`"Reports"`, "does not exist", `the server has: "`, `"INBOX"`, `"Archive"`}},
		{"unknown mailbox, many folders", func(t *testing.T, a Account) Account {
			var names []string
			for i := range 30 {
				names = append(names, fmt.Sprintf("Folder%02d", i))
			}
			createFolders(t, e, a, names...)
			a.Mailbox = "Reports"
			return a
		}, []string{"ok", "ok", "ok", "fail"}, []string{"does not exist", `"Folder00"`, ", …"}},
		{"bad address", func(t *testing.T, a Account) Account {
			a.Addr = "imap.example.com"
			return a
		}, []string{"fail"}, []string{"not host:port"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			user, pass := e.mailbox(t, mails)
			a := tc.setup(t, e.account(user, pass))
			var dial DialFunc
			if strings.HasPrefix(a.Addr, "127.0.0.2:") {
				// 127.0.0.2 is not routed everywhere: reach the
				// server at 127.0.0.1, the name checked stays .2.
				dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
					_, port, _ := net.SplitHostPort(addr)
					return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+port)
				}
			}
			start := time.Now()
			res := Probe(context.Background(), a, dial)
			for _, s := range res.Steps {
				t.Logf("%s ok=%v: %s", s.Step, s.OK, s.Message)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("probe took %s", d)
			}
			var got []string
			for _, s := range res.Steps {
				if s.OK {
					got = append(got, "ok")
				} else {
					got = append(got, "fail")
				}
				if s.Message == "" {
					t.Errorf("step %s without a message", s.Step)
				}
				if strings.Contains(s.Message, a.Password) {
					t.Errorf("step %s: message %q holds the password", s.Step, s.Message)
				}
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("steps %+v, want %v", res.Steps, tc.want)
			}
			steps := []string{StepConnect, StepTLS, StepLogin, StepSelect}
			for i, s := range res.Steps {
				if s.Step != steps[i] {
					t.Errorf("step %d is %q, want %q", i, s.Step, steps[i])
				}
			}
			ok := tc.failed == nil
			if res.OK != ok {
				t.Errorf("OK %v, want %v", res.OK, ok)
			}
			if ok {
				if res.Messages != uint32(len(mails)) {
					t.Errorf("%d messages, want %d", res.Messages, len(mails))
				}
				if tls := res.Steps[1].Message; (a.TLS == Plain) != strings.HasPrefix(tls, "skipped") {
					t.Errorf("tls step in mode %s: %q", a.TLS, tls)
				}
				return
			}
			last := res.Steps[len(res.Steps)-1].Message
			if n := strings.Count(last, `"`) / 2; n > 1+probeMaxMailboxes {
				t.Errorf("%d quoted names in %q, want at most %d mailboxes", n, last, probeMaxMailboxes)
			}
			for _, want := range tc.failed {
				if !strings.Contains(last, want) {
					t.Errorf("message %q lacks %q", last, want)
				}
			}
		})
	}
}

// createFolders creates mailboxes in the account's server.
func createFolders(t *testing.T, e *imapEnv, a Account, names ...string) {
	t.Helper()
	cn := e.admin(t, a.Username, a.Password)
	for _, n := range names {
		if err := cn.c.Create(n, nil).Wait(); err != nil {
			t.Fatal(err)
		}
	}
	cn.c.Logout().Wait()
}

// TestProbeReadOnly: a probe leaves the mailbox as it was, creates no
// folder, and never sends the password anywhere but in LOGIN.
func TestProbeReadOnly(t *testing.T) {
	e := newMemEnv(t, memOptions{})
	mails := testMails(t)[:2]
	user, pass := e.mailbox(t, mails)
	res := Probe(context.Background(), e.account(user, pass), nil)
	if !res.OK {
		t.Fatalf("probe failed: %+v", res)
	}
	// The protocol log so far: the mails' APPEND, then the probe.
	debug := e.debug.String()
	cn := e.admin(t, user, pass)
	if got := contents(t, cn, "INBOX"); len(got) != len(mails) {
		t.Errorf("%d messages left in INBOX, want %d", len(got), len(mails))
	}
	for _, m := range contents(t, cn, "INBOX") {
		if len(m.flags) != 0 {
			t.Errorf("message %s got flags %v", m.messageID, m.flags)
		}
	}
	for _, f := range []string{DefaultProcessedFolder, DefaultInvalidFolder} {
		if contents(t, cn, f) != nil {
			t.Errorf("folder %s created", f)
		}
	}
	for _, cmd := range []string{"CREATE", "DELETE", "MOVE", "COPY", "STORE", "EXPUNGE", "SELECT"} {
		if strings.Contains(debug, " "+cmd+" ") {
			t.Errorf("the server saw %s", cmd)
		}
	}
	if !strings.Contains(debug, " EXAMINE ") {
		t.Error("the mailbox was not opened read-only (no EXAMINE)")
	}
}

// TestProbeTimeout: a server that never greets fails the probe by the
// time ctx ends, at the step that waited.
func TestProbeTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // silent until the listener closes
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	a := Account{Addr: ln.Addr().String(), TLS: STARTTLS, Username: "u", Password: "secret-pass"}
	res := Probe(ctx, a, nil)
	if res.OK || len(res.Steps) != 2 || res.Steps[1].Step != StepTLS || !strings.Contains(res.Steps[1].Message, "did not greet") {
		t.Fatalf("probe %+v", res)
	}
}
