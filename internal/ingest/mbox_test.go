package ingest

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// TestMbox checks an mbox of three mails: one with a zip, one with a gzip,
// one without a report.
func TestMbox(t *testing.T) {
	zipped := zipOf(t, member{"google.com!example.com!1549929600!1550015999.xml", report("z")})
	mails := []string{
		mailOf("zip", textNote, zipAttachment("google.com!example.com!1549929600!1550015999.zip", zipped)),
		mailOf("gzip", gzipAttachment("r.xml.gz", gzipOf(t, report("g")))),
		mailOf("none", textNote),
	}
	for _, eol := range []string{"lf", "crlf"} {
		t.Run(eol, func(t *testing.T) {
			var b strings.Builder
			for _, m := range mails {
				b.WriteString("From MAILER-DAEMON Mon Feb 11 10:23:40 2019\n" + m + "\n")
			}
			mbox := b.String()
			if eol == "crlf" {
				mbox = crlf(mbox)
			}
			got := walkBytes(t, "inbox.mbox", []byte(mbox), Limits{})
			want := []string{
				"xml inbox.mbox > message 1 > google.com!example.com!1549929600!1550015999.zip > google.com!example.com!1549929600!1550015999.xml",
				"xml inbox.mbox > message 2 > r.xml.gz",
				"noreport inbox.mbox > message 3",
			}
			if s := summary(got); !equalStrings(s, want) {
				t.Fatalf("payloads:\n got %q\nwant %q", s, want)
			}
			for i, subject := range []string{"zip", "gzip", "none"} {
				if got[i].Mail == nil || got[i].Mail.Subject != subject {
					t.Errorf("%s: mail %+v", got[i].Name, got[i].Mail)
				}
			}
			if !bytes.Equal(got[0].Body, report("z")) || !bytes.Equal(got[1].Body, report("g")) {
				t.Errorf("bodies %q, %q", got[0].Body, got[1].Body)
			}
			// The raw of the mail without a report is that mail, without
			// the "From " line and the blank line separating it.
			want3 := mails[2]
			if eol == "crlf" {
				want3 = crlf(want3)
			}
			if string(got[2].Raw) != want3 {
				t.Errorf("raw of message 3:\n%q\nwant\n%q", got[2].Raw, want3)
			}
		})
	}
}

// TestMboxSplit checks how an mbox is split and unescaped.
func TestMboxSplit(t *testing.T) {
	long := strings.Repeat("x", 3*sniffLen)
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"one", "From a\nSubject: 1\n\nbody\n", []string{"Subject: 1\n\nbody\n"}},
		{"two", "From a\nS: 1\n\nbody\n\nFrom b\nS: 2\n\nbody\n", []string{"S: 1\n\nbody\n", "S: 2\n\nbody\n"}},
		{"crlf", "From a\r\nS: 1\r\n\r\nbody\r\n\r\nFrom b\r\nS: 2\r\n", []string{"S: 1\r\n\r\nbody\r\n", "S: 2\r\n"}},
		{"not after a blank line", "From a\nS: 1\n\nline\nFrom here on\n", []string{"S: 1\n\nline\nFrom here on\n"}},
		{"escaped", "From a\nS: 1\n\n>From me\n>>From you\n> From no one\n>Fromage\n", []string{"S: 1\n\nFrom me\n>From you\n> From no one\n>Fromage\n"}},
		{"long lines", "From " + long + "\nS: " + long + "\n\n>From " + long + "\n\nFrom b\n", []string{"S: " + long + "\n\nFrom " + long + "\n", ""}},
		{"no final newline", "From a\nS: 1\n\nbody", []string{"S: 1\n\nbody"}},
		{"empty messages", "From a\n\nFrom b\n\nFrom c", []string{"", "", ""}},
		{"blank lines", "From a\nS: 1\n\n\n\n\nFrom b\n", []string{"S: 1\n\n\n\n", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &mboxSplitter{br: bufioReader(tt.in)}
			var got []string
			for {
				m, err := s.next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				// Read some messages only in part: next skips the rest.
				if len(got)%2 == 1 {
					got = append(got, "")
					continue
				}
				b, err := io.ReadAll(m)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, string(b))
			}
			want := tt.want
			for i := range want {
				if i%2 == 1 {
					want[i] = ""
				}
			}
			if !equalStrings(got, want) {
				t.Errorf("messages:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// TestMboxErrors checks that a read error of the mbox ends its walk with a
// payload error naming it.
func TestMboxErrors(t *testing.T) {
	broken := errors.New("disk on fire")
	in := io.MultiReader(strings.NewReader("From a\nSubject: s\n\nbody\n\nFrom b\nSubject: t\n"), errReader{broken})
	var got []found
	err := Walk(t.Context(), "in.mbox", in, Limits{}, func(p Payload) error {
		got = append(got, readPayload(t, p))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s := summary(got)
	if len(s) == 0 || s[0] != "noreport in.mbox > message 1" {
		t.Fatalf("payloads %q", s)
	}
	last := got[len(got)-1]
	if !errors.Is(last.Err, ErrCorrupt) || !errors.Is(last.Err, broken) {
		t.Errorf("last payload %s: %v", last.Name, last.Err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
