package main

import (
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/anomaly"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/synth"
)

// The replay: a synthetic history's reports arrive in order, and the
// detector runs once a day on what has arrived, as a deployment fetching
// reports every morning would. An alert is what any run reported: an
// anomaly first reported on a provisional day and gone once the day's
// reports are all in still counts.

// runHour is when each day's run happens, UTC.
const runHour = 6 * time.Hour

// judgedDays is how many days back each run judges: enough for a day to
// be judged again once its late reports arrived.
const judgedDays = 7

// alert is one anomaly of a history that alerted in some run.
type alert struct {
	kind, key   string
	day         time.Time
	score       int
	explanation string
}

// data is what has arrived of a history: the totals of each day and of
// each source IP on each day, as the store's rollups would hold them.
type data struct {
	days    map[time.Time]*store.Totals
	sources map[time.Time]map[string]*store.Totals
	first   time.Time
	last    time.Time
}

func (d *data) add(r *synth.HistoryReport) {
	day := r.Header.Metadata.DateRange.Begin.UTC().Truncate(24 * time.Hour)
	t := d.days[day]
	if t == nil {
		t = new(store.Totals)
		d.days[day] = t
		d.sources[day] = map[string]*store.Totals{}
	}
	for _, rec := range r.Records {
		t.Add(rec)
		s := d.sources[day][rec.SourceIP]
		if s == nil {
			s = new(store.Totals)
			d.sources[day][rec.SourceIP] = s
		}
		s.Add(rec)
	}
	if d.first.IsZero() || day.Before(d.first) {
		d.first = day
	}
	if day.After(d.last) {
		d.last = day
	}
}

// history is the anomaly.History of the data from from to until.
func (d *data) history(domain string, from, until time.Time, expected []store.ExpectedAnomaly) *anomaly.History {
	h := &anomaly.History{Domain: domain, From: from, First: d.first, Last: d.last, Expected: expected}
	for day := from; day.Before(until); day = day.AddDate(0, 0, 1) {
		t := d.days[day]
		if t == nil {
			continue
		}
		h.Days = append(h.Days, store.TimelinePoint{Start: day, Totals: *t})
		for ip, s := range d.sources[day] {
			h.Sources = append(h.Sources, store.SourceDayTotals{Day: day, SourceIP: ip, Totals: *s})
		}
	}
	return h
}

// countries answers from a history's own IP data.
type countries map[string]string

func (c countries) CountryOf(ip string) string { return c[ip] }

// replay runs the detector on h every day from its learning period on and
// returns every alert, by id.
func replay(h *synth.History, o anomaly.Options) map[string]alert {
	d := &data{days: map[time.Time]*store.Totals{}, sources: map[time.Time]map[string]*store.Totals{}}
	o.Countries = countries(h.Countries)
	alerts := map[string]alert{}
	next := 0
	for k := o.LearningDays; k <= h.Days+2; k++ {
		now := h.Start.AddDate(0, 0, k).Add(runHour)
		for next < len(h.Reports) && !h.Reports[next].Arrival.After(now) {
			d.add(&h.Reports[next])
			next++
		}
		if d.last.IsZero() {
			continue
		}
		run := o
		run.AsOf = now
		run.Until = now.Truncate(24*time.Hour).AddDate(0, 0, 1)
		run.Since = run.Until.AddDate(0, 0, -judgedDays)
		res := anomaly.Detect(d.history(h.Domain, anomaly.Window(run), run.Until, nil), run)
		for _, a := range res.Anomalies {
			if _, seen := alerts[a.ID]; a.Alert && !seen {
				alerts[a.ID] = alert{kind: a.Kind, key: a.Key, day: a.Day.Time, score: a.Score, explanation: a.Explanation}
			}
		}
	}
	return alerts
}
