//go:build unix

package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	osexec "os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/parse-dmarc/parse-dmarc/internal/imaptest"
	"github.com/parse-dmarc/parse-dmarc/internal/synth"
)

// TestReplicas runs two "parse-dmarc serve" replicas on one PostgreSQL
// database reading one mailbox, with resent reports among the mails, and
// more mail delivered while they run. Every mail is processed once, by
// whichever replica holds the mailbox's lock: the IMAP server never sees
// two sessions of the account at once, the store holds every report once,
// the replicas' counters add up to each report imported once and each
// resend counted a duplicate, and both serve the same reports. When the
// holder is killed, the other takes the mailbox over.
func TestReplicas(t *testing.T) {
	t.Parallel()
	dsn := postgresSchema(t)
	srv := newMailServer(t, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapMove: {}, imap.CapUIDPlus: {}, imap.CapIdle: {}})
	proxy := newIMAPProxy(t, srv.Addr)
	var mails mailSet
	for i := range 15 {
		mails.add(t, i)
	}
	for _, i := range []int{2, 5, 5, 11} {
		mails.add(t, i) // resends
	}
	mails.addUnreadable()
	srv.deliver(t, mails.raw...)

	// One data directory: replicas share the secret key it holds.
	args := []string{"serve", "--addr", "127.0.0.1:0", "--db", dsn, "--data", t.TempDir(), "--imap-addr", proxy.addr, "--imap-tls", "plain",
		"--imap-user", imapUser, "--imap-interval", "1s"}
	a, b := startReplica(t, "a", args), startReplica(t, "b", args)
	waitMailbox(t, srv, len(mails.raw))
	mails.add(t, 15)
	mails.add(t, 16)
	mails.add(t, 7) // a resend of a report already stored
	srv.deliver(t, mails.raw[len(mails.raw)-3:]...)
	waitMailbox(t, srv, len(mails.raw))

	if logins, most := proxy.sessions(); most != 1 || logins < 1 {
		t.Errorf("%d IMAP logins, at most %d at once; want one at a time", logins, most)
	}
	want := mails.keys()
	got, messages, _ := storedReports(t, dsn)
	if !slices.Equal(got, want) {
		t.Fatalf("stored reports\n%q\nwant each of\n%q\nonce", got, want)
	}
	var imported, duplicates, counted float64
	for _, r := range []*replica{a, b} {
		imported += r.metric(t, "parse_dmarc_reports_total", `outcome="imported"`)
		duplicates += r.metric(t, "parse_dmarc_reports_total", `outcome="duplicate"`)
		counted += r.metric(t, "parse_dmarc_messages_total", `result="pass"`) + r.metric(t, "parse_dmarc_messages_total", `result="fail"`)
	}
	if int(imported) != len(want) || int(duplicates) != mails.resends || int64(counted) != messages {
		t.Errorf("the replicas counted %v reports imported, %v duplicate and %v messages; want %d, %d and %d",
			imported, duplicates, counted, len(want), mails.resends, messages)
	}
	if la, lb := a.reports(t), b.reports(t); !slices.Equal(la, want) || !slices.Equal(lb, want) {
		t.Errorf("GET /api/v1/reports\na: %q\nb: %q\nwant %q", la, lb, want)
	}

	holder, other := a, b
	if b.fetching() {
		holder, other = b, a
	}
	if !holder.fetching() || other.fetching() {
		t.Fatalf("want one replica fetching: a %v, b %v", a.fetching(), b.fetching())
	}
	holder.cmd.Process.Kill()
	<-holder.exited
	mails.add(t, 17)
	srv.deliver(t, mails.raw[len(mails.raw)-1])
	waitMailbox(t, srv, len(mails.raw))
	if got, _, _ := storedReports(t, dsn); !slices.Equal(got, mails.keys()) {
		t.Errorf("after the holder was killed: stored reports\n%q\nwant\n%q", got, mails.keys())
	}
	if !other.fetching() {
		t.Errorf("replica %s did not take the mailbox over", other.name)
	}
	// A replacement replica serves but waits for the lock.
	c := startReplica(t, "c", args)
	if l := c.reports(t); !slices.Equal(l, mails.keys()) {
		t.Errorf("GET /api/v1/reports of a new replica: %q", l)
	}
	logins, most := proxy.sessions()
	if most != 1 || logins < 2 {
		t.Errorf("%d IMAP logins, at most %d at once; want at least 2, one at a time", logins, most)
	}
	for _, r := range []*replica{other, c} {
		if code := r.stop(t); code != 0 {
			t.Errorf("replica %s: exit %d after SIGTERM\n%s", r.name, code, r.log.String())
		}
	}
	if c.fetching() {
		t.Error("the replacement replica fetched while another held the lock")
	}
}

// mailSet is the mails delivered, with the reports they carry.
type mailSet struct {
	raw     [][]byte
	ids     map[int]bool // the synthetic reports delivered
	resends int          // mails whose report was delivered before
}

// add adds a mail carrying synthetic report i, gzipped; a report already
// added is a resend, in a mail of its own.
func (s *mailSet) add(t *testing.T, i int) {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if err := synth.Write(zw, synth.Options{Records: 5 + i, ID: fmt.Sprintf("replica-%d", i), Seed: uint64(i)}); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	if s.ids[i] {
		s.resends++
	} else if s.ids == nil {
		s.ids = map[int]bool{}
	}
	s.ids[i] = true
	s.raw = append(s.raw, reportMail(fmt.Sprintf("mail-%d", len(s.raw)), "google.com!example.com.xml.gz", "application/gzip", b.Bytes()))
}

