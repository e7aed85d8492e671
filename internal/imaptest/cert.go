package imaptest

import (
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/testcert"
)

// Cert is a self-signed certificate, in the forms servers and clients
// take it.
type Cert = testcert.Cert

// SelfSigned makes a certificate for 127.0.0.1 and localhost, valid from
// an hour ago for a day.
func SelfSigned(t testing.TB) *Cert { return testcert.New(t) }
