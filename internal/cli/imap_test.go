package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/parse-dmarc/parse-dmarc/internal/imaptest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/synth"
)

// imapServer starts go-imap's in-memory server on loopback with a user per
// name (password "pw-<name>-secret").
func imapServer(t *testing.T, users ...string) *imaptest.Server {
	t.Helper()
	srv := imaptest.NewServer(t, imaptest.WithCaps(imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapMove: {}, imap.CapUIDPlus: {}, imap.CapIdle: {}}))
	for _, u := range users {
		srv.AddUser(t, u, "pw-"+u+"-secret")
	}
	return srv
}

// deliver puts a report mail (a gzipped synthetic report) in the INBOX of
// user.
func deliver(t *testing.T, srv *imaptest.Server, user string, seed uint64) {
	t.Helper()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	synth.Write(zw, synth.Options{Records: 5, Seed: seed, Begin: time.Now().UTC().Add(-24 * time.Hour).Truncate(time.Hour)})
	zw.Close()
	mail := fmt.Sprintf("From: noreply-dmarc@google.com\r\nSubject: Report %d\r\nMessage-ID: <%d@test>\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: application/gzip; name=\"r%d.xml.gz\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n",
		seed, seed, seed, base64.StdEncoding.EncodeToString(gz.Bytes()))
	srv.Deliver(t, user, "INBOX", []byte(mail))
}

// TestServeAndFetchTwoAccounts runs serve with the account of the --imap-*
// flags and two named accounts on go-imap's server: each mailbox is read
// by its own loop, every pass shows in the fetch metrics by account, and
// fetch then reads all three once, a summary line each.
func TestServeAndFetchTwoAccounts(t *testing.T) {
	t.Parallel()
	srv := imapServer(t, "flag", "a", "b")
	addr := srv.Addr
	users := []string{"flag", "a", "b"}
	for i, u := range users {
		deliver(t, srv, u, uint64(10+i))
	}
	vars := map[string]string{
		"PARSE_DMARC_IMAP_PASSWORD": "pw-flag-secret",
		"PARSE_DMARC_IMAP_ACCOUNTS": "a,b",
	}
	for _, u := range []string{"a", "b"} {
		up := strings.ToUpper(u)
		vars["PARSE_DMARC_IMAP_"+up+"_ADDR"] = addr
		vars["PARSE_DMARC_IMAP_"+up+"_USER"] = u
		vars["PARSE_DMARC_IMAP_"+up+"_PASSWORD"] = "pw-" + u + "-secret"
		vars["PARSE_DMARC_IMAP_"+up+"_TLS"] = "plain"
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "reports.db")
	stdout, stderr := &imaptest.Buffer{}, &imaptest.Buffer{}
	env := Env{Stdout: stdout, Stderr: stderr, Getenv: func(k string) string { return vars[k] }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exit := make(chan int, 1)
	go func() {
		exit <- Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--data", dir,
			"--imap-addr", addr, "--imap-user", "flag", "--imap-tls", "plain", "--imap-interval", "1h"}, env)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for srv.Count(t, "flag", "INBOX")+srv.Count(t, "a", "INBOX")+srv.Count(t, "b", "INBOX") > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the mailboxes were not all read:\n%s", stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	m := regexp.MustCompile(`addr=http://(\S+)`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no address in the log:\n%s", stderr)
	}
	// The last move precedes the end of the pass a moment: wait for each
	// account's pass to be counted.
	var metrics string
	for {
		resp, err := http.Get("http://" + m[1] + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		metrics = string(b)
		if strings.Contains(metrics, `parse_dmarc_fetch_duration_seconds_count{account="b"} 1`) &&
			strings.Contains(metrics, `parse_dmarc_fetch_duration_seconds_count{account="a"} 1`) &&
			strings.Contains(metrics, `parse_dmarc_fetch_duration_seconds_count{account="flag@127.0.0.1"} 1`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("passes not counted:\n%s", metrics)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, want := range []string{`parse_dmarc_fetch_errors_total{account="a"} 0`, `parse_dmarc_reports_total{outcome="imported"} 3`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	cancel()
	if code := <-exit; code != ExitOK {
		t.Fatalf("serve exit %d:\n%s", code, stderr)
	}
	for _, u := range users {
		if n := srv.Count(t, u, "DMARC/Processed"); n != 1 {
			t.Errorf("%s: %d messages processed, want 1", u, n)
		}
	}

	// fetch: one more report in a, none in the others.
	deliver(t, srv, "a", 20)
	stdout, stderr = &imaptest.Buffer{}, &imaptest.Buffer{}
	env = Env{Stdout: stdout, Stderr: stderr, Getenv: func(k string) string { return vars[k] }}
	code := Run(context.Background(), []string{"fetch", "--db", db, "--imap-addr", addr, "--imap-user", "flag", "--imap-tls", "plain"}, env)
	out := stdout.String()
	if code != ExitOK {
		t.Fatalf("fetch exit %d:\n%s\n%s", code, out, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []string{"flag@127.0.0.1: 0 messages", "a: 1 messages (0 resumed): 1 processed, 0 invalid, 0 other; reports 1 new", "b: 0 messages"}
	if len(lines) != len(want) {
		t.Fatalf("fetch printed %d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %q, want it to begin %q", i, lines[i], w)
		}
	}
	if all := stdout.String() + stderr.String(); strings.Contains(all, "-secret") {
		t.Error("a password appears in the output")
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if c, err := st.Counts(context.Background()); err != nil || c.Reports != 4 {
		t.Errorf("store: %+v, %v; want 4 reports", c, err)
	}
}
