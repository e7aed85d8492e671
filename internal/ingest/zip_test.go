package ingest

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestZip(t *testing.T) {
	inner := zipOf(t, member{"inner.xml", report("inner")})
	many := make([]member, 11)
	for i := range many {
		many[i] = member{fmt.Sprintf("%02d.xml", i), report(fmt.Sprint(i))}
	}
	corrupt := zipOf(t, member{"a.xml", report("a")})
	corrupt[30+len("a.xml")] = 0xff // a.xml's first deflate block: reserved type
	long := make([]byte, 1<<18)
	rand.Read(long)
	later := zipOf(t, member{"a.xml", append(report("a"), long...)})
	later[len(later)/2] ^= 0xff // further in a.xml's data, past what detection reads

	tests := []struct {
		name string
		data []byte
		lim  Limits
		want []string // summary
	}{
		{"two.zip", zipOf(t, member{"a.xml", report("a")}, member{"b.json", []byte(`{}`)}),
			Limits{}, []string{"xml two.zip > a.xml", "json two.zip > b.json"}},
		{"skips.zip", zipOf(t,
			member{"dir/", nil},
			member{"__MACOSX/._r.xml", []byte("mac")},
			member{".DS_Store", []byte("mac")},
			member{"dir/.hidden.xml", report("h")},
			member{"dir/r.xml", report("r")}),
			Limits{}, []string{"xml skips.zip > dir/r.xml"}},
		{"nested.zip", zipOf(t,
			member{"r.xml.gz", gzipOf(t, report("gz"))},
			member{"inner.zip", inner},
			member{"notes.txt", []byte("hello")}),
			Limits{}, []string{"xml nested.zip > r.xml.gz", "xml nested.zip > inner.zip > inner.xml", "unknown nested.zip > notes.txt"}},
		{"max.zip", zipOf(t, many[:10]...), Limits{MaxMembers: 10}, summaryNames("xml max.zip > ", many[:10])},
		{"many.zip", zipOf(t, many...), Limits{MaxMembers: 10}, []string{"toomany many.zip"}},
		{"dirs.zip", zipOf(t, member{"a/", nil}, member{"b/", nil}, member{"a/r.xml", report("r")}),
			Limits{MaxMembers: 2}, []string{"toomany dirs.zip"}},
		{"empty.zip", zipOf(t), Limits{}, []string{"noreport empty.zip"}},
		{"onlydirs.zip", zipOf(t, member{"a/", nil}), Limits{}, []string{"noreport onlydirs.zip"}},
		{"truncated.zip", zipOf(t, member{"a.xml", report("a")})[:50], Limits{}, []string{"corrupt truncated.zip"}},
		{"corrupt.zip", corrupt, Limits{}, []string{"corrupt corrupt.zip > a.xml"}},
		{"later.zip", later, Limits{}, []string{"xml+corrupt later.zip > a.xml"}},
		{"archive.zip", zipOf(t, member{"a.xml", report("a")}), Limits{MaxArchive: 100}, []string{"toolarge archive.zip"}},
		{"member.zip", zipOf(t, member{"big.xml", append(report("a"), make([]byte, 2000)...)}),
			Limits{MaxDecompressed: 1000}, []string{"xml+toolarge member.zip > big.xml"}},
		{"insecure.zip", zipOf(t, member{"../../etc/r.xml", report("a")}), Limits{}, []string{"xml insecure.zip > ../../etc/r.xml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := walkBytes(t, tt.name, tt.data, tt.lim)
			if s := summary(got); !equalStrings(s, tt.want) {
				t.Fatalf("payloads:\n got %q\nwant %q", s, tt.want)
			}
			for _, p := range got {
				// The raw of an archive, or of a member that cannot be
				// decompressed, is the archive.
				if p.Err != nil && !errors.Is(p.Err, ErrTooLarge) && !errors.Is(p.Err, ErrUnknown) && !bytes.Equal(p.Raw, tt.data) {
					t.Errorf("%s: raw is not the archive", p.Name)
				}
				if p.Err != nil && errors.Is(p.Err, ErrUnknown) && len(p.Raw) == 0 {
					t.Errorf("%s: no raw", p.Name)
				}
				if p.Err != nil && !strings.HasPrefix(p.Err.Error(), p.Name+": ") {
					t.Errorf("error does not name the part %s: %v", p.Name, p.Err)
				}
			}
		})
	}
}

