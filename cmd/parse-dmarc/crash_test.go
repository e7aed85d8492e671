//go:build unix

package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/emersion/go-imap/v2"
)

// killSeed chooses the random cuts of TestFetchKilled; a fixed seed keeps
// a failure reproducible.
const killSeed = 20261125

// killMail is a mail of TestFetchKilled, with what importing it stores.
type killMail struct {
	name    string
	raw     []byte
	digest  string   // of the bytes the server keeps (it may end lines with CRLF)
	keys    []string // dedupe keys of its reports
	invalid bool     // quarantined, so moved to DMARC/Invalid
}

// killMails are real report mails in every container a reporter uses, a
// resend, and a mail whose attachment cannot be read, in delivery (and so
// processing) order.
func killMails(t *testing.T) []killMail {
	t.Helper()
	gz := corpusFile(t, "fastmail.com!example.com!1516060800!1516147199!102675056.xml.gz")
	ms := []killMail{
		{name: "xml", raw: reportMail("m0", "example.net!example.com!1529366400!1529452799.xml", "text/xml",
			corpusFile(t, "example.net!example.com!1529366400!1529452799.xml"))},
		{name: "gzip", raw: reportMail("m1", "fastmail.com.xml.gz", "application/gzip", gz)},
		{name: "unreadable", raw: reportMail("m2", "report.xml.gz", "application/gzip", []byte("this is not gzip")), invalid: true},
		{name: "zip", raw: reportMail("m3", "estadocuenta1.xml.zip", "application/zip",
			corpusFile(t, "estadocuenta1.infonacot.gob.mx!example.com!1536853302!1536939702!2940.xml.zip"))},
		{name: "twilight.eml", raw: corpusFile(t, "twilight.eml")},
		{name: "mimecast.eml", raw: corpusFile(t, "mimecast-weird-gzip.eml")},
		{name: "gzip resent", raw: reportMail("m6", "fastmail.com.xml.gz", "application/gzip", gz)},
	}
	for i := range ms {
		ms[i].keys = reportKeys(t, ms[i].raw)
		if (len(ms[i].keys) == 0) != ms[i].invalid {
			t.Fatalf("mail %s holds reports %v", ms[i].name, ms[i].keys)
		}
	}
	return ms
}

// killState is what the mailbox and the store hold.
type killState struct {
	reports     []string // dedupe keys, sorted, one per stored report
	quarantined int64
	inbox       uint32
	processed   []string // digests of the mails there, sorted
	invalid     []string
}

// stateAfter is the state once the first k mails are processed.
func stateAfter(mails []killMail, k int) killState {
	s := killState{inbox: uint32(len(mails) - k)}
	for _, m := range mails[:k] {
		for _, key := range m.keys {
			if !slices.Contains(s.reports, key) {
				s.reports = append(s.reports, key)
			}
		}
		if m.invalid {
			s.quarantined++
			s.invalid = append(s.invalid, m.digest)
		} else {
			s.processed = append(s.processed, m.digest)
		}
	}
	slices.Sort(s.reports)
	slices.Sort(s.processed)
	slices.Sort(s.invalid)
	return s
}

// killCase kills the process at cut; after, when set, is the state the
// cut leaves.
type killCase struct {
	name  string
	cut   cutter
	after *killState
}

// atCommand cuts before the nth client command named name whose line
// contains with.
func atCommand(name, with string, nth int) cutter {
	seen := 0
	return func(dir direction, line []byte, _ int64) int {
		if dir == toServer && isCommand(line, name) && bytes.Contains(line, []byte(with)) {
			if seen++; seen == nth {
				return 0
			}
		}
		return -1
	}
}

// atOffset cuts after off bytes relayed in dir.
func atOffset(dir direction, off int64) cutter {
	return func(d direction, chunk []byte, at int64) int {
		if d == dir && at+int64(len(chunk)) > off {
			return int(max(0, off-at))
		}
		return -1
	}
}

// TestFetchKilled kills "parse-dmarc fetch" with SIGKILL at points of its
// pass over a mailbox, then runs it again until it succeeds. Whatever the
// point, every mail ends in DMARC/Processed or DMARC/Invalid exactly once,
// and the store holds every report once and the unreadable mail once in
// quarantine. At the moment of the kill, every mail moved has its reports
// stored: a mail is moved only after its reports are committed.
//
// The process is the real binary, and the only instrument is the proxy
// between it and the IMAP server: it kills the process before relaying a
// chosen command (a body FETCH: before any commit; a MOVE: after the
// commit and the mark as seen), or at random byte offsets of the session.
func TestFetchKilled(t *testing.T) {
	t.Parallel()
	needCorpus(t)
	mails := killMails(t)
	n := len(mails)

	// An uninterrupted run gives the session's length for the random
	// cuts, and checks the state the others must reach.
	e := newKillEnv(t, mails)
	for i, d := range e.srv.digests(t, "INBOX") {
		mails[i].digest = d
	}
	want := stateAfter(mails, n)
	if r := e.fetch(t, nil); r.code != 1 { // 1: a mail was quarantined
		t.Fatalf("fetch without a kill: exit %d\n%s", r.code, r.stderr)
	}
	session, _ := e.proxy.stats()
	e.check(t, "after an uninterrupted fetch", want)

	cases := []killCase{
		{"first body fetch", atCommand("FETCH", "BODY.PEEK[", 1), ptr(stateAfter(mails, 0))},
		{"first move", atCommand("MOVE", "", 1), ptr(movePending(mails, 0))},
		{"second body fetch", atCommand("FETCH", "BODY.PEEK[", 2), ptr(stateAfter(mails, 1))},
		{"move of the unreadable mail", atCommand("MOVE", "", 3), ptr(movePending(mails, 2))},
		{"move of the resend", atCommand("MOVE", "", n), ptr(movePending(mails, n-1))},
	}
	rng := rand.New(rand.NewPCG(killSeed, 0))
	for i := range 6 {
		// The last bytes of either direction are the logout, after the
		// work is done; a cut there could miss the process.
		dir := direction(i % 2)
		off := rng.Int64N(session[dir] * 9 / 10)
		cases = append(cases, killCase{name: fmt.Sprintf("random %s byte %d", dir, off), cut: atOffset(dir, off)})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newKillEnv(t, mails)
			r := e.fetch(t, tc.cut)
			if !r.killed {
				t.Fatalf("not killed at the cut: exit %d\n%s", r.code, r.stderr)
			}
			got := e.state(t)
			if tc.after != nil {
				e.compare(t, "after the kill", got, *tc.after)
			}
			checkMovedStored(t, mails, got)
			for run := 1; ; run++ {
				r := e.fetch(t, nil)
				if r.killed || r.code > 1 || run > 3 {
					t.Fatalf("fetch %d after the kill: exit %d\n%s", run, r.code, r.stderr)
				}
				if r.code == 0 {
					break
				}
			}
			e.check(t, "after the fetches that followed the kill", want)
		})
	}
}

