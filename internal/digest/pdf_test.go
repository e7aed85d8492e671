package digest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/digest/digesttest"
)

// TestPDF renders the digests of an empty store, of one domain and of
// three, and reads them back with poppler's pdfinfo and pdftotext: the
// page count, the page numbers, the title, the period, the domains, the
// headline figure and the fix of the top issue.
func TestPDF(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"pdfinfo", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s (poppler-utils) is not installed: the PDF is not read back", tool)
		}
	}
	for _, tc := range []struct {
		name     string
		o        *digesttest.Options
		kind     Kind
		pages    [2]int // at least, at most
		contains []string
	}{
		{"empty", nil, Daily, [2]int{1, 1}, []string{"Daily DMARC summary", "Tuesday 24 November 2026", "No DMARC reports are stored yet.",
			"No legitimate sender is failing DMARC."}},
		{"one domain", &digesttest.Options{}, Weekly, [2]int{2, 3}, []string{"Weekly DMARC digest", "Week of 16 to 22 November 2026",
			"example.com", "93.5%", "7,580", "include:sendgrid.net", "DMARC pass rate per day", "SPF: new warning"}},
		{"many domains", &digesttest.Options{Many: true}, Monthly, [2]int{2, 4}, []string{"Monthly DMARC executive report", "October 2026",
			"example.com", "example.org", "example.net", "Messages per week", "TOP ISSUES TO ACT ON"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := newBuilder(t, tc.o).Build(t.Context(), Request{Kind: tc.kind})
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := WritePDF(&b, d); err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b.Bytes(), []byte("%PDF-")) {
				t.Fatalf("not a PDF: %q", b.Bytes()[:min(20, b.Len())])
			}
			var again bytes.Buffer
			if err := WritePDF(&again, d); err != nil || !bytes.Equal(again.Bytes(), b.Bytes()) {
				t.Errorf("the same digest gave different bytes (%v)", err)
			}
			path := filepath.Join(t.TempDir(), "digest.pdf")
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			info, err := exec.Command("pdfinfo", path).CombinedOutput()
			if err != nil {
				t.Fatalf("pdfinfo: %v: %s", err, info)
			}
			m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(info)
			if m == nil {
				t.Fatalf("pdfinfo: no page count: %s", info)
			}
			pages, _ := strconv.Atoi(string(m[1]))
			if pages < tc.pages[0] || pages > tc.pages[1] {
				t.Errorf("%d pages, want %d to %d", pages, tc.pages[0], tc.pages[1])
			}
			out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			text := string(out)
			want := append(tc.contains, "Page 1 of "+strconv.Itoa(pages), "Page "+strconv.Itoa(pages)+" of "+strconv.Itoa(pages))
			for _, s := range want {
				if !strings.Contains(text, s) {
					t.Errorf("the text lacks %q:\n%s", s, text)
				}
			}
		})
	}
}
