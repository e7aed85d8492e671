package imapsource

import "errors"

// Errors returned wrapped; test for them with errors.Is.
var (
	// ErrConfig is an Account or Fetcher that cannot work: a missing
	// address, user name, Importer or Tracker, a folder that is also the
	// mailbox read from. Retrying does not help.
	ErrConfig = errors.New("imap source misconfigured")
	// ErrLogin is a server that refused the user name and password (or
	// the login command itself, as on a server demanding TLS first).
	ErrLogin = errors.New("imap login failed")
)
