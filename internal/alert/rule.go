package alert

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/anomaly"
	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/notify"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// Types of rule: the conditions an alert can be about.
const (
	// TypeComplianceBelow: a domain's DMARC compliance in the window
	// ending at its newest day with mail is below the threshold.
	TypeComplianceBelow = "compliance_below"
	// TypeNewSource: a source IP sent mail for the domain in its newest
	// NewDays days with mail and none in the LookbackDays before.
	TypeNewSource = "new_source"
	// TypeVolumeChange: the domain's mail volume in the window is far
	// above (spike) or below (drop) its usual.
	TypeVolumeChange = "volume_change"
	// TypeFailureRateIncrease: the share of mail failing DMARC in the
	// window is points above its usual.
	TypeFailureRateIncrease = "failure_rate_increase"
	// TypeNewDomain: the first report of a domain came in the last
	// NewDays days.
	TypeNewDomain = "new_domain"
	// TypeAnomaly: the anomaly detector found something on the domain's
	// newest days.
	TypeAnomaly = "anomaly"
	// TypeDNSRegression: the domain's newest DNS check has a finding its
	// check before did not.
	TypeDNSRegression = "dns_regression"
)

// Types lists the types of rule.
func Types() []string {
	return []string{TypeComplianceBelow, TypeNewSource, TypeVolumeChange, TypeFailureRateIncrease, TypeNewDomain,
		TypeAnomaly, TypeDNSRegression, TypeTLSSuccessBelow, TypeTLSNewFailure}
}

// Fixed windows of the rules.
const (
	// NewDays is how long a source or domain is new: its first mail (or
	// report) in the domain's newest three days.
	NewDays = 3
	// LookbackDays a source must have been silent to be new, the parsing
	// protocol's 30 days.
	LookbackDays = anomaly.DefaultLookbackDays
	// maxWindowDays bounds a rule's window.
	maxWindowDays = 31
)

// Rule is an alert rule. Settings are those of its Type (the settings
// types below, such as ComplianceBelow), as JSON: fields left out take
// their defaults, and Validate writes them all.
type Rule struct {
	ID   int64  `json:"id,omitempty"`
	Name string `json:"name"`
	Type string `json:"type"`
	// Domain is the policy domain the rule watches, "" for every domain.
	Domain   string          `json:"domain"`
	Settings json.RawMessage `json:"settings"`
	// Channels are the notification channels its alerts go to; empty:
	// every enabled channel subscribed to alert.triggered.
	Channels []int64 `json:"channels"`
	// Severity is that of its alerts: info, warning or critical; empty:
	// the condition's own (a failing new source is more than a passing
	// one).
	Severity string    `json:"severity,omitempty"`
	Enabled  bool      `json:"enabled"`
	Created  time.Time `json:"created,omitzero"`
	Updated  time.Time `json:"updated,omitzero"`

	settings settings // of Settings, set by Validate
}

// Window is a length of whole days, written "24h" for one day and "7d"
// for more; it reads either form ("48h" is "2d").
type Window int

// MarshalJSON writes the window.
func (w Window) MarshalJSON() ([]byte, error) { return json.Marshal(w.String()) }

// String is "24h" or "Nd".
func (w Window) String() string {
	if w == 1 {
		return "24h"
	}
	return strconv.Itoa(int(w)) + "d"
}

// UnmarshalJSON reads "7d" or a Go duration of whole days ("24h").
func (w *Window) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a window such as \"24h\" or \"7d\"")
	}
	var days int
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err := strconv.Atoi(n)
		if err != nil {
			return fmt.Errorf("%q is not a window such as \"24h\" or \"7d\"", s)
		}
		days = d
	} else {
		d, err := time.ParseDuration(s)
		if err != nil || d%(24*time.Hour) != 0 {
			return fmt.Errorf("%q is not a window of whole days, such as \"24h\" or \"7d\"", s)
		}
		days = int(d / (24 * time.Hour))
	}
	if days < 1 || days > maxWindowDays {
		return fmt.Errorf("the window is 1 to %d days", maxWindowDays)
	}
	*w = Window(days)
	return nil
}

// phrase names the window in a sentence: "the 24 hours of 2026-11-23" or
// "the 7 days to 2026-11-23", end the last day.
func (w Window) phrase(end time.Time) string {
	if w == 1 {
		return "the 24 hours of " + end.Format(time.DateOnly)
	}
	return fmt.Sprintf("the %d days to %s", int(w), end.Format(time.DateOnly))
}

// settings are the thresholds of one type of rule.
type settings interface {
	validate() error
}

