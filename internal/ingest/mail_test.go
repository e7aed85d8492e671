package ingest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestMail(t *testing.T) {
	xml := report("m")
	zipped := zipOf(t, member{"r.xml", xml})
	gz := gzipOf(t, xml)
	octet := func(name string, data []byte) attachment {
		h := "Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64"
		if name != "" {
			h += "\nContent-Disposition: attachment; filename=\"" + name + "\""
		}
		return attachment{header: h, body: b64(data)}
	}
	forwarded := mailOf("original", textNote, zipAttachment("r.zip", zipped))
	noise := make([]byte, 20000)
	rand.Read(noise)
	noisy := append(bytes.Clone(xml), hex.EncodeToString(noise)...)

	tests := []struct {
		name string
		mail string
		lim  Limits
		want []string // summary, names after "m.eml"
	}{
		{"zip", mailOf("s", textNote, zipAttachment("r.zip", zipped)), Limits{}, []string{"xml > r.zip > r.xml"}},
		{"crlf", crlf(mailOf("s", textNote, zipAttachment("r.zip", zipped))), Limits{}, []string{"xml > r.zip > r.xml"}},
		{"gzip", mailOf("s", gzipAttachment("r.xml.gz", gz)), Limits{}, []string{"xml > r.xml.gz"}},
		{"two reports", mailOf("s", gzipAttachment("a.xml.gz", gz), zipAttachment("b.zip", zipped)), Limits{},
			[]string{"xml > a.xml.gz", "xml > b.zip > r.xml"}},
		{"text only", mailOf("s", textNote), Limits{}, []string{"noreport "}},
		{"html", mailOf("s", attachment{"Content-Type: text/html", "<html><body>report</body></html>"}), Limits{}, []string{"noreport "}},
		{"text note starting with <", mailOf("s", attachment{"Content-Type: text/plain", "<b>not xml</b>"}), Limits{}, []string{"noreport "}},
		{"text xml", mailOf("s", attachment{"Content-Type: text/plain", string(xml)}), Limits{}, []string{"xml > part 1"}},
		{"xml type, 7bit, no name", mailOf("s", attachment{"Content-Type: text/xml\nContent-Transfer-Encoding: 7bit", string(xml)}), Limits{}, []string{"xml > part 1"}},
		{"octet-stream named", mailOf("s", octet("r.xml.gz", gz)), Limits{}, []string{"xml > r.xml.gz"}},
		{"octet-stream sniffed", mailOf("s", octet("", gz)), Limits{}, []string{"xml > part 1"}},
		{"octet-stream other", mailOf("s", octet("", []byte("\x00\x01\x02"))), Limits{}, []string{"noreport "}},
		{"image", mailOf("s", attachment{"Content-Type: image/png\nContent-Transfer-Encoding: base64", b64([]byte("\x89PNG"))}), Limits{}, []string{"noreport "}},
		{"no disposition", mailOf("s", attachment{"Content-Type: application/zip\nContent-Transfer-Encoding: base64", b64(zipped)}), Limits{}, []string{"xml > part 1 > r.xml"}},
		{"inline", mailOf("s", attachment{"Content-Type: application/gzip; name=\"x.xml.gz\"\nContent-Disposition: inline\nContent-Transfer-Encoding: base64", b64(gz)}), Limits{}, []string{"xml > x.xml.gz"}},
		{"rfc2231 name", mailOf("s", attachment{"Content-Type: application/gzip\nContent-Disposition: attachment; filename*=UTF-8''r%C3%A9port.xml.gz\nContent-Transfer-Encoding: base64", b64(gz)}), Limits{}, []string{"xml > réport.xml.gz"}},
		{"rfc2047 name", mailOf("s", attachment{"Content-Type: application/gzip; name=\"=?UTF-8?B?csOpcG9ydC54bWwuZ3o=?=\"\nContent-Transfer-Encoding: base64", b64(gz)}), Limits{}, []string{"xml > réport.xml.gz"}},
		{"malformed params", mailOf("s", attachment{"Content-Type: application/zip; name=\"r.zip\"; ;;x\nContent-Transfer-Encoding: base64", b64(zipped)}), Limits{}, []string{"xml > r.zip > r.xml"}},
		{"tlsrpt", mailOf("s", attachment{"Content-Type: application/tlsrpt+gzip\nContent-Transfer-Encoding: base64", b64(gzipOf(t, []byte(`{"policies":[]}`)))}), Limits{}, []string{"json > part 1"}},
		{"nested multipart", mailOf("s", attachment{"Content-Type: multipart/alternative; boundary=inner", "--inner\nContent-Type: text/plain\n\nnote\n--inner\nContent-Type: application/gzip\nContent-Transfer-Encoding: base64\n\n" + b64(gz) + "\n--inner--"}), Limits{},
			[]string{"xml > part 1.2"}},
		{"forwarded", mailOf("fwd", textNote, attachment{"Content-Type: message/rfc822", forwarded}), Limits{}, []string{"xml > part 2 > r.zip > r.xml"}},
		{"forwarded without report", mailOf("fwd", textNote, attachment{"Content-Type: message/rfc822", mailOf("original", textNote)}), Limits{}, []string{"noreport "}},
		{"failure report", "From: a@example.org\nSubject: failure\nContent-Type: multipart/report; report-type=feedback-report; boundary=b\n\n--b\nContent-Type: text/plain\n\nA failure.\n--b\nContent-Type: message/feedback-report\n\nFeedback-Type: auth-failure\n--b\nContent-Type: message/rfc822\n\n" + mailOf("phish", zipAttachment("invoice.zip", zipped)) + "\n--b--\n", Limits{},
			[]string{"noreport "}},
		{"missing final boundary", strings.TrimSuffix(mailOf("s", textNote, zipAttachment("r.zip", zipped)), "--BOUNDARY-s--\n"), Limits{}, []string{"xml > r.zip > r.xml"}},
		{"truncated attachment", mailOf("s", zipAttachment("r.zip", zipped))[:600], Limits{}, []string{"corrupt > r.zip"}},
		{"bad base64", mailOf("s", attachment{"Content-Type: application/gzip; name=r.gz\nContent-Transfer-Encoding: base64", "!!!! not base64 !!!!"}), Limits{}, []string{"corrupt > r.gz"}},
		{"bad base64 later", mailOf("s", attachment{"Content-Type: application/gzip; name=r.gz\nContent-Transfer-Encoding: base64", b64(gzipOf(t, noisy))[:3000] + "\n!!!!"}), Limits{}, []string{"xml+corrupt > r.gz"}},
		{"bad base64 not a report", mailOf("s", attachment{"Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64", "!!!!"}), Limits{}, []string{"noreport "}},
		{"unknown encoding", mailOf("s", attachment{"Content-Type: text/xml\nContent-Transfer-Encoding: x-uuencode", string(xml)}), Limits{}, []string{"xml > part 1"}},
		{"no boundary", "Subject: s\nContent-Type: multipart/mixed\n\nbody\n", Limits{}, []string{"corrupt "}},
		{"single-part gzip", "From: a@example.org\nSubject: s\nContent-Type: application/gzip\nContent-Transfer-Encoding: base64\n\n" + b64(gz) + "\n", Limits{}, []string{"xml > part 1"}},
		{"single-part xml", "From: a@example.org\nSubject: s\nContent-Type: text/xml\n\n" + string(xml), Limits{}, []string{"xml > part 1"}},
		{"single-part text xml", "From: a@example.org\nSubject: s\n\n" + string(xml), Limits{}, []string{"xml > part 1"}},
		{"header only", "From: a@example.org\nSubject: s\n", Limits{}, []string{"noreport "}},
		{"too large", mailOf("s", textNote, zipAttachment("r.zip", zipped)), Limits{MaxArchive: 200}, []string{"toolarge "}},
		{"too deep", deepMultipart(30), Limits{}, []string{"toodeep "}},
		{"deep", deepMultipart(maxMultipart - 1), Limits{}, []string{"xml > part 1" + strings.Repeat(".1", maxMultipart-1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summary(walkBytes(t, "m.eml", []byte(tt.mail), tt.lim))
			var want []string
			for _, w := range tt.want {
				kind, rest, _ := strings.Cut(w, " ")
				if rest != "" {
					rest = " " + rest
				}
				want = append(want, kind+" m.eml"+rest)
			}
			if !equalStrings(got, want) {
				t.Errorf("payloads:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// TestMailRaw checks what a mail's errors keep as Raw: the mail for a mail
// without a report, the encoded part for broken base64.
func TestMailRaw(t *testing.T) {
	m := mailOf("none", textNote)
	got := walkBytes(t, "m.eml", []byte(m), Limits{})
	if len(got) != 1 || !errors.Is(got[0].Err, ErrNoReport) || string(got[0].Raw) != m {
		t.Fatalf("no report: %q, raw %q", summary(got), got[0].Raw)
	}
	if got[0].Mail == nil || got[0].Mail.Subject != "none" {
		t.Errorf("no report: mail %+v", got[0].Mail)
	}
	got = walkBytes(t, "m.eml", []byte(m), Limits{MaxRaw: 10})
	if string(got[0].Raw) != m[:10] {
		t.Errorf("MaxRaw 10: raw %q", got[0].Raw)
	}

	m = "Subject: s\nContent-Type: multipart/mixed\n\nbody\n"
	got = walkBytes(t, "m.eml", []byte(m), Limits{})
	if len(got) != 1 || !errors.Is(got[0].Err, ErrCorrupt) || string(got[0].Raw) != m {
		t.Fatalf("no boundary: %q, raw %q", summary(got), got[0].Raw)
	}
	if err := got[0].Err.Error(); err != "m.eml: mime: corrupt container: multipart/mixed without boundary" {
		t.Errorf("no boundary: error %q", err)
	}

	bad := "!!!! not base64 !!!!"
	got = walkBytes(t, "m.eml", []byte(mailOf("s", attachment{"Content-Type: application/gzip; name=r.gz\nContent-Transfer-Encoding: base64", bad})), Limits{})
	if len(got) != 1 || string(got[0].Raw) != bad {
		t.Fatalf("bad base64: %q, raw %q", summary(got), got[0].Raw)
	}
	if err := got[0].Err.Error(); !strings.HasPrefix(err, "m.eml > r.gz: base64: corrupt container: illegal base64 data") {
		t.Errorf("bad base64: error %q", err)
	}
}

func TestMailInfo(t *testing.T) {
	m := "Return-Path: <x@example.org>\r\n" +
		"From: =?windows-1252?Q?Fr=E9d=E9ric?= <dmarc@example.org>\r\n" +
		"Subject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?= Report domain: example.com\r\n" +
		"Message-ID: <abc@example.org>\r\n" +
		"Date: Mon, 11 Feb 2019 10:23:40 +0100\r\n" +
		"Content-Type: application/gzip\r\nContent-Transfer-Encoding: base64\r\n\r\n" + crlf(b64(gzipOf(t, report("i"))))
	got := walkBytes(t, "m.eml", []byte(m), Limits{})
	if len(got) != 1 || got[0].Mail == nil {
		t.Fatalf("payloads %q", summary(got))
	}
	want := MailInfo{
		Subject:   "テスト Report domain: example.com",
		From:      "Frédéric <dmarc@example.org>",
		MessageID: "abc@example.org",
		Date:      time.Date(2019, 2, 11, 9, 23, 40, 0, time.UTC),
	}
	mi := *got[0].Mail
	if mi.Subject != want.Subject || mi.From != want.From || mi.MessageID != want.MessageID || !mi.Date.Equal(want.Date) {
		t.Errorf("mail info\n got %+v\nwant %+v", mi, want)
	}
}

// TestMailCharset checks that an XML part's bytes are passed on as sent,
// not converted from the part's charset: the XML declares its own.
func TestMailCharset(t *testing.T) {
	xml := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<feedback><org_name>Soci\xe9t\xe9</org_name></feedback>\n"
	m := mailOf("s", attachment{"Content-Type: text/xml; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit", xml})
	got := walkBytes(t, "m.eml", []byte(m), Limits{})
	if len(got) != 1 || string(got[0].Body) != xml {
		t.Fatalf("payloads %q, body %q", summary(got), got[0].Body)
	}
}

func TestPartUse(t *testing.T) {
	tests := []struct {
		mt, filename string
		inReport     bool
		want         action
	}{
		{"application/zip", "", false, reportPart},
		{"application/x-zip-compressed", "", false, reportPart},
		{"application/octet-stream", "r.xml.gz", false, reportPart},
		{"application/octet-stream", "", false, maybePart},
		{"application/pdf", "", false, maybePart},
		{"text/plain", "", false, textPart},
		{"text/plain", "r.xml", false, reportPart},
		{"text/html", "", false, skipPart},
		{"image/png", "", false, skipPart},
		{"message/feedback-report", "", false, skipPart},
		{"message/delivery-status", "", false, skipPart},
		{"text/rfc822-headers", "", false, skipPart},
		{"message/rfc822", "", false, mailPart},
		{"message/rfc822", "", true, skipPart},
	}
	for _, tt := range tests {
		if got := partUse(tt.mt, tt.filename, tt.inReport); got != tt.want {
			t.Errorf("partUse(%q, %q, %v) = %v, want %v", tt.mt, tt.filename, tt.inReport, got, tt.want)
		}
	}
}

// deepMultipart is a mail of n multiparts, one in the other, around a
// report.
func deepMultipart(n int) string {
	var b strings.Builder
	b.WriteString("Subject: deep\nContent-Type: multipart/mixed; boundary=b0\n\n")
	for i := range n {
		fmt.Fprintf(&b, "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n", i, i+1)
	}
	fmt.Fprintf(&b, "--b%d\nContent-Type: text/xml\n\n%s", n, report("deep"))
	return b.String()
}
