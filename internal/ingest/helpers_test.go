package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// found is a payload as the tests see it: its body read to the end.
type found struct {
	Name    string
	Kind    Kind
	Body    []byte
	ReadErr error // of reading Body
	Err     error
	Raw     []byte
	Mail    *MailInfo
}

// walkBytes walks data named name and reads every payload to the end.
func walkBytes(t testing.TB, name string, data []byte, lim Limits) []found {
	t.Helper()
	var out []found
	err := Walk(context.Background(), name, bytes.NewReader(data), lim, func(p Payload) error {
		out = append(out, readPayload(t, p))
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", name, err)
	}
	return out
}

func readPayload(t testing.TB, p Payload) found {
	t.Helper()
	f := found{Name: p.Name, Kind: p.Kind, Err: p.Err, Raw: p.Raw, Mail: p.Mail}
	switch {
	case p.Err != nil && p.Body != nil:
		t.Errorf("%s: payload with both Err and Body", p.Name)
	case p.Err == nil && p.Body == nil:
		t.Errorf("%s: payload with neither Err nor Body", p.Name)
	case p.Err == nil && p.Kind == KindUnknown:
		t.Errorf("%s: payload without Err of KindUnknown", p.Name)
	case p.Err != nil && !ours(p.Err):
		t.Errorf("%s: Err %v wraps none of the package's errors", p.Name, p.Err)
	}
	if p.Body != nil {
		f.Body, f.ReadErr = io.ReadAll(p.Body)
	}
	return f
}

// summary is a short form of payloads for comparing with a table: one
// "kind name" or "error-sentinel name" per payload.
func summary(fs []found) []string {
	var s []string
	for _, f := range fs {
		switch {
		case f.Err != nil:
			s = append(s, sentinelName(f.Err)+" "+f.Name)
		case f.ReadErr != nil:
			s = append(s, f.Kind.String()+"+"+sentinelName(f.ReadErr)+" "+f.Name)
		default:
			s = append(s, f.Kind.String()+" "+f.Name)
		}
	}
	return s
}

func sentinelName(err error) string {
	for _, e := range []struct {
		err  error
		name string
	}{
		{ErrTooLarge, "toolarge"}, {ErrTooDeep, "toodeep"}, {ErrTooMany, "toomany"},
		{ErrCorrupt, "corrupt"}, {ErrNoReport, "noreport"}, {ErrUnknown, "unknown"},
	} {
		if errors.Is(err, e.err) {
			return e.name
		}
	}
	return "other(" + err.Error() + ")"
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// corpusDir is the shared sample corpus; tests using it skip without it.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "parsedmarc", "samples")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	return dir
}

func gzipOf(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// member is a zip member for zipOf.
type member struct {
	name string
	data []byte
}

func zipOf(t testing.TB, members ...member) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		w, err := zw.Create(m.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// attachment is a part of a mail for mailOf.
type attachment struct {
	header string // header fields, one a line, without the final blank line
	body   string // as it appears in the mail: already encoded
}

// b64 encodes b as base64 in lines of 76.
func b64(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var lines []string
	for len(s) > 76 {
		lines = append(lines, s[:76])
		s = s[76:]
	}
	return strings.Join(append(lines, s), "\n")
}

// mailOf builds a multipart/mixed mail with LF line endings (see crlf).
// Its boundary is made of the subject, so that mails with different
// subjects nest.
func mailOf(subject string, parts ...attachment) string {
	var b strings.Builder
	id := strings.ReplaceAll(subject, " ", "-")
	boundary := "BOUNDARY-" + id
	fmt.Fprintf(&b, "From: DMARC reporter <noreply-dmarc@example.org>\nTo: dmarc@example.com\nSubject: %s\nMessage-ID: <%s@example.org>\nDate: Mon, 11 Feb 2019 10:23:40 +0000\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"%s\"\n\nThis is a multi-part message in MIME format.\n", subject, id, boundary)
	for _, p := range parts {
		fmt.Fprintf(&b, "--%s\n%s\n\n%s\n", boundary, p.header, p.body)
	}
	fmt.Fprintf(&b, "--%s--\n", boundary)
	return b.String()
}

func crlf(s string) string {
	return strings.ReplaceAll(s, "\n", "\r\n")
}

func zipAttachment(name string, data []byte) attachment {
	return attachment{
		header: fmt.Sprintf("Content-Type: application/zip; name=%q\nContent-Disposition: attachment; filename=%q\nContent-Transfer-Encoding: base64", name, name),
		body:   b64(data),
	}
}

func gzipAttachment(name string, data []byte) attachment {
	return attachment{
		header: fmt.Sprintf("Content-Type: application/gzip\nContent-Disposition: attachment; filename=%q\nContent-Transfer-Encoding: base64", name),
		body:   b64(data),
	}
}

var textNote = attachment{
	header: "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable",
	body:   "This is an aggregate report from example.org.=0A=\nSee the attachment.",
}

// report is a small aggregate report.
func report(id string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<feedback><report_metadata><org_name>example.org</org_name><report_id>` + id + `</report_id></report_metadata></feedback>
`)
}

// zeroGzip returns a gzip stream of mib MiB of zeros, made the way a bomb
// is: the deflate segment for one MiB of zeros following zeros is the same
// every time, so it is compressed once and repeated (compressing 600 MiB
// takes seconds, more under the race detector). The result is a valid
// gzip stream, trailer included.
func zeroGzip(t testing.TB, mib int) []byte {
	t.Helper()
	zeros := make([]byte, 1<<20)
	var out bytes.Buffer
	out.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}) // header: deflate, no name, unknown OS
	fw, err := flate.NewWriter(&out, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(zeros) // the first MiB, without history
	fw.Flush()
	mark := out.Len()
	fw.Write(zeros) // one MiB after zeros: byte-aligned by Flush
	fw.Flush()
	segment := bytes.Clone(out.Bytes()[mark:])
	for i := 2; i < mib; i++ {
		out.Write(segment)
	}
	out.Write([]byte{3, 0}) // an empty final block (fixed Huffman)
	crc := uint32(0)
	for range mib {
		crc = crc32.Update(crc, crc32.IEEETable, zeros)
	}
	out.Write(binary.LittleEndian.AppendUint32(nil, crc))
	out.Write(binary.LittleEndian.AppendUint32(nil, uint32(int64(mib)<<20)))
	return out.Bytes()
}

func bufioReader(s string) *bufio.Reader {
	return bufio.NewReaderSize(strings.NewReader(s), sniffLen)
}
