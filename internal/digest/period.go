package digest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Kind is the kind of a digest, which sets its period.
type Kind string

// Kinds of digest.
const (
	// Daily: the last complete UTC day, against the day before.
	Daily Kind = "daily"
	// Weekly: the last complete week, Monday to Sunday, against the week
	// before.
	Weekly Kind = "weekly"
	// Monthly: the last complete calendar month, against the month
	// before.
	Monthly Kind = "monthly"
)

// ErrKind: not a kind of digest.
var ErrKind = errors.New("the kind is daily, weekly or monthly")

// ParseKind reads a kind, also as the API's period names it: day, week,
// month.
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "daily", "day":
		return Daily, nil
	case "weekly", "week":
		return Weekly, nil
	case "monthly", "month":
		return Monthly, nil
	}
	return "", fmt.Errorf("%q: %w", s, ErrKind)
}

// Sections of a digest, in display order.
const (
	SectionSummary = "summary"
	SectionDomains = "domains"
	SectionSources = "sources"
	SectionIssues  = "issues"
	SectionDNS     = "dns"
)

// AllSections are the sections in display order.
var AllSections = []string{SectionSummary, SectionDomains, SectionIssues, SectionSources, SectionDNS}

// ErrSection: not a section of a digest.
var ErrSection = errors.New("the sections are summary, domains, issues, sources and dns")

// ParseSections checks sections and returns them in display order,
// without repeats; none is all.
func ParseSections(sections []string) ([]string, error) {
	if len(sections) == 0 {
		return slices.Clone(AllSections), nil
	}
	var out []string
	for _, s := range AllSections {
		if slices.Contains(sections, s) {
			out = append(out, s)
		}
	}
	for _, s := range sections {
		if !slices.Contains(AllSections, s) {
			return nil, fmt.Errorf("%q: %w", s, ErrSection)
		}
	}
	return out, nil
}

// PeriodOf is the last complete period of kind before at, and the one
// before it.
func PeriodOf(kind Kind, at time.Time) (cur, prev Period) {
	day := at.UTC().Truncate(24 * time.Hour)
	switch kind {
	case Weekly:
		// Days since Monday: 1970-01-01 was a Thursday, Weekday counts
		// from Sunday.
		end := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
		cur = Period{end.AddDate(0, 0, -7), end}
		return cur, Period{cur.Start.AddDate(0, 0, -7), cur.Start}
	case Monthly:
		end := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
		cur = Period{end.AddDate(0, -1, 0), end}
		return cur, Period{cur.Start.AddDate(0, -1, 0), cur.Start}
	}
	cur = Period{day.AddDate(0, 0, -1), day}
	return cur, Period{cur.Start.AddDate(0, 0, -1), cur.Start}
}

// chartWindow is the range and bucket of the chart of a period: two weeks
// of days for a daily summary, four weeks of days for a weekly digest,
// half a year of weeks (from a Monday) for a monthly report.
func chartWindow(kind Kind, cur Period) (start time.Time, weekly bool) {
	switch kind {
	case Weekly:
		return cur.End.AddDate(0, 0, -28), false
	case Monthly:
		s := cur.End.AddDate(0, 0, -26*7)
		return s.AddDate(0, 0, -((int(s.Weekday()) + 6) % 7)), true
	}
	return cur.End.AddDate(0, 0, -14), false
}

// Title is the name of a digest of kind.
func (k Kind) Title() string {
	switch k {
	case Weekly:
		return "Weekly DMARC digest"
	case Monthly:
		return "Monthly DMARC executive report"
	}
	return "Daily DMARC summary"
}

// Label names p for people: "Tuesday 24 November 2026", "Week of 16 to 22
// November 2026", "November 2026".
func (k Kind) Label(p Period) string {
	last := p.End.AddDate(0, 0, -1)
	switch k {
	case Weekly:
		if p.Start.Month() == last.Month() {
			return fmt.Sprintf("Week of %d to %s", p.Start.Day(), last.Format("2 January 2006"))
		}
		if p.Start.Year() == last.Year() {
			return fmt.Sprintf("Week of %s to %s", p.Start.Format("2 January"), last.Format("2 January 2006"))
		}
		return fmt.Sprintf("Week of %s to %s", p.Start.Format("2 January 2006"), last.Format("2 January 2006"))
	case Monthly:
		return p.Start.Format("January 2006")
	}
	return p.Start.Format("Monday 2 January 2006")
}

// previousName is how the text names the previous period.
func (k Kind) previousName() string {
	switch k {
	case Weekly:
		return "the week before"
	case Monthly:
		return "the month before"
	}
	return "the day before"
}
