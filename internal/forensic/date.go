package forensic

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// errDate is an Arrival-Date (or Date) that ParseDate cannot read.
var errDate = errors.New("unrecognised date")

// zones are the time zone names ParseDate knows: the obsolete zones of RFC
// 5322 section 4.3, UTC and Z, and a few abbreviations common in the wild
// that mean one offset only (IST, which means three, is not among them).
// An unknown name is read as UTC, with a note: RFC 5322 section 4.3 says
// an unknown zone means "-0000", no information about the local zone.
var zones = map[string]int{
	"UT": 0, "UTC": 0, "GMT": 0, "Z": 0,
	"EST": -5 * 60, "EDT": -4 * 60, "CST": -6 * 60, "CDT": -5 * 60,
	"MST": -7 * 60, "MDT": -6 * 60, "PST": -8 * 60, "PDT": -7 * 60,
	"WET": 0, "WEST": 60, "BST": 60, "CET": 60, "CEST": 2 * 60, "MET": 60, "MEST": 2 * 60,
	"EET": 2 * 60, "EEST": 3 * 60, "MSK": 3 * 60, "HKT": 8 * 60, "SGT": 8 * 60,
	"JST": 9 * 60, "KST": 9 * 60, "AEST": 10 * 60, "AEDT": 11 * 60, "NZST": 12 * 60, "NZDT": 13 * 60,
}

var months = map[string]time.Month{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}

var weekdays = map[string]bool{"mon": true, "tue": true, "wed": true, "thu": true, "fri": true, "sat": true, "sun": true}

// dateParts is what the tokens of a date said.
type dateParts struct {
	year, day          int
	month              time.Month
	hour, min, sec, ns int
	hasTime, pm, am    bool
	offset             int // minutes east of UTC
	hasZone            bool
	unknownZone        string
}

// ParseDate reads a date in the formats Arrival-Date and Date fields have
// in the wild, and returns it in UTC. RFC 5965 section 3.1 asks for the
// date-time of RFC 5322 section 3.3 ("Mon, 1 Oct 2018 11:20:27 +0200"), but
// reporters also send it without weekday or seconds, with a two-digit year
// (section 4.3: 00-49 are 2000-2049), with a zone name instead of an offset
// or a comment after it ("(CEST)"), in ISO 8601 ("2018-09-28T08:48:36Z",
// "2018-09-28 08:48:36 +0000"), as Go's time.String ("... +0000 UTC
// m=+1.5"), asctime ("Tue Apr 30 02:09:16 2019"), with AM/PM, or as a Unix
// time. The tokens may come in any order.
//
// note is set when the date was read with an assumption: a missing or
// unknown time zone taken as UTC.
func ParseDate(s string) (t time.Time, note string, err error) {
	raw := s
	s = stripComments(s)
	if i := strings.Index(s, " m="); i > 0 {
		s = s[:i] // Go's monotonic clock reading
	}
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == '\r' || r == '\n' })
	if len(fields) == 1 && len(fields[0]) >= 9 && len(fields[0]) <= 10 && allDigits(fields[0]) {
		n, _ := strconv.ParseInt(fields[0], 10, 64)
		return time.Unix(n, 0).UTC(), "", nil
	}
	var p dateParts
	for _, f := range fields {
		if err := p.token(f); err != nil {
			return time.Time{}, "", fmt.Errorf("%w %q: %v", errDate, raw, err)
		}
	}
	return p.time(raw)
}

// token reads one token of a date.
func (p *dateParts) token(f string) error {
	lower := strings.ToLower(f)
	switch {
	case len(lower) >= 3 && weekdays[lower[:3]] && allLetters(lower):
		return nil
	case len(lower) >= 3 && months[lower[:3]] != 0 && allLetters(lower):
		return p.set(&p.month, months[lower[:3]], f)
	case lower == "am" || lower == "pm":
		p.am, p.pm = lower == "am", lower == "pm"
		return nil
	case len(f) >= 10 && allDigits(f[:4]) && (f[4] == '-' || f[4] == '/'):
		return p.isoDate(f)
	case strings.Contains(f, ":") && f[0] >= '0' && f[0] <= '9':
		return p.clock(f)
	case f[0] == '+' || f[0] == '-':
		return p.numericZone(f)
	case allDigits(f):
		n, _ := strconv.Atoi(f)
		switch {
		case len(f) == 4 || len(f) == 3:
			return p.setInt(&p.year, n, f)
		case len(f) <= 2 && p.day == 0:
			p.day = n
			return nil
		case len(f) <= 2:
			return p.setInt(&p.year, n, f)
		}
	case allLetters(f):
		if off, ok := zones[strings.ToUpper(f)]; ok {
			if !p.hasZone {
				p.offset, p.hasZone = off, true
			}
			return nil
		}
		if len(f) >= 2 && len(f) <= 5 && strings.ToUpper(f) == f {
			if p.unknownZone == "" {
				p.unknownZone = f
			}
			return nil
		}
	}
	return fmt.Errorf("unexpected %q", f)
}

