//go:build unix

package store

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockFile takes an exclusive flock(2) without waiting on the lock file of
// name beside the database at path. ok is false when another holder
// (process or open file) has it. With no path it grants every lock.
func lockFile(path, name string) (release func(), ok bool, err error) {
	if path == "" || path == ":memory:" {
		return func() {}, true, nil
	}
	sum := sha256.Sum256([]byte(name))
	f, err := os.OpenFile(fmt.Sprintf("%s-lock-%x", path, sum[:6]), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("lock %q: %w", name, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("lock %q: %w", name, err)
	}
	return func() { f.Close() }, true, nil // closing releases the flock
}
