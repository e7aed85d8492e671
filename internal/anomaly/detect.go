package anomaly

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// detector judges the days of one History.
type detector struct {
	o     Options
	h     *History
	s     *series
	fb    *feedback
	res   *Result
	found map[string]*Anomaly // by id
	// since is the first day reported; the day before it is judged too,
	// for the episodes of the day rules, but not reported.
	since day
	// episodes are the day kinds flagged on the last day judged: the
	// first day of their episode, by kind.
	episodes, flagged map[string]day
}

// Detect judges the days [o.Since, o.Until) of h. Without Until it judges
// up to the domain's last day, without Since the 30 days before Until. h
// must hold the data from Window(o) on for full baselines; with less, the
// baselines have fewer days and lower confidence. Detect does no I/O and
// does not change h.
func Detect(h *History, o Options) *Result {
	o = o.withDefaults()
	if o.Until.IsZero() {
		o.Until = (lastDay(h) + 1).time()
	}
	if o.Since.IsZero() {
		o.Since = o.Until.AddDate(0, 0, -30)
	}
	since, until := dayOf(o.Since), dayOf(o.Until)
	res := &Result{Domain: h.Domain, Since: Date{since.time()}, Until: Date{until.time()}, AsOf: o.AsOf,
		Provisional: []Date{}, Skipped: []string{}, Anomalies: []Anomaly{}}
	fb := newFeedback(h.Expected)
	s, ok := newSeries(h, o, fb)
	if !ok {
		return res
	}
	d := &detector{o: o, h: h, s: s, fb: fb, res: res, found: map[string]*Anomaly{}, since: since,
		episodes: map[string]day{}, flagged: map[string]day{}}
	res.AsOf = s.asOf
	learned := s.first + day(o.LearningDays)
	res.LearningUntil = Date{learned.time()}
	for dd := max(since-1, s.start); dd <= s.end && dd < until; dd++ {
		i, _ := s.index(dd)
		if s.provisional[i] && dd >= since {
			res.Provisional = append(res.Provisional, Date{dd.time()})
		}
		if dd < learned {
			res.Learning = res.Learning || dd >= since
			continue
		}
		usual := d.judgeDay(i)
		if dd >= s.srcKnown && dd >= since {
			d.judgeSources(i, usual)
			d.judgeCountries(i, usual)
		}
	}
	d.notes(since, until)
	res.Weekdays, res.Weekend = d.usual(len(s.vol), false), d.usual(len(s.vol), true)
	for _, a := range d.found {
		res.Anomalies = append(res.Anomalies, *a)
	}
	slices.SortFunc(res.Anomalies, func(a, b Anomaly) int {
		return cmp.Or(b.Day.Compare(a.Day.Time), cmp.Compare(b.Score, a.Score), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Key, b.Key))
	})
	return res
}

// lastDay is the domain's last day with mail in h.
func lastDay(h *History) day {
	if !h.Last.IsZero() {
		return dayOf(h.Last)
	}
	var last day
	for i, p := range h.Days {
		if d := dayOf(p.Start); i == 0 || d > last {
			last = d
		}
	}
	return last
}

// notes says which rules could not run over the range.
func (d *detector) notes(since, until day) {
	s, o := d.s, d.o
	if d.o.Countries == nil {
		d.res.Skipped = append(d.res.Skipped, "geographic_shift: no IP data, so the countries of the sources are unknown")
	}
	if first := max(since, s.start); s.srcKnown > first && s.srcKnown > s.start && first < until && first >= s.first+day(o.LearningDays) {
		d.res.Skipped = append(d.res.Skipped, fmt.Sprintf(
			"new sources and countries before %s: the source history read starts %s, and a source is new only after %d days without mail from it",
			min(s.srcKnown, until), s.srcFrom, o.LookbackDays))
	}
}

