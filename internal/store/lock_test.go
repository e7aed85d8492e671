package store

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
)

// tryLock calls TryLock and fails t on an error or a nil unlock.
func tryLock(t *testing.T, s Store, name string) (func(), bool) {
	t.Helper()
	unlock, ok, err := s.TryLock(t.Context(), name)
	if err != nil {
		t.Fatalf("lock %q: %v", name, err)
	}
	if unlock == nil {
		t.Fatalf("lock %q: nil unlock", name)
	}
	return unlock, ok
}

// TestTryLock checks the lock within one store, for both backends, and
// between goroutines racing for it.
func TestTryLock(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		unlock, ok := tryLock(t, s, "imap:dmarc@example.com/INBOX")
		if !ok {
			t.Fatal("first lock not taken")
		}
		busy, ok := tryLock(t, s, "imap:dmarc@example.com/INBOX")
		if ok {
			t.Fatal("second lock taken while held")
		}
		busy() // a no-op
		other, ok := tryLock(t, s, "imap:dmarc@example.com/Archive")
		if !ok {
			t.Fatal("lock of another name not taken")
		}
		unlock()
		unlock() // a no-op the second time
		again, ok := tryLock(t, s, "imap:dmarc@example.com/INBOX")
		if !ok {
			t.Fatal("lock not taken after unlock")
		}
		again()
		other()

		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if unlock, ok, err := s.TryLock(ctx, "done"); err == nil || ok || unlock == nil {
			t.Errorf("done context: got ok %v, error %v, unlock nil %v; want an error and a no-op unlock", ok, err, unlock == nil)
		}

		var taken atomic.Int32
		var wg sync.WaitGroup
		unlocks := make([]func(), 4)
		for i := range unlocks {
			wg.Go(func() {
				u, ok, err := s.TryLock(t.Context(), "race")
				if err != nil {
					t.Error(err)
				}
				if ok {
					taken.Add(1)
				}
				unlocks[i] = u
			})
		}
		wg.Wait()
		for _, u := range unlocks {
			u()
		}
		equal(t, "racers that took the lock", taken.Load(), 1)
	})
}

// TestTryLockAcrossStores checks that the lock excludes across two stores
// on one database, as across replicas (PostgreSQL) or a cron fetch and
// serve (SQLite: flock locks belong to open files, so two stores in one
// process stand for two processes), and not across databases.
func TestTryLockAcrossStores(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		open := b.newDB(t)
		a, bs := open(t, 0), open(t, 0)
		name := "imap:dmarc@example.com/INBOX"
		unlock, ok := tryLock(t, a, name)
		if !ok {
			t.Fatal("a: lock not taken")
		}
		for range 2 { // a refused attempt leaves the store (its pool) intact
			if _, ok := tryLock(t, bs, name); ok {
				t.Fatal("b: lock taken while a holds it")
			}
		}
		if u, ok := tryLock(t, b.newDB(t)(t, 0), name); !ok {
			t.Error("store on another database: lock not taken")
		} else {
			u()
		}
		unlock()
		unlockB, ok := tryLock(t, bs, name)
		if !ok {
			t.Fatal("b: lock not taken after a unlocked")
		}
		if _, ok := tryLock(t, a, name); ok {
			t.Fatal("a: lock taken while b holds it")
		}
		unlockB()
		// The stores still work: no lock connection was left behind.
		equal(t, "counts", counts(t, a), Counts{})
	})
}
