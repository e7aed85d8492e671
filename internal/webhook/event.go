package webhook

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Event types. Every type but Ping can be chosen in an endpoint's event
// filter; Ping is sent by "send test" only.
const (
	// ReportReceived: a new aggregate report was stored.
	ReportReceived = "report.received"
	// ComplianceChanged: a domain's DMARC compliance crossed a threshold.
	ComplianceChanged = "compliance.changed"
	// SourceNew: a domain got mail from a source IP never seen before.
	SourceNew = "source.new"
	// AlertTriggered: an alert rule's condition was met.
	AlertTriggered = "alert.triggered"
	// Ping tests an endpoint.
	Ping = "ping"
)

// Types lists the event types an endpoint can subscribe to.
func Types() []string {
	return []string{ReportReceived, ComplianceChanged, SourceNew, AlertTriggered}
}

// Known reports whether typ is one of Types.
func Known(typ string) bool { return slices.Contains(Types(), typ) }

// Event is what an endpoint receives, as JSON.
type Event struct {
	// ID identifies the event across delivery attempts and endpoints.
	ID string `json:"id"`
	// Type is one of the event types, such as ComplianceChanged.
	Type string `json:"event"`
	// Timestamp is when the event happened, UTC, to the second.
	Timestamp time.Time `json:"timestamp"`
	// Data is the type's data, such as a ComplianceChanged.
	Data json.RawMessage `json:"data"`
}

// New returns an event of type typ with data encoded as JSON, a new random
// id and the timestamp at, truncated to the second (time.Now when zero).
func New(typ string, at time.Time, data any) (Event, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Event{}, fmt.Errorf("event %s: encode data: %w", typ, err)
	}
	if at.IsZero() {
		at = time.Now()
	}
	return Event{ID: NewID(), Type: typ, Timestamp: at.UTC().Truncate(time.Second), Data: raw}, nil
}

// NewID returns a random event id, "evt_" and 24 hex digits.
func NewID() string {
	var b [12]byte
	rand.Read(b[:])
	return "evt_" + hex.EncodeToString(b[:])
}

// ReportReceived is the data of a report.received event.
type ReportReceivedData struct {
	// ID is the report's id in the store (GET /api/v1/reports/{id}).
	ID int64 `json:"id"`
	// Domain is the report's policy domain.
	Domain string `json:"domain"`
	// OrgName and ReportID identify the report as its reporter did.
	OrgName  string `json:"org_name"`
	ReportID string `json:"report_id"`
	// Begin and End are the report's date range.
	Begin time.Time `json:"date_begin"`
	End   time.Time `json:"date_end"`
	// Messages counts the messages the report covers, DMARCPass those
	// that passed DMARC, and Compliance is their share in percent.
	Messages   int64   `json:"messages"`
	DMARCPass  int64   `json:"dmarc_pass"`
	Compliance float64 `json:"compliance"`
	// Records is the number of rows.
	Records int64 `json:"records"`
	// Status is the validation status: "valid", "warnings" or "errors".
	Status string `json:"validation_status"`
	// URL shows the report in the dashboard, when the server knows its
	// public address.
	URL string `json:"url,omitempty"`
}

// ComplianceChangedData is the data of a compliance.changed event, in
// the roadmap's shape.
type ComplianceChangedData struct {
	Domain string `json:"domain"`
	// PreviousCompliance and CurrentCompliance are DMARC pass rates in
	// percent, of the period before and of the last Period.
	PreviousCompliance float64 `json:"previous_compliance"`
	CurrentCompliance  float64 `json:"current_compliance"`
	// Period is the length compared, such as "24h" or "7d".
	Period string `json:"period"`
	// Threshold is the compliance crossed, in percent, when a rule set one.
	Threshold float64 `json:"threshold,omitempty"`
	// TopFailureSource is the source IP with the most failing messages.
	TopFailureSource string `json:"top_failure_source,omitempty"`
	URL              string `json:"url,omitempty"`
}

// SourceNewData is the data of a source.new event.
type SourceNewData struct {
	Domain   string `json:"domain"`
	SourceIP string `json:"source_ip"`
	// FirstSeen is the first day the source sent mail for the domain.
	FirstSeen time.Time `json:"first_seen"`
	Messages  int64     `json:"messages"`
	// DMARCPass counts its messages that passed DMARC.
	DMARCPass int64 `json:"dmarc_pass"`
	// Organization, ASN and Country describe the IP when known.
	Organization string `json:"organization,omitempty"`
	ASN          uint32 `json:"asn,omitempty"`
	Country      string `json:"country,omitempty"`
	URL          string `json:"url,omitempty"`
}

// AlertTriggeredData is the data of an alert.triggered event.
type AlertTriggeredData struct {
	// AlertID identifies the alert; Rule names the rule that raised it
	// and Type its condition, such as "compliance_below".
	AlertID string `json:"alert_id"`
	Rule    string `json:"rule,omitempty"`
	Type    string `json:"type"`
	Domain  string `json:"domain,omitempty"`
	// Severity is "info", "warning" or "critical".
	Severity string `json:"severity"`
	Title    string `json:"title"`
	Summary  string `json:"summary"`
	// Facts are the alert's details as name and value.
	Facts []Fact `json:"facts,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Fact is a name and a value.
type Fact struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// PingData is the data of a ping event.
type PingData struct {
	Message string `json:"message"`
}
