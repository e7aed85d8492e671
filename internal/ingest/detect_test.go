package ingest

import "testing"

func TestDetect(t *testing.T) {
	tests := []struct {
		head, name string
		want       format
	}{
		{"\x1f\x8b\x08\x00", "", formatGzip},
		{"PK\x03\x04", "", formatZip},
		{"PK\x05\x06", "", formatZip},
		{"From MAILER-DAEMON Mon Feb 11\n", "", formatMbox},
		{"<?xml version=\"1.0\"?>", "", formatXML},
		{"<feedback>", "", formatXML},
		{"\xef\xbb\xbf \r\n\t<?xml", "", formatXML},
		{"\xfe\xff\x00<\x00?", "", formatXML},
		{"\xff\xfe<\x00?\x00", "", formatXML},
		{"\xff\xfe \x00{\x00", "", formatJSON},
		{"\xff\xfe", "", formatXML},
		{"\x00<\x00?\x00x", "", formatXML},
		{"<\x00?\x00x\x00", "", formatXML},
		{"\x00\x00\x00<", "", formatXML},
		{"{\"organization-name\"", "", formatJSON},
		{"\n  [{", "", formatJSON},
		{"Received: from mail.example.org\r\n\tby mx.example.com\r\nFrom: a@example.org\r\n\r\nbody", "", formatMail},
		{"X-Mozilla-Status: 0001\nSubject: hi\n\nbody", "", formatMail},
		{"Return-Path: <a@example.org>\nDKIM-Signature: v=1; a=rsa-sha256;\n b=abc", "", formatMail},
		{"Subject : spaces before the colon\n\n", "", formatMail},
		{"Note: only one line looking like a header\n\n", "", formatUnknown},
		{"X-Foo: bar\n\n", "", formatUnknown},
		{"Subject: hi\nnot a header line\n\n", "", formatUnknown},
		{" Subject: a continuation first\n", "", formatUnknown},
		{"Hello, world", "", formatUnknown},
		{"", "", formatUnknown},
		{"   ", "", formatUnknown},
		// The name decides when the content does not.
		{"junk", "r.XML.GZ", formatGzip},
		{"junk", "r.gzip", formatGzip},
		{"junk", "r.zip", formatZip},
		{"junk", "r.xml", formatXML},
		{"junk", "r.json", formatJSON},
		{"junk", "r.eml", formatMail},
		{"junk", "r.mbox", formatUnknown},
		{"junk", "r.txt", formatUnknown},
		// The content decides over the name.
		{"<?xml", "r.zip", formatXML},
		{"\x1f\x8b", "r.xml", formatGzip},
	}
	for _, tt := range tests {
		if got := detect([]byte(tt.head), tt.name); got != tt.want {
			t.Errorf("detect(%q, %q) = %v, want %v", tt.head, tt.name, got, tt.want)
		}
	}
}

func TestPlainReport(t *testing.T) {
	tests := []struct {
		head string
		want bool
	}{
		{"<?xml version=\"1.0\"?>", true},
		{"\r\n<feedback>", true},
		{"\x1f\x8b", true},
		{"PK\x03\x04", true},
		{"<b>bold</b>", false},
		{"{\"a\": 1}", false},
		{"[Netease] a note", false},
		{"This is a report.", false},
	}
	for _, tt := range tests {
		if got := plainReport([]byte(tt.head)); got != tt.want {
			t.Errorf("plainReport(%q) = %v", tt.head, got)
		}
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{KindUnknown: "unknown", KindXML: "xml", KindJSON: "json", Kind(42): "unknown"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}

func TestLimitsDefaults(t *testing.T) {
	lim := Limits{MaxDepth: 2, MaxRaw: -1}.withDefaults()
	want := Limits{
		MaxDecompressed: 512 << 20,
		MaxArchive:      256 << 20,
		MaxMembers:      1000,
		MaxDepth:        2,
		MaxRaw:          20 << 20,
		MaxTotal:        4 << 30,
	}
	if lim != want {
		t.Errorf("withDefaults: %+v, want %+v", lim, want)
	}
}
