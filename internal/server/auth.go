package server

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"net/http"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters (RFC 9106 section 4, second recommended option: 64 MiB
// of memory, 3 passes), applied once per request that carries credentials.
const (
	argonTime    = 3
	argonMemory  = 64 << 10 // KiB
	argonThreads = 2
	argonKeyLen  = 32
)

// BasicAuth guards the UI and API with one admin password (HTTP basic
// authentication, RFC 7617) until the accounts system exists. The password
// is kept only as an argon2id hash, so a memory dump does not reveal it.
// It is meant for use behind TLS.
type BasicAuth struct {
	user string
	salt []byte
	hash []byte
	// sem bounds concurrent hashing: argon2id takes 64 MiB per attempt.
	sem chan struct{}
}

// NewBasicAuth hashes password for user (default "admin").
func NewBasicAuth(user, password string) (*BasicAuth, error) {
	if password == "" {
		return nil, fmt.Errorf("empty admin password")
	}
	if user == "" {
		user = "admin"
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("salt: %w", err)
	}
	return &BasicAuth{
		user: user,
		salt: salt,
		hash: argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen),
		sem:  make(chan struct{}, 2),
	}, nil
}

// Check reports whether user and password are the admin's.
func (a *BasicAuth) Check(user, password string) bool {
	a.sem <- struct{}{}
	defer func() { <-a.sem }()
	h := argon2.IDKey([]byte(password), a.salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	okUser := subtle.ConstantTimeCompare([]byte(user), []byte(a.user))
	return subtle.ConstantTimeCompare(h, a.hash)&okUser == 1
}

// Wrap returns h guarded by the password.
func (a *BasicAuth) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || !a.Check(user, pass) {
			w.Header().Set("WWW-Authenticate", `Basic realm="Parse DMARC", charset="UTF-8"`)
			writeError(w, http.StatusUnauthorized, "unauthorized", "the admin password is required")
			return
		}
		h.ServeHTTP(w, r)
	})
}
