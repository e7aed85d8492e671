// Package badge renders shields.io-compatible SVG badges (roadmap 1.7): a
// grey label on the left, a coloured message on the right, as in
// "DMARC | 97% A", in shields.io's flat, flat-square and for-the-badge
// styles, so that a badge of this server sits in a README next to
// shields.io badges and looks like one of them.
//
// The SVG is laid out as shields.io's badge-maker lays it out: the same
// elements, sizes and text positions, with the boxes sized from a table of
// Verdana's character widths (widths.go). It is self-contained (no
// scripts, links, logos or external references), with a <title> and an
// aria-label for screen readers. All text is XML-escaped and colours are
// validated, so any label or message, a domain taken from a URL included,
// is safe to render.
//
// The package is pure: no HTTP, no store, no caching. Rendering allocates
// a few kilobytes and takes microseconds.
package badge

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Style is the look of a badge, one of shields.io's styles.
type Style int

const (
	// Flat is shields.io's default: 20 pixels high, rounded corners
	// (rx=3), a light gradient and a text shadow.
	Flat Style = iota
	// FlatSquare is Flat with square corners, no gradient and no shadow.
	FlatSquare
	// ForTheBadge is 28 pixels high with square corners, its text in
	// capitals, spaced, the message bold.
	ForTheBadge
)

// MessageNoData is the message of a badge of a domain without data.
const MessageNoData = "no data"

// Layout constants of shields.io's badge-maker.
const (
	// horizPadding is the space either side of the text of flat styles.
	horizPadding = 5
	// ftbTextMargin is the space either side of the text of for-the-badge.
	ftbTextMargin = 12
	// letterSpacing is the space for-the-badge adds per character.
	letterSpacing = 1.25
	fontFamily    = "Verdana,Geneva,DejaVu Sans,sans-serif"
)

// String is the name of s as ParseStyle takes it.
func (s Style) String() string {
	switch s {
	case Flat:
		return "flat"
	case FlatSquare:
		return "flat-square"
	case ForTheBadge:
		return "for-the-badge"
	}
	return "Style(" + strconv.Itoa(int(s)) + ")"
}

// ParseStyle parses the style parameter of shields.io: "flat" (also the
// empty string, the default), "flat-square" or "for-the-badge".
func ParseStyle(s string) (Style, error) {
	switch s {
	case "", "flat":
		return Flat, nil
	case "flat-square":
		return FlatSquare, nil
	case "for-the-badge":
		return ForTheBadge, nil
	}
	return Flat, fmt.Errorf("badge: unknown style %q: flat, flat-square or for-the-badge", s)
}

// Badge is what a badge shows.
type Badge struct {
	// Label is the text on the grey left part, e.g. "DMARC". Without a
	// label the badge is its message only.
	Label string
	// Message is the text on the coloured right part, e.g. "97% A".
	Message string
	// Color is the colour of the message part: a name (green, yellow,
	// red, grey and a few more of shields.io) or 3 or 6 hex digits with or
	// without "#". Empty is grey.
	Color string
	Style Style
}

// NoData is the badge of a domain without data: label, "no data", grey.
func NoData(label string, s Style) Badge {
	return Badge{Label: label, Message: MessageNoData, Color: ColorGrey, Style: s}
}