// movePending is the state of a kill before mail k is moved: its reports
// are stored and it is still in INBOX.
func movePending(mails []killMail, k int) killState {
	s := stateAfter(mails, k+1)
	done := stateAfter(mails, k)
	s.inbox++
	s.processed, s.invalid = done.processed, done.invalid
	return s
}

func ptr[T any](v T) *T { return &v }

// checkMovedStored checks that every mail out of INBOX has its reports,
// or its quarantine entry, stored.
func checkMovedStored(t *testing.T, mails []killMail, s killState) {
	t.Helper()
	for _, m := range mails {
		if !slices.Contains(s.processed, m.digest) && !slices.Contains(s.invalid, m.digest) {
			continue
		}
		for _, k := range m.keys {
			if !slices.Contains(s.reports, k) {
				t.Errorf("mail %s was moved before its report %s was stored", m.name, k)
			}
		}
		if m.invalid && s.quarantined == 0 {
			t.Errorf("mail %s was moved before it was quarantined", m.name)
		}
	}
}

// killEnv is one mailbox, its proxy and one store.
type killEnv struct {
	srv   *mailServer
	proxy *imapProxy
	db    string
}

func newKillEnv(t *testing.T, mails []killMail) *killEnv {
	t.Helper()
	srv := newMailServer(t, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapMove: {}, imap.CapUIDPlus: {}})
	for _, m := range mails {
		srv.deliver(t, m.raw)
	}
	return &killEnv{srv: srv, proxy: newIMAPProxy(t, srv.Addr), db: filepath.Join(t.TempDir(), "reports.db")}
}

// fetchRun is how one run of fetch ended.
type fetchRun struct {
	code   int
	killed bool // by SIGKILL
	stderr string
}

// fetch runs "parse-dmarc fetch" through the proxy, cut at cut (nil: not
// cut).
func (e *killEnv) fetch(t *testing.T, cut cutter) fetchRun {
	t.Helper()
	cmd := exec(t, "fetch", "--db", e.db, "--imap-addr", e.proxy.addr, "--imap-tls", "plain", "--imap-user", imapUser)
	cmd.Env = append(cmd.Env, "PARSE_DMARC_IMAP_PASSWORD="+imapPassword)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	started, exited := make(chan struct{}), make(chan struct{})
	e.proxy.arm(cut, func() {
		<-started
		cmd.Process.Kill()
		<-exited
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var err error
	go func() {
		err = cmd.Wait()
		close(exited)
	}()
	close(started)
	<-exited
	if _, fired := e.proxy.stats(); cut != nil && !fired {
		t.Errorf("the cut was never reached")
	}
	r := fetchRun{stderr: stderr.String()}
	var ee *osexec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
		ws, ok := ee.Sys().(syscall.WaitStatus)
		r.killed = ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
	case err != nil:
		t.Fatal(err)
	}
	return r
}

// state reads the mailbox and the store.
func (e *killEnv) state(t *testing.T) killState {
	t.Helper()
	keys, _, c := storedReports(t, e.db)
	s := killState{reports: keys, quarantined: c.Quarantined, inbox: e.srv.count(t, "INBOX"),
		processed: e.srv.digests(t, "DMARC/Processed"), invalid: e.srv.digests(t, "DMARC/Invalid")}
	slices.Sort(s.processed)
	slices.Sort(s.invalid)
	return s
}

func (e *killEnv) check(t *testing.T, when string, want killState) {
	t.Helper()
	e.compare(t, when, e.state(t), want)
}

func (e *killEnv) compare(t *testing.T, when string, got, want killState) {
	t.Helper()
	if !slices.Equal(got.reports, want.reports) {
		t.Errorf("%s: reports stored\n%q\nwant\n%q", when, got.reports, want.reports)
	}
	if got.quarantined != want.quarantined {
		t.Errorf("%s: %d quarantined, want %d", when, got.quarantined, want.quarantined)
	}
	if got.inbox != want.inbox {
		t.Errorf("%s: INBOX holds %d mails, want %d", when, got.inbox, want.inbox)
	}
	if !slices.Equal(got.processed, want.processed) || !slices.Equal(got.invalid, want.invalid) {
		t.Errorf("%s: DMARC/Processed holds %v and DMARC/Invalid %v\nwant %v and %v",
			when, got.processed, got.invalid, want.processed, want.invalid)
	}
}
