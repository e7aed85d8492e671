package badge

import (
	"fmt"
	"strconv"
	"strings"
)

// Colours of shields.io.
const (
	// ColorGreen is shields.io's brightgreen, the colour of a passing
	// badge.
	ColorGreen = "#4c1"
	// ColorYellow is shields.io's yellow.
	ColorYellow = "#dfb317"
	// ColorRed is shields.io's red.
	ColorRed = "#e05d44"
	// ColorGrey is shields.io's lightgrey, the colour of a badge that says
	// nothing good or bad: no data, not enabled.
	ColorGrey = "#9f9f9f"
	// labelColor is the background of the label, shields.io's default.
	labelColor = "#555"
)

// ColorFor is the colour of a score's zone (analysis.ScoreZone): green,
// yellow or red. Anything else, "grey" included, is grey.
func ColorFor(zone string) string {
	switch zone {
	case "green":
		return ColorGreen
	case "yellow":
		return ColorYellow
	case "red":
		return ColorRed
	}
	return ColorGrey
}

// namedColor is the hex colour of a name Badge.Color accepts, or "".
// The zone names come first: green is shields.io's brightgreen (its green
// is a paler #97ca00) and grey its lightgrey, as in ColorFor.
func namedColor(name string) string {
	switch name {
	case "green", "brightgreen":
		return ColorGreen
	case "yellow":
		return ColorYellow
	case "red":
		return ColorRed
	case "grey", "gray", "lightgrey", "lightgray":
		return ColorGrey
	case "yellowgreen":
		return "#a4a61d"
	case "orange":
		return "#fe7d37"
	case "blue":
		return "#007ec6"
	}
	return ""
}

// parseColor returns c as a lower-case hex colour with its "#": c is a
// name of namedColor, or 3 or 6 hex digits with or without "#". Empty is
// grey. Nothing else is accepted, so that a colour is always safe in an
// attribute.
func parseColor(c string) (string, error) {
	c = strings.ToLower(strings.TrimSpace(c))
	if c == "" {
		return ColorGrey, nil
	}
	if hex := namedColor(c); hex != "" {
		return hex, nil
	}
	h := strings.TrimPrefix(c, "#")
	if len(h) == 3 || len(h) == 6 {
		if _, err := strconv.ParseUint(h, 16, 32); err == nil {
			return "#" + h, nil
		}
	}
	return "", fmt.Errorf("badge: invalid colour %q: a name (green, yellow, red, grey, …) or 3 or 6 hex digits", c)
}

// textColors are the colours of text and its shadow on a background of
// hex colour bg (from parseColor): white on dark backgrounds, dark grey on
// light ones, by shields.io's brightness rule (ITU-R BT.601 luma above
// 0.69 is light).
func textColors(bg string) (text, shadow string) {
	h := bg[1:]
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	v, _ := strconv.ParseUint(h, 16, 32)
	r, g, b := v>>16&255, v>>8&255, v&255
	if (299*r + 587*g + 114*b) > 690*255 {
		return "#333", "#ccc"
	}
	return "#fff", "#010101"
}
