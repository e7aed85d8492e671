package imapsource

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

func TestRunIdle(t *testing.T) {
	e := newMemEnv(t, memOptions{})
	testRunIdle(t, e, 200*time.Millisecond)
	// IDLE was re-issued while waiting: more IDLE commands than passes.
	if n := strings.Count(e.debug.String(), " IDLE\r\n"); n < 3 {
		t.Errorf("%d IDLE commands, want several (re-issued after idleMax)", n)
	}
}

// testRunIdle runs a Fetcher with an interval far longer than the test:
// the mail appended while it waits is imported only if IDLE woke it.
func testRunIdle(t *testing.T, e *imapEnv, idleLen time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mails := testMails(t)[:3]
	user, pass := e.mailbox(t, mails[:2])
	st := openStore(t)
	logger, logs := testLog()
	f := &Fetcher{Account: e.account(user, pass), Importer: &ingest.Importer{Store: st}, Tracker: st, Log: logger, idleMax: idleLen}
	ran := make(chan error, 1)
	go func() { ran <- f.Run(ctx, time.Hour) }()
	reports := done(t, e, user, pass, st)
	waitFor(t, 10*time.Second, "the first pass", reports(2))
	time.Sleep(3 * idleLen) // waiting in IDLE, re-issued
	appendMail(t, e.admin(t, user, pass), "INBOX", mails[2].raw)
	waitFor(t, 10*time.Second, "the new mail", reports(3))
	cancel()
	select {
	case err := <-ran:
		if err != nil {
			t.Errorf("Run returned %v, want nil when its context ends", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	checkFinal(t, e, user, pass, st, mails, expectationOf(t, st), finalCheck{})
	if strings.Contains(logs.String(), pass) {
		t.Error("password logged")
	}
}

// TestRunReconnect has the network fail: first dials are refused, then the
// connection breaks while idling. Run must come back each time.
func TestRunReconnect(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := newMemEnv(t, memOptions{})
	mails := testMails(t)[:3]
	user, pass := e.mailbox(t, mails[:2])
	st := openStore(t)
	logger, logs := testLog()
	var mu sync.Mutex
	dials := 0
	var conns []net.Conn
	f := &Fetcher{
		Account: e.account(user, pass), Importer: &ingest.Importer{Store: st}, Tracker: st, Log: logger,
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			mu.Lock()
			defer mu.Unlock()
			dials++
			if dials <= 3 {
				return nil, errors.New("injected dial failure")
			}
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err == nil {
				conns = append(conns, c)
			}
			return c, err
		},
		backoffMin: 10 * time.Millisecond, backoffMax: 40 * time.Millisecond,
	}
	ran := make(chan error, 1)
	go func() { ran <- f.Run(ctx, time.Hour) }()
	counts := done(t, e, user, pass, st)
	waitFor(t, 10*time.Second, "the first pass", counts(2))
	// Break the connection, then deliver mail: a new connection must
	// find it.
	mu.Lock()
	conns[len(conns)-1].Close()
	mu.Unlock()
	appendMail(t, e.admin(t, user, pass), "INBOX", mails[2].raw)
	waitFor(t, 10*time.Second, "the mail after the reconnection", counts(3))
	cancel()
	if err := <-ran; err != nil {
		t.Errorf("Run: %v", err)
	}
	mu.Lock()
	if dials < 5 {
		t.Errorf("%d dials, want at least 5 (3 refused, the first session, the reconnection)", dials)
	}
	mu.Unlock()
	if !strings.Contains(logs.String(), "reconnecting") {
		t.Error("failures not logged")
	}
	if strings.Contains(logs.String(), pass) {
		t.Error("password logged")
	}
	checkFinal(t, e, user, pass, st, mails, expectationOf(t, st), finalCheck{})
}

// TestRunStoreFailure has the store fail: Run must retry the message, not
// skip it.
func TestRunStoreFailure(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := newMemEnv(t, memOptions{})
	mails := testMails(t)[:3]
	user, pass := e.mailbox(t, mails)
	st := openStore(t)
	var mu sync.Mutex
	failures := 3
	im := &ingest.Importer{Store: failingStore{st, func(string) bool {
		mu.Lock()
		defer mu.Unlock()
		failures--
		return failures >= 0
	}}}
	f := &Fetcher{Account: e.account(user, pass), Importer: im, Tracker: st,
		backoffMin: 10 * time.Millisecond, backoffMax: 40 * time.Millisecond}
	ran := make(chan error, 1)
	go func() { ran <- f.Run(ctx, time.Hour) }()
	waitFor(t, 10*time.Second, "every report", done(t, e, user, pass, st)(3))
	cancel()
	<-ran
	checkFinal(t, e, user, pass, st, mails, expectationOf(t, st), finalCheck{})
}

// done returns a condition for waitFor: n reports stored and the INBOX
// empty, so the last message was moved too.
func done(t *testing.T, e *imapEnv, user, pass string, st store.Store) func(n int64) func() bool {
	cn := e.admin(t, user, pass)
	return func(n int64) func() bool {
		return func() bool {
			c, err := st.Counts(context.Background())
			if err != nil || c.Reports != n {
				return false
			}
			sel, err := cn.c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
			return err == nil && sel.NumMessages == 0
		}
	}
}

// TestWaitWithoutIdle checks the wait on a server without IDLE: NOOPs
// keep the connection alive, and one announcing new mail ends the wait.
func TestWaitWithoutIdle(t *testing.T) {
	ctx := context.Background()
	e := newMemEnv(t, memOptions{})
	user, pass := e.addUser(t)
	cn := e.admin(t, user, pass)
	cn.newMail = make(chan struct{}, 1)
	cn.caps = capsBare // as if IDLE were not offered
	if _, err := cn.c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	f := &Fetcher{idleMax: 50 * time.Millisecond}
	start := time.Now()
	if err := f.wait(ctx, cn, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("waited %s, want the whole interval", d)
	}
	if n := strings.Count(e.debug.String(), " NOOP\r\n"); n < 3 {
		t.Errorf("%d NOOPs, want one per idleMax", n)
	}
	// New mail is announced in the answer to the next NOOP.
	cn.newMail <- struct{}{}
	start = time.Now()
	if err := f.wait(ctx, cn, time.Hour); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("waited %s despite new mail", d)
	}
}

func TestBackoff(t *testing.T) {
	b := backoff{min: time.Second, max: 10 * time.Second}
	step := time.Second
	for range 10 {
		d := b.next()
		if d < step/2 || d > step {
			t.Fatalf("wait %s outside [%s, %s]", d, step/2, step)
		}
		step = min(2*step, 10*time.Second)
	}
	b.reset()
	if d := b.next(); d > time.Second {
		t.Errorf("after reset, wait %s, want at most 1s", d)
	}
}
