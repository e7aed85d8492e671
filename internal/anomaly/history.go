package anomaly

import (
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// History is what Detect judges: a domain's daily totals and source rows
// from From on, as the store's rollups hold them, and the feedback people
// gave. Load reads one from the store.
type History struct {
	Domain string
	// From is the first day of the data: days before it are unknown, not
	// empty. It is the day Window returns, or later.
	From time.Time
	// Days are the domain's daily totals (store.Timeline per day); a day
	// without an entry had no mail.
	Days []store.TimelinePoint
	// Sources are the domain's source rows per day (store.SourceDays), in
	// any order.
	Sources []store.SourceDayTotals
	// SourcesFrom is the first day whose source rows are complete, when
	// the read of Sources was cut (store.SourceDays partial); zero means
	// From. Source rules need Options.LookbackDays of them before a day.
	SourcesFrom time.Time
	// First and Last are the domain's first and last day with mail ever
	// (store.DomainSpan); zero means the first and last of Days. First
	// starts the learning period; Last ends the data: the days just
	// before it are provisional, reports of them may still arrive.
	First, Last time.Time
	// Expected is the domain's feedback (store.ExpectedAnomalies).
	Expected []store.ExpectedAnomaly
}

// Countries tells the country of source IPs, ISO 3166-1 alpha-2 in upper
// case, "" when unknown. *enrich.Enricher does through an adapter.
type Countries interface {
	CountryOf(ip string) string
}

// Options tune Detect. Zero fields take the defaults.
type Options struct {
	// Since and Until are the days judged, [Since, Until), UTC days.
	Since, Until time.Time
	// AsOf is when the data was read; zero means now. A day is
	// provisional while it ended less than Lateness before AsOf, or
	// before the end of the domain's last day with data (History.Last):
	// without arrival times, the newest data is taken as just arrived.
	AsOf time.Time
	// Lateness is how long after a day reports of it keep arriving;
	// default 48 hours ("reports arrive one to two days late").
	Lateness time.Duration
	// BaselineDays is the window of earlier days baselines are learned
	// from; default 28 (four weeks: 20 weekdays, 8 weekend days).
	BaselineDays int
	// LookbackDays: a source IP or country is new when the domain had no
	// mail from it for this many days; default 30, the protocol's.
	LookbackDays int
	// LearningDays after the domain's first day nothing is reported;
	// default 14.
	LearningDays int
	// MinMessages is the volume below which a day's pass rate is not
	// judged, and the least change in messages (and the least volume of a
	// new source) that alerts; default 50.
	MinMessages int64
	// Threshold is the deviation in MADs that scores 50 and alerts;
	// default 8, about 5.4 standard deviations of a normal distribution:
	// daily DMARC volumes have heavier tails than a normal one, and on
	// the synthetic histories of cmd/anomalyeval 8 kept recall while 6
	// doubled the false alerts.
	Threshold float64
	// Countries, when set, enables the geographic rule; without it the
	// rule is skipped and Result.Skipped says so.
	Countries Countries
}

// Defaults of Options.
const (
	DefaultLateness     = 48 * time.Hour
	DefaultBaselineDays = 28
	DefaultLookbackDays = 30
	DefaultLearningDays = 14
	DefaultMinMessages  = 50
	DefaultThreshold    = 8.0
)

func (o Options) withDefaults() Options {
	if o.Lateness <= 0 {
		o.Lateness = DefaultLateness
	}
	if o.BaselineDays <= 0 {
		o.BaselineDays = DefaultBaselineDays
	}
	if o.LookbackDays <= 0 {
		o.LookbackDays = DefaultLookbackDays
	}
	if o.LearningDays <= 0 {
		o.LearningDays = DefaultLearningDays
	}
	if o.MinMessages <= 0 {
		o.MinMessages = DefaultMinMessages
	}
	if o.Threshold <= 0 {
		o.Threshold = DefaultThreshold
	}
	if o.AsOf.IsZero() {
		o.AsOf = time.Now()
	}
	return o
}

// Window is the first day of the data Detect needs to judge the days of
// o: its baselines over the days before Since, and before those, the
// lookback that tells whether a source of a baseline day was new.
func Window(o Options) time.Time {
	o = o.withDefaults()
	return dayOf(o.Since).time().AddDate(0, 0, -(o.BaselineDays + o.LookbackDays))
}
