package digest

import (
	"time"
)

// Digest is one report about a period and a set of domains, as the
// renderings show it and the API returns it as JSON.
type Digest struct {
	Kind Kind `json:"kind"`
	// Title is the report's name, such as "Weekly DMARC digest".
	Title string `json:"title"`
	// Period is the period reported on, Previous the one it is compared
	// with.
	Period   Period    `json:"period"`
	Previous Period    `json:"previous_period"`
	Made     time.Time `json:"generated_at"`
	// Domains are the domains reported on; AllDomains is true when the
	// request named none (every domain with reports).
	Domains    []string `json:"domains"`
	AllDomains bool     `json:"all_domains"`
	// Sections are those included, in display order.
	Sections []string `json:"sections"`
	Headline Headline `json:"headline"`
	// Chart is the compliance trend up to the period's end.
	Chart Chart `json:"chart"`
	// DomainRows are the domains with mail in the period or the one
	// before, the most mail first.
	DomainRows []DomainRow `json:"domain_rows"`
	// Events are the notable events of the period, the most important
	// first, at most MaxEvents.
	Events []Event `json:"events"`
	// Issues are the top issues to act on, the most failing legitimate
	// mail first, at most MaxIssues.
	Issues []Issue `json:"issues"`
	// TopSources are the sources with the most mail in the period, at
	// most MaxSources; NewSources those first seen in it.
	TopSources []Source `json:"top_sources"`
	NewSources []Source `json:"new_sources"`
	// DNS is the DNS status of each domain with a stored check.
	DNS []DomainDNS `json:"dns"`
	// Notes say what the reader should know about the data: late
	// reports, domains left out.
	Notes []string `json:"notes"`
	// URL opens the dashboard, when its address is known.
	URL string `json:"url,omitempty"`
}

// Period is a range of UTC days [Start, End).
type Period struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Days is the number of days of p.
func (p Period) Days() int { return int(p.End.Sub(p.Start) / (24 * time.Hour)) }

// Headline are the numbers of the period against the previous one.
type Headline struct {
	Messages     int64   `json:"messages"`
	Passing      int64   `json:"passing"`
	Failing      int64   `json:"failing"`
	PassRate     float64 `json:"pass_rate"`
	PrevMessages int64   `json:"previous_messages"`
	PrevPassRate float64 `json:"previous_pass_rate"`
	// PassRateChange is in points; VolumeChange in percent, nil when the
	// previous period had no mail.
	PassRateChange float64  `json:"pass_rate_change"`
	VolumeChange   *float64 `json:"volume_change"`
	// Direction is improving, declining, stable or unknown, as package
	// trend judges a pass rate's change.
	Direction string `json:"direction"`
	// Domains counts the domains with mail in the period; Sources the
	// distinct source IPs (an estimate across domains); Alerts the
	// anomalies that alerted; Issues the issues found.
	Domains int   `json:"domains"`
	Sources int64 `json:"sources"`
	Alerts  int   `json:"alerts"`
	Issues  int   `json:"issues"`
	// Rejected and Quarantined count the messages receivers rejected or
	// quarantined under the domains' policies.
	Rejected    int64 `json:"rejected"`
	Quarantined int64 `json:"quarantined"`
}

// Chart is the compliance trend: the pass rate and the passing and
// failing volume per bucket, the period's own buckets marked.
type Chart struct {
	// Bucket is "day" or "week" (weeks start on Monday).
	Bucket string       `json:"bucket"`
	Points []ChartPoint `json:"points"`
}

// ChartPoint is one bucket of a Chart.
type ChartPoint struct {
	Start    time.Time `json:"start"`
	Passing  int64     `json:"passing"`
	Failing  int64     `json:"failing"`
	PassRate float64   `json:"pass_rate"` // 0 when no mail
	// InPeriod marks the buckets of the period reported on.
	InPeriod bool `json:"in_period"`
}

// DomainRow is a domain's line of the domain table.
type DomainRow struct {
	Domain       string  `json:"domain"`
	Messages     int64   `json:"messages"`
	Failing      int64   `json:"failing"`
	PassRate     float64 `json:"pass_rate"`
	PrevPassRate float64 `json:"previous_pass_rate"`
	Change       float64 `json:"pass_rate_change"`
	Direction    string  `json:"direction"`
	// Score and Grade are the health score of the period (package
	// analysis), ScoreChange against the previous one.
	Score       int    `json:"score"`
	Grade       string `json:"grade"`
	ScoreChange int    `json:"score_change"`
	// Policy is the p= the newest report shows; NextStep the policy
	// advisor's next step when it can be taken now.
	Policy   string `json:"policy"`
	NextStep string `json:"next_step,omitempty"`
	Alerts   int    `json:"alerts"`
	// Detailed is false for domains beyond MaxDetailed: their trend,
	// anomalies and issues were not read.
	Detailed bool `json:"detailed"`
}

// Event kinds.
const (
	EventAnomaly   = "anomaly"
	EventNewSource = "new_source"
	EventDNS       = "dns_change"
)

// Event is a notable event of the period.
type Event struct {
	Day    time.Time `json:"day"`
	Domain string    `json:"domain"`
	Kind   string    `json:"kind"`
	// Severity is high, medium or low.
	Severity string `json:"severity"`
	Text     string `json:"text"`
	// Messages is the mail concerned, for ranking.
	Messages int64 `json:"messages"`
}

// Issue is a legitimate source whose mail fails DMARC, with what to do.
type Issue struct {
	Domain   string `json:"domain"`
	SourceIP string `json:"source_ip"`
	Service  string `json:"service,omitempty"`
	Messages int64  `json:"messages"`
	Failing  int64  `json:"failing"`
	// Fix says what to do in a sentence.
	Fix string `json:"fix"`
}

// Source is a source IP of the period.
type Source struct {
	Domain   string  `json:"domain"`
	IP       string  `json:"ip"`
	Messages int64   `json:"messages"`
	PassRate float64 `json:"pass_rate"`
	// Class is legitimate, suspicious or unknown (package trend's
	// classification from the counters).
	Class string `json:"class,omitempty"`
}

// DomainDNS is a domain's DNS status: its newest stored check and what
// changed in the period.
type DomainDNS struct {
	Domain    string    `json:"domain"`
	CheckedAt time.Time `json:"checked_at"`
	// Status is ok, warning or error.
	Status string `json:"status"`
	// Records are "DMARC ok", "SPF warning", ... of the newest check.
	Records []string `json:"records"`
	// Changes are what changed in the period, the newest first; a
	// Regression made something worse.
	Changes []DNSChange `json:"changes"`
}

// DNSChange is one change of a domain's records.
type DNSChange struct {
	At         time.Time `json:"at"`
	Text       string    `json:"text"`
	Regression bool      `json:"regression"`
}

// Limits of a digest's lists.
const (
	MaxEvents  = 10
	MaxIssues  = 10
	MaxSources = 10
	// MaxDetailed bounds the domains whose trend, anomalies and issues
	// are read: each costs the anomaly detector's read of the domain's
	// weeks of source rows and the advisor's read of its failing sources'
	// records.
	MaxDetailed = 20
)
