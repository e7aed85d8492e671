package badge

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/golden"
)

// goldens are the badges of the golden files, testdata/NAME.svg.
var goldens = []struct {
	name string
	b    Badge
}{
	{"flat", Badge{Label: "DMARC", Message: "97% A", Color: ColorFor("green")}},
	{"flat-square", Badge{Label: "DMARC", Message: "84% B", Color: ColorFor("yellow"), Style: FlatSquare}},
	{"for-the-badge", Badge{Label: "DMARC", Message: "62% D", Color: ColorFor("red"), Style: ForTheBadge}},
	{"no-data", NoData("DMARC", Flat)},
	{"no-data-flat-square", NoData("DMARC", FlatSquare)},
	{"no-data-for-the-badge", NoData("DMARC", ForTheBadge)},
	{"message-only", Badge{Message: "97% A", Color: "green"}},
	{"message-only-for-the-badge", Badge{Message: "97% A", Color: "green", Style: ForTheBadge}},
	{"light-background", Badge{Label: "DMARC", Message: "97%", Color: "#fe0"}},
	{"escaped", Badge{Label: `<script>alert("x")</script>`, Message: `it's "quoted" & <b>`, Color: "red"}},
	{"escaped-for-the-badge", Badge{Label: `<script>alert('x')</script>`, Message: `"&"`, Color: "red", Style: ForTheBadge}},
	{"non-ascii", Badge{Label: "bücher.example", Message: "日本 100%", Color: "green"}},
}

// TestGolden renders each badge of goldens and compares it with its
// testdata/NAME.svg. Run with -update after an intended change, and look
// at the SVGs in a browser next to shields.io's.
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			out := render(t, g.b)
			golden.Check(t, filepath.Join("testdata", g.name+".svg"), out)
		})
	}
}

// render renders b, failing the test on an error.
func render(t *testing.T, b Badge) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestShieldsLayout checks a badge whose layout shields.io is known to
// produce: "build | passing", flat, 88 pixels wide.
func TestShieldsLayout(t *testing.T) {
	t.Parallel()
	out := string(render(t, Badge{Label: "build", Message: "passing", Color: "brightgreen"}))
	for _, want := range []string{
		`width="88" height="20"`,
		`<rect width="37" height="20" fill="#555"/>`,
		`<rect x="37" width="51" height="20" fill="#4c1"/>`,
		`<text x="195" y="140" transform="scale(.1)" fill="#fff" textLength="270">build</text>`,
		`<text x="615" y="140" transform="scale(.1)" fill="#fff" textLength="410">passing</text>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in\n%s", want, out)
		}
	}
}

// elements are the only elements a badge may contain.
var elements = []string{"svg", "title", "linearGradient", "stop", "clipPath", "rect", "g", "text"}

// TestWellFormed decodes every badge as XML: it must be one svg element,
// of known elements only (no injected script), whose title and aria-label
// read back as the label and message given.
func TestWellFormed(t *testing.T) {
	t.Parallel()
	labels := []string{"", "DMARC", "<script>alert(1)</script>", `a"b'c&d<e>f`, "]]>", "<!--", "tab\tnew\nline", "nul\x00bell\x07", "bad utf-8 \xff\xfe", "émoji 🎉"}
	for _, style := range []Style{Flat, FlatSquare, ForTheBadge} {
		for _, label := range labels {
			for _, msg := range []string{"97% A", label} {
				b := Badge{Label: label, Message: msg, Color: "green", Style: style}
				title, aria := decode(t, render(t, b))
				want := msg
				if label != "" {
					want = label + ": " + msg
				}
				want = strings.Map(func(r rune) rune {
					if r < ' ' && r != '\t' && r != '\n' {
						return '\uFFFD'
					}
					return r
				}, want)
				if title != want || aria != want {
					t.Errorf("%v %q %q: title %q, aria-label %q, want %q", style, label, msg, title, aria, want)
				}
			}
		}
	}
}

// decode parses a badge, failing the test unless it is well-formed XML of
// known elements, and returns its title and aria-label.
func decode(t *testing.T, svg []byte) (title, aria string) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	var stack []string
	roots := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if !slices.Contains(elements, tok.Name.Local) {
				t.Errorf("element %s in\n%s", tok.Name.Local, svg)
			}
			if len(stack) == 0 {
				roots++
				for _, a := range tok.Attr {
					if a.Name.Local == "aria-label" {
						aria = a.Value
					}
				}
			}
			stack = append(stack, tok.Name.Local)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 2 && stack[1] == "title" {
				title += string(tok)
			}
		case xml.ProcInst, xml.Directive, xml.Comment:
			t.Errorf("unexpected %T in\n%s", tok, svg)
		}
	}
	if roots != 1 {
		t.Errorf("%d root elements in\n%s", roots, svg)
	}
	return title, aria
}

var widthAttr = regexp.MustCompile(`^<svg [^>]*width="([0-9.]+)"`)

