package imapsource

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

func TestFetchOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		caps imap.CapSet
		fc   finalCheck
	}{
		{"move", capsFull, finalCheck{}},
		{"copy and uid expunge", capsNoMove, finalCheck{}},
		{"copy without uidplus", capsBare, finalCheck{leftDeleted: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testFetchOnce(t, newMemEnv(t, memOptions{caps: tc.caps}), tc.fc)
		})
	}
}

// testFetchOnce imports a mailbox of real and generated report mails into
// a real store, with the store as Tracker, and checks the end state; then
// a second pass must find nothing to do.
func testFetchOnce(t *testing.T, e *imapEnv, fc finalCheck) {
	ctx := context.Background()
	mails := testMails(t)
	want := reference(t, mails)
	user, pass := e.mailbox(t, mails)
	st := openStore(t)
	logger, logs := testLog()
	f := &Fetcher{Account: e.account(user, pass), Importer: &ingest.Importer{Store: st}, Tracker: st, Log: logger}
	res, err := f.FetchOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	invalid, other := 0, 0
	for _, m := range mails {
		switch {
		case m.invalid:
			invalid++
		case m.other:
			other++
		}
	}
	if res.Messages != len(mails) || res.Processed != len(mails)-invalid-other || res.Invalid != invalid || res.Other != other ||
		res.Ignored != other || res.Errors != 0 || res.Resumed != 0 {
		t.Errorf("result %+v, want %d messages, %d invalid, %d other", res, len(mails), invalid, other)
	}
	if res.Imported != int(want.counts.Reports) || res.Duplicates < 1 || res.Quarantined != int(want.counts.Quarantined) {
		t.Errorf("result %+v, want %d reports imported, a duplicate, %d quarantined", res, want.counts.Reports, want.counts.Quarantined)
	}
	checkFinal(t, e, user, pass, st, mails, want, fc)

	res, err = f.FetchOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res != (Result{}) {
		t.Errorf("second pass did %+v, want nothing", res)
	}
	checkFinal(t, e, user, pass, st, mails, want, fc)
	if strings.Contains(logs.String(), pass) {
		t.Error("password logged")
	}
	// Sources name the message they came from.
	q, err := st.Quarantined(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range q {
		if !strings.HasPrefix(e.SourceName, "imap://"+f.Account.Name+"/INBOX;UIDVALIDITY=") || !strings.Contains(e.SourceName, "/;UID=") {
			t.Errorf("quarantine source name %q", e.SourceName)
		}
	}
}

// TestFolderNames checks the translation of configured names into a
// server's delimiter and namespace.
func TestFolderNames(t *testing.T) {
	for _, tc := range []struct {
		delim rune
		ns    string
		in    string
		want  string
	}{
		{'/', "", "DMARC/Processed", "DMARC/Processed"},
		{'.', "", "DMARC/Processed", "DMARC.Processed"},
		{'.', "INBOX.", "DMARC/Processed", "INBOX.DMARC.Processed"},
		{'.', "INBOX.", "INBOX/Reports", "INBOX.Reports"},
		{'.', "INBOX.", "inbox", "INBOX"},
		{'.', "INBOX.", "INBOX.Reports", "INBOX.Reports"},
		{0, "", "Reports", "Reports"},
	} {
		cn := &conn{delim: tc.delim, ns: tc.ns}
		if got := cn.name(tc.in); got != tc.want {
			t.Errorf("delim %q ns %q: %q -> %q, want %q", tc.delim, tc.ns, tc.in, got, tc.want)
		}
	}
}

// TestTooLarge checks that a message above MaxMessageSize is not
// downloaded but quarantined and moved to the invalid folder.
func TestTooLarge(t *testing.T) {
	ctx := context.Background()
	e := newMemEnv(t, memOptions{})
	mails := testMails(t)[:1]
	user, pass := e.mailbox(t, mails)
	st := openStore(t)
	f := &Fetcher{Account: e.account(user, pass), Importer: &ingest.Importer{Store: st}, Tracker: &memTracker{}, MaxMessageSize: 100}
	res, err := f.FetchOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Invalid != 1 || res.Quarantined != 1 || res.Imported != 0 {
		t.Errorf("result %+v, want one message quarantined", res)
	}
	q, err := st.Quarantined(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 1 || q[0].ErrorType != "limit" || q[0].Size != 0 {
		t.Errorf("quarantine %+v, want one limit entry without bytes", q)
	}
	mails[0].invalid, mails[0].other = true, false
	checkFinal(t, e, user, pass, st, mails, expectationOf(t, st), finalCheck{})
}

// TestAlreadySeen checks that a message the Tracker knows is moved without
// being imported again, to the folder its content calls for.
func TestAlreadySeen(t *testing.T) {
	ctx := context.Background()
	e := newMemEnv(t, memOptions{})
	mails := testMails(t)[:5]
	user, pass := e.mailbox(t, mails)
	st := openStore(t)
	f := &Fetcher{Account: e.account(user, pass), Importer: &ingest.Importer{Store: st}, Tracker: e.allSeen(t, user, pass, len(mails))}
	res, err := f.FetchOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Messages != 0 || res.Resumed != len(mails) || res.Imported != 0 || res.Invalid != 0 || res.Other != 1 {
		t.Errorf("result %+v, want %d messages moved without import, 1 to the folder for other mail", res, len(mails))
	}
	c, _ := st.Counts(ctx)
	if c != (store.Counts{}) {
		t.Errorf("store %+v after a dry run, want empty", c)
	}
	checkFinal(t, e, user, pass, st, mails, expectation{}, finalCheck{})
}

// TestConfig checks that unusable configurations fail with ErrConfig
// before connecting.
func TestConfig(t *testing.T) {
	st := openStore(t)
	good := Fetcher{Account: Account{Addr: "127.0.0.1:1", Username: "u"}, Importer: &ingest.Importer{Store: st}, Tracker: st}
	for name, mod := range map[string]func(f *Fetcher){
		"no importer":        func(f *Fetcher) { f.Importer = nil },
		"no tracker":         func(f *Fetcher) { f.Tracker = nil },
		"no port":            func(f *Fetcher) { f.Account.Addr = "imap.example.com" },
		"no user":            func(f *Fetcher) { f.Account.Username = "" },
		"bad mode":           func(f *Fetcher) { f.Account.TLS = 7 },
		"processed is inbox": func(f *Fetcher) { f.Account.ProcessedFolder = "inbox" },
		"invalid is source":  func(f *Fetcher) { f.Account.Mailbox, f.Account.InvalidFolder = "Reports", "Reports" },
		"other is source":    func(f *Fetcher) { f.Account.Mailbox, f.Account.OtherFolder = "Reports", "Reports" },
	} {
		f := good
		mod(&f)
		if _, err := f.FetchOnce(context.Background()); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: FetchOnce: %v, want ErrConfig", name, err)
		}
		if err := f.Run(context.Background(), 1); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: Run: %v, want ErrConfig", name, err)
		}
	}
	if err := good.Run(context.Background(), 0); !errors.Is(err, ErrConfig) {
		t.Errorf("Run with no interval: %v, want ErrConfig", err)
	}
}
