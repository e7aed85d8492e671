package forensic

import (
	"errors"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want, note string
	}{
		// RFC 5322 section 3.3 and its real-world variants.
		{"Mon, 01 Oct 2018 11:20:27 +0200", "2018-10-01T09:20:27Z", ""},
		{"Mon,  1 Oct 2018 11:20:27 +0200 (CEST)", "2018-10-01T09:20:27Z", ""},
		{"01 Oct 2018 11:20:27 +0200", "2018-10-01T09:20:27Z", ""},
		{"1 Oct 2018 11:20 +0200", "2018-10-01T09:20:00Z", ""},
		{"Fri, 28 Sep 2018 16:48:42 +0800", "2018-09-28T08:48:42Z", ""},
		{"Tue, 30 Apr 2019 02:09:00 -0000", "2019-04-30T02:09:00Z", ""},
		{"Thursday, 2 May 2019 10:00:00 -07:00", "2019-05-02T17:00:00Z", ""},
		// Two- and three-digit years (RFC 5322 section 4.3).
		{"30 Apr 19 02:09:00 +0000", "2019-04-30T02:09:00Z", ""},
		{"30 Apr 99 02:09:00 +0000", "1999-04-30T02:09:00Z", ""},
		{"30 Apr 119 02:09:00 +0000", "2019-04-30T02:09:00Z", ""},
		// Zone names.
		{"Tue, 30 Apr 2019 02:09:00 GMT", "2019-04-30T02:09:00Z", ""},
		{"Tue, 30 Apr 2019 02:09:00 UT", "2019-04-30T02:09:00Z", ""},
		{"Tue, 19 Jul 2022 00:57:48 EDT", "2022-07-19T04:57:48Z", ""},
		{"Tue, 19 Jul 2022 00:57:48 CEST", "2022-07-18T22:57:48Z", ""},
		{"Tue, 19 Jul 2022 00:57:48 -0500 (CDT)", "2022-07-19T05:57:48Z", ""},
		{"Tue, 19 Jul 2022 00:57:48 +0000 UTC", "2022-07-19T00:57:48Z", ""},
		{"Tue, 30 Apr 2019 02:09:00 XYZT", "2019-04-30T02:09:00Z", `unknown time zone "XYZT", taken as UTC`},
		// ISO 8601 and Go's time.String.
		{"2018-09-28T08:48:36Z", "2018-09-28T08:48:36Z", ""},
		{"2018-09-28T10:48:36+02:00", "2018-09-28T08:48:36Z", ""},
		{"2018-09-28T10:48:36.5+0200", "2018-09-28T08:48:36.5Z", ""},
		{"2018-09-28 08:48:36 +0000", "2018-09-28T08:48:36Z", ""},
		{"2018-09-28 08:48:36.858842501 +0000 UTC m=+1856335.516585242", "2018-09-28T08:48:36.858842501Z", ""},
		{"2019/04/30 02:09:00", "2019-04-30T02:09:00Z", "no time zone, taken as UTC"},
		// asctime, date(1), AM/PM, Unix time.
		{"Tue Apr 30 02:09:16 2019", "2019-04-30T02:09:16Z", "no time zone, taken as UTC"},
		{"Tue Apr 30 02:09:16 UTC 2019", "2019-04-30T02:09:16Z", ""},
		{"April 30, 2019 2:09:16 PM +0000", "2019-04-30T14:09:16Z", ""},
		{"April 30, 2019 12:09:16 AM +0000", "2019-04-30T00:09:16Z", ""},
		{"1556590156", "2019-04-30T02:09:16Z", ""},
		// A leap second is kept in its minute.
		{"31 Dec 2016 23:59:60 +0000", "2016-12-31T23:59:59Z", ""},
	} {
		got, note, err := ParseDate(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if s := got.Format(time.RFC3339Nano); s != tc.want || note != tc.note || got.Location() != time.UTC {
			t.Errorf("%q: %s %q (%v), want %s %q", tc.in, s, note, got.Location(), tc.want, tc.note)
		}
	}
	for _, in := range []string{
		"", "yesterday", "31 Feb 2019 10:00:00 +0000", "30 Apr 2019 25:00:00 +0000", "30 Apr 2019 +0000",
		"30 Foo 2019 10:00 +0000", "Tue, 30 Apr 2019 02:09:00 +9900", "30 Apr 2019 10:00 11:00 +0000",
		"Apr May 2019 10:00", "2019-13-01 10:00", "13 Apr 2019 13:00 PM", "30 Apr 2019 10:00:00.1234567890 +0000",
	} {
		if got, _, err := ParseDate(in); !errors.Is(err, errDate) {
			t.Errorf("%q: %v, %v, want errDate", in, got, err)
		}
	}
}

// FuzzParseDate checks that ParseDate never panics and returns UTC.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"Mon, 01 Oct 2018 11:20:27 +0200 (CEST)", "2018-09-28T08:48:36.5Z", "Tue Apr 30 02:09:16 2019", "1556590156", "((("} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, _, err := ParseDate(s)
		if err == nil && got.Location() != time.UTC {
			t.Fatalf("%q: %v not UTC", s, got)
		}
		if err != nil && !errors.Is(err, errDate) {
			t.Fatalf("%q: %v", s, err)
		}
	})
}