// width is the width of a rendered badge.
func width(t *testing.T, b Badge) float64 {
	t.Helper()
	out := render(t, b)
	m := widthAttr.FindSubmatch(out)
	if m == nil {
		t.Fatalf("no width in %s", out)
	}
	w, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestWidthsGrow checks that badges widen with their text, in every
// style, for the label and for the message.
func TestWidthsGrow(t *testing.T) {
	t.Parallel()
	texts := []string{"", "1", "9%", "97% A", "100% A+", "no data, ever", "WWWWWWWWWWWWWWWWWWWWW"}
	for _, style := range []Style{Flat, FlatSquare, ForTheBadge} {
		prevLabel, prevMsg := -1.0, -1.0
		for _, s := range texts {
			l := width(t, Badge{Label: s, Message: "97% A", Style: style})
			m := width(t, Badge{Label: "DMARC", Message: s, Style: style})
			if l <= prevLabel || m <= prevMsg {
				t.Errorf("%v %q: widths %v and %v, not above %v and %v", style, s, l, m, prevLabel, prevMsg)
			}
			prevLabel, prevMsg = l, m
		}
	}
	// Each character counts: wide letters more than narrow ones.
	if i, w := verdana11.width("iiii"), verdana11.width("WWWW"); i >= w || i <= 0 {
		t.Errorf("iiii %v, WWWW %v", i, w)
	}
	if r, b := verdana10.width("MESSAGE"), verdana10Bold.width("MESSAGE"); r >= b {
		t.Errorf("regular %v not narrower than bold %v", r, b)
	}
}

// TestWidthTable checks the width tables against known Verdana metrics and
// the averages against the tables.
func TestWidthTable(t *testing.T) {
	t.Parallel()
	known := []struct {
		f    font
		s    string
		want float64
	}{
		// shields.io's text widths at 11px, truncated.
		{verdana11, "build", 26}, {verdana11, "passing", 41}, {verdana11, " ", 3},
		{verdana11, "0123456789", 69}, {verdana11, "W", 10},
		{verdana10Bold, "MESSAGE", 53},
	}
	for _, k := range known {
		if got := float64(int(k.f.width(k.s))); got != k.want {
			t.Errorf("%dpx %q: %v, want %v", k.f.px, k.s, got, k.want)
		}
	}
	for _, tt := range []struct {
		table *[95]uint16
		avg   int
	}{{&verdanaRegular, avgRegular}, {&verdanaBold, avgBold}} {
		var sum, n int
		for _, r := range "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" {
			sum += int(tt.table[r-' '])
			n++
		}
		if got := (sum + n/2) / n; got != tt.avg {
			t.Errorf("average %d, constant %d", got, tt.avg)
		}
	}
	if verdana11.width("é") != float64(avgRegular)*11/1000 || verdana10Bold.width("\x00") != float64(avgBold)*10/1000 {
		t.Error("characters outside ASCII are not of average width")
	}
	if verdana11.preferredWidth("") != 0 || verdana10.spacedWidth("") != 0 {
		t.Error("empty text has a width")
	}
}

func TestParseStyle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Style
		ok   bool
	}{
		{"", Flat, true}, {"flat", Flat, true}, {"flat-square", FlatSquare, true},
		{"for-the-badge", ForTheBadge, true}, {"plastic", Flat, false}, {"social", Flat, false},
		{"FLAT", Flat, false}, {"flat ", Flat, false},
	}
	for _, tt := range tests {
		got, err := ParseStyle(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseStyle(%q) = %v, %v", tt.in, got, err)
		}
		if tt.ok && tt.in != "" && got.String() != tt.in {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
	if s := Style(7).String(); s != "Style(7)" {
		t.Errorf("Style(7) is %q", s)
	}
}

func TestColors(t *testing.T) {
	t.Parallel()
	zones := map[string]string{"green": "#4c1", "yellow": "#dfb317", "red": "#e05d44", "grey": "#9f9f9f", "": "#9f9f9f", "purple": "#9f9f9f"}
	for zone, want := range zones {
		if got := ColorFor(zone); got != want {
			t.Errorf("ColorFor(%q) = %q, want %q", zone, got, want)
		}
	}
	valid := map[string]string{
		"": "#9f9f9f", "green": "#4c1", " Red ": "#e05d44", "gray": "#9f9f9f", "orange": "#fe7d37",
		"#4C1": "#4c1", "4c1": "#4c1", "#a1B2c3": "#a1b2c3", "a1b2c3": "#a1b2c3",
	}
	for in, want := range valid {
		if got, err := parseColor(in); got != want || err != nil {
			t.Errorf("parseColor(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"#12", "#1234", "#ggg", "+12", "javascript:alert(1)", `#4c1" onload="alert(1)`, "url(#s)", "#-12"} {
		var buf bytes.Buffer
		if err := Render(&buf, Badge{Label: "DMARC", Message: "x", Color: in}); err == nil || buf.Len() > 0 {
			t.Errorf("colour %q rendered (%v): %s", in, err, buf.Bytes())
		}
	}
	texts := []struct{ bg, text, shadow string }{
		{"#4c1", "#fff", "#010101"}, {"#dfb317", "#fff", "#010101"}, {"#e05d44", "#fff", "#010101"},
		{"#9f9f9f", "#fff", "#010101"}, {"#555", "#fff", "#010101"}, {"#fe0", "#333", "#ccc"}, {"#ffffff", "#333", "#ccc"},
	}
	for _, tt := range texts {
		if text, shadow := textColors(tt.bg); text != tt.text || shadow != tt.shadow {
			t.Errorf("text on %s: %s %s, want %s %s", tt.bg, text, shadow, tt.text, tt.shadow)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken") }

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := Render(&buf, Badge{Message: "x", Style: Style(3)}); err == nil || buf.Len() > 0 {
		t.Errorf("unknown style rendered: %v", err)
	}
	if err := Render(failWriter{}, NoData("DMARC", Flat)); err == nil {
		t.Error("write error lost")
	}
	b := NoData("DMARC", ForTheBadge)
	if b.Message != "no data" || b.Color != ColorGrey || b.Style != ForTheBadge || b.Label != "DMARC" {
		t.Errorf("NoData = %+v", b)
	}
}
