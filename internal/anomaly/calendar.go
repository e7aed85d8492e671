package anomaly

import "time"

// A day is a UTC day, numbered from the Unix epoch, as the store keeps
// them (Unix seconds of its midnight / 86400).
type day int64

const secondsPerDay = 86400

// dayOf is the UTC day of t.
func dayOf(t time.Time) day {
	s := t.Unix()
	if s < 0 {
		return day((s - secondsPerDay + 1) / secondsPerDay)
	}
	return day(s / secondsPerDay)
}

// time is the midnight (UTC) starting d.
func (d day) time() time.Time { return time.Unix(int64(d)*secondsPerDay, 0).UTC() }

// String is d as YYYY-MM-DD, the key of day anomalies.
func (d day) String() string { return d.time().Format(time.DateOnly) }

// weekend reports whether d is a Saturday or Sunday. 1970-01-01 was a
// Thursday.
func (d day) weekend() bool {
	wd := (int64(d)%7 + 7 + 4) % 7 // 0 Sunday .. 6 Saturday
	return wd == 0 || wd == 6
}

// className names the days of d's class, as explanations say it.
func (d day) className() string {
	if d.weekend() {
		return "weekend days"
	}
	return "weekdays"
}

// classSingular names one day of d's class.
func (d day) classSingular() string {
	if d.weekend() {
		return "weekend day"
	}
	return "weekday"
}

// otherClassName names the days of the class d is not in.
func (d day) otherClassName() string {
	if d.weekend() {
		return "weekdays"
	}
	return "weekend days"
}

// weekday is d's English weekday name.
func (d day) weekday() string { return d.time().Weekday().String() }
