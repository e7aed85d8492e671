package ingest

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"github.com/parse-dmarc/parse-dmarc/internal/forensic"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// failureSamples lists the corpus's failure reports, read in place.
func failureSamples(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(corpusDir(t), "failure", "*.eml"))
	if err != nil || len(files) == 0 {
		t.Skipf("no failure samples: %v", err)
	}
	// Copies after their originals, which come first.
	slices.SortStableFunc(files, func(a, b string) int { return cmp.Compare(b2i(copyOf(a)), b2i(copyOf(b))) })
	return files
}

// TestImportForensicCorpus imports every failure report of the corpus,
// one by one and again, under each redaction policy: each is stored once
// as a failure report, with the policy applied, and found by its domain,
// source IP and message ID.
func TestImportForensicCorpus(t *testing.T) {
	t.Parallel()
	files := failureSamples(t)
	for _, pol := range []forensic.Redaction{forensic.RedactAddresses, forensic.RedactFull, forensic.RedactOff} {
		t.Run(pol.String(), func(t *testing.T) {
			t.Parallel()
			im, st := newImporter(t)
			im.Redaction = pol
			ctx := context.Background()
			for _, f := range files {
				var results []Result
				im.Progress = func(r Result) { results = append(results, r) }
				sum, err := im.ImportPath(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if len(results) != 1 || results[0].Format != FormatForensic {
					t.Fatalf("%s: %+v %+v", filepath.Base(f), sum, results)
				}
				if sum.Duplicates == 1 && copyOf(f) {
					continue
				}
				if sum.Imported != 1 || results[0].ReportID == 0 {
					t.Fatalf("%s: %+v %+v", filepath.Base(f), sum, results)
				}
				again, err := im.ImportPath(ctx, f)
				if err != nil || again.Duplicates != 1 || again.Imported != 0 {
					t.Errorf("%s again: %+v, %v", filepath.Base(f), again, err)
				}
				rep, err := st.ForensicReport(ctx, results[0].ReportID)
				if err != nil {
					t.Fatal(err)
				}
				r := rep.Report
				if r.Privacy.Redaction != pol.String() || !r.Privacy.BodyRemoved || r.ReportedDomain == "" || r.SourceIP == "" {
					t.Errorf("%s: stored %+v", filepath.Base(f), r)
				}
				// The file name names the SharePoint sample's sender: kept only
				// with redaction off.
				if masked := strings.Contains(rep.SourceName, "***@domain.de"); strings.Contains(f, "sharepoint@") &&
					masked != (pol != forensic.RedactOff) {
					t.Errorf("%s: source name %q under %s", filepath.Base(f), rep.SourceName, pol)
				}
				for _, by := range []store.ForensicFilter{{Domain: r.ReportedDomain}, {SourceIP: r.SourceIP}, {MessageID: r.Message.MessageID}} {
					list, err := st.ForensicReports(ctx, by, 0, 10)
					if err != nil || !hasReport(list, rep.ID) {
						t.Errorf("%s: not found by %+v: %v", filepath.Base(f), by, err)
					}
				}
			}
			if c, _ := st.Counts(ctx); c.Reports != 0 || c.Quarantined != 0 {
				t.Errorf("failure reports counted as aggregate ones or quarantined: %+v", c)
			}
		})
	}
}

// copyOf tells the corpus's copy of a sample with CRLF line ends: the
// same report mail (the same Message-ID), a duplicate.
func copyOf(file string) bool { return strings.HasSuffix(file, ".crlf.eml") }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func hasReport(list []store.StoredForensicReport, id int64) bool {
	for _, r := range list {
		if r.ID == id {
			return true
		}
	}
	return false
}

// TestForensicNoBodyNoRecipient imports every failure sample under each
// policy and reads every column of every stored failure report and
// quarantine entry straight from the database, the JSON as stored and
// decoded: none holds a recipient address of the reported message or a
// line of its body.
func TestForensicNoBodyNoRecipient(t *testing.T) {
	t.Parallel()
	files := failureSamples(t)
	var recipients, body []string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, b := reportedPrivate(t, raw)
		if len(r) == 0 {
			t.Fatalf("%s: no recipient found: the test would check nothing", filepath.Base(f))
		}
		recipients, body = append(recipients, r...), append(body, b...)
	}
	// Failure reports the importer refuses (an abuse report) keep no
	// bytes either.
	abuse := arfMail("abuse", "Original-Rcpt-To: victim@rcpt.example\r\n")
	if len(body) == 0 {
		t.Fatal("no body text found: the test would check nothing")
	}
	for _, pol := range []forensic.Redaction{forensic.RedactAddresses, forensic.RedactFull, forensic.RedactOff} {
		t.Run(pol.String(), func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "test.db")
			st, err := store.OpenSQLite(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			im := &Importer{Store: st, Redaction: pol}
			ctx := context.Background()
			for _, f := range files {
				if sum, err := im.ImportPath(ctx, f); err != nil || sum.Imported+sum.Duplicates != 1 {
					t.Fatalf("%s: %+v, %v", f, sum, err)
				}
			}
			if sum, err := im.ImportReader(ctx, "abuse.eml", strings.NewReader(abuse)); err != nil || sum.Quarantined != 1 {
				t.Fatalf("abuse report: %+v, %v", sum, err)
			}
			rows := dumpRows(t, path, "forensic_reports", len(files)-copies(files))
			rows += dumpRows(t, path, "quarantine", 1)
			lower := strings.ToLower(rows)
			for _, a := range append(recipients, "victim@rcpt.example") {
				if strings.Contains(lower, strings.ToLower(a)) {
					t.Errorf("recipient %q stored", a)
				}
			}
			for _, line := range append(body, "the abused body") {
				if strings.Contains(rows, line) {
					t.Errorf("body text %q stored", line)
				}
			}
		})
	}
}

