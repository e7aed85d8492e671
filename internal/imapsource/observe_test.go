package imapsource

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
)

// passLog collects the passes told to Observe.
type passLog struct {
	mu     sync.Mutex
	passes []Pass
}

func (l *passLog) observe(p Pass) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.passes = append(l.passes, p)
}

func (l *passLog) get() []Pass {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Pass(nil), l.passes...)
}

// TestObserve checks that Run tells Observe of every pass, the failed
// connections included, and that FetchOnce tells of its one pass.
func TestObserve(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := newMemEnv(t, memOptions{})
	mails := testMails(t)[:2]
	user, pass := e.mailbox(t, mails)
	st := openStore(t)
	var log passLog
	var mu sync.Mutex
	dials := 0
	var reports int
	f := &Fetcher{
		Account:  e.account(user, pass),
		Importer: &ingest.Importer{Store: st, Progress: func(ingest.Result) { mu.Lock(); reports++; mu.Unlock() }},
		Tracker:  st,
		Observe:  log.observe,
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			mu.Lock()
			dials++
			n := dials
			mu.Unlock()
			if n <= 2 {
				return nil, errors.New("injected dial failure")
			}
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
		backoffMin: 10 * time.Millisecond, backoffMax: 20 * time.Millisecond,
	}
	ran := make(chan error, 1)
	go func() { ran <- f.Run(ctx, time.Hour) }()
	waitFor(t, 10*time.Second, "a pass that went through", func() bool {
		l := log.get()
		return len(l) > 0 && l[len(l)-1].Err == nil
	})
	cancel()
	if err := <-ran; err != nil {
		t.Fatalf("Run: %v", err)
	}
	l := log.get()
	if len(l) != 3 {
		t.Fatalf("%d passes told, want 3 (2 failed dials, 1 pass; none at shutdown): %+v", len(l), l)
	}
	for i, p := range l {
		if p.Account != f.Account.Name || p.Start.IsZero() || p.Duration <= 0 {
			t.Errorf("pass %d: %+v", i, p)
		}
		if failed := i < 2; (p.Err != nil) != failed {
			t.Errorf("pass %d: err %v", i, p.Err)
		}
	}
	if got := l[2].Result; got.Messages != 2 || got.Processed+got.Invalid+got.Other != 2 {
		t.Errorf("result %+v, want 2 messages moved", got)
	}
	mu.Lock()
	if reports < 2 {
		t.Errorf("Progress told of %d reports, want at least 2", reports)
	}
	mu.Unlock()

	// FetchOnce: one pass, told once, with nothing left to do.
	res, err := f.FetchOnce(context.Background())
	if err != nil || res.Messages != 0 {
		t.Fatalf("FetchOnce: %+v, %v", res, err)
	}
	if n := len(log.get()); n != 4 {
		t.Errorf("%d passes told after FetchOnce, want 4", n)
	}
}