// Render writes b as an SVG document to w. It fails on an invalid colour
// or style, before writing anything, or when w fails.
func Render(w io.Writer, b Badge) error {
	color, err := parseColor(b.Color)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	switch b.Style {
	case Flat, FlatSquare:
		renderFlat(&buf, b, color)
	case ForTheBadge:
		renderForTheBadge(&buf, b, color)
	default:
		return fmt.Errorf("badge: unknown style %d", int(b.Style))
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// renderFlat writes the flat and flat-square styles.
func renderFlat(buf *bytes.Buffer, b Badge, color string) {
	hasLabel := b.Label != ""
	labelText := verdana11.preferredWidth(b.Label)
	msgText := verdana11.preferredWidth(b.Message)
	leftColor := color
	var left int
	if hasLabel {
		left = labelText + 2*horizPadding
		leftColor = labelColor
	}
	right := msgText + 2*horizPadding
	width := left + right
	// The message starts a pixel into the label's box (badge-maker's
	// messageMargin), or at 0 without a label.
	msgMargin := left
	if hasLabel && b.Message != "" {
		msgMargin--
	}

	w, l, r := strconv.Itoa(width), strconv.Itoa(left), strconv.Itoa(right)
	openSVG(buf, w, "20", b)
	if b.Style == Flat {
		buf.WriteString(`<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>`)
		buf.WriteString(`<clipPath id="r"><rect width="` + w + `" height="20" rx="3" fill="#fff"/></clipPath>`)
		buf.WriteString(`<g clip-path="url(#r)">`)
	} else {
		buf.WriteString(`<g shape-rendering="crispEdges">`)
	}
	buf.WriteString(`<rect width="` + l + `" height="20" fill="` + leftColor + `"/>`)
	buf.WriteString(`<rect x="` + l + `" width="` + r + `" height="20" fill="` + color + `"/>`)
	if b.Style == Flat {
		buf.WriteString(`<rect width="` + w + `" height="20" fill="url(#s)"/>`)
	}
	buf.WriteString(`</g>`)
	buf.WriteString(`<g fill="#fff" text-anchor="middle" font-family="` + fontFamily + `" text-rendering="geometricPrecision" font-size="110">`)
	shadow := b.Style == Flat
	if hasLabel {
		flatText(buf, b.Label, 1, labelText, leftColor, shadow)
	}
	if b.Message != "" {
		flatText(buf, b.Message, msgMargin, msgText, color, shadow)
	}
	buf.WriteString(`</g></svg>`)
}

// flatText writes a text of a flat style, drawn at 10 times its size and
// scaled down (as badge-maker does, for sub-pixel positions): margin is
// the left edge of its box, textWidth its width, bg its background.
func flatText(buf *bytes.Buffer, s string, margin, textWidth int, bg string, shadow bool) {
	x := strconv.Itoa(10*(margin+horizPadding) + 5*textWidth)
	length := strconv.Itoa(10 * textWidth)
	fill, shadowFill := textColors(bg)
	if shadow {
		buf.WriteString(`<text aria-hidden="true" x="` + x + `" y="150" fill="` + shadowFill + `" fill-opacity=".3" transform="scale(.1)" textLength="` + length + `">`)
		escape(buf, s)
		buf.WriteString(`</text>`)
	}
	buf.WriteString(`<text x="` + x + `" y="140" transform="scale(.1)" fill="` + fill + `" textLength="` + length + `">`)
	escape(buf, s)
	buf.WriteString(`</text>`)
}

// renderForTheBadge writes the for-the-badge style: capitals, the label
// in Verdana 10px, the message in bold, both with letter spacing (drawn by
// stretching each text to its textLength).
func renderForTheBadge(buf *bytes.Buffer, b Badge, color string) {
	label, msg := strings.ToUpper(b.Label), strings.ToUpper(b.Message)
	labelText := verdana10.spacedWidth(label)
	msgText := verdana10Bold.spacedWidth(msg)
	var left float64
	msgMinX := float64(ftbTextMargin)
	if label != "" {
		left = ftbTextMargin + labelText + ftbTextMargin
		msgMinX += left
	}
	right := 2*ftbTextMargin + msgText

	l, r := num(left), num(right)
	openSVG(buf, num(left+right), "28", b)
	buf.WriteString(`<g shape-rendering="crispEdges">`)
	if label != "" {
		buf.WriteString(`<rect width="` + l + `" height="28" fill="` + labelColor + `"/>`)
		buf.WriteString(`<rect x="` + l + `" width="` + r + `" height="28" fill="` + color + `"/>`)
	} else {
		buf.WriteString(`<rect width="` + r + `" height="28" fill="` + color + `"/>`)
	}
	buf.WriteString(`</g>`)
	buf.WriteString(`<g fill="#fff" text-anchor="middle" font-family="` + fontFamily + `" text-rendering="geometricPrecision" font-size="100">`)
	if label != "" {
		fill, _ := textColors(labelColor)
		buf.WriteString(`<text transform="scale(.1)" x="` + num(10*(ftbTextMargin+labelText/2)) + `" y="175" textLength="` + num(10*labelText) + `" fill="` + fill + `">`)
		escape(buf, label)
		buf.WriteString(`</text>`)
	}
	fill, _ := textColors(color)
	buf.WriteString(`<text transform="scale(.1)" x="` + num(10*(msgMinX+msgText/2)) + `" y="175" textLength="` + num(10*msgText) + `" fill="` + fill + `" font-weight="bold">`)
	escape(buf, msg)
	buf.WriteString(`</text></g></svg>`)
}

// openSVG writes the svg element's start tag, with the badge's accessible
// text as aria-label and title: "label: message", in the case given (the
// capitals of for-the-badge are a look, not something to read out).
func openSVG(buf *bytes.Buffer, width, height string, b Badge) {
	text := b.Message
	if b.Label != "" {
		text = b.Label + ": " + b.Message
	}
	buf.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="` + width + `" height="` + height + `" role="img" aria-label="`)
	escape(buf, text)
	buf.WriteString(`"><title>`)
	escape(buf, text)
	buf.WriteString(`</title>`)
}

// escape writes s escaped for XML text and attribute values: markup
// characters and quotes as references, characters XML does not allow
// (control characters, invalid UTF-8) as U+FFFD.
func escape(buf *bytes.Buffer, s string) {
	_ = xml.EscapeText(buf, []byte(s)) // a bytes.Buffer does not fail
}

// num formats a length: at most 2 decimals are ever needed (multiples of
// 1/8 pixel, times 10), and none for whole numbers.
func num(x float64) string {
	return strconv.FormatFloat(x, 'f', -1, 64)
}
