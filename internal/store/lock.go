package store

import (
	"context"
	"fmt"
	"sync"
)

// localLocks are the advisory locks of one SQLite store: names held in
// memory, for the goroutines of this process, and, on Unix, a flock(2) on
// a file beside the database for other processes (a cron `fetch` next to
// a running `serve`) and other SQLite values on the same file.
type localLocks struct {
	path string // of the database; "" for no file locks
	mu   sync.Mutex
	held map[string]bool
}

// TryLock implements Store. The lock file of a name is
// DATABASE-lock-HASH, left in place after unlocking (removing it would
// race with a process opening it); the kernel drops the lock when its
// holder dies, so a crashed process never leaves a mailbox locked.
func (s *SQLite) TryLock(ctx context.Context, name string) (unlock func(), ok bool, err error) {
	if err := ctx.Err(); err != nil {
		return func() {}, false, fmt.Errorf("lock %q: %w", name, err)
	}
	l := &s.locks
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held[name] {
		return func() {}, false, nil
	}
	if l.held == nil {
		l.held = make(map[string]bool)
	}
	release, ok, err := lockFile(l.path, name)
	if err != nil || !ok {
		return func() {}, false, err
	}
	l.held[name] = true
	var once sync.Once
	return func() {
		once.Do(func() {
			release()
			l.mu.Lock()
			delete(l.held, name)
			l.mu.Unlock()
		})
	}, true, nil
}
