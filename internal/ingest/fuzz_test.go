package ingest

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzLimits are small, so that every input is walked quickly and limits
// are reached often.
func fuzzLimits() Limits {
	return Limits{MaxDecompressed: 256 << 10, MaxArchive: 256 << 10, MaxMembers: 8, MaxDepth: 3, MaxRaw: 4 << 10}
}

// FuzzWalk walks arbitrary bytes, named arbitrarily: it must not panic,
// and every payload must respect the limits and the Payload contract.
func FuzzWalk(f *testing.F) {
	for _, seed := range fuzzSeeds(f, "") {
		f.Add(seed, "seed.xml.gz")
	}
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		fuzzCheck(t, data, part{name: "in", hint: name})
	})
}

// FuzzMail walks arbitrary bytes as a mail, whatever they look like.
func FuzzMail(f *testing.F) {
	for _, seed := range fuzzSeeds(f, ".eml") {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzCheck(t, data, part{name: "in", as: formatMail})
	})
}

// FuzzMbox walks arbitrary bytes after a "From " line as an mbox.
func FuzzMbox(f *testing.F) {
	for _, seed := range fuzzSeeds(f, ".eml") {
		f.Add(append(append(seed, "\n\nFrom b\n>From x\n"...), seed...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzCheck(t, append([]byte("From fuzz\n"), data...), part{name: "in", as: formatMbox})
	})
}

// fuzzCheck walks data as p and checks the payloads.
func fuzzCheck(t *testing.T, data []byte, p part) {
	lim := fuzzLimits().withDefaults()
	maxBody := max(int64(len(data)), lim.MaxDecompressed, lim.MaxArchive)
	w := &walker{ctx: context.Background(), lim: lim}
	w.fn = func(p Payload) error {
		if !strings.HasPrefix(p.Name, "in") {
			t.Errorf("name %q does not start with the input's", p.Name)
		}
		if len(p.Raw) > lim.MaxRaw {
			t.Errorf("%s: raw of %d bytes, limit %d", p.Name, len(p.Raw), lim.MaxRaw)
		}
		if p.Err != nil {
			if p.Body != nil || p.Kind != KindUnknown {
				t.Errorf("%s: error payload with a body or kind", p.Name)
			}
			if !ours(p.Err) {
				t.Errorf("%s: error wraps none of the package's errors: %v", p.Name, p.Err)
			}
			return nil
		}
		if p.Body == nil || p.Kind == KindUnknown {
			t.Errorf("%s: payload without body or kind", p.Name)
			return nil
		}
		if len(p.Raw) != 0 {
			t.Errorf("%s: raw without error", p.Name)
		}
		n, err := io.Copy(io.Discard, p.Body)
		if n > maxBody {
			t.Errorf("%s: read %d bytes, more than any limit", p.Name, n)
		}
		if err != nil && !ours(err) {
			t.Errorf("%s: read error wraps none of the package's errors: %v", p.Name, err)
		}
		return nil
	}
	if err := w.walk(p, strings.NewReader(string(data))); err != nil {
		t.Errorf("walk: %v", err)
	}
	if len(w.open) != 0 {
		t.Errorf("%d captures left open", len(w.open))
	}
}

// fuzzSeeds returns the corpus files (those ending in suffix) and some
// generated inputs.
func fuzzSeeds(f *testing.F, suffix string) [][]byte {
	xml := report("seed")
	zipped := zipOf(f, member{"r.xml", xml}, member{"dir/", nil}, member{"r.json.gz", gzipOf(f, []byte(`{"a":1}`))})
	seeds := [][]byte{
		[]byte(mailOf("seed", textNote, zipAttachment("r.zip", zipped), gzipAttachment("r.xml.gz", gzipOf(f, xml)))),
		[]byte(crlf(mailOf("fwd", attachment{"Content-Type: message/rfc822", mailOf("inner", gzipAttachment("r.gz", gzipOf(f, xml)))}))),
		[]byte(deepMultipart(3)),
	}
	if suffix == "" {
		seeds = append(seeds, xml, gzipOf(f, zipped), zipped, []byte(`{"organization-name":"x"}`),
			[]byte("From a\n"+mailOf("mbox", zipAttachment("r.zip", zipped))+"\nFrom b\nSubject: x\n\n>From y\n"))
	}
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "parsedmarc", "samples")
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, suffix) {
			return nil
		}
		if b, err := os.ReadFile(path); err == nil && len(b) < 1<<20 {
			seeds = append(seeds, b)
		}
		return nil
	})
	return seeds
}
