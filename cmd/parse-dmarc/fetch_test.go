package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// TestFetch runs "parse-dmarc fetch" against go-imap's server on loopback
// holding one mailbox of every kind of mail the report address gets: two
// real aggregate report mails, a failure report, an SMTP TLS report and a
// mail without a report. Each report is stored in its place (the failure
// report under --forensic-redact full), the report mails are moved to
// DMARC/Processed and the other one to DMARC/Other, nothing is invalid or
// deleted, and a second run finds nothing to do.
func TestFetch(t *testing.T) {
	t.Parallel()
	needCorpus(t)
	srv := newMailServer(t, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapMove: {}, imap.CapUIDPlus: {}})
	var mails [][]byte
	for _, name := range []string{"twilight.eml", "mimecast-weird-gzip.eml"} {
		mails = append(mails, corpusFile(t, name))
	}
	for _, name := range []string{"failure/exim_plain_text_only_no_arf_part.eml", "smtp_tls/google.com_smtp_tls_report.eml"} {
		b, err := os.ReadFile(filepath.Join(corpus, name))
		if err != nil {
			t.Fatal(err)
		}
		mails = append(mails, b)
	}
	mails = append(mails, []byte("From: someone@example.org\r\nSubject: lunch?\r\n\r\nAre you free?\r\n"))
	srv.deliver(t, mails...)

	db := filepath.Join(t.TempDir(), "reports.db")
	args := []string{"fetch", "--db", db, "--imap-addr", srv.Addr, "--imap-tls", "plain", "--imap-user", imapUser, "--forensic-redact", "full"}
	fetch := func() (string, string, int) {
		cmd := exec(t, args...)
		cmd.Env = append(cmd.Env, "PARSE_DMARC_IMAP_PASSWORD="+imapPassword)
		return runCmd(t, cmd)
	}
	out, stderr, code := fetch()
	if code != 0 || !strings.Contains(out, "5 messages") || !strings.Contains(out, "4 processed, 0 invalid, 1 other") || !strings.Contains(out, "reports 4 new") {
		t.Fatalf("first fetch, exit %d: %s\n%s", code, out, stderr)
	}
	if strings.Contains(stderr, imapPassword) || strings.Contains(out, imapPassword) {
		t.Error("the password appears in the output")
	}
	if !strings.Contains(stderr, "mail without a report") || !strings.Contains(stderr, "lunch?") {
		t.Errorf("the mail without a report is not logged: %s", stderr)
	}
	if n := srv.count(t, "INBOX"); n != 0 {
		t.Errorf("INBOX still holds %d messages", n)
	}
	if p, i, o := srv.count(t, "DMARC/Processed"), srv.count(t, "DMARC/Invalid"), srv.count(t, "DMARC/Other"); p != 4 || i != 0 || o != 1 {
		t.Errorf("processed %d, invalid %d, other %d; want 4, 0 and 1", p, i, o)
	}
	keys, _, c := storedReports(t, db)
	if len(keys) != 2 || c.Quarantined != 0 {
		t.Errorf("aggregate reports %q, counts %+v", keys, c)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	tls, err := st.TLSReports(context.Background(), store.TLSFilter{}, 0, 10)
	if err != nil || len(tls) != 1 {
		t.Errorf("TLS reports %+v, %v", tls, err)
	}
	fr, err := st.ForensicReports(context.Background(), store.ForensicFilter{}, 0, 10)
	if err != nil || len(fr) != 1 || fr[0].Report.ReportedDomain != "example.com" || fr[0].Report.Privacy.Redaction != "full" {
		t.Errorf("failure reports %+v, %v", fr, err)
	}
	st.Close()
	out, _, code = fetch()
	if code != 0 || !strings.Contains(out, "0 messages") {
		t.Fatalf("second fetch, exit %d: %s", code, out)
	}
	if _, _, code := runCmd(t, exec(t, "fetch", "--db", db, "--imap-addr", srv.Addr, "--imap-user", "x")); code != 2 {
		t.Errorf("fetch without a password: exit %d, want 2", code)
	}
}
