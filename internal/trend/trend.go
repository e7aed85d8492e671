package trend

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/anomaly"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// Errors of Compute, for errors.Is.
var (
	// ErrNoMail: the domain has no mail in the store.
	ErrNoMail = errors.New("no mail for this domain")
	// ErrRange: the period ends before it begins.
	ErrRange = errors.New("the period ends before it begins")
)

// DefaultDays is the length of the period without a start: the last week
// up to the domain's last day with mail, against the week before.
const DefaultDays = 7

// MaxListed bounds each list of sources, the most messages first; the
// totals say how many there were.
const MaxListed = 100

// Store is what Compute reads; store.Store has it.
type Store interface {
	anomaly.HistoryStore
	Reporters(ctx context.Context, f store.AggregateFilter) ([]store.ReporterTotals, error)
}

// Query selects the domain and period of a trend.
type Query struct {
	Domain string
	// Since and Until are the period [Since, Until), UTC days; zero Until
	// is the day after the domain's last day with mail, zero Since
	// DefaultDays before Until.
	Since, Until time.Time
	// Now is when the data is read (anomaly.Options.AsOf); zero is now.
	Now time.Time
	// Countries enables the geographic rule of the anomalies.
	Countries anomaly.Countries
	// MaxSourceRows bounds the source rows read (anomaly.Load).
	MaxSourceRows int
}

// Report is the protocol's trend object, for one domain.
type Report struct {
	Domain   string `json:"domain"`
	Period   Period `json:"period"`
	Previous Period `json:"previous_period"`
	Trends   Trends `json:"trends"`
	// Detection is what the anomaly detector says about its own run:
	// learning period, provisional days, rules skipped.
	Detection Detection `json:"detection"`
}

// Period is a range of days [Start, End) and the reports that began in it.
type Period struct {
	Start           time.Time `json:"start"`
	End             time.Time `json:"end"`
	ReportsAnalyzed int64     `json:"reports_analyzed"`
}

// Trends are the protocol's trends.
type Trends struct {
	TotalVolume        Volume       `json:"total_volume"`
	PassRate           PassRate     `json:"pass_rate"`
	NewSources         []NewSource  `json:"new_sources"`
	DisappearedSources []GoneSource `json:"disappeared_sources"`
	Anomalies          []Anomaly    `json:"anomalies"`
	// NewSourcesTotal and DisappearedSourcesTotal count the sources
	// beyond the MaxListed listed.
	NewSourcesTotal         int `json:"new_sources_total"`
	DisappearedSourcesTotal int `json:"disappeared_sources_total"`
	// SourcesPartial: the source rows read were cut (MaxSourceRows), so
	// sources seen only before SourcesFrom may be counted new.
	SourcesPartial bool `json:"sources_partial,omitempty"`
}

// Volume compares the messages of the period and the previous one.
type Volume struct {
	Current  int64 `json:"current"`
	Previous int64 `json:"previous"`
	// ChangePercent is null when the previous period had no mail.
	ChangePercent *float64 `json:"change_percent"`
}

// Directions of the pass rate.
const (
	Improving = "improving"
	Declining = "declining"
	Stable    = "stable"
	// Unknown: a period without mail.
	Unknown = "unknown"
)

// PassRate compares the DMARC pass rates, in percent.
type PassRate struct {
	Current  float64 `json:"current"`
	Previous float64 `json:"previous"`
	// ChangePoints is Current - Previous.
	ChangePoints float64 `json:"change_points"`
	// Direction is improving or declining when the rate moved by more
	// than StablePoints and by more than chance (a two-proportion test
	// at two standard errors), else stable.
	Direction string `json:"direction"`
}

// StablePoints is the change of pass rate, in points, within which a
// trend is stable whatever the volume.
const StablePoints = 1.0

