package secretbox

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// KeyFileName is the name of the key file FromEnvOrFile keeps in the
// data directory.
const KeyFileName = "secret.key"

// FromEnvOrFile returns the Box of the environment's keys (FromEnv) or,
// when it names none, of the key in the file at path, which it creates
// with a new random key, readable by its owner only (0600), when there is
// none: secrets are then sealed from the first start without any setup,
// and never kept in the clear. created reports that the file was made.
//
// The file is created by linking a complete temporary file to its name,
// so processes starting together end up with the same key. Its limit:
// the key sits next to what it protects, so a copy of the data directory
// carries both; set PARSE_DMARC_SECRET_KEY (or _FILE, such as a mounted
// secret) to keep it elsewhere, and share one key between replicas that
// share a PostgreSQL store, each of which otherwise has its own file.
func FromEnvOrFile(getenv func(string) string, path string) (box *Box, created bool, err error) {
	if box, err := FromEnv(getenv); box != nil || err != nil {
		return box, false, err
	}
	key, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if created, err = createKeyFile(path); err == nil {
			key, err = readKeyFile(path)
		}
	}
	if err != nil {
		return nil, false, err
	}
	box, err = New(key)
	return box, created, err
}

func readKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	key, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("secret key file %s: %w", path, err)
	}
	return key, nil
}

// createKeyFile writes a new key to path unless a file is there, and
// reports whether it wrote it.
func createKeyFile(path string) (bool, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return false, fmt.Errorf("new secret key: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("secret key file: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".secret-key-*")
	if err != nil {
		return false, fmt.Errorf("secret key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp makes the file 0600.
	_, err = tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, fmt.Errorf("write secret key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil // another process was first: its key it is
		}
		return false, fmt.Errorf("secret key file: %w", err)
	}
	return true, nil
}
