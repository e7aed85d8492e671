package digest

import (
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// Weekdays are the names of a weekly schedule's days, Sunday 0, as the
// API and the configuration file write them.
var Weekdays = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// ScheduleSpec is a schedule as people write it (the body of POST and PUT
// /api/v1/schedules, an entry of serve's --channels file): the weekday by
// name, the day of the month apart.
type ScheduleSpec struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Weekday of a weekly schedule: "monday" or "mon", any case.
	Weekday string `json:"weekday"`
	// DayOfMonth of a monthly schedule, 1 to 28.
	DayOfMonth int      `json:"day_of_month"`
	Time       string   `json:"time"`
	TimeZone   string   `json:"time_zone"`
	Domains    []string `json:"domains"`
	Sections   []string `json:"sections"`
	Recipients []string `json:"recipients"`
	Channels   []int64  `json:"channels"`
	PDF        bool     `json:"pdf"`
	// Enabled: nil is true.
	Enabled *bool `json:"enabled"`
}

// Schedule is the schedule of s, checked by Validate; the error wraps
// ErrSchedule.
func (s ScheduleSpec) Schedule() (store.ReportSchedule, error) {
	sc := store.ReportSchedule{Name: s.Name, Kind: s.Kind, Time: s.Time, TimeZone: s.TimeZone, Domains: s.Domains,
		Sections: s.Sections, Recipients: s.Recipients, Channels: s.Channels, PDF: s.PDF, Enabled: s.Enabled == nil || *s.Enabled}
	if k, err := ParseKind(s.Kind); err == nil {
		switch k {
		case Weekly:
			sc.Day = -1
			for i, d := range Weekdays {
				if strings.EqualFold(s.Weekday, d) || strings.EqualFold(s.Weekday, d[:3]) {
					sc.Day = i
				}
			}
		case Monthly:
			sc.Day = s.DayOfMonth
		}
	}
	err := Validate(&sc)
	return sc, err
}
