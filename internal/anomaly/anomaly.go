package anomaly

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// Kinds of anomaly. The first four are the protocol's types; the others
// extend them. Day kinds have the day (YYYY-MM-DD) as key, source kinds
// the source IP, geographic_shift the country.
const (
	// KindVolumeSpike: the day's volume is far above its baseline, or
	// above 200% of the 7-day average (the protocol's rule).
	KindVolumeSpike = "volume_spike"
	// KindNewUnauthorized: a new source IP whose mail fails both DKIM
	// and SPF (the protocol's rule: any such source is listed).
	KindNewUnauthorized = "new_unauthorized"
	// KindPassRateDrop: the day's DMARC pass rate is far below its
	// baseline, or more than 10 points below it (the protocol's rule).
	KindPassRateDrop = "pass_rate_drop"
	// KindGeographicShift: mail from a country none came from in the
	// lookback (the protocol's rule, 30 days).
	KindGeographicShift = "geographic_shift"
	// KindVolumeDrop: the day's volume is far below its baseline, and
	// below the weekend's level too (not a holiday).
	KindVolumeDrop = "volume_drop"
	// KindFailingVolume: the day's messages failing DMARC are far above
	// their baseline.
	KindFailingVolume = "failing_volume"
	// KindNewSources: far more new source IPs than usual on the day.
	KindNewSources = "new_sources"
	// KindNewSource: a new source IP with notable volume that does not
	// fail both DKIM and SPF: a new sender, often one whose SPF or DKIM
	// is not set up.
	KindNewSource = "new_source"
	// KindSourceAuthDrop: a known source IP passes DMARC far less than
	// it did: a broken DKIM key, a changed SPF record.
	KindSourceAuthDrop = "source_auth_drop"
)

// Kinds lists every kind, the protocol's first.
var Kinds = []string{KindVolumeSpike, KindNewUnauthorized, KindPassRateDrop, KindGeographicShift,
	KindVolumeDrop, KindFailingVolume, KindNewSources, KindNewSource, KindSourceAuthDrop}

// KeyKind says what the key of an anomaly of kind is: "day", "ip" or
// "country"; "" for an unknown kind.
func KeyKind(kind string) string {
	switch kind {
	case KindVolumeSpike, KindPassRateDrop, KindVolumeDrop, KindFailingVolume, KindNewSources:
		return "day"
	case KindNewUnauthorized, KindNewSource, KindSourceAuthDrop:
		return "ip"
	case KindGeographicShift:
		return "country"
	}
	return ""
}

// ID is the stable id of the anomaly of a domain, kind and key: the same
// anomaly has the same id in every run, so feedback and alerts refer to
// it. It is the first 16 hex digits of a SHA-256.
func ID(domain, kind, key string) string {
	h := sha256.Sum256([]byte(domain + "\x00" + kind + "\x00" + key))
	return hex.EncodeToString(h[:8])
}

// Date is a UTC day, YYYY-MM-DD in JSON.
type Date struct{ time.Time }

// MarshalJSON writes the day as "YYYY-MM-DD".
func (d Date) MarshalJSON() ([]byte, error) {
	return []byte(`"` + d.Format(time.DateOnly) + `"`), nil
}

// UnmarshalJSON reads a day written by MarshalJSON.
func (d *Date) UnmarshalJSON(b []byte) error {
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("day %s: not a string", b)
	}
	d.Time, err = time.Parse(time.DateOnly, s)
	return err
}

// Anomaly is one finding. Source and country anomalies found on several
// days are one anomaly (one id): Day is the first, LastDay the last, and
// the other fields are those of the day that scored highest.
type Anomaly struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Key     string `json:"key"`
	Day     Date   `json:"day"`
	LastDay Date   `json:"last_day"`
	Days    int    `json:"days"`
	// Score is 0 to 100: 50 is a deviation of Options.Threshold MADs, or
	// a new source sending 2% of a usual day; the protocol's rules score
	// at least 60 when their change is at least MinMessages.
	Score int `json:"score"`
	// Confidence is high, medium or low, by the days the baseline had.
	Confidence string `json:"confidence"`
	// Severity is the protocol's high, medium or low, from the score.
	Severity string `json:"severity"`
	// Alert is true when the score is at least 50, nobody marked the
	// anomaly expected, and it does not continue an episode.
	Alert    bool `json:"alert"`
	Expected bool `json:"expected"`
	// EpisodeStart is the first day of the run of days flagged with the
	// same day kind that this one continues; only that first day
	// alerts. It is Day for source and country kinds.
	EpisodeStart Date `json:"episode_start"`
	// Provisional: judged on a day whose reports may still arrive.
	Provisional bool `json:"provisional"`
	// Rule is the protocol threshold the anomaly crossed, if any.
	Rule        string   `json:"rule,omitempty"`
	Explanation string   `json:"explanation"`
	Evidence    []string `json:"evidence"`
	// Value and Baseline are the day's value and its usual one (messages,
	// or a pass rate in percent); Deviation is their distance in MADs,
	// zero for rules without a baseline.
	Value     float64 `json:"value"`
	Baseline  float64 `json:"baseline"`
	Deviation float64 `json:"deviation"`
	// Messages are the messages concerned (the protocol's
	// affected_records).
	Messages int64 `json:"affected_messages"`
	// Feedback is who marked the anomaly expected, when and why.
	Feedback *store.ExpectedAnomaly `json:"feedback,omitempty"`
}

// Usual are the baselines of one class of days.
type Usual struct {
	Days       int     `json:"days"`
	Volume     float64 `json:"volume"`
	PassRate   float64 `json:"pass_rate"` // percent; 0 when not learned
	Failing    float64 `json:"failing"`
	NewSources float64 `json:"new_sources"`
}

// Result is what Detect found.
type Result struct {
	Domain string `json:"domain"`
	Since  Date   `json:"since"`
	Until  Date   `json:"until"`
	// AsOf is when the data counts as read: Options.AsOf, or the end of
	// the domain's last day with data when that is earlier.
	AsOf time.Time `json:"as_of"`
	// LearningUntil is the first day anomalies are reported on; Learning
	// is true when days of the range came before it.
	LearningUntil Date `json:"learning_until"`
	Learning      bool `json:"learning"`
	// Provisional are the days of the range whose reports may still
	// arrive.
	Provisional []Date `json:"provisional_days"`
	// Skipped says which rules did not run, and why.
	Skipped []string `json:"skipped"`
	// Weekdays and Weekend are the baselines before the last day judged.
	Weekdays Usual `json:"usual_weekdays"`
	Weekend  Usual `json:"usual_weekend"`
	// Anomalies, newest day first, then by score.
	Anomalies []Anomaly `json:"anomalies"`
}
