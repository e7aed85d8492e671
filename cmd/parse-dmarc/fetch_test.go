package main

import (
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// TestFetch runs "parse-dmarc fetch" against go-imap's server on loopback
// holding two real report mails and one mail without a report: the reports
// are stored, the mails moved to DMARC/Processed and DMARC/Invalid, nothing
// is deleted, and a second run finds nothing to do.
func TestFetch(t *testing.T) {
	t.Parallel()
	needCorpus(t)
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("dmarc@example.com", "pw-secret")
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapMove: {}, imap.CapUIDPlus: {}},
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	c, err := imapclient.DialInsecure(ln.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("dmarc@example.com", "pw-secret").Wait(); err != nil {
		t.Fatal(err)
	}
	var mails [][]byte
	for _, name := range []string{"twilight.eml", "mimecast-weird-gzip.eml"} {
		b, err := os.ReadFile(filepath.Join(corpus, "aggregate", name))
		if err != nil {
			t.Fatal(err)
		}
		mails = append(mails, b)
	}
	mails = append(mails, []byte("From: someone@example.org\r\nSubject: lunch?\r\n\r\nAre you free?\r\n"))
	for _, m := range mails {
		cmd := c.Append("INBOX", int64(len(m)), nil)
		cmd.Write(m)
		cmd.Close()
		if _, err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	count := func(mailbox string) uint32 {
		t.Helper()
		st, err := c.Status(mailbox, &imap.StatusOptions{NumMessages: true}).Wait()
		if err != nil {
			return 0 // not created
		}
		return *st.NumMessages
	}

	db := filepath.Join(t.TempDir(), "reports.db")
	args := []string{"fetch", "--db", db, "--imap-addr", ln.Addr().String(), "--imap-tls", "plain", "--imap-user", "dmarc@example.com"}
	fetch := func() (string, string, int) {
		cmd := exec(t, args...)
		cmd.Env = append(cmd.Env, "PARSE_DMARC_IMAP_PASSWORD=pw-secret")
		return runCmd(t, cmd)
	}
	out, stderr, code := fetch()
	if code != 1 || !strings.Contains(out, "3 messages") || !strings.Contains(out, "2 processed, 1 invalid") || !strings.Contains(out, "reports 2 new") {
		t.Fatalf("first fetch, exit %d (1: a mail was quarantined): %s\n%s", code, out, stderr)
	}
	if strings.Contains(stderr, "pw-secret") || strings.Contains(out, "pw-secret") {
		t.Error("the password appears in the output")
	}
	if n := count("INBOX"); n != 0 {
		t.Errorf("INBOX still holds %d messages", n)
	}
	if p, i := count("DMARC/Processed"), count("DMARC/Invalid"); p != 2 || i != 1 {
		t.Errorf("processed %d, invalid %d; want 2 and 1", p, i)
	}
	out, _, code = fetch()
	if code != 0 || !strings.Contains(out, "0 messages") {
		t.Fatalf("second fetch, exit %d: %s", code, out)
	}
	if _, _, code := runCmd(t, exec(t, "fetch", "--db", db, "--imap-addr", ln.Addr().String(), "--imap-user", "x")); code != 2 {
		t.Errorf("fetch without a password: exit %d, want 2", code)
	}
}
