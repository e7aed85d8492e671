package badge

import "unicode/utf8"

// Text widths. shields.io sizes a badge's boxes from the advance widths of
// Verdana, the first font of the badge's font-family, so that the text
// fits its box; the tables below hold them for printable ASCII (U+0020 to
// U+007E, in order), in thousandths of an em: a character's width in
// pixels is its entry × the font size / 1000. They are Verdana's own
// advance widths (Verdana Regular and Verdana Bold, scaled from the
// font's 2048 units per em), cross-checked against the widths shields.io
// measures, so a badge here has the boxes of the same badge there, to the
// pixel or nearly.
//
// Other characters, non-ASCII and control characters, are taken as the
// average width of the letters and digits (avgRegular, avgBold): a guess.
// A badge with wide characters (CJK) gets a box too narrow for them; the
// text then still fits the box, squeezed, since every text element states
// its textLength.
//
// The arrays are read-only.

// verdanaRegular are the advance widths of Verdana Regular.
var verdanaRegular = [95]uint16{
	352, 394, 459, 818, 635, 1076, 726, 268, 455, 455, 635, 818, 364, 455, 364, 455, // space to /
	635, 635, 635, 635, 635, 635, 635, 635, 635, 635, // 0 to 9
	455, 455, 818, 818, 818, 545, 1000, // : to @
	684, 685, 698, 771, 633, 575, 775, 752, 421, 455, 693, 556, 843, // A to M
	748, 787, 603, 787, 695, 684, 616, 732, 684, 989, 685, 615, 685, // N to Z
	455, 455, 455, 818, 635, 635, // [ to `
	601, 623, 521, 623, 595, 352, 623, 633, 275, 345, 592, 275, 973, // a to m
	633, 607, 623, 623, 426, 521, 394, 633, 592, 818, 592, 592, 525, // n to z
	635, 455, 635, 818, // { to ~
}

// verdanaBold are the advance widths of Verdana Bold.
var verdanaBold = [95]uint16{
	341, 402, 587, 867, 710, 1271, 862, 332, 543, 543, 710, 867, 361, 479, 361, 689, // space to /
	710, 710, 710, 710, 710, 710, 710, 710, 710, 710, // 0 to 9
	402, 402, 867, 867, 867, 616, 963, // : to @
	776, 761, 723, 830, 683, 650, 811, 837, 545, 555, 770, 637, 947, // A to M
	846, 850, 732, 850, 782, 710, 681, 812, 763, 1128, 763, 736, 691, // N to Z
	543, 689, 543, 867, 710, 710, // [ to `
	667, 699, 588, 699, 664, 422, 699, 712, 341, 402, 670, 341, 1058, // a to m
	712, 686, 699, 699, 497, 593, 455, 712, 649, 979, 668, 650, 596, // n to z
	710, 543, 710, 867, // { to ~
}

// Average widths of the letters and digits, for other characters.
const (
	avgRegular = 626
	avgBold    = 702
)

// font is a face of Verdana at a size.
type font struct {
	widths *[95]uint16
	avg    int
	px     int
}

// Faces of shields.io's styles: 11px for flat and flat-square, 10px
// regular (label) and bold (message) for for-the-badge.
var (
	verdana11     = font{&verdanaRegular, avgRegular, 11}
	verdana10     = font{&verdanaRegular, avgRegular, 10}
	verdana10Bold = font{&verdanaBold, avgBold, 10}
)

// width is the width of s in f, in pixels.
func (f font) width(s string) float64 {
	var sum int
	for _, r := range s {
		if r >= ' ' && r <= '~' {
			sum += int(f.widths[r-' '])
		} else {
			sum += f.avg
		}
	}
	return float64(sum) * float64(f.px) / 1000
}

// preferredWidth is shields.io's width of a text box: the width of s
// truncated to whole pixels and rounded up to an odd number, which puts
// the centre of the text on a pixel. It is 0 for the empty string.
func (f font) preferredWidth(s string) int {
	if s == "" {
		return 0
	}
	w := int(f.width(s))
	if w%2 == 0 {
		w++
	}
	return w
}

// spacedWidth is the width of s in f with shields.io's letter spacing of
// for-the-badge, 1.25 pixels per character, after truncating the text's
// own width to whole pixels. It is 0 for the empty string.
func (f font) spacedWidth(s string) float64 {
	if s == "" {
		return 0
	}
	return float64(int(f.width(s))) + letterSpacing*float64(utf8.RuneCountInString(s))
}
