package store

import (
	"context"
	"fmt"
	"sync"
)

// localLocks are the advisory locks of one SQLite store: names held, in
// memory. One process is expected to own an SQLite file, so mutual
// exclusion between its goroutines is what TryLock needs to give.
type localLocks struct {
	mu   sync.Mutex
	held map[string]bool
}

// TryLock implements Store with a lock in this SQLite value's memory. It
// excludes other holders through this value only: not other processes,
// and not another SQLite value opened on the same file.
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
	l.held[name] = true
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			delete(l.held, name)
			l.mu.Unlock()
		})
	}, true, nil
}
