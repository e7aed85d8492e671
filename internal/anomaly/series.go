package anomaly

import (
	"cmp"
	"slices"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// series is a History made dense: one slot a day from start to end, zero
// for days without mail, with the source facts of each day.
type series struct {
	start, end  day // inclusive
	first, last day // the domain's first and last day with mail
	asOf        time.Time
	// vol, pass, rate, fail and fully are each day's messages, DMARC
	// passes, pass rate (0 without mail), messages failing DMARC and
	// messages failing both DKIM and SPF.
	vol, pass, rate, fail, fully []float64
	provisional                  []bool
	// excluded[feature][i]: day i is marked expected for that feature
	// and left out of its baselines.
	excluded map[string][]bool

	// Source facts. srcFrom is the first day with source rows; novelty
	// is known from srcKnown on.
	srcFrom, srcKnown day
	newCount          []float64 // new source IPs, expected ones left out
	newFailing        []float64 // their messages failing both DKIM and SPF
	newFailCount      []float64
	news              map[day][]sourceEvent // the new IPs of each day
	present           map[day][]string      // the IPs of each day
	ips               map[string][]ipDay    // each IP's days, oldest first
	countries         map[day][]countryDay  // new countries by day
	countryOf         func(ip string) string
}

// sourceEvent is a source IP new on a day.
type sourceEvent struct {
	d        day
	first    day // the day it became new: d, or up to newDays before
	ip       string
	t        store.Totals
	expected bool // marked expected: not counted in the day's new sources
}

// newDays is how many days a source stays new: a new sender often starts
// small and reaches its volume on its second or third day.
const newDays = 3

// ipDay is one day of a source IP.
type ipDay struct {
	d day
	t store.Totals
}

// countryDay is a country new on a day, with its mail that day.
type countryDay struct {
	cc                        string
	sources                   int
	messages, pass, fullyFail int64
}

// features whose days feedback can exclude from baselines, by kind.
const (
	featVolume  = "volume"
	featPass    = "pass"
	featFailing = "failing"
	featNew     = "new"
)

func featureOf(kind string) string {
	switch kind {
	case KindVolumeSpike, KindVolumeDrop:
		return featVolume
	case KindPassRateDrop:
		return featPass
	case KindFailingVolume:
		return featFailing
	case KindNewSources:
		return featNew
	}
	return ""
}

// newSeries builds the series of h up to the last day judged, until
// (exclusive); ok is false when h has no mail.
func newSeries(h *History, o Options, fb *feedback) (*series, bool) {
	if len(h.Days) == 0 {
		return nil, false
	}
	s := &series{first: dayOf(h.First), last: dayOf(h.Last)}
	lo, hi := dayOf(h.Days[0].Start), dayOf(h.Days[0].Start)
	for _, p := range h.Days {
		lo, hi = min(lo, dayOf(p.Start)), max(hi, dayOf(p.Start))
	}
	if h.First.IsZero() {
		s.first = lo
	}
	if h.Last.IsZero() {
		s.last = hi
	}
	s.start = max(dayOf(h.From), s.first)
	s.end = min(dayOf(o.Until)-1, s.last)
	if s.end < s.start {
		return nil, false
	}
	n := int(s.end-s.start) + 1
	s.vol, s.pass, s.fully, s.provisional = make([]float64, n), make([]float64, n), make([]float64, n), make([]bool, n)
	for _, p := range h.Days {
		if i, ok := s.index(dayOf(p.Start)); ok {
			s.vol[i] += float64(p.Messages)
			s.pass[i] += float64(p.DMARCPass)
			s.fully[i] += float64(p.FullyFailed)
		}
	}
	s.rate, s.fail = make([]float64, n), make([]float64, n)
	for i, v := range s.vol {
		s.fail[i] = v - s.pass[i]
		if v > 0 {
			s.rate[i] = s.pass[i] / v
		}
	}
	asOf := o.AsOf
	if end := (s.last + 1).time(); end.Before(asOf) {
		asOf = end
	}
	s.asOf = asOf
	for i := range n {
		s.provisional[i] = (s.start + day(i) + 1).time().Add(o.Lateness).After(asOf)
	}
	s.excluded = map[string][]bool{}
	for _, f := range []string{featVolume, featPass, featFailing, featNew} {
		s.excluded[f] = make([]bool, n)
	}
	for _, e := range fb.days {
		if i, ok := s.index(e.d); ok {
			s.excluded[e.feature][i] = true
		}
	}
	s.addSources(h, o, fb)
	return s, true
}

// index is the slot of d.
func (s *series) index(d day) (int, bool) {
	if d < s.start || d > s.end {
		return 0, false
	}
	return int(d - s.start), true
}

// dayAt is the day of slot i.
func (s *series) dayAt(i int) day { return s.start + day(i) }

// addSources finds, in day order, the source IPs and countries that are
// new on each day: not seen in the lookback before it. Novelty is known
// from srcKnown on: LookbackDays after the first day with source rows, or
// from the start when the rows go back to the domain's first day.
func (s *series) addSources(h *History, o Options, fb *feedback) {
	n := len(s.vol)
	s.newCount, s.newFailing, s.newFailCount = make([]float64, n), make([]float64, n), make([]float64, n)
	s.ips, s.countries = map[string][]ipDay{}, map[day][]countryDay{}
	s.news, s.present = map[day][]sourceEvent{}, map[day][]string{}
	s.srcFrom = s.start
	if !h.SourcesFrom.IsZero() {
		s.srcFrom = max(s.srcFrom, dayOf(h.SourcesFrom))
	}
	s.srcKnown = s.srcFrom + day(o.LookbackDays)
	if s.srcFrom <= s.first {
		s.srcKnown = s.srcFrom
	}
	rows := slices.Clone(h.Sources)
	slices.SortFunc(rows, func(a, b store.SourceDayTotals) int {
		return cmp.Or(a.Day.Compare(b.Day), cmp.Compare(a.SourceIP, b.SourceIP))
	})
	lookback := day(o.LookbackDays)
	lastSeen := map[string]day{}
	firstNew := map[string]day{} // the day each source last became new
	countryLast := map[string]day{}
	countryNew := map[string]int{} // country -> index in countries[d] for the current day
	cur := day(-1 << 62)
	if o.Countries != nil {
		cache := map[string]string{}
		s.countryOf = func(ip string) string {
			cc, ok := cache[ip]
			if !ok {
				cc = o.Countries.CountryOf(ip)
				cache[ip] = cc
			}
			return cc
		}
	}
	for _, r := range rows {
		d := dayOf(r.Day)
		i, ok := s.index(d)
		if !ok || d < s.srcFrom {
			continue
		}
		if d != cur {
			cur = d
			clear(countryNew)
		}
		known := d >= s.srcKnown
		s.ips[r.SourceIP] = append(s.ips[r.SourceIP], ipDay{d, r.Totals})
		s.present[d] = append(s.present[d], r.SourceIP)
		prev, seen := lastSeen[r.SourceIP]
		lastSeen[r.SourceIP] = d
		if f, ok := firstNew[r.SourceIP]; ok && d-f < newDays {
			s.news[d] = append(s.news[d], sourceEvent{d: d, first: f, ip: r.SourceIP, t: r.Totals, expected: fb.source(r.SourceIP)})
		}
		if known && (!seen || d-prev > lookback) {
			firstNew[r.SourceIP] = d
			ev := sourceEvent{d: d, first: d, ip: r.SourceIP, t: r.Totals, expected: fb.source(r.SourceIP)}
			s.news[d] = append(s.news[d], ev)
			if !ev.expected {
				s.newCount[i]++
				if failsBoth(&r.Totals) {
					s.newFailCount[i]++
					s.newFailing[i] += float64(r.FullyFailed)
				}
			}
		}
		if s.countryOf == nil {
			continue
		}
		cc := s.countryOf(r.SourceIP)
		if cc == "" {
			continue
		}
		if k, ok := countryNew[cc]; ok {
			c := &s.countries[d][k]
			c.sources++
			c.messages, c.pass, c.fullyFail = c.messages+r.Messages, c.pass+r.DMARCPass, c.fullyFail+r.FullyFailed
			continue
		}
		prev, seen = countryLast[cc]
		if prev != d {
			countryLast[cc] = d
		}
		if known && (!seen || d-prev > lookback) {
			countryNew[cc] = len(s.countries[d])
			s.countries[d] = append(s.countries[d], countryDay{cc: cc, sources: 1, messages: r.Messages, pass: r.DMARCPass, fullyFail: r.FullyFailed})
		}
	}
}

// failsBoth reports whether most of t's messages failed both DKIM and SPF.
func failsBoth(t *store.Totals) bool { return t.Messages > 0 && 2*t.FullyFailed > t.Messages }
