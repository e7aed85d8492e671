package imapsource

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
)

// errCrash is the injected failure.
var errCrash = errors.New("injected crash")

// crashPoints are where a pass is made to fail, in the order of the steps:
// looking the message up, between fetch and import, inside the store's
// transaction, between import and marking, in marking, between marking and
// moving, inside a COPY-based move, and after the move.
var crashPoints = []string{"lookup", "fetched", "store", "imported", "mark", "marked", "copied", "moved"}

func TestCrash(t *testing.T) {
	for _, tc := range []struct {
		name string
		caps imap.CapSet
	}{
		{"move", capsFull},
		{"copy and uid expunge", capsNoMove},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testCrash(t, newMemEnv(t, memOptions{caps: tc.caps}), tc.caps.Has(imap.CapMove))
		})
	}
}

// testCrash fails a pass at every point of every message, then runs a
// pass without failures and checks the end state: every report stored
// once, every quarantine entry once, every message in its folder, nothing
// deleted.
func testCrash(t *testing.T, e *imapEnv, hasMove bool) {
	mails := testMails(t)
	want := reference(t, mails)
	for _, point := range crashPoints {
		if point == "copied" && hasMove {
			continue
		}
		for i := range mails {
			uid := uint32(i + 1) // a fresh INBOX numbers from 1
			t.Run(fmt.Sprintf("%s/%d-%s", point, uid, mails[i].name), func(t *testing.T) {
				t.Parallel()
				crashOnce(t, e, mails, want, point, uid, !hasMove)
			})
		}
	}
}

func crashOnce(t *testing.T, e *imapEnv, mails []testMail, want expectation, point string, uid uint32, copyMove bool) {
	ctx := context.Background()
	user, pass := e.mailbox(t, mails)
	st := openStore(t)
	armed := true
	fail := func(u uint32) error {
		if armed && u == uid {
			armed = false
			return errCrash
		}
		return nil
	}
	tr := &memTracker{}
	f := &Fetcher{Account: e.account(user, pass), Importer: &ingest.Importer{Store: st}, Tracker: tr}
	switch point {
	case "lookup":
		tr.failSeen = fail
	case "mark":
		tr.failMark = fail
	case "store":
		f.Importer = &ingest.Importer{Store: failingStore{st, func(name string) bool {
			return fail(uidOf(name)) != nil
		}}}
	default:
		f.hook = func(step string, u uint32) error {
			if step != point {
				return nil
			}
			return fail(u)
		}
	}
	_, err := f.FetchOnce(ctx)
	switch {
	case armed && err != nil:
		t.Fatalf("pass failed without a failure injected: %v", err)
	case !armed && err == nil:
		t.Fatal("pass succeeded despite the injected failure")
	case !armed && !errors.Is(err, errCrash) && point != "store":
		t.Fatalf("pass failed with %v, want the injected failure", err)
	}
	// The second pass runs with the same Tracker, store and server, as a
	// restarted process would, minus the failure.
	armed = false
	f.Importer = &ingest.Importer{Store: st}
	if _, err := f.FetchOnce(ctx); err != nil {
		t.Fatalf("pass after the failure: %v", err)
	}
	fc := finalCheck{}
	if point == "copied" && copyMove {
		// COPY happened but not the STORE \Deleted: the next pass copies
		// again.
		fc.extraCopy = mails[uid-1].messageID
	}
	checkFinal(t, e, user, pass, st, mails, want, fc)
}

// uidOf reads the UID from a source name ("imap://a/INBOX;UIDVALIDITY=1/;UID=7
// > part").
func uidOf(name string) uint32 {
	_, rest, ok := strings.Cut(name, "/;UID=")
	if !ok {
		return 0
	}
	var uid uint32
	fmt.Sscanf(rest, "%d", &uid)
	return uid
}