// NewSource is a source IP of the period not seen in the lookback before.
type NewSource struct {
	IP             string    `json:"ip"`
	FirstSeen      time.Time `json:"first_seen"`
	Classification string    `json:"classification"`
	Volume         int64     `json:"volume"`
	PassRate       float64   `json:"pass_rate"`
}

// GoneSource is a source IP of the previous period without mail in this
// one.
type GoneSource struct {
	IP            string    `json:"ip"`
	LastSeen      time.Time `json:"last_seen"`
	WasClassified string    `json:"was_classified"`
	Volume        int64     `json:"volume"` // in the previous period
}

// Anomaly is an anomaly in the protocol's shape, with the detector's id,
// score and day.
type Anomaly struct {
	Type            string       `json:"type"`
	Severity        string       `json:"severity"`
	Description     string       `json:"description"`
	AffectedRecords int64        `json:"affected_records"`
	ID              string       `json:"id"`
	Key             string       `json:"key"`
	Day             anomaly.Date `json:"day"`
	Score           int          `json:"score"`
	Alert           bool         `json:"alert"`
	Expected        bool         `json:"expected"`
}

// Detection summarizes the detector's run.
type Detection struct {
	LearningUntil anomaly.Date   `json:"learning_until"`
	Learning      bool           `json:"learning"`
	Provisional   []anomaly.Date `json:"provisional_days"`
	Skipped       []string       `json:"skipped"`
}

// Compute builds the trend of q from st.
func Compute(ctx context.Context, st Store, q Query) (*Report, error) {
	since, until, err := period(ctx, st, q, DefaultDays)
	if err != nil {
		return nil, err
	}
	length := until.Sub(since)
	prev := since.Add(-length)
	lookback := since.AddDate(0, 0, -anomaly.DefaultLookbackDays)
	if prev.Before(lookback) {
		lookback = prev
	}
	h, res, err := detect(ctx, st, q, since, until, lookback)
	if err != nil {
		return nil, err
	}
	rep := build(h, res, since, until, prev, lookback)
	for i, p := range []*Period{&rep.Period, &rep.Previous} {
		f := store.AggregateFilter{Domain: q.Domain, Since: p.Start, Until: p.End}
		rs, err := st.Reporters(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("trend of %s: reports of period %d: %w", q.Domain, i, err)
		}
		for _, r := range rs {
			p.ReportsAnalyzed += r.Reports
		}
	}
	return rep, nil
}

// DefaultAnomalyDays is the period Anomalies judges without a start.
const DefaultAnomalyDays = 30

// Anomalies runs the anomaly detector on the period of q (without a
// start, the DefaultAnomalyDays up to Until) and returns its result and
// the history it read, whose Expected is the domain's feedback.
func Anomalies(ctx context.Context, st anomaly.HistoryStore, q Query) (*anomaly.Result, *anomaly.History, error) {
	since, until, err := period(ctx, st, q, DefaultAnomalyDays)
	if err != nil {
		return nil, nil, err
	}
	h, res, err := detect(ctx, st, q, since, until, time.Time{})
	return res, h, err
}

// detect reads the history of q's domain from the start of the detector's
// window, or from from when that is earlier, up to until, and judges the
// days [since, until).
func detect(ctx context.Context, st anomaly.HistoryStore, q Query, since, until, from time.Time) (*anomaly.History, *anomaly.Result, error) {
	o := anomaly.Options{Since: since, Until: until, AsOf: q.Now, Countries: q.Countries}
	if w := anomaly.Window(o); from.IsZero() || w.Before(from) {
		from = w
	}
	h, err := anomaly.Load(ctx, st, q.Domain, from, until, q.MaxSourceRows)
	if err != nil {
		return nil, nil, fmt.Errorf("anomalies of %s: %w", q.Domain, err)
	}
	return h, anomaly.Detect(h, o), nil
}

