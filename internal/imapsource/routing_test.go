package imapsource

import (
	"bytes"
	"context"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// corpusMail reads a sample mail of the corpus in place, as a testMail.
func corpusMail(t *testing.T, dir, name string) testMail {
	t.Helper()
	path := filepath.Join(filepath.Dir(samplesDir), dir, name)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("corpus sample: %v", err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return testMail{name: name, messageID: strings.Trim(msg.Header.Get("Message-Id"), "<> "), raw: raw}
}

// TestRouting reads one mailbox holding the three kinds of reports and a
// mail that holds none.
func TestRouting(t *testing.T) {
	testRouting(t, newMemEnv(t, memOptions{}))
}

// testRouting puts an aggregate report mail, a failure report mail, an
// SMTP TLS report mail and a plain mail in one INBOX: after one pass each
// report is stored in its place, the three report mails are in the
// processed folder and the plain one in the folder for other mail,
// nothing is invalid and nothing deleted; a second pass has nothing to do.
func testRouting(t *testing.T, e *imapEnv) {
	ctx := context.Background()
	mails := []testMail{
		testMails(t)[0],
		corpusMail(t, "failure", "DMARC Failure Report for domain.de (mail-from=sharepoint@domain.de, ip=10.10.10.10).eml"),
		corpusMail(t, "smtp_tls", "google.com_smtp_tls_report.eml"),
		{name: "plain", messageID: "plain-1@test", raw: buildMail("plain-1@test", "Lunch on Friday?"), other: true},
	}
	want := reference(t, mails)
	user, pass := e.mailbox(t, mails)
	st := openStore(t)
	var formats []string
	im := &ingest.Importer{Store: st, Progress: func(r ingest.Result) { formats = append(formats, r.Format+" "+r.Outcome.String()) }}
	f := &Fetcher{Account: e.account(user, pass), Importer: im, Tracker: st}
	res, err := f.FetchOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantRes := Result{Messages: 4, Processed: 3, Other: 1, Imported: 3, Ignored: 1, Records: res.Records}
	if res != wantRes || res.Records == 0 {
		t.Errorf("result %+v, want %+v", res, wantRes)
	}
	if strings.Join(formats, ", ") != "aggregate imported, forensic imported, smtp_tls imported,  ignored" {
		t.Errorf("results %q", formats)
	}
	checkFinal(t, e, user, pass, st, mails, want, finalCheck{})
	if c := contents(t, e.admin(t, user, pass), DefaultInvalidFolder); len(c) != 0 {
		t.Errorf("invalid folder holds %d messages", len(c))
	}

	if c, err := st.Counts(ctx); err != nil || c.Reports != 1 || c.Quarantined != 0 {
		t.Errorf("aggregate reports and quarantine: %+v, %v", c, err)
	}
	tls, err := st.TLSReports(ctx, store.TLSFilter{}, 0, 10)
	if err != nil || len(tls) != 1 || tls[0].Report.OrganizationName != "Google Inc." {
		t.Errorf("TLS reports %+v, %v", tls, err)
	}
	fr, err := st.ForensicReports(ctx, store.ForensicFilter{}, 0, 10)
	if err != nil || len(fr) != 1 || fr[0].Report.ReportedDomain != "domain.de" || fr[0].Report.SourceIP != "10.10.10.10" ||
		!strings.HasPrefix(fr[0].SourceName, "imap://") {
		t.Errorf("failure reports %+v, %v", fr, err)
	}

	res, err = f.FetchOnce(ctx)
	if err != nil || res != (Result{}) {
		t.Errorf("second pass did %+v, %v; want nothing", res, err)
	}
	checkFinal(t, e, user, pass, st, mails, want, finalCheck{})
}

// TestRoutingResumed moves the four kinds of mail an earlier pass
// imported and marked seen but did not move: each goes to its folder,
// worked out by a dry run that stores nothing, a failure report included.
func TestRoutingResumed(t *testing.T) {
	ctx := context.Background()
	e := newMemEnv(t, memOptions{})
	mails := []testMail{
		testMails(t)[0],
		corpusMail(t, "failure", "exim_plain_text_only_no_arf_part.eml"),
		corpusMail(t, "smtp_tls", "google.com_smtp_tls_report.eml"),
		{name: "plain", messageID: "plain-1@test", raw: buildMail("plain-1@test", "Lunch on Friday?"), other: true},
	}
	user, pass := e.mailbox(t, mails)
	st := openStore(t)
	f := &Fetcher{Account: e.account(user, pass), Importer: &ingest.Importer{Store: st}, Tracker: e.allSeen(t, user, pass, len(mails))}
	res, err := f.FetchOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Result{Resumed: 4, Processed: 3, Other: 1}); res != want {
		t.Errorf("result %+v, want %+v", res, want)
	}
	if fr, err := st.ForensicReports(ctx, store.ForensicFilter{}, 0, 10); err != nil || len(fr) != 0 {
		t.Errorf("the dry run stored failure reports %+v, %v", fr, err)
	}
	checkFinal(t, e, user, pass, st, mails, expectation{}, finalCheck{})
}