// add records a finding of day slot i, merging findings of the same id.
// A finding of a day kind on the day after one of the same kind that
// alerted (or would have, but for feedback) continues its episode: a
// level that moved stays flagged until the baseline learned it, but only
// its first day alerts.
func (d *detector) add(a Anomaly, i int) {
	s := d.s
	dd := s.dayAt(i)
	a.ID = ID(d.h.Domain, a.Kind, a.Key)
	a.Day, a.LastDay, a.Days, a.EpisodeStart = Date{dd.time()}, Date{dd.time()}, 1, Date{dd.time()}
	a.Provisional = s.provisional[i]
	a.Severity = severityOf(a.Score)
	if e := d.fb.of(a.Kind, a.Key); e != nil {
		a.Expected, a.Feedback = true, e
		a.Evidence = append(a.Evidence, fmt.Sprintf("marked expected by %s on %s: %s", orAnonymous(e.By), e.At.Format(time.DateOnly), e.Note))
	}
	a.Alert = a.Score >= alertScore && !a.Expected
	if KeyKind(a.Kind) == "day" && a.Score >= alertScore {
		if last, ok := d.flagged[a.Kind]; ok && last == dd-1 {
			start := d.episodes[a.Kind]
			a.Alert, a.EpisodeStart = false, Date{start.time()}
			a.Explanation += fmt.Sprintf(" (continuing since %s %s)", start.weekday(), start)
		} else {
			d.episodes[a.Kind] = dd
		}
		d.flagged[a.Kind] = dd
	}
	if dd < d.since {
		return // judged for its episodes only
	}
	if a.Evidence == nil {
		a.Evidence = []string{}
	}
	old := d.found[a.ID]
	if old == nil {
		d.found[a.ID] = &a
		return
	}
	first, days := old.Day, old.Days+1
	if a.Score > old.Score {
		*old = a
	}
	old.Day, old.LastDay, old.Days = first, Date{dd.time()}, days
	old.Evidence = append(slices.DeleteFunc(old.Evidence, func(e string) bool { return strings.HasPrefix(e, "flagged on ") }),
		fmt.Sprintf("flagged on %d days from %s to %s", days, first.Format(time.DateOnly), dd))
}

func orAnonymous(by string) string {
	if by == "" {
		return "someone"
	}
	return by
}

// baseline learns vals over the days of the window before slot i of one
// class (weekend or not): days that are provisional, marked expected for
// feature, or not valid (when valid is set) are left out.
func (d *detector) baseline(i int, vals []float64, feature string, weekend bool, valid func(j int) bool, floor func(float64) float64) (baseline, bool) {
	return learn(values(d.window(i, vals, feature, weekend, valid)), floor)
}

// volumeBaseline is the baseline at slot i of the volume of the days of a
// class, with the trend and spread of both classes (learnTrended).
func (d *detector) volumeBaseline(i int, weekend bool) (baseline, bool) {
	s := d.s
	return learnTrended(d.window(i, s.vol, featVolume, weekend, nil), d.window(i, s.vol, featVolume, !weekend, nil), i, countFloor)
}

// window is the values of the days of a class in the window before slot
// i, leaving out days that are provisional, marked expected for feature,
// or not valid (when valid is set).
func (d *detector) window(i int, vals []float64, feature string, weekend bool, valid func(j int) bool) []point {
	s := d.s
	var ps []point
	for j := max(0, i-d.o.BaselineDays); j < i; j++ {
		if s.provisional[j] || s.excluded[feature][j] || s.dayAt(j).weekend() != weekend || valid != nil && !valid(j) {
			continue
		}
		ps = append(ps, point{j, vals[j]})
	}
	return ps
}

// fullDays is the number of days of a class in a full window.
func (d *detector) fullDays(weekend bool) int {
	if weekend {
		return d.o.BaselineDays * 2 / 7
	}
	return d.o.BaselineDays * 5 / 7
}

// usual is the baseline of each value for the days of a class before slot
// i.
func (d *detector) usual(i int, weekend bool) Usual {
	s := d.s
	var u Usual
	if b, ok := d.volumeBaseline(i, weekend); ok {
		u.Days, u.Volume = b.n, b.median
	}
	if b, ok := d.baseline(i, s.rate, featPass, weekend, d.rated, rateFloor); ok {
		u.PassRate = b.median * 100
	}
	if b, ok := d.baseline(i, s.fail, featFailing, weekend, nil, countFloor); ok {
		u.Failing = b.median
	}
	if b, ok := d.baseline(i, s.newCount, featNew, weekend, d.novel, countFloor); ok {
		u.NewSources = b.median
	}
	return u
}

// rated reports whether slot j has the volume for its pass rate to count.
func (d *detector) rated(j int) bool { return d.s.vol[j] >= float64(d.o.MinMessages) }

// novel reports whether the novelty of slot j's sources is known.
func (d *detector) novel(j int) bool { return d.s.dayAt(j) >= d.s.srcKnown }
