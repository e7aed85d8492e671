package ingest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCorpus walks every sample the reports of real reporters came in and
// checks the payloads found: how many, of what kind, named how.
func TestCorpus(t *testing.T) {
	dir := corpusDir(t)
	tests := []struct {
		file string
		want []string // summary of the payloads, names relative to file
	}{
		{"aggregate/!example.com!1538204542!1538463818.xml", []string{"xml "}},
		{"aggregate/fastmail.com!example.com!1516060800!1516147199!102675056.xml.gz", []string{"xml "}},
		{"aggregate/estadocuenta1.infonacot.gob.mx!example.com!1536853302!1536939702!2940.xml.zip",
			[]string{"xml  > estadocuenta1.infonacot.gob.mx!example.com!1536853302!1536939702!2940.xml"}},
		{"aggregate/Report domain- borschow.com Submitter- google.com Report-ID- 949348866075514174.eml",
			[]string{"xml  > google.com!borschow.com!1549929600!1550015999.zip > google.com!borschow.com!1549929600!1550015999.xml"}},
		{"aggregate/twilight.eml",
			[]string{"xml  > google.com!twlnet.com!1549756800!1549843199.zip > google.com!twlnet.com!1549756800!1549843199.xml"}},
		{"aggregate/mimecast-weird-gzip.eml",
			[]string{"xml  > mimecast.org!ab.id.au!1693353600!1693439999!157a5fe30ec76f4bc0d8bccfc96c118a167a1280fee7c7465af5115e73082e5e.xml.gz"}},
		{"aggregate/invalid_xml.xml", []string{"xml "}},
		{"aggregate/rfc9990-sample.xml", []string{"xml "}},
		{"empty.xml", []string{"noreport "}},
		{"extract_report/nice-input.xml", []string{"xml "}},
		{"extract_report/nice-input.xml.gz", []string{"xml "}},
		{"extract_report/nice-input.xml.zip", []string{"xml  > nice-input.xml"}},
		{"failure/DMARC Failure Report for domain.de (mail-from=sharepoint@domain.de, ip=10.10.10.10).eml", []string{"noreport "}},
		{"failure/[Netease DMARC Failure Report] Rent Reminder.eml", []string{"noreport "}},
		{"failure/dmarc_ruf_report_linkedin.eml", []string{"noreport  > message 1"}},
		{"failure/dmarc_ruf_report_linkedin.crlf.eml", []string{"noreport  > message 1"}},
		{"failure/exim_plain_text_only_no_arf_part.eml", []string{"noreport "}},
		{"smtp_tls/google.com_smtp_tls_report.eml",
			[]string{"json  > google.com!cardinalhealth.ca!1725321600!1725407999!001.json.gz"}},
		{"smtp_tls/rfc8460.json", []string{"json "}},
		{"smtp_tls/mail.ru.json", []string{"json "}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(dir, filepath.FromSlash(tt.file))
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Base(path)
			got := summary(walkBytes(t, name, data, Limits{}))
			var want []string
			for _, w := range tt.want {
				kind, rest, _ := strings.Cut(w, " ")
				want = append(want, kind+" "+name+rest)
			}
			if !equalStrings(got, want) {
				t.Errorf("payloads:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// TestCorpusAll walks the whole corpus as a directory: every file yields
// something, and every mail's payloads carry the mail's headers.
func TestCorpusAll(t *testing.T) {
	dir := corpusDir(t)
	files := map[string]int{}
	err := WalkPath(context.Background(), dir, Limits{}, func(p Payload) error {
		f := readPayload(t, p)
		if f.ReadErr != nil {
			t.Errorf("%s: %v", f.Name, f.ReadErr)
		}
		file, _, _ := strings.Cut(f.Name, " > ")
		files[file]++
		if strings.HasSuffix(file, ".eml") && f.Mail == nil {
			t.Errorf("%s: no Mail", f.Name)
		}
		if f.Mail != nil && (f.Mail.Subject == "" || f.Mail.From == "") {
			t.Errorf("%s: Mail without Subject or From: %+v", f.Name, f.Mail)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && files[path] == 0 {
			t.Errorf("%s: no payload", path)
		}
		return nil
	})
}

// TestCorpusSameReport checks that the gzip and zip forms of a report
// decode to the XML form byte for byte.
func TestCorpusSameReport(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "extract_report")
	want, err := os.ReadFile(filepath.Join(dir, "nice-input.xml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"nice-input.xml.gz", "nice-input.xml.zip"} {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			got := walkBytes(t, file, data, Limits{})
			if len(got) != 1 || got[0].Kind != KindXML || got[0].ReadErr != nil {
				t.Fatalf("payloads: %q", summary(got))
			}
			if !bytes.Equal(got[0].Body, want) {
				t.Errorf("decoded %d bytes differ from nice-input.xml (%d bytes)", len(got[0].Body), len(want))
			}
		})
	}
}

// TestMimecast checks the mail whose gzip attachment has two bytes (CRLF)
// after the gzip member, which gzip.Reader refuses in multistream mode.
func TestMimecast(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(corpusDir(t), "aggregate", "mimecast-weird-gzip.eml"))
	if err != nil {
		t.Fatal(err)
	}
	got := walkBytes(t, "mimecast.eml", data, Limits{})
	if len(got) != 1 {
		t.Fatalf("payloads: %q", summary(got))
	}
	p := got[0]
	if p.Err != nil || p.ReadErr != nil || p.Kind != KindXML {
		t.Fatalf("payload %s: kind %v, err %v, read err %v", p.Name, p.Kind, p.Err, p.ReadErr)
	}
	if !bytes.HasPrefix(p.Body, []byte("<?xml")) || !bytes.Contains(p.Body, []byte("</feedback>")) {
		t.Errorf("body: %q", p.Body)
	}
	if p.Mail == nil || !strings.Contains(p.Mail.Subject, "mimecast.org") || p.Mail.Date.IsZero() {
		t.Errorf("mail: %+v", p.Mail)
	}
}

func TestWalkPath(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{
		"b.xml":                 report("b"),
		"a/z.xml.gz":            gzipOf(t, report("z")),
		"a/y.zip":               zipOf(t, member{"y1.xml", report("y1")}, member{"y2.xml", report("y2")}),
		"a/.hidden.xml":         report("hidden"),
		".git/config.xml":       report("git"),
		"c/.cache/x.xml":        report("cache"),
		"c/d/e/deep.json":       []byte(`{"organization-name": "x"}`),
		"c/notes.txt":           []byte("not a report"),
		"0-first.mbox":          []byte("From x\nSubject: none\n\nhello\n"),
		"c/d/report.eml":        []byte(mailOf("r", zipAttachment("r.zip", zipOf(t, member{"r.xml", report("r")})))),
		"c/d/e/empty-dir/.keep": nil,
	}
	for name, data := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(dir, "b.xml"), filepath.Join(dir, "link.xml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "a"), filepath.Join(dir, "linkdir")); err != nil {
		t.Fatal(err)
	}
	var got []string
	err := WalkPath(context.Background(), dir, Limits{}, func(p Payload) error {
		got = append(got, summary([]found{readPayload(t, p)})...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	j := func(s string) string { return filepath.Join(dir, filepath.FromSlash(s)) }
	want := []string{
		"noreport " + j("0-first.mbox") + " > message 1",
		"xml " + j("a/y.zip") + " > y1.xml",
		"xml " + j("a/y.zip") + " > y2.xml",
		"xml " + j("a/z.xml.gz"),
		"xml " + j("b.xml"),
		"json " + j("c/d/e/deep.json"),
		"xml " + j("c/d/report.eml") + " > r.zip > r.xml",
		"unknown " + j("c/notes.txt"),
		"xml " + j("link.xml"),
	}
	if !equalStrings(got, want) {
		t.Errorf("payloads:\n got %q\nwant %q", got, want)
	}

	// A file walks as itself.
	got = nil
	if err := WalkPath(context.Background(), j("a/y.zip"), Limits{}, func(p Payload) error {
		got = append(got, p.Name)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := []string{j("a/y.zip") + " > y1.xml", j("a/y.zip") + " > y2.xml"}; !equalStrings(got, want) {
		t.Errorf("file payloads: %q, want %q", got, want)
	}

	if err := WalkPath(context.Background(), j("missing"), Limits{}, func(Payload) error { return nil }); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing path: %v", err)
	}
}

// TestStop checks that fn's error and a cancelled context stop the walk and
// are returned.
func TestStop(t *testing.T) {
	data := zipOf(t, member{"1.xml", report("1")}, member{"2.xml", report("2")}, member{"3.xml", report("3")})
	stop := errors.New("stop")
	n := 0
	err := Walk(context.Background(), "a.zip", bytes.NewReader(data), Limits{}, func(p Payload) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if err != stop || n != 2 {
		t.Errorf("fn error: walk returned %v after %d payloads", err, n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err = Walk(ctx, "a.zip", bytes.NewReader(data), Limits{}, func(p Payload) error {
		n++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("cancelled: walk returned %v after %d payloads", err, n)
	}

	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "1.xml"), report("1"), 0o644)
	os.WriteFile(filepath.Join(dir, "2.xml"), report("2"), 0o644)
	n = 0
	err = WalkPath(context.Background(), dir, Limits{}, func(p Payload) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Errorf("WalkPath fn error: returned %v after %d payloads", err, n)
	}
}

func TestUnknownAndEmpty(t *testing.T) {
	tests := []struct {
		name, data string
		lim        Limits
		want       string // summary
		raw        string
	}{
		{"a.bin", "\x00\x01binary stuff", Limits{}, "unknown a.bin", "\x00\x01binary stuff"},
		{"-", "hello, world", Limits{}, "unknown -", "hello, world"},
		{"big.bin", strings.Repeat("x", 100), Limits{MaxRaw: 10}, "unknown big.bin", strings.Repeat("x", 10)},
		{"empty", "", Limits{}, "noreport empty", ""},
		// By name when the content says nothing: the decoder of the
		// named format reports what is wrong.
		{"r.xml", "not xml", Limits{}, "xml r.xml", ""},
		{"r.json", "not json", Limits{}, "json r.json", ""},
		{"r.xml.gz", "not gzip", Limits{}, "corrupt r.xml.gz", "not gzip"},
		{"r.zip", "not zip", Limits{}, "corrupt r.zip", "not zip"},
		{"r.eml", "not a mail", Limits{}, "corrupt r.eml", "not a mail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := walkBytes(t, tt.name, []byte(tt.data), tt.lim)
			if s := summary(got); len(s) != 1 || s[0] != tt.want {
				t.Fatalf("payloads %q, want %q", s, tt.want)
			}
			if got[0].Err != nil && string(got[0].Raw) != tt.raw {
				t.Errorf("raw %q, want %q", got[0].Raw, tt.raw)
			}
			if got[0].Err != nil && !strings.HasPrefix(got[0].Err.Error(), tt.name+": ") {
				t.Errorf("error does not name the part: %v", got[0].Err)
			}
		})
	}
}

// TestNesting checks a zip inside a gzip inside a mail inside an mbox, and
// nesting deeper than MaxDepth.
func TestNesting(t *testing.T) {
	zipped := zipOf(t, member{"r.xml", report("r")})
	gz := gzipOf(t, zipped)
	m := mailOf("nested", textNote, gzipAttachment("r.zip.gz", gz))
	mbox := "From a@example.org Mon Feb 11 10:23:40 2019\n" + m
	got := walkBytes(t, "in.mbox", []byte(mbox), Limits{})
	want := []string{"xml in.mbox > message 1 > r.zip.gz > r.xml"}
	if s := summary(got); !equalStrings(s, want) {
		t.Fatalf("payloads %q, want %q", s, want)
	}
	if !bytes.Equal(got[0].Body, report("r")) {
		t.Errorf("body %q", got[0].Body)
	}
	if got[0].Mail == nil || got[0].Mail.Subject != "nested" {
		t.Errorf("mail %+v", got[0].Mail)
	}
	// mbox, mail, gzip, zip: 4 levels.
	if s := summary(walkBytes(t, "in.mbox", []byte(mbox), Limits{MaxDepth: 4})); !equalStrings(s, want) {
		t.Errorf("MaxDepth 4: payloads %q, want %q", s, want)
	}
	got = walkBytes(t, "in.mbox", []byte(mbox), Limits{MaxDepth: 3})
	if s := summary(got); !equalStrings(s, []string{"toodeep in.mbox > message 1 > r.zip.gz"}) {
		t.Errorf("MaxDepth 3: payloads %q", s)
	} else if !bytes.Equal(got[0].Raw, zipped) {
		t.Errorf("MaxDepth 3: raw is not the zip archive too deep")
	}

	// gzip in gzip in gzip ...
	deep := report("deep")
	for range 10 {
		deep = gzipOf(t, deep)
	}
	if s := summary(walkBytes(t, "deep.gz", deep, Limits{})); !equalStrings(s, []string{"toodeep deep.gz"}) {
		t.Errorf("10 gzips: payloads %q", s)
	}
	if s := summary(walkBytes(t, "deep.gz", deep, Limits{MaxDepth: 10})); !equalStrings(s, []string{"xml deep.gz"}) {
		t.Errorf("10 gzips, MaxDepth 10: payloads %q", s)
	}
}

// TestRawReleased checks that a payload's raw capture is not kept while it
// streams: the walker holds no copy of the body it handed out.
func TestRawReleased(t *testing.T) {
	big := append([]byte("<?xml version=\"1.0\"?>\n<feedback>"), bytes.Repeat([]byte("<x/>"), 1<<16)...)
	err := Walk(context.Background(), "r.xml.gz", bytes.NewReader(gzipOf(t, big)), Limits{}, func(p Payload) error {
		io.Copy(io.Discard, p.Body)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	w := &walker{ctx: context.Background(), lim: Limits{}.withDefaults(), fn: func(p Payload) error {
		return nil
	}}
	w.fn = func(p Payload) error {
		io.Copy(io.Discard, p.Body)
		for _, c := range w.open {
			if !c.off || c.buf != nil {
				t.Errorf("capture kept %d bytes while streaming", len(c.buf))
			}
		}
		return nil
	}
	if err := w.walk(part{name: "r.xml.gz", hint: "r.xml.gz"}, bytes.NewReader(gzipOf(t, big))); err != nil {
		t.Fatal(err)
	}
}