// period is the range of whole UTC days of q: a range ending inside a day
// includes that day, as the store's filters do; without an end, up to the
// domain's last day with mail (the start's day when that is earlier);
// without a start, days before the end.
func period(ctx context.Context, st anomaly.HistoryStore, q Query, days int) (since, until time.Time, err error) {
	_, last, err := st.DomainSpan(ctx, q.Domain)
	if err != nil {
		return since, until, fmt.Errorf("trend of %s: %w", q.Domain, err)
	}
	if last.IsZero() {
		return since, until, fmt.Errorf("trend of %s: %w", q.Domain, ErrNoMail)
	}
	until = q.Until.UTC()
	if q.Until.IsZero() {
		until = last.AddDate(0, 0, 1)
	} else if d := until.Truncate(24 * time.Hour); !d.Equal(until) {
		until = d.AddDate(0, 0, 1)
	}
	since = q.Since.UTC().Truncate(24 * time.Hour)
	if q.Since.IsZero() {
		since = until.AddDate(0, 0, -days)
	}
	if q.Until.IsZero() && !since.Before(until) {
		until = since.AddDate(0, 0, 1) // no mail since the start: the start's day, empty
	}
	if !since.Before(until) {
		return since, until, fmt.Errorf("trend of %s: %w", q.Domain, ErrRange)
	}
	return since, until, nil
}

// build is the trend of h over [since, until) against [prev, since), new
// sources counted against [lookback, since).
func build(h *anomaly.History, res *anomaly.Result, since, until, prev, lookback time.Time) *Report {
	rep := &Report{Domain: h.Domain, Period: Period{Start: since, End: until}, Previous: Period{Start: prev, End: since},
		Detection: Detection{LearningUntil: res.LearningUntil, Learning: res.Learning, Provisional: res.Provisional, Skipped: res.Skipped}}
	var cur, old store.Totals
	for _, p := range h.Days {
		switch {
		case in(p.Start, since, until):
			cur.Messages, cur.DMARCPass = cur.Messages+p.Messages, cur.DMARCPass+p.DMARCPass
		case in(p.Start, prev, since):
			old.Messages, old.DMARCPass = old.Messages+p.Messages, old.DMARCPass+p.DMARCPass
		}
	}
	t := &rep.Trends
	t.TotalVolume = Volume{Current: cur.Messages, Previous: old.Messages}
	if old.Messages > 0 {
		c := round2(float64(cur.Messages-old.Messages) * 100 / float64(old.Messages))
		t.TotalVolume.ChangePercent = &c
	}
	t.PassRate = passRate(cur, old)
	t.NewSources, t.DisappearedSources, t.NewSourcesTotal, t.DisappearedSourcesTotal = sources(h, since, until, prev, lookback)
	t.SourcesPartial = !h.SourcesFrom.IsZero() && h.SourcesFrom.After(lookback)
	t.Anomalies = []Anomaly{}
	for _, a := range res.Anomalies {
		if a.Alert || a.Expected || a.Rule != "" {
			t.Anomalies = append(t.Anomalies, Anomaly{Type: a.Kind, Severity: a.Severity, Description: a.Explanation,
				AffectedRecords: a.Messages, ID: a.ID, Key: a.Key, Day: a.Day, Score: a.Score, Alert: a.Alert, Expected: a.Expected})
		}
	}
	return rep
}

// ComparePassRates compares the DMARC pass rates of two periods' totals
// as a trend does, for reports that sum several domains (package digest).
func ComparePassRates(cur, old store.Totals) PassRate { return passRate(cur, old) }