// ComplianceBelow: compliance (the share of messages passing DMARC) in
// the window is below Threshold percent.
type ComplianceBelow struct {
	// Threshold in percent; default 90.
	Threshold float64 `json:"threshold"`
	// Window ending at the newest day with mail; default 24h.
	Window Window `json:"window"`
	// MinMessages below which the window is not judged; default 100.
	MinMessages int64 `json:"min_messages"`
}

// NewSource: a new source IP sent at least MinMessages messages in its
// first days.
type NewSource struct {
	// MinMessages default 10.
	MinMessages int64 `json:"min_messages"`
	// OnlyFailing: only a source whose mail mostly fails DMARC.
	OnlyFailing bool `json:"only_failing"`
}

// VolumeChange: the messages of the window against their usual, the mean
// of the same days of the week in the 4 weeks before (at least 2 of them
// after the domain's first mail).
type VolumeChange struct {
	// SpikePercent above the usual alerts (100: double); 0 off; default
	// 100.
	SpikePercent float64 `json:"spike_percent"`
	// DropPercent below the usual alerts (50: half); 0 off; default 50.
	DropPercent float64 `json:"drop_percent"`
	// Window default 24h.
	Window Window `json:"window"`
	// MinMessages the usual must reach to be judged; default 100.
	MinMessages int64 `json:"min_messages"`
}

// FailureRateIncrease: the percentage of messages failing DMARC in the
// window is Points above that of the same days of the weeks before (as
// VolumeChange).
type FailureRateIncrease struct {
	// Points default 10.
	Points float64 `json:"points"`
	// Window default 24h.
	Window Window `json:"window"`
	// MinMessages the window and its usual must each have; default 100.
	MinMessages int64 `json:"min_messages"`
}

// NewDomain has no settings.
type NewDomain struct{}

// Anomaly: an anomaly of the detector scoring MinScore or more, of one of
// Kinds (empty: all), on the domain's newest days, not marked expected.
type Anomaly struct {
	// MinScore 0 to 100; default 50, the detector's own alert level.
	MinScore int `json:"min_score"`
	// Kinds of anomaly.Kinds.
	Kinds []string `json:"kinds"`
}

// DNSRegression: a finding of MinSeverity or worse appeared in the
// domain's newest DNS check.
type DNSRegression struct {
	// MinSeverity is "warning" or "error"; default "error".
	MinSeverity string `json:"min_severity"`
}

// newSettings returns the default settings of a rule type, nil for an
// unknown one.
func newSettings(typ string) settings {
	switch typ {
	case TypeComplianceBelow:
		return &ComplianceBelow{Threshold: 90, Window: 1, MinMessages: 100}
	case TypeNewSource:
		return &NewSource{MinMessages: 10}
	case TypeVolumeChange:
		return &VolumeChange{SpikePercent: 100, DropPercent: 50, Window: 1, MinMessages: 100}
	case TypeFailureRateIncrease:
		return &FailureRateIncrease{Points: 10, Window: 1, MinMessages: 100}
	case TypeNewDomain:
		return &NewDomain{}
	case TypeAnomaly:
		return &Anomaly{MinScore: 50, Kinds: []string{}}
	case TypeDNSRegression:
		return &DNSRegression{MinSeverity: string(dnscheck.SeverityError)}
	case TypeTLSSuccessBelow:
		return &TLSSuccessBelow{Threshold: 95, Window: 7, MinSessions: 100}
	case TypeTLSNewFailure:
		return &TLSNewFailure{MinSessions: 1}
	}
	return nil
}

func (s *ComplianceBelow) validate() error {
	if s.Threshold <= 0 || s.Threshold > 100 {
		return invalid("settings.threshold", "a percentage above 0, at most 100")
	}
	return minMessages(s.MinMessages)
}

func (s *NewSource) validate() error { return minMessages(s.MinMessages) }

func (s *VolumeChange) validate() error {
	switch {
	case s.SpikePercent < 0:
		return invalid("settings.spike_percent", "0 (off) or more")
	case s.DropPercent < 0 || s.DropPercent >= 100:
		return invalid("settings.drop_percent", "0 (off) to below 100")
	case s.SpikePercent == 0 && s.DropPercent == 0:
		return invalid("settings.spike_percent", "a spike, a drop or both are required")
	}
	return minMessages(s.MinMessages)
}

func (s *FailureRateIncrease) validate() error {
	if s.Points <= 0 || s.Points > 100 {
		return invalid("settings.points", "percentage points above 0, at most 100")
	}
	return minMessages(s.MinMessages)
}

func (s *NewDomain) validate() error { return nil }

