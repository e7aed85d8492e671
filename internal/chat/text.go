package chat

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ellipsis ends a text cut to fit a limit.
const ellipsis = "…"

// units is the length of s in UTF-16 code units: the characters of the
// BMP count one, the others two. No service counts more than this, so a
// text within a limit in units is within it however the service counts.
func units(s string) int {
	n := 0
	for _, r := range s {
		n += utf16Len(r)
	}
	return n
}

func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// maxClean bounds the text clean returns, in units: no renderer keeps
// more of one text, and a huge text costs no more than this.
const maxClean = 10000

// clean makes s valid UTF-8 without control characters; line breaks stay
// in multi-line texts (a summary) and become spaces in one-line texts (a
// title, a fact's name). Carriage returns go: the services break lines at
// "\n" only. Spaces around the text go too. A text longer than maxClean
// units is cut after them (it will be cut shorter with "…" anyway).
func clean(s string, multiline bool) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		switch {
		case r == '\n' && multiline:
		case r == '\n' || r == '\t':
			r = ' '
		case r == '\r' || unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			continue
		}
		// Leading spaces are dropped as they come. Past maxClean units
		// the text stops at its next non-space, which it keeps: it is
		// then longer than every limit, and ends where no trim of
		// trailing spaces could make it look whole.
		if n == 0 && unicode.IsSpace(r) {
			continue
		}
		if n > maxClean && !unicode.IsSpace(r) {
			b.WriteRune(r)
			break
		}
		b.WriteRune(r) // an invalid byte comes as utf8.RuneError
		n += utf16Len(r)
	}
	return strings.TrimRightFunc(b.String(), unicode.IsSpace)
}

// fit returns s with each rune escaped by esc (nil: as is), at most max
// units long: when the whole does not fit, as many runes as fit before
// "…", never cutting an escape in two.
func fit(s string, max int, esc func(r rune, lineStart bool) string) string {
	piece := func(r rune, lineStart bool) string {
		if esc == nil {
			return string(r)
		}
		return esc(r, lineStart)
	}
	var b strings.Builder
	n := 0
	lineStart := true
	// keep is where the text may be cut with room for the ellipsis.
	keep, cut := 0, false
	for _, r := range s {
		p := piece(r, lineStart)
		lineStart = r == '\n' || (lineStart && r == ' ')
		u := units(p)
		if n+u > max {
			cut = true
			break
		}
		b.WriteString(p)
		n += u
		if n <= max-1 {
			keep = b.Len()
		}
	}
	if !cut {
		return b.String()
	}
	return strings.TrimRightFunc(b.String()[:keep], unicode.IsSpace) + ellipsis
}

// webURL returns u when it is an absolute http or https URL of at most
// max units, and "" otherwise: a cut URL would lead nowhere.
func webURL(u string, max int) string {
	if u == "" || units(u) > max || !utf8.ValidString(u) {
		return ""
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	for _, r := range u {
		if r <= ' ' || r == 0x7f {
			return ""
		}
	}
	return u
}

// plural returns "1 fact" or "3 facts".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
