package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/parse-dmarc/parse-dmarc/internal/imaptest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// The account of the in-test IMAP servers.
const (
	imapUser     = "dmarc@example.com"
	imapPassword = "pw-secret"
)

// mailServer is go-imap's in-memory server on loopback with one user, and a
// client of the test, logged in as that user, that inspects mail. The
// test's client talks to the server directly, never through a proxy, so it
// is not one of the sessions a proxy watches.
type mailServer struct {
	*imaptest.Server
	mu sync.Mutex // one test command at a time: Select changes the client's state
	c  *imapclient.Client
}

func newMailServer(t *testing.T, caps imap.CapSet) *mailServer {
	t.Helper()
	srv := imaptest.NewServer(t, imaptest.WithCaps(caps))
	srv.AddUser(t, imapUser, imapPassword)
	return &mailServer{Server: srv, c: imaptest.Login(t, srv.Addr, imapUser, imapPassword)}
}

// deliver appends mails to INBOX, in order, so their UIDs follow it.
func (m *mailServer) deliver(t *testing.T, mails ...[]byte) {
	t.Helper()
	for _, b := range mails {
		m.Deliver(t, imapUser, "INBOX", b)
	}
}

// count returns the number of messages in a mailbox, 0 when it does not
// exist (the fetcher creates its folders on its first pass).
func (m *mailServer) count(t *testing.T, mailbox string) uint32 {
	t.Helper()
	return m.Count(t, imapUser, mailbox)
}

// digests returns the SHA-256 of each message in a mailbox, in order: the
// memory server keeps the bytes appended, so a digest names a delivered
// mail.
func (m *mailServer) digests(t *testing.T, mailbox string) []string {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	sel, err := m.c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil || sel.NumMessages == 0 {
		return nil
	}
	var all imap.SeqSet
	all.AddRange(1, 0)
	msgs, err := m.c.Fetch(all, &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
	if err != nil {
		t.Fatalf("fetch %s: %v", mailbox, err)
	}
	var l []string
	for _, msg := range msgs {
		if len(msg.BodySection) != 1 {
			t.Fatalf("%s: message %d came without its body", mailbox, msg.SeqNum)
		}
		l = append(l, digest(msg.BodySection[0].Bytes))
	}
	return l
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return fmt.Sprintf("%x", s[:8])
}

// reportMail is a mail as reporters send them: a short text and the report
// as a base64 attachment. id makes the Message-ID, and so the bytes, of
// each mail unique, as they are for resends.
func reportMail(id, filename, contentType string, payload []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: noreply-dmarc@reporter.example\r\nTo: dmarc@example.com\r\n"+
		"Subject: Report Domain: example.com Submitter: reporter.example Report-ID: %s\r\n"+
		"Message-ID: <%s@reporter.example>\r\nDate: Mon, 02 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"+
		"--b1\r\nContent-Type: text/plain\r\n\r\nThis is an aggregate report.\r\n"+
		"--b1\r\nContent-Type: %s; name=\"%s\"\r\nContent-Disposition: attachment; filename=\"%s\"\r\n"+
		"Content-Transfer-Encoding: base64\r\n\r\n", id, id, contentType, filename, filename)
	enc := base64.StdEncoding.EncodeToString(payload)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--b1--\r\n")
	return b.Bytes()
}

// corpusFile reads a file of the corpus's aggregate samples.
func corpusFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpus, "aggregate", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// reportKeys returns the dedupe keys (reporter, report ID, policy domain)
// of the reports "parse-dmarc parse" finds in a mail: what the store is
// expected to hold once the mail is imported.
func reportKeys(t *testing.T, mail []byte) []string {
	t.Helper()
	out, _, _ := run(t, mail, "parse", "-")
	var keys []string
	for _, d := range decodeLines(t, out) {
		if d.Report == nil {
			continue
		}
		m := d.Report.Metadata
		keys = append(keys, reportKey(m.Reporter.OrgName, m.ReportID, fmt.Sprint(d.Report.PolicyPublished["domain"])))
	}
	return keys
}

func reportKey(org, id, domain string) string {
	return strings.Join([]string{org, id, domain}, " | ")
}

// storedReports returns the dedupe keys of the reports in the store at
// dsn, sorted, the number of messages they count, and the store's counts.
func storedReports(t *testing.T, dsn string) ([]string, int64, store.Counts) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	reps, err := st.Reports(ctx, store.ReportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	var messages int64
	for _, r := range reps {
		m := r.Header.Metadata
		keys = append(keys, reportKey(m.Reporter.OrgName, m.ReportID, r.Header.Policy.Domain))
		messages += r.MessageCount
	}
	slices.Sort(keys)
	return keys, messages, c
}
