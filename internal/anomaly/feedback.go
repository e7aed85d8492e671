package anomaly

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
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

// ErrKey is wrapped by CanonicalKey's errors.
var ErrKey = errors.New("not a key of this kind")

// CanonicalKey checks that key can be the key of an anomaly of kind and
// returns it as the detector writes it: a day as YYYY-MM-DD, an IP address
// in its canonical form (an IP the store holds as reported, not an
// address, as it is), a country code in upper case. It is how feedback
// from people is made to match the anomalies it is about.
func CanonicalKey(kind, key string) (string, error) {
	key = strings.TrimSpace(key)
	switch KeyKind(kind) {
	case "day":
		t, err := time.Parse(time.DateOnly, key)
		if err != nil {
			return "", fmt.Errorf("%s key %q: a day, YYYY-MM-DD: %w", kind, key, ErrKey)
		}
		return t.Format(time.DateOnly), nil
	case "ip":
		if a, err := netip.ParseAddr(key); err == nil {
			return a.String(), nil
		}
		if key == "" {
			return "", fmt.Errorf("%s key: a source IP: %w", kind, ErrKey)
		}
		return key, nil
	case "country":
		cc := strings.ToUpper(key)
		if len(cc) != 2 || strings.Trim(cc, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			return "", fmt.Errorf("%s key %q: a country code, ISO 3166-1 alpha-2: %w", kind, key, ErrKey)
		}
		return cc, nil
	}
	return "", fmt.Errorf("kind %q: one of %s: %w", kind, strings.Join(Kinds, ", "), ErrKey)
}
