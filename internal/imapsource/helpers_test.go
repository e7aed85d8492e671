package imapsource

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/parse-dmarc/parse-dmarc/internal/imaptest"
	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/synth"
)

// Compile-time proof that the store keeps the Fetcher's state.
var _ Tracker = store.Store(nil)

// samplesDir holds real report mails, read in place (never copied here).
const samplesDir = "/work/shared/corpus/parsedmarc/samples/aggregate"

// imapEnv is an IMAP server the tests run against, with a fresh user per
// test case.
type imapEnv struct {
	name    string
	addr    string // clear text, STARTTLS where the server offers it
	tlsAddr string // implicit TLS
	roots   *x509.CertPool
	addUser func(t *testing.T) (user, pass string)
	// debug is the server's protocol log (in-process server only).
	debug *imaptest.Buffer
}

// account is an Account for user on the clear text port.
func (e *imapEnv) account(user, pass string) Account {
	return Account{Name: e.name + "-" + user, Addr: e.addr, TLS: Plain, Username: user, Password: pass}
}

// memOptions shape an in-process server.
type memOptions struct {
	caps  imap.CapSet // nil: IMAP4rev1 with MOVE, UIDPLUS and NAMESPACE
	noTLS bool        // no STARTTLS
}

// Capability sets of the in-process server.
var (
	capsFull   = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapMove: {}, imap.CapUIDPlus: {}, imap.CapNamespace: {}}
	capsNoMove = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}, imap.CapNamespace: {}}
	capsBare   = imap.CapSet{imap.CapIMAP4rev1: {}}
)

// newMemEnv starts go-imap's in-memory server on 127.0.0.1: one listener
// in clear text (with STARTTLS), one with implicit TLS.
func newMemEnv(t *testing.T, o memOptions) *imapEnv {
	t.Helper()
	caps := o.caps
	if caps == nil {
		caps = capsFull
	}
	e := &imapEnv{name: "mem", debug: &imaptest.Buffer{}}
	opts := []imaptest.Option{imaptest.WithCaps(caps), imaptest.WithDebug(e.debug)}
	if o.noTLS {
		opts = append(opts, imaptest.WithoutSTARTTLS())
	}
	srv := imaptest.NewTLSServer(t, opts...)
	e.addr, e.tlsAddr, e.roots = srv.Addr, srv.TLSAddr, srv.CertPool
	var mu sync.Mutex
	n := 0
	e.addUser = func(t *testing.T) (string, string) {
		mu.Lock()
		n++
		user := fmt.Sprintf("dmarc%d@example.com", n)
		mu.Unlock()
		pass := "pw-" + rand.Text()
		srv.AddUser(t, user, pass)
		return user, pass
	}
	return e
}

// admin logs in as user with a client of its own, for setting up and
// inspecting mailboxes.
func (e *imapEnv) admin(t *testing.T, user, pass string) *conn {
	t.Helper()
	cn := &conn{c: imaptest.Login(t, e.addr, user, pass)}
	if err := cn.learn(); err != nil {
		t.Fatal(err)
	}
	return cn
}

// appendMail appends raw to mailbox, without flags.
func appendMail(t *testing.T, cn *conn, mailbox string, raw []byte) {
	t.Helper()
	cmd := cn.c.Append(cn.name(mailbox), int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("append: %v", err)
	}
}

// stored is a message as found on the server.
type stored struct {
	uid       imap.UID
	messageID string
	flags     []imap.Flag
}

func (s stored) has(flag imap.Flag) bool {
	return slices.ContainsFunc(s.flags, func(f imap.Flag) bool { return strings.EqualFold(string(f), string(flag)) })
}

