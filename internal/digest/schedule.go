package digest

import (
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// ErrSchedule wraps the errors of a schedule that cannot work.
var ErrSchedule = errors.New("invalid schedule")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrSchedule, fmt.Sprintf(format, args...))
}

// Validate checks a schedule and normalizes it: the kind's name, the
// sections in display order, a UTC time zone when none is given.
func Validate(sc *store.ReportSchedule) error {
	sc.Name = strings.TrimSpace(sc.Name)
	if sc.Name == "" || len(sc.Name) > 200 {
		return invalid("name: 1 to 200 characters")
	}
	k, err := ParseKind(sc.Kind)
	if err != nil {
		return invalid("kind: %v", err)
	}
	sc.Kind = string(k)
	switch {
	case k == Daily:
		sc.Day = 0
	case k == Weekly && (sc.Day < 0 || sc.Day > 6):
		return invalid("weekday: 0 (Sunday) to 6 (Saturday)")
	case k == Monthly && (sc.Day < 1 || sc.Day > 28):
		return invalid("day_of_month: 1 to 28, so every month has it")
	}
	if _, _, err := clock(sc.Time); err != nil {
		return invalid("time: %v", err)
	}
	if sc.TimeZone == "" {
		sc.TimeZone = "UTC"
	}
	if _, err := time.LoadLocation(sc.TimeZone); err != nil {
		return invalid("time_zone: %q is not an IANA time zone", sc.TimeZone)
	}
	if sc.Sections, err = ParseSections(sc.Sections); err != nil {
		return invalid("sections: %v", err)
	}
	for i, r := range sc.Recipients {
		a, err := mail.ParseAddress(r)
		if err != nil {
			return invalid("recipients: %q is not an email address", r)
		}
		sc.Recipients[i] = a.Address
	}
	for _, id := range sc.Channels {
		if id <= 0 {
			return invalid("channels: ids are positive")
		}
	}
	if len(sc.Recipients) == 0 && len(sc.Channels) == 0 {
		return invalid("recipients or channels: a report needs somewhere to go")
	}
	slices.Sort(sc.Domains)
	sc.Domains = slices.Compact(sc.Domains)
	return nil
}

// clock reads "HH:MM".
func clock(s string) (h, m int, err error) {
	hs, ms, ok := strings.Cut(s, ":")
	if ok && len(hs) == 2 && len(ms) == 2 {
		h, err1 := strconv.Atoi(hs)
		m, err2 := strconv.Atoi(ms)
		if err1 == nil && err2 == nil && h >= 0 && h < 24 && m >= 0 && m < 60 {
			return h, m, nil
		}
	}
	return 0, 0, errors.New(`"HH:MM", 00:00 to 23:59`)
}

// LastDue is the newest time at or before now the schedule was due: its
// time of day in its time zone, on every day, on its weekday or on its
// day of the month. A local time a daylight saving change skips is taken
// as time.Date normalizes it (an hour later).
func LastDue(sc store.ReportSchedule, now time.Time) (time.Time, error) {
	loc, err := time.LoadLocation(sc.TimeZone)
	if err != nil {
		return time.Time{}, invalid("time_zone: %v", err)
	}
	h, m, err := clock(sc.Time)
	if err != nil {
		return time.Time{}, invalid("time: %v", err)
	}
	local := now.In(loc)
	y, mo, d := local.Date()
	switch Kind(sc.Kind) {
	case Weekly:
		back := (int(local.Weekday()) - sc.Day + 7) % 7
		t := time.Date(y, mo, d-back, h, m, 0, 0, loc)
		if t.After(now) {
			t = time.Date(y, mo, d-back-7, h, m, 0, 0, loc)
		}
		return t, nil
	case Monthly:
		t := time.Date(y, mo, sc.Day, h, m, 0, 0, loc)
		if t.After(now) {
			t = time.Date(y, mo-1, sc.Day, h, m, 0, 0, loc)
		}
		return t, nil
	}
	t := time.Date(y, mo, d, h, m, 0, 0, loc)
	if t.After(now) {
		t = time.Date(y, mo, d-1, h, m, 0, 0, loc)
	}
	return t, nil
}

// Due tells whether the schedule is due at now: enabled, and its newest
// due time is after its last run and after it was created (a new
// schedule waits for its first time). Only the newest due time counts, so
// a schedule missed several times while the server was down is sent once.
func Due(sc store.ReportSchedule, now time.Time) (time.Time, bool) {
	if !sc.Enabled {
		return time.Time{}, false
	}
	due, err := LastDue(sc, now)
	if err != nil || !due.After(sc.LastRun) || due.Before(sc.CreatedAt) {
		return time.Time{}, false
	}
	return due, true
}