func (s *Anomaly) validate() error {
	if s.MinScore < 0 || s.MinScore > 100 {
		return invalid("settings.min_score", "0 to 100")
	}
	for _, k := range s.Kinds {
		if !slices.Contains(anomaly.Kinds, k) {
			return invalid("settings.kinds", "%q is not one of %s", k, strings.Join(anomaly.Kinds, ", "))
		}
	}
	if s.Kinds == nil {
		s.Kinds = []string{}
	}
	slices.Sort(s.Kinds)
	s.Kinds = slices.Compact(s.Kinds)
	return nil
}

func (s *DNSRegression) validate() error {
	switch dnscheck.Severity(s.MinSeverity) {
	case dnscheck.SeverityWarning, dnscheck.SeverityError:
		return nil
	}
	return invalid("settings.min_severity", "warning or error")
}

func minMessages(n int64) error {
	if n < 0 {
		return invalid("settings.min_messages", "0 or more")
	}
	return nil
}

// ValidationError is a setting of a rule that is not acceptable, for the
// API's answer: notify's, so one answer serves channels and rules.
type ValidationError = notify.ValidationError

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Validate checks r and writes its settings in full, defaults filled in.
// It returns a *ValidationError (errors.As) naming the first setting that
// is wrong.
func (r *Rule) Validate() error {
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" || len(r.Name) > 100 {
		return invalid("name", "a name of 1 to 100 characters is required")
	}
	s := newSettings(r.Type)
	if s == nil {
		return invalid("type", "%q is not one of %s", r.Type, strings.Join(Types(), ", "))
	}
	r.Domain = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(r.Domain), "."))
	if len(r.Domain) > 253 || strings.ContainsAny(r.Domain, " /\\@") {
		return invalid("domain", "a domain name, or empty for every domain")
	}
	if raw := bytes.TrimSpace(r.Settings); len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(s); err != nil {
			return invalid("settings", "the settings of %s: %v", r.Type, err)
		}
	}
	if err := s.validate(); err != nil {
		return err
	}
	js, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("settings of rule %q: %w", r.Name, err)
	}
	r.Settings, r.settings = js, s
	for _, id := range r.Channels {
		if id <= 0 {
			return invalid("channels", "channel ids are positive")
		}
	}
	if r.Channels == nil {
		r.Channels = []int64{}
	}
	slices.Sort(r.Channels)
	r.Channels = slices.Compact(r.Channels)
	switch r.Severity {
	case "", notice.Info, notice.Warning, notice.Critical:
	default:
		return invalid("severity", "info, warning, critical, or empty for the condition's own")
	}
	return nil
}

// toStore is r as the store keeps it.
func (r *Rule) toStore() store.AlertRule {
	return store.AlertRule{ID: r.ID, Name: r.Name, Type: r.Type, Domain: r.Domain, Settings: r.Settings,
		Channels: r.Channels, Severity: r.Severity, Enabled: r.Enabled, Created: r.Created, Updated: r.Updated}
}

// ruleOf is a stored rule, validated; an error for one that is not valid
// any more (written by another version).
func ruleOf(sr store.AlertRule) (Rule, error) {
	r := Rule{ID: sr.ID, Name: sr.Name, Type: sr.Type, Domain: sr.Domain, Settings: sr.Settings, Channels: sr.Channels,
		Severity: sr.Severity, Enabled: sr.Enabled, Created: sr.Created, Updated: sr.Updated}
	if err := r.Validate(); err != nil {
		return r, fmt.Errorf("alert rule %d: %w", sr.ID, err)
	}
	return r, nil
}

// Presets are rules worth having, for the dashboard to offer: the engine
// makes none by itself, so a new installation sends nothing nobody asked
// for. Each is enabled, for every domain, to the channels subscribed to
// alert.triggered.
func Presets() []Rule {
	presets := []struct{ name, typ, settings string }{
		{"Compliance below 90%", TypeComplianceBelow, `{"threshold":90,"window":"24h"}`},
		{"New failing source", TypeNewSource, `{"min_messages":100,"only_failing":true}`},
		{"Volume spike or drop", TypeVolumeChange, `{}`},
		{"Failure rate up 10 points", TypeFailureRateIncrease, `{"points":10}`},
		{"First report from a new domain", TypeNewDomain, `{}`},
		{"Anomalies the detector alerts on", TypeAnomaly, `{"min_score":50}`},
		{"DNS record errors", TypeDNSRegression, `{"min_severity":"error"}`},
		{"TLS sessions below 95% successful", TypeTLSSuccessBelow, `{"threshold":95,"window":"7d"}`},
		{"New TLS failure at an MX host", TypeTLSNewFailure, `{}`},
	}
	out := make([]Rule, len(presets))
	for i, p := range presets {
		out[i] = Rule{Name: p.name, Type: p.typ, Settings: json.RawMessage(p.settings), Enabled: true}
		out[i].Validate() // TestPresets checks each is valid

	}
	return out
}
