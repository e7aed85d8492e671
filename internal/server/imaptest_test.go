package server

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/imapsource"
	"github.com/parse-dmarc/parse-dmarc/internal/imaptest"
	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
)

const (
	imapTestUser     = "dmarc@example.com"
	imapTestPassword = "imap-test-secret-4711"
)

// imapTestServer starts go-imap's in-memory server on 127.0.0.1, in clear
// text, with one user whose INBOX holds two messages, and returns its
// address.
func imapTestServer(t *testing.T) string {
	t.Helper()
	srv := imaptest.NewServer(t)
	srv.AddUser(t, imapTestUser, imapTestPassword)
	for _, id := range []string{"a", "b"} {
		msg := []byte("From: a@example.org\r\nMessage-ID: <" + id + "@test>\r\nSubject: x\r\n\r\nhello\r\n")
		srv.Deliver(t, imapTestUser, "INBOX", msg)
	}
	return srv.Addr
}

// newIMAPTestAPI serves the API on a real store, with the server's log
// written to the returned buffer.
func newIMAPTestAPI(t *testing.T, disabled bool) (*httptest.Server, *imaptest.Buffer) {
	t.Helper()
	st := openTestStore(t)
	logs := &imaptest.Buffer{}
	s := &Server{Store: st, Importer: &ingest.Importer{Store: st}, Version: "test", DisableIMAPTest: disabled,
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts, logs
}

func postIMAPTest(t *testing.T, url, body string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url+"/api/v1/imap/test", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestIMAPTest(t *testing.T) {
	t.Parallel()
	addr := imapTestServer(t)
	ts, logs := newIMAPTestAPI(t, false)
	for _, tc := range []struct {
		name     string
		body     map[string]any
		ok       bool
		steps    int
		messages uint32
		failed   string // in the last step's message
	}{
		{"good", map[string]any{"addr": addr, "tls": "plain", "username": imapTestUser, "password": imapTestPassword}, true, 4, 2, ""},
		{"good with mailbox", map[string]any{"addr": addr, "tls": "PLAIN", "username": imapTestUser, "password": imapTestPassword, "mailbox": "INBOX", "insecure_skip_verify": false}, true, 4, 2, ""},
		{"wrong password", map[string]any{"addr": addr, "tls": "plain", "username": imapTestUser, "password": "not-" + imapTestPassword}, false, 3, 0, "app password"},
		{"unknown mailbox", map[string]any{"addr": addr, "tls": "plain", "username": imapTestUser, "password": imapTestPassword, "mailbox": "DMARC"}, false, 4, 0, `"INBOX"`},
		{"tls against plain", map[string]any{"addr": addr, "username": imapTestUser, "password": imapTestPassword}, false, 2, 0, "wrong port for the mode"},
	} {
		body, _ := json.Marshal(tc.body)
		status, b := postIMAPTest(t, ts.URL, string(body))
		var res imapsource.ProbeResult
		if err := json.Unmarshal(b, &res); err != nil || status != http.StatusOK {
			t.Fatalf("%s: %d %s", tc.name, status, b)
		}
		if res.OK != tc.ok || len(res.Steps) != tc.steps || res.Messages != tc.messages {
			t.Errorf("%s: %s", tc.name, b)
			continue
		}
		if last := res.Steps[len(res.Steps)-1]; tc.failed != "" && (last.OK || !strings.Contains(last.Message, tc.failed)) {
			t.Errorf("%s: last step %+v, want a failure saying %q", tc.name, last, tc.failed)
		}
		if strings.Contains(string(b), imapTestPassword) {
			t.Errorf("%s: the answer holds the password: %s", tc.name, b)
		}
		for _, key := range []string{`"ok":`, `"steps":`, `"messages":`, `"step":`, `"message":`} {
			if !strings.Contains(string(b), key) {
				t.Errorf("%s: answer %s lacks %s", tc.name, b, key)
			}
		}
	}
	if l := logs.String(); strings.Contains(l, imapTestPassword) || !strings.Contains(l, "imap connection test") {
		t.Errorf("log: %s", l)
	}
}

func TestIMAPTestBadRequests(t *testing.T) {
	t.Parallel()
	ts, _ := newIMAPTestAPI(t, false)
	for _, tc := range []struct {
		name, body, want string
	}{
		{"not JSON", "addr=imap.example.com:993", "expected a JSON object"},
		{"empty", "", "expected a JSON object"},
		{"array", `[]`, "expected a JSON object"},
		{"two objects", `{"addr":"a:1","username":"u","password":"p"} {}`, "one JSON object"},
		{"unknown field", `{"addr":"a:1","username":"u","password":"p","pasword":"x"}`, "unknown field"},
		{"no addr", `{"username":"u","password":"p"}`, "addr is missing"},
		{"no port", `{"addr":"imap.example.com","username":"u","password":"p"}`, "host:port"},
		{"no user", `{"addr":"imap.example.com:993","password":"p"}`, "username is missing"},
		{"no password", `{"addr":"imap.example.com:993","username":"u"}`, "password is missing"},
		{"bad tls", `{"addr":"imap.example.com:993","tls":"ssl","username":"u","password":"p"}`, "tls must be"},
		{"too large", `{"addr":"imap.example.com:993","username":"u","password":"` + strings.Repeat("x", 17<<10) + `"}`, "larger than 16 KiB"},
	} {
		status, b := postIMAPTest(t, ts.URL, tc.body)
		var e apiError
		if err := json.Unmarshal(b, &e); err != nil || status != http.StatusBadRequest || e.Error.Code != "bad_request" || !strings.Contains(e.Error.Message, tc.want) {
			t.Errorf("%s: %d %s, want 400 saying %q", tc.name, status, b, tc.want)
		}
	}
}

// TestIMAPTestDisabled: a server that disables the test connects nowhere.
func TestIMAPTestDisabled(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	connected := make(chan struct{}, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			connected <- struct{}{}
			c.Close()
		}
	}()
	ts, _ := newIMAPTestAPI(t, true)
	status, b := postIMAPTest(t, ts.URL, `{"addr":"`+ln.Addr().String()+`","tls":"plain","username":"u","password":"p"}`)
	var e apiError
	if err := json.Unmarshal(b, &e); err != nil || status != http.StatusForbidden || e.Error.Code != "disabled" {
		t.Errorf("%d %s, want 403 disabled", status, b)
	}
	select {
	case <-connected:
		t.Error("the disabled test connected")
	default:
	}
}

// TestIMAPTestAuth: the test is behind the admin password like the rest of
// the API.
func TestIMAPTestAuth(t *testing.T) {
	t.Parallel()
	auth, err := NewBasicAuth("admin", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	ts, _ := newServer(t, auth)
	status, _ := postIMAPTest(t, ts.URL, `{"addr":"127.0.0.1:1","username":"u","password":"p"}`)
	if status != http.StatusUnauthorized {
		t.Errorf("without a password: %d, want 401", status)
	}
}