// addUnreadable adds a mail whose attachment cannot be read.
func (s *mailSet) addUnreadable() {
	s.raw = append(s.raw, reportMail(fmt.Sprintf("mail-%d", len(s.raw)), "report.xml.gz", "application/gzip", []byte("not gzip")))
}

// keys returns the dedupe keys of the reports added, sorted.
func (s *mailSet) keys() []string {
	var l []string
	for i := range s.ids {
		l = append(l, reportKey("google.com", fmt.Sprintf("replica-%d", i), "example.com"))
	}
	slices.Sort(l)
	return l
}

// waitMailbox waits until INBOX is empty and the folders hold all n
// mails delivered.
func waitMailbox(t *testing.T, srv *mailServer, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		inbox, p, i := srv.count(t, "INBOX"), srv.count(t, "DMARC/Processed"), srv.count(t, "DMARC/Invalid")
		if inbox == 0 && int(p+i) == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("INBOX holds %d mails, DMARC/Processed %d and DMARC/Invalid %d; want 0 and %d in all", inbox, p, i, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// replica is a running "parse-dmarc serve".
type replica struct {
	name   string
	cmd    *osexec.Cmd
	log    *imaptest.Buffer // standard error
	url    string
	exited chan struct{}
	err    error // of Wait, once exited is closed
}

var servingRe = regexp.MustCompile(`msg=serving addr=(http://\S+)`)

// startReplica starts serve with args and waits until it listens; it is
// killed at cleanup if still running.
func startReplica(t *testing.T, name string, args []string) *replica {
	t.Helper()
	r := &replica{name: name, cmd: exec(t, args...), log: &imaptest.Buffer{}, exited: make(chan struct{})}
	r.cmd.Env = append(r.cmd.Env, "PARSE_DMARC_IMAP_PASSWORD="+imapPassword)
	r.cmd.Stderr = r.log
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		r.err = r.cmd.Wait()
		close(r.exited)
	}()
	t.Cleanup(func() {
		r.cmd.Process.Kill()
		<-r.exited
		if t.Failed() {
			t.Logf("replica %s:\n%s", r.name, r.log.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := servingRe.FindStringSubmatch(r.log.String()); m != nil {
			r.url = m[1]
			return r
		}
		select {
		case <-r.exited:
			t.Fatalf("replica %s exited: %v\n%s", name, r.err, r.log.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica %s does not serve:\n%s", name, r.log.String())
		}
	}
}

// fetching reports whether the replica took the mailbox's lock.
func (r *replica) fetching() bool {
	return strings.Contains(r.log.String(), "msg=\"fetching the mailbox\"")
}

// stop sends SIGTERM and returns the exit code.
func (r *replica) stop(t *testing.T) int {
	t.Helper()
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(20 * time.Second):
		t.Fatalf("replica %s did not stop after SIGTERM", r.name)
	}
	var ee *osexec.ExitError
	if errors.As(r.err, &ee) {
		return ee.ExitCode()
	} else if r.err != nil {
		t.Fatal(r.err)
	}
	return 0
}

// get decodes the JSON of GET path into v, or returns the body for a
// path that is not JSON.
func (r *replica) get(t *testing.T, path string, v any) string {
	t.Helper()
	resp, err := http.Get(r.url + path)
	if err != nil {
		t.Fatalf("replica %s: %v", r.name, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("replica %s: GET %s: %s\n%s", r.name, path, resp.Status, b.String())
	}
	if v != nil {
		if err := json.Unmarshal(b.Bytes(), v); err != nil {
			t.Fatalf("replica %s: GET %s: %v", r.name, path, err)
		}
	}
	return b.String()
}

// reports returns the dedupe keys of the reports the API lists, sorted.
func (r *replica) reports(t *testing.T) []string {
	t.Helper()
	var keys []string
	cursor := ""
	for {
		var page struct {
			Reports []struct {
				Metadata struct {
					Reporter struct {
						OrgName string `json:"org_name"`
					} `json:"reporter"`
					ReportID string `json:"report_id"`
				} `json:"metadata"`
				PolicyPublished struct {
					Domain string `json:"domain"`
				} `json:"policy_published"`
			} `json:"reports"`
			NextCursor string `json:"next_cursor"`
		}
		r.get(t, "/api/v1/reports?cursor="+url.QueryEscape(cursor), &page)
		for _, p := range page.Reports {
			keys = append(keys, reportKey(p.Metadata.Reporter.OrgName, p.Metadata.ReportID, p.PolicyPublished.Domain))
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	slices.Sort(keys)
	return keys
}

// metric returns the sum of the series of /metrics named name whose
// labels include label (name="value"), so that labels added later do not
// hide a series.
func (r *replica) metric(t *testing.T, name, label string) float64 {
	t.Helper()
	var sum float64
	sc := bufio.NewScanner(strings.NewReader(r.get(t, "/metrics", nil)))
	for sc.Scan() {
		labels, value, ok := strings.Cut(strings.TrimPrefix(sc.Text(), name+"{"), "} ")
		if !ok || len(labels) == len(sc.Text()) || !slices.Contains(strings.Split(labels, ","), label) {
			continue
		}
		f, err := strconv.ParseFloat(value, 64)
		if err != nil {
			t.Fatalf("replica %s: %s: %v", r.name, sc.Text(), err)
		}
		sum += f
	}
	return sum
}