// isoDate reads 2006-01-02, 2006/01/02, or 2006-01-02T15:04:05 with a zone.
func (p *dateParts) isoDate(f string) error {
	date, clock, hasClock := strings.Cut(f, "T")
	if !hasClock {
		date, clock, hasClock = strings.Cut(f, "t")
	}
	sep := date[4:5]
	parts := strings.Split(date, sep)
	if len(parts) != 3 || len(parts[1]) > 2 || len(parts[2]) > 2 || !allDigits(parts[1]) || !allDigits(parts[2]) {
		return fmt.Errorf("unexpected %q", f)
	}
	y, _ := strconv.Atoi(parts[0])
	m, _ := strconv.Atoi(parts[1])
	d, _ := strconv.Atoi(parts[2])
	if err := p.setInt(&p.year, y, f); err != nil {
		return err
	}
	if m < 1 || m > 12 {
		return fmt.Errorf("month %d", m)
	}
	if err := p.set(&p.month, time.Month(m), f); err != nil {
		return err
	}
	if p.day != 0 {
		return fmt.Errorf("two days in %q", f)
	}
	p.day = d
	if hasClock {
		return p.clock(clock)
	}
	return nil
}

// clock reads 15:04, 15:04:05 or 15:04:05.999, with an ISO zone (Z,
// +02:00, -0700) directly after it.
func (p *dateParts) clock(f string) error {
	if p.hasTime {
		return fmt.Errorf("two times of day")
	}
	zone := ""
	if i := strings.IndexAny(f, "Zz+-"); i > 0 {
		f, zone = f[:i], f[i:]
	}
	hms, frac, hasFrac := strings.Cut(f, ".")
	parts := strings.Split(hms, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return fmt.Errorf("time %q", f)
	}
	var v [3]int
	for i, s := range parts {
		if len(s) == 0 || len(s) > 2 || !allDigits(s) {
			return fmt.Errorf("time %q", f)
		}
		v[i], _ = strconv.Atoi(s)
	}
	if hasFrac {
		if frac == "" || len(frac) > 9 || !allDigits(frac) {
			return fmt.Errorf("time %q", f)
		}
		n, _ := strconv.Atoi(frac + strings.Repeat("0", 9-len(frac)))
		p.ns = n
	}
	p.hour, p.min, p.sec, p.hasTime = v[0], v[1], v[2], true
	if zone == "Z" || zone == "z" {
		p.offset, p.hasZone = 0, true
		return nil
	}
	if zone != "" {
		return p.numericZone(zone)
	}
	return nil
}

// numericZone reads +0200, -07:00 or +02.
func (p *dateParts) numericZone(f string) error {
	sign := 1
	if f[0] == '-' {
		sign = -1
	}
	d := strings.ReplaceAll(f[1:], ":", "")
	if (len(d) != 4 && len(d) != 2) || !allDigits(d) {
		return fmt.Errorf("zone %q", f)
	}
	h, _ := strconv.Atoi(d[:2])
	m := 0
	if len(d) == 4 {
		m, _ = strconv.Atoi(d[2:])
	}
	if h > 23 || m > 59 {
		return fmt.Errorf("zone %q", f)
	}
	// A numeric offset wins over a zone name ("+0000 UTC").
	p.offset, p.hasZone = sign*(h*60+m), true
	return nil
}

func (p *dateParts) set(dst *time.Month, m time.Month, f string) error {
	if *dst != 0 {
		return fmt.Errorf("two months (%q)", f)
	}
	*dst = m
	return nil
}

func (p *dateParts) setInt(dst *int, n int, f string) error {
	if *dst != 0 {
		return fmt.Errorf("unexpected %q", f)
	}
	*dst = n
	if dst == &p.year {
		switch {
		case len(f) <= 2 && n < 50:
			*dst = 2000 + n
		case len(f) <= 3:
			*dst = 1900 + n
		}
	}
	return nil
}

// time checks the parts and makes the time.
func (p *dateParts) time(raw string) (time.Time, string, error) {
	if p.year == 0 || p.month == 0 || p.day == 0 || !p.hasTime {
		return time.Time{}, "", fmt.Errorf("%w %q: no full date and time", errDate, raw)
	}
	if p.am || p.pm {
		if p.hour < 1 || p.hour > 12 {
			return time.Time{}, "", fmt.Errorf("%w %q: hour %d with AM/PM", errDate, raw, p.hour)
		}
		p.hour %= 12
		if p.pm {
			p.hour += 12
		}
	}
	if p.sec == 60 {
		p.sec = 59 // a leap second, which time.Date would carry over
	}
	if p.hour > 23 || p.min > 59 || p.sec > 59 {
		return time.Time{}, "", fmt.Errorf("%w %q: time of day out of range", errDate, raw)
	}
	t := time.Date(p.year, p.month, p.day, p.hour, p.min, p.sec, p.ns, time.FixedZone("", p.offset*60))
	if t.Day() != p.day || t.Month() != p.month {
		return time.Time{}, "", fmt.Errorf("%w %q: no such day", errDate, raw)
	}
	note := ""
	switch {
	case p.unknownZone != "" && !p.hasZone:
		note = fmt.Sprintf("unknown time zone %q, taken as UTC", p.unknownZone)
	case !p.hasZone:
		note = "no time zone, taken as UTC"
	}
	return t.UTC(), note, nil
}

// stripComments removes the parenthesised comments of a header value
// (RFC 5322 section 3.2.2), nested ones included.
func stripComments(s string) string {
	if !strings.Contains(s, "(") {
		return s
	}
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && depth > 0:
			i++
		case c == '(':
			depth++
			b.WriteByte(' ')
		case c == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func allLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return s != ""
}