func copies(files []string) int {
	n := 0
	for _, f := range files {
		if copyOf(f) {
			n++
		}
	}
	return n
}

// dumpRows reads every column of every row of table from the SQLite
// database at path, as text, with the strings of JSON columns decoded
// too (json.Marshal escapes <, > and &). It fails unless there are n rows.
func dumpRows(t *testing.T, path, table string, n int) string {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT * FROM " + table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	count := 0
	for rows.Next() {
		count++
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			s := fmt.Sprint(v)
			if bs, ok := v.([]byte); ok {
				s = string(bs)
			}
			b.WriteString(s + "\n")
			var doc any
			if json.Unmarshal([]byte(s), &doc) == nil {
				collectStrings(doc, &b)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if count != n {
		t.Fatalf("%s: %d rows, want %d", table, count, n)
	}
	return b.String()
}

func collectStrings(v any, b *strings.Builder) {
	switch v := v.(type) {
	case string:
		b.WriteString(v + "\n")
	case []any:
		for _, e := range v {
			collectStrings(e, b)
		}
	case map[string]any:
		for _, e := range v {
			collectStrings(e, b)
		}
	}
}

var (
	receivedForAddr = regexp.MustCompile(`(?i)\bfor\s+<?([^\s<>;]+@[^\s<>;]+?)>?;`)
	rcptToLine      = regexp.MustCompile(`(?im)^original-rcpt-to:\s*(.+)$`)
)

// reportedPrivate reads, with go-message and independently of package
// forensic, what of a failure report's mail must never be stored: the
// recipients of the reported message (its To, Cc, Bcc, Delivered-To,
// X-Original-To fields and the "for" of its Received fields, the report's
// Original-Rcpt-To) and the lines of its body.
func reportedPrivate(t *testing.T, raw []byte) (recipients, body []string) {
	t.Helper()
	raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	if bytes.HasPrefix(raw, []byte("From ")) {
		_, raw, _ = bytes.Cut(raw, []byte("\n"))
	}
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil && !message.IsUnknownCharset(err) {
		t.Fatal(err)
	}
	header := func(h textproto.Header) {
		mh := mail.Header{Header: message.Header{Header: h}}
		for _, k := range []string{"To", "Cc", "Bcc", "Delivered-To", "X-Original-To"} {
			list, _ := mh.AddressList(k)
			for _, a := range list {
				recipients = append(recipients, a.Address)
			}
		}
		for _, v := range h.Values("Received") {
			for _, m := range receivedForAddr.FindAllStringSubmatch(v, -1) {
				recipients = append(recipients, m[1])
			}
		}
	}
	// Parts in a charset go-message does not know (it is not told of
	// any, see mail.go) are read as they are.
	err = e.Walk(func(_ []int, part *message.Entity, err error) error {
		if err != nil && !message.IsUnknownCharset(err) {
			return err
		}
		mt, _, _ := part.Header.ContentType()
		if strings.HasPrefix(mt, "multipart/") {
			return nil
		}
		b, err := io.ReadAll(part.Body)
		if err != nil {
			return err
		}
		switch mt {
		case "message/feedback-report":
			for _, m := range rcptToLine.FindAllStringSubmatch(string(b), -1) {
				recipients = append(recipients, strings.Trim(strings.TrimSpace(m[1]), "<>"))
			}
		case "message/rfc822", "text/rfc822-headers":
			inner, err := message.Read(bytes.NewReader(b))
			if err != nil && !message.IsUnknownCharset(err) {
				return err
			}
			header(inner.Header.Header)
			return inner.Walk(func(_ []int, p *message.Entity, err error) error {
				if err != nil && !message.IsUnknownCharset(err) {
					return err
				}
				if mt, _, _ := p.Header.ContentType(); strings.HasPrefix(mt, "multipart/") {
					return nil
				}
				text, err := io.ReadAll(p.Body)
				for _, line := range strings.Split(string(text), "\n") {
					if line = strings.TrimSpace(line); len(line) >= 5 {
						body = append(body, line)
					}
				}
				return err
			})
		case "text/plain":
			// Exim's copy of the header, after its marker line.
			if _, copied, ok := bytes.Cut(b, []byte("------ This is a copy of the headers")); ok {
				_, copied, _ = bytes.Cut(copied, []byte("\n\n"))
				h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(append(copied, '\n', '\n'))))
				if err != nil {
					return err
				}
				header(h)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return recipients, body
}

// arfMail is an ARF report of feedbackType with the given extra
// feedback fields, about a message whose body is "the abused body".
func arfMail(feedbackType, fields string) string {
	return "From: reporter@receiver.example\r\nTo: dmarc@example.com\r\nSubject: report\r\n" +
		"Message-ID: <arf-" + feedbackType + "@receiver.example>\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=feedback-report; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain\r\n\r\nA report.\r\n" +
		"--b1\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: " + feedbackType + "\r\nUser-Agent: test/1\r\nVersion: 1\r\n" +
		fields + "Source-IP: 192.0.2.1\r\nReported-Domain: example.com\r\n" +
		"--b1\r\nContent-Type: message/rfc822\r\n\r\nFrom: someone@example.com\r\nTo: victim@rcpt.example\r\nSubject: hi\r\n\r\nthe abused body\r\n" +
		"--b1--\r\n"
}

// TestRouteMail imports mails of every kind the report mailbox gets: a
// failure report is stored as one, mails without any report are ignored
// (nothing stored, nothing quarantined), and reports that cannot be read
// are quarantined, a failure report without its bytes.
func TestRouteMail(t *testing.T) {
	t.Parallel()
	const head = "From: Alice <alice@example.org>\r\nTo: dmarc@example.com\r\nSubject: Re: reports\r\n" +
		"Message-ID: <m1@example.org>\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
	cases := []struct {
		name, mail string
		outcome    Outcome
		format     string
		quarantine bool // an entry is kept, without bytes for a failure report
	}{
		{"reply", head + "Content-Type: text/plain\r\n\r\nThanks for the reports!\r\n", Ignored, "", false},
		{"discussion", head + "Content-Type: text/plain\r\n\r\nOur mails are multipart/report; report-type=feedback-report.\r\n", Ignored, "", false},
		{"bounce", head + "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n" +
			"--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\n" +
			"Reporting-MTA: dns; mx.example.org\r\n\r\nFinal-Recipient: rfc822; gone@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n--b--\r\n",
			Ignored, "", false},
		{"failure report", arfMail("auth-failure", "Auth-Failure: dmarc\r\n"), Imported, FormatForensic, false},
		{"abuse report", arfMail("abuse", ""), Quarantined, FormatForensic, true},
		{"report without its feedback part", head + "Content-Type: multipart/report; report-type=feedback-report; boundary=\"b\"\r\n\r\n" +
			"--b\r\nContent-Type: text/plain\r\n\r\nA report.\r\n--b--\r\n", Quarantined, FormatForensic, true},
		{"empty attachment", head + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: application/gzip\r\n" +
			"Content-Disposition: attachment; filename=report.xml.gz\r\n\r\n--b--\r\n", Quarantined, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			im, st := newImporter(t)
			ctx := context.Background()
			var got []Result
			im.Progress = func(r Result) { got = append(got, r) }
			sum, err := im.ImportReader(ctx, c.name+".eml", strings.NewReader(c.mail))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Outcome != c.outcome || got[0].Format != c.format {
				t.Fatalf("results %+v, want one %v of format %q", got, c.outcome, c.format)
			}
			if c.outcome == Ignored && (sum.Ignored != 1 || got[0].Err == nil) {
				t.Errorf("summary %+v, err %v", sum, got[0].Err)
			}
			q, err := st.Quarantined(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if (len(q) == 1) != c.quarantine {
				t.Fatalf("quarantine %+v", q)
			}
			if c.quarantine && c.format == FormatForensic {
				raw, err := st.QuarantinedRaw(ctx, q[0].ID)
				if err != nil || len(raw) != 0 || q[0].Size != int64(len(c.mail)) || !q[0].Truncated || q[0].ErrorType != "forensic_invalid" {
					t.Errorf("entry %+v with %d bytes kept, %v", q[0], len(raw), err)
				}
			}
			list, err := st.ForensicReports(ctx, store.ForensicFilter{}, 0, 10)
			if err != nil || len(list) != map[bool]int{true: 1}[c.outcome == Imported] {
				t.Errorf("failure reports %+v, %v", list, err)
			}
		})
	}
}

// TestForensicDedupe stores a failure report once whether it comes as
// it is, in an mbox or under another policy (the key is the report mail's
// Message-ID), and a report mail without a Message-ID once per its bytes.
func TestForensicDedupe(t *testing.T) {
	t.Parallel()
	im, _ := newImporter(t)
	ctx := context.Background()
	m := arfMail("auth-failure", "Auth-Failure: dmarc\r\n")
	for i, in := range []struct {
		name string
		data string
		pol  forensic.Redaction
		want Outcome
	}{
		{"a.eml", m, forensic.RedactAddresses, Imported},
		{"b.mbox", "From reporter@receiver.example Mon Dec  7 10:00:00 2026\n" + m, forensic.RedactAddresses, Duplicate},
		{"c.eml", m, forensic.RedactFull, Duplicate},
		{"d.eml", strings.Replace(m, "Message-ID: <arf-auth-failure@receiver.example>\r\n", "", 1), forensic.RedactAddresses, Imported},
		{"e.eml", strings.Replace(m, "Message-ID: <arf-auth-failure@receiver.example>\r\n", "", 1), forensic.RedactAddresses, Duplicate},
	} {
		var got Result
		im.Redaction = in.pol
		im.Progress = func(r Result) { got = r }
		if _, err := im.ImportReader(ctx, in.name, strings.NewReader(in.data)); err != nil {
			t.Fatal(err)
		}
		if got.Outcome != in.want || got.Format != FormatForensic {
			t.Errorf("%d %s: %+v, want %v", i, in.name, got, in.want)
		}
	}
}
