// Package imaptest runs go-imap's in-memory IMAP server on loopback for
// tests, as net/http/httptest does for HTTP.
//
// A Server listens on 127.0.0.1 in clear text; NewTLSServer adds a listener
// with implicit TLS and STARTTLS on the clear-text one, with a self-signed
// certificate the test trusts through Server.CertPool. Users are added with
// AddUser, each with an INBOX; Deliver puts mail in a mailbox and Count
// counts it, on the server's side, without a client session of their own.
//
// The package also holds what tests of IMAP clients need next to a server:
// SelfSigned certificates, Login for a client of the test, and Buffer, a
// bytes.Buffer safe for concurrent writers.
package imaptest
