package imaptest

import (
	"testing"

	"github.com/emersion/go-imap/v2/imapclient"
)

// Login dials addr in clear text and logs in as user: a client of the
// test's own, to set up and inspect mailboxes. It is closed when the test
// ends.
func Login(t testing.TB, addr, user, pass string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(user, pass).Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}