func summaryNames(prefix string, ms []member) []string {
	var s []string
	for _, m := range ms {
		s = append(s, prefix+m.name)
	}
	return s
}

// TestZipSpill checks an archive larger than what is kept in memory: it
// goes to a temporary file, removed afterwards.
func TestZipSpill(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	noise := make([]byte, spillAt+1<<20)
	rand.Read(noise)
	noise[0] = 0 // unknown content
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "noise.bin", Method: zip.Store})
	w.Write(noise)
	w, _ = zw.Create("r.xml")
	w.Write(report("r"))
	zw.Close()

	spilled := false
	got := []found{}
	err := Walk(t.Context(), "big.zip", bytes.NewReader(buf.Bytes()), Limits{}, func(p Payload) error {
		if entries, _ := os.ReadDir(tmp); len(entries) == 1 && strings.HasPrefix(entries[0].Name(), "parse-dmarc-archive-") {
			spilled = true
		}
		got = append(got, readPayload(t, p))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := summary(got); !equalStrings(s, []string{"unknown big.zip > noise.bin", "xml big.zip > r.xml"}) {
		t.Errorf("payloads %q", s)
	}
	if len(got[0].Raw) != len(noise) {
		// The raw of a member that is unknown content is the member.
		t.Errorf("raw %d bytes, want %d", len(got[0].Raw), len(noise))
	}
	if !spilled {
		t.Error("archive was not spilled to a temporary file")
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}

	// Over MaxArchive while spilling.
	got = walkBytes(t, "big.zip", buf.Bytes(), Limits{MaxArchive: spillAt + 1000, MaxRaw: 100})
	if s := summary(got); !equalStrings(s, []string{"toolarge big.zip"}) || len(got[0].Raw) != 100 {
		t.Errorf("payloads %q, raw %d bytes", s, len(got[0].Raw))
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestZipEntries(t *testing.T) {
	many := make([]member, 300)
	for i := range many {
		many[i] = member{fmt.Sprint(i), nil}
	}
	data := zipOf(t, many...)
	if n, ok := zipEntries(bytes.NewReader(data), int64(len(data))); !ok || n != 300 {
		t.Errorf("zipEntries: %d, %v", n, ok)
	}
	// With a comment after the record.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.SetComment(strings.Repeat("c", 1000))
	zw.Create("a")
	zw.Close()
	if n, ok := zipEntries(bytes.NewReader(buf.Bytes()), int64(buf.Len())); !ok || n != 1 {
		t.Errorf("zipEntries with comment: %d, %v", n, ok)
	}
	// Zip64: more entries than the record's 16 bits hold.
	buf.Reset()
	zw = zip.NewWriter(&buf)
	for i := range 1<<16 + 1 {
		// Stored, not deflated: a deflate writer per entry is slow under
		// the race detector.
		zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprint(i), Method: zip.Store})
	}
	zw.Close()
	data = buf.Bytes()
	if n, ok := zipEntries(bytes.NewReader(data), int64(len(data))); !ok || n != 1<<16+1 {
		t.Errorf("zipEntries zip64: %d, %v", n, ok)
	}
	if s := summary(walkBytes(t, "zip64.zip", data, Limits{MaxRaw: 10})); !equalStrings(s, []string{"toomany zip64.zip"}) {
		t.Errorf("payloads %q", s)
	}
	if _, ok := zipEntries(bytes.NewReader([]byte("PK\x03\x04")), 4); ok {
		t.Error("zipEntries without a record: ok")
	}
	// A record declaring more entries than there are is refused before
	// the central directory is read.
	data = zipOf(t, member{"a.xml", report("a")})
	i := bytes.LastIndex(data, []byte("PK\x05\x06"))
	data[i+10], data[i+11] = 0x10, 0x27 // 10000 entries
	if s := summary(walkBytes(t, "lie.zip", data, Limits{})); !equalStrings(s, []string{"toomany lie.zip"}) {
		t.Errorf("payloads %q", s)
	}
}

// TestZipCorpus runs the corpus's zip through the member limits.
func TestZipCorpus(t *testing.T) {
	path := filepath.Join(corpusDir(t), "extract_report", "nice-input.xml.zip")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if s := summary(walkBytes(t, "n.zip", data, Limits{MaxDecompressed: 100})); !equalStrings(s, []string{"xml+toolarge n.zip > nice-input.xml"}) {
		t.Errorf("payloads %q", s)
	}
}
