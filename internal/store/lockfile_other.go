//go:build !unix

package store

// lockFile grants every lock where flock(2) is missing: TryLock then
// excludes the goroutines of one process only.
func lockFile(path, name string) (release func(), ok bool, err error) {
	return func() {}, true, nil
}