// contents lists a mailbox (named as configured), or nil when it does not
// exist.
func contents(t *testing.T, cn *conn, mailbox string) []stored {
	t.Helper()
	sel, err := cn.c.Select(cn.name(mailbox), &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) && ie.Type == imap.StatusResponseTypeNo {
			return nil
		}
		t.Fatalf("examine %s: %v", mailbox, err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	msgs, err := cn.c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true, Envelope: true}).Collect()
	if err != nil {
		t.Fatalf("fetch %s: %v", mailbox, err)
	}
	var l []stored
	for _, m := range msgs {
		l = append(l, stored{uid: m.UID, messageID: m.Envelope.MessageID, flags: m.Flags})
	}
	return l
}

// testMail is a mail put in the INBOX, and what should become of it.
type testMail struct {
	name      string
	messageID string
	raw       []byte
	invalid   bool // ends in the invalid folder
	other     bool // ends in the folder for other mail: no report at all
}

// reportXML is a generated report.
func reportXML(t testing.TB, id string, seed uint64) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := synth.Write(&b, synth.Options{Records: 5, Seed: seed, ID: id}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zipped(t testing.TB, name string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gzipped(data []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}

// attachment is one attached file of a built mail.
type attachment struct {
	filename, contentType string
	data                  []byte
}

// buildMail writes a MIME mail as reporters send them: a text part and
// base64 attachments.
func buildMail(messageID, subject string, atts ...attachment) []byte {
	var b bytes.Buffer
	const boundary = "=_parse-dmarc-test-boundary"
	fmt.Fprintf(&b, "From: noreply-dmarc-support@google.com\r\nTo: dmarc@example.com\r\n"+
		"Subject: %s\r\nDate: Mon, 02 Nov 2026 10:00:00 +0000\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n", subject, messageID)
	if len(atts) == 0 {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\nHello, this is not a report.\r\n")
		return b.Bytes()
	}
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%q\r\n\r\n", boundary)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThis is an aggregate report.\r\n", boundary)
	for _, a := range atts {
		fmt.Fprintf(&b, "--%s\r\nContent-Type: %s; name=%q\r\nContent-Disposition: attachment; filename=%q\r\nContent-Transfer-Encoding: base64\r\n\r\n",
			boundary, a.contentType, a.filename, a.filename)
		enc := base64.StdEncoding.EncodeToString(a.data)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes()
}

// testMails builds the mails of a mailbox: reports zipped, gzipped and
// plain, a resent report, a mail with no report, and the real sample
// mails.
func testMails(t testing.TB) []testMail {
	t.Helper()
	const stem = "google.com!example.com!1793577600!1793663999"
	zipXML := reportXML(t, "imap-zip-1", 1)
	mails := []testMail{
		{name: "zip", messageID: "zip-1@test", raw: buildMail("zip-1@test", "Report domain: example.com (zip)",
			attachment{stem + ".zip", "application/zip", zipped(t, stem+".xml", zipXML)})},
		{name: "gzip", messageID: "gz-2@test", raw: buildMail("gz-2@test", "Report domain: example.com (gzip)",
			attachment{stem + ".xml.gz", "application/gzip", gzipped(reportXML(t, "imap-gz-2", 2))})},
		{name: "xml", messageID: "xml-3@test", raw: buildMail("xml-3@test", "Report domain: example.com (xml)",
			attachment{stem + ".xml", "text/xml", reportXML(t, "imap-xml-3", 3)})},
		{name: "noreport", messageID: "none-4@test", raw: buildMail("none-4@test", "Just a mail"), other: true},
		{name: "resent", messageID: "zip-5@test", raw: buildMail("zip-5@test", "Report domain: example.com (resent)",
			attachment{stem + ".zip", "application/zip", zipped(t, stem+".xml", zipXML)})},
	}
	files, _ := filepath.Glob(filepath.Join(samplesDir, "*.eml"))
	if len(files) == 0 {
		t.Logf("no sample mails in %s: testing generated mails only", samplesDir)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		id := strings.Trim(msg.Header.Get("Message-Id"), "<> ")
		mails = append(mails, testMail{name: filepath.Base(f), messageID: id, raw: raw})
	}
	return mails
}

// expectation is what the store holds once every mail was imported once.
type expectation struct {
	counts  store.Counts
	reports []string // org|report_id|domain, sorted
}

// reference imports the mails into a store of its own, straight from their
// bytes, and returns the state an IMAP import must reach. It sets invalid
// and other on the sample mails from their outcome, and checks the
// generated ones behave as built.
func reference(t *testing.T, mails []testMail) expectation {
	t.Helper()
	ctx := context.Background()
	ref := openStore(t)
	im := &ingest.Importer{Store: ref}
	for i := range mails {
		sum, err := im.ImportReader(ctx, "ref "+mails[i].name, bytes.NewReader(mails[i].raw))
		if err != nil {
			t.Fatal(err)
		}
		invalid := sum.Quarantined > 0
		other := !invalid && sum.Ignored > 0 && sum.Imported+sum.Duplicates == 0
		if i < 5 && (invalid != mails[i].invalid || other != mails[i].other) {
			t.Fatalf("reference import of %s: %+v, want invalid=%v other=%v", mails[i].name, sum, mails[i].invalid, mails[i].other)
		}
		mails[i].invalid, mails[i].other = invalid, other
	}
	return expectationOf(t, ref)
}

func expectationOf(t *testing.T, st store.Store) expectation {
	t.Helper()
	ctx := context.Background()
	c, err := st.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	reps, err := st.Reports(ctx, store.ReportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	e := expectation{counts: c}
	for _, r := range reps {
		m := r.Header.Metadata
		e.reports = append(e.reports, m.Reporter.OrgName+"|"+m.ReportID+"|"+r.Header.Policy.Domain)
	}
	slices.Sort(e.reports)
	return e
}

func openStore(t *testing.T) *store.SQLite {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// mailbox fills a fresh user's INBOX with mails and returns the user.
func (e *imapEnv) mailbox(t *testing.T, mails []testMail) (user, pass string) {
	t.Helper()
	user, pass = e.addUser(t)
	cn := e.admin(t, user, pass)
	for _, m := range mails {
		appendMail(t, cn, "INBOX", m.raw)
	}
	cn.c.Logout().Wait()
	return user, pass
}

// finalCheck is what checkFinal tolerates.
type finalCheck struct {
	// leftDeleted allows messages in the INBOX flagged \Deleted (a
	// server without UIDPLUS), when a copy of each is in its folder.
	leftDeleted bool
	// extraCopy allows a second copy of this message in its folder (a
	// crash between COPY and STORE on a server without MOVE).
	extraCopy string
}

// checkFinal checks the end state: the store holds what the reference
// holds (every report once, every quarantine entry once), every message is
// in its folder once and unread, the INBOX is empty, and no message was
// lost.
func checkFinal(t *testing.T, e *imapEnv, user, pass string, st store.Store, mails []testMail, want expectation, fc finalCheck) {
	t.Helper()
	got := expectationOf(t, st)
	if got.counts != want.counts {
		t.Errorf("store counts %+v, want %+v", got.counts, want.counts)
	}
	if !slices.Equal(got.reports, want.reports) {
		t.Errorf("reports\n%q\nwant\n%q", got.reports, want.reports)
	}
	cn := e.admin(t, user, pass)
	inbox := contents(t, cn, "INBOX")
	processed := contents(t, cn, DefaultProcessedFolder)
	invalid := contents(t, cn, DefaultInvalidFolder)
	otherMail := contents(t, cn, DefaultOtherFolder)
	for _, m := range inbox {
		if !fc.leftDeleted || !m.has(imap.FlagDeleted) {
			t.Errorf("message %s (uid %d) left in INBOX, flags %v", m.messageID, m.uid, m.flags)
		}
	}
	count := func(l []stored, id string) int {
		n := 0
		for _, m := range l {
			if m.messageID == id {
				n++
			}
		}
		return n
	}
	for _, m := range mails {
		folders := map[string][]stored{"processed": processed, "invalid": invalid, "other": otherMail}
		folder := "processed"
		switch {
		case m.invalid:
			folder = "invalid"
		case m.other:
			folder = "other"
		}
		for name, l := range folders {
			n := count(l, m.messageID)
			switch {
			case name != folder && n != 0:
				t.Errorf("%s: %d copies in the %s folder, want them in the %s folder", m.name, n, name, folder)
			case name == folder && n != 1 && !(n == 2 && m.messageID == fc.extraCopy):
				t.Errorf("%s: %d copies in the %s folder, want 1", m.name, n, folder)
			}
		}
		if fc.leftDeleted && count(inbox, m.messageID) > 1 {
			t.Errorf("%s: more than one copy left in INBOX", m.name)
		}
	}
	if n := len(processed) + len(invalid) + len(otherMail); n < len(mails) {
		t.Errorf("%d messages in the folders, want %d: messages lost", n, len(mails))
	}
	for _, l := range [][]stored{processed, invalid, otherMail} {
		for _, m := range l {
			if m.has(imap.FlagSeen) {
				t.Errorf("%s marked \\Seen: fetched without PEEK", m.messageID)
			}
		}
	}
}

// allSeen is a Tracker that knows the first n messages of user's INBOX,
// under its UIDVALIDITY, as processed by an earlier pass.
func (e *imapEnv) allSeen(t *testing.T, user, pass string, n int) *memTracker {
	t.Helper()
	sel, err := e.admin(t, user, pass).c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	tr := &memTracker{}
	k := store.MailboxKey{Account: e.account(user, pass).withDefaults().trackerAccount(), Mailbox: "INBOX", UIDValidity: sel.UIDValidity}
	for uid := uint32(1); uid <= uint32(n); uid++ {
		tr.MarkMessageSeen(context.Background(), k, uid)
	}
	return tr
}

// memTracker is an in-memory Tracker that fails on demand.
type memTracker struct {
	mu       sync.Mutex
	seen     map[store.MailboxKey]map[uint32]bool
	failSeen func(uid uint32) error // MessageSeen
	failMark func(uid uint32) error // MarkMessageSeen
}

func (m *memTracker) MessageSeen(ctx context.Context, k store.MailboxKey, uid uint32) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failSeen != nil {
		if err := m.failSeen(uid); err != nil {
			return false, err
		}
	}
	return m.seen[k][uid], nil
}

func (m *memTracker) MarkMessageSeen(ctx context.Context, k store.MailboxKey, uid uint32) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failMark != nil {
		if err := m.failMark(uid); err != nil {
			return err
		}
	}
	if m.seen == nil {
		m.seen = map[store.MailboxKey]map[uint32]bool{}
	}
	if m.seen[k] == nil {
		m.seen[k] = map[uint32]bool{}
	}
	m.seen[k][uid] = true
	return nil
}

// failingStore fails the writes of the reports and quarantine entries
// whose source name fail selects: a store that breaks mid-import. A report
// fails at Commit, after its records were added.
type failingStore struct {
	store.Store
	fail func(name string) bool
}

func (s failingStore) BeginReport(ctx context.Context, in store.Incoming) (store.ReportTx, error) {
	tx, err := s.Store.BeginReport(ctx, in)
	if err != nil || !s.fail(in.SourceName) {
		return tx, err
	}
	return failingTx{tx}, nil
}

func (s failingStore) Quarantine(ctx context.Context, q store.Quarantined) (int64, error) {
	if s.fail(q.SourceName) {
		return 0, errors.New("injected quarantine failure")
	}
	return s.Store.Quarantine(ctx, q)
}

type failingTx struct{ store.ReportTx }

func (tx failingTx) Commit(context.Context, store.Summary) (int64, error) {
	tx.Rollback()
	return 0, errors.New("injected commit failure")
}

// testLog is a logger writing into a buffer, to look for secrets in.
func testLog() (*slog.Logger, *imaptest.Buffer) {
	b := &imaptest.Buffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// waitFor polls cond until it holds or the time is up.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
