package anomaly

import (
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// feedback is History.Expected indexed for the detector.
type feedback struct {
	// marked by kind and key.
	marked map[[2]string]*store.ExpectedAnomaly
	// sources are the IPs marked expected as new (new_source or
	// new_unauthorized): a known sender, whichever way it authenticated,
	// so neither kind flags it and it does not count as new.
	sources map[string]bool
	// days are the days marked expected, each for the value of its kind.
	days []expectedDay
}

type expectedDay struct {
	d       day
	feature string
}

func newFeedback(list []store.ExpectedAnomaly) *feedback {
	fb := &feedback{marked: map[[2]string]*store.ExpectedAnomaly{}, sources: map[string]bool{}}
	for i := range list {
		e := &list[i]
		fb.marked[[2]string{e.Kind, e.Key}] = e
		switch KeyKind(e.Kind) {
		case "ip":
			if e.Kind == KindNewSource || e.Kind == KindNewUnauthorized {
				fb.sources[e.Key] = true
			}
		case "day":
			if t, err := time.Parse(time.DateOnly, e.Key); err == nil {
				fb.days = append(fb.days, expectedDay{dayOf(t), featureOf(e.Kind)})
			}
		}
	}
	return fb
}

// source reports whether ip was marked expected as a new source.
func (fb *feedback) source(ip string) bool { return fb.sources[ip] }

// of is the feedback marking an anomaly of kind and key expected, nil
// when none. A source marked expected under one of the two new-source
// kinds is expected under the other.
func (fb *feedback) of(kind, key string) *store.ExpectedAnomaly {
	if e := fb.marked[[2]string{kind, key}]; e != nil {
		return e
	}
	switch kind {
	case KindNewSource:
		return fb.marked[[2]string{KindNewUnauthorized, key}]
	case KindNewUnauthorized:
		return fb.marked[[2]string{KindNewSource, key}]
	}
	return nil
}
