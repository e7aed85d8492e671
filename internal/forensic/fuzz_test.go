package forensic_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parse-dmarc/parse-dmarc/internal/forensic"
)

// FuzzParse feeds arbitrary mails to Parse. It must never panic, refuse
// only with its sentinel errors, give reports whose enumerations hold the
// protocol's values and whose texts are valid UTF-8, and never show the
// synthetic report's body.
func FuzzParse(f *testing.F) {
	full := synthReport(nil)
	f.Add([]byte(full))
	f.Add([]byte(strings.TrimSuffix(full, "--=_b_--\r\n")))
	f.Add([]byte(strings.Replace(full, "message/rfc822", "text/rfc822-headers", 1)))
	f.Add([]byte("From: a@b.example\r\nContent-Type: multipart/report; boundary=x\r\n\r\n--x\r\n\r\n" +
		"A message claiming to be from you has failed the published DMARC policy for your domain.\r\n  Sender Domain: b.example\r\n" +
		"------ This is a copy of the headers that were received before the error was detected.\r\nTo: c@d.example\r\n\r\n--x--\r\n"))
	f.Add([]byte("From x\nFrom: a\n\n"))
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.eml"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	enums := map[string]map[string]bool{
		"delivery": {"delivered": true, "spam": true, "reject": true, "other": true},
		"failure":  {"dmarc": true, "dkim": true, "spf": true, "other": true},
		"format":   {forensic.FormatARF: true, forensic.FormatEximText: true},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, r := range []forensic.Redaction{forensic.RedactAddresses, forensic.RedactOff} {
			rep, err := forensic.Parse(bytes.NewReader(data), forensic.Options{Redaction: r})
			if err != nil {
				if rep != nil {
					t.Fatal("a report with an error")
				}
				for _, e := range []error{forensic.ErrNotARF, forensic.ErrNotAuthFailure, forensic.ErrTooLarge, forensic.ErrMalformed} {
					if errors.Is(err, e) {
						return
					}
				}
				t.Fatalf("error %v is none of the sentinels", err)
			}
			if rep.FeedbackType != "auth-failure" || !enums["delivery"][rep.DeliveryResult] || !enums["failure"][rep.AuthFailure] ||
				!enums["format"][rep.Format] || rep.Incidents < 1 || !rep.Privacy.BodyRemoved || rep.Privacy.Redaction != r.String() {
				t.Fatalf("report %+v", rep)
			}
			if rep.ArrivalDate != nil && rep.ArrivalDate.Location().String() != "UTC" {
				t.Fatalf("arrival date %v", rep.ArrivalDate)
			}
			validUTF8(t, reflect.ValueOf(rep).Elem(), "report")
			if bytes.Contains(data, []byte(bodyMarker)) && strings.Contains(rep.OriginalHeaders, bodyMarker) {
				t.Fatal("body in the headers")
			}
		}
	})
}

// validUTF8 checks every string reachable from v.
func validUTF8(t *testing.T, v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.String:
		if !utf8.ValidString(v.String()) {
			t.Fatalf("%s is not UTF-8: %q", path, v.String())
		}
	case reflect.Pointer:
		if !v.IsNil() {
			validUTF8(t, v.Elem(), path)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			validUTF8(t, v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	case reflect.Slice:
		for i := range v.Len() {
			validUTF8(t, v.Index(i), path)
		}
	}
}
