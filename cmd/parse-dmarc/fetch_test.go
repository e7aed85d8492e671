package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
)

// TestFetch runs "parse-dmarc fetch" against go-imap's server on loopback
// holding two real report mails and one mail without a report: the reports
// are stored, the mails moved to DMARC/Processed and DMARC/Invalid, nothing
// is deleted, and a second run finds nothing to do.
func TestFetch(t *testing.T) {
	t.Parallel()
	needCorpus(t)
	srv := newMailServer(t, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapMove: {}, imap.CapUIDPlus: {}})
	var mails [][]byte
	for _, name := range []string{"twilight.eml", "mimecast-weird-gzip.eml"} {
		mails = append(mails, corpusFile(t, name))
	}
	mails = append(mails, []byte("From: someone@example.org\r\nSubject: lunch?\r\n\r\nAre you free?\r\n"))
	srv.deliver(t, mails...)

	db := filepath.Join(t.TempDir(), "reports.db")
	args := []string{"fetch", "--db", db, "--imap-addr", srv.Addr, "--imap-tls", "plain", "--imap-user", imapUser}
	fetch := func() (string, string, int) {
		cmd := exec(t, args...)
		cmd.Env = append(cmd.Env, "PARSE_DMARC_IMAP_PASSWORD="+imapPassword)
		return runCmd(t, cmd)
	}
	out, stderr, code := fetch()
	if code != 1 || !strings.Contains(out, "3 messages") || !strings.Contains(out, "2 processed, 1 invalid") || !strings.Contains(out, "reports 2 new") {
		t.Fatalf("first fetch, exit %d (1: a mail was quarantined): %s\n%s", code, out, stderr)
	}
	if strings.Contains(stderr, imapPassword) || strings.Contains(out, imapPassword) {
		t.Error("the password appears in the output")
	}
	if n := srv.count(t, "INBOX"); n != 0 {
		t.Errorf("INBOX still holds %d messages", n)
	}
	if p, i := srv.count(t, "DMARC/Processed"), srv.count(t, "DMARC/Invalid"); p != 2 || i != 1 {
		t.Errorf("processed %d, invalid %d; want 2 and 1", p, i)
	}
	out, _, code = fetch()
	if code != 0 || !strings.Contains(out, "0 messages") {
		t.Fatalf("second fetch, exit %d: %s", code, out)
	}
	if _, _, code := runCmd(t, exec(t, "fetch", "--db", db, "--imap-addr", srv.Addr, "--imap-user", "x")); code != 2 {
		t.Errorf("fetch without a password: exit %d, want 2", code)
	}
}