// passRate compares the pass rates of cur and old.
func passRate(cur, old store.Totals) PassRate {
	if cur.Messages == 0 || old.Messages == 0 {
		p := PassRate{Direction: Unknown}
		if cur.Messages > 0 {
			p.Current = rate(cur)
		}
		if old.Messages > 0 {
			p.Previous = rate(old)
		}
		return p
	}
	p := PassRate{Current: rate(cur), Previous: rate(old), Direction: Stable}
	p.ChangePoints = round2(p.Current - p.Previous)
	// Two-proportion z-test with the pooled rate.
	n1, n2 := float64(cur.Messages), float64(old.Messages)
	pooled := float64(cur.DMARCPass+old.DMARCPass) / (n1 + n2)
	se := math.Sqrt(pooled*(1-pooled)*(1/n1+1/n2)) * 100
	if d := p.Current - p.Previous; math.Abs(d) > StablePoints && (se == 0 || math.Abs(d) > 2*se) {
		p.Direction = map[bool]string{true: Improving, false: Declining}[d > 0]
	}
	return p
}

// rate is the DMARC pass rate of t in percent, rounded to 2 decimals.
func rate(t store.Totals) float64 {
	return round2(float64(t.DMARCPass) * 100 / float64(t.Messages))
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func in(t, start, end time.Time) bool { return !t.Before(start) && t.Before(end) }

// seen is what the source rows say of one IP.
type seen struct {
	cur, old             store.Totals
	before               bool      // in [lookback, since)
	first, lastBefore    time.Time // first day in the period; last before it
	inPeriod, inPrevious bool
}

// sources lists the new and the disappeared sources of h, the most
// messages first, at most MaxListed each, with their totals.
func sources(h *anomaly.History, since, until, prev, lookback time.Time) (news []NewSource, gone []GoneSource, nNew, nGone int) {
	by := map[string]*seen{}
	for _, r := range h.Sources {
		s := by[r.SourceIP]
		if s == nil {
			s = &seen{}
			by[r.SourceIP] = s
		}
		switch {
		case in(r.Day, since, until):
			s.inPeriod = true
			add(&s.cur, &r.Totals)
			if s.first.IsZero() || r.Day.Before(s.first) {
				s.first = r.Day
			}
		case in(r.Day, lookback, since):
			s.before = true
			if in(r.Day, prev, since) {
				s.inPrevious = true
				add(&s.old, &r.Totals)
			}
			if r.Day.After(s.lastBefore) {
				s.lastBefore = r.Day
			}
		}
	}
	news, gone = []NewSource{}, []GoneSource{}
	for ip, s := range by {
		switch {
		case s.inPeriod && !s.before:
			news = append(news, NewSource{IP: ip, FirstSeen: s.first, Classification: classify(s.cur),
				Volume: s.cur.Messages, PassRate: rate(s.cur)})
		case s.inPrevious && !s.inPeriod:
			gone = append(gone, GoneSource{IP: ip, LastSeen: s.lastBefore, WasClassified: classify(s.old), Volume: s.old.Messages})
		}
	}
	slices.SortFunc(news, func(a, b NewSource) int { return cmp.Or(cmp.Compare(b.Volume, a.Volume), cmp.Compare(a.IP, b.IP)) })
	slices.SortFunc(gone, func(a, b GoneSource) int { return cmp.Or(cmp.Compare(b.Volume, a.Volume), cmp.Compare(a.IP, b.IP)) })
	nNew, nGone = len(news), len(gone)
	return news[:min(len(news), MaxListed)], gone[:min(len(gone), MaxListed)], nNew, nGone
}

// add adds the counters the trend uses.
func add(a, b *store.Totals) {
	a.Messages += b.Messages
	a.DMARCPass += b.DMARCPass
	a.FullyFailed += b.FullyFailed
}

// Classifications of a source from its counters, in the protocol's words.
const (
	Legitimate = "legitimate" // 90% or more passing DMARC
	Suspicious = "suspicious" // most failing both DKIM and SPF
	Unclear    = "unknown"    // neither: forwarding, a misconfigured sender
)

// classify judges a source by its counters.
func classify(t store.Totals) string {
	switch {
	case t.Messages == 0:
		return Unclear
	case 2*t.FullyFailed > t.Messages:
		return Suspicious
	case 10*t.DMARCPass >= 9*t.Messages:
		return Legitimate
	}
	return Unclear
}
