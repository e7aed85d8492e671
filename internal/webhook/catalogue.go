package webhook

import (
	"encoding/json"
	"time"
)

// Info describes an event type, with an example for payload previews and
// the API's event list.
type Info struct {
	Type        string `json:"event"`
	Description string `json:"description"`
	Example     Event  `json:"example"`
}

// Catalogue describes every event type of Types, with examples dated at
// (to the second) whose links start with baseURL (none when empty).
func Catalogue(at time.Time, baseURL string) []Info {
	var out []Info
	for _, typ := range Types() {
		ev, _ := Example(typ, at, baseURL)
		out = append(out, Info{Type: typ, Description: descriptions[typ], Example: ev})
	}
	return out
}

var descriptions = map[string]string{
	ReportReceived:    "A new aggregate report was stored.",
	ComplianceChanged: "A domain's DMARC compliance crossed a threshold.",
	SourceNew:         "A domain got mail from a source IP never seen before.",
	AlertTriggered:    "An alert rule's condition was met.",
	Ping:              "A test of the endpoint (send test).",
}

// Example returns an event of type typ with example data, as the roadmap
// shows it, and false for an unknown type. Its id is fixed, so previews
// of the same type are alike.
func Example(typ string, at time.Time, baseURL string) (Event, bool) {
	link := func(path string) string {
		if baseURL == "" {
			return ""
		}
		return baseURL + path
	}
	day := at.UTC().Truncate(24 * time.Hour)
	var data any
	switch typ {
	case ReportReceived:
		data = ReportReceivedData{ID: 1234, Domain: "example.com", OrgName: "google.com", ReportID: "12345678901234567890",
			Begin: day.Add(-24 * time.Hour), End: day.Add(-time.Second), Messages: 1820, DMARCPass: 1791, Compliance: 98.4,
			Records: 14, Status: "valid", URL: link("/reports/1234")}
	case ComplianceChanged:
		data = ComplianceChangedData{Domain: "example.com", PreviousCompliance: 98.5, CurrentCompliance: 72.3, Period: "24h",
			Threshold: 90, TopFailureSource: "192.0.2.100", URL: link("/domains/example.com")}
	case SourceNew:
		data = SourceNewData{Domain: "example.com", SourceIP: "198.51.100.7", FirstSeen: day, Messages: 312, DMARCPass: 0,
			Organization: "Example Hosting", ASN: 64500, Country: "NL", URL: link("/sources/198.51.100.7")}
	case AlertTriggered:
		data = AlertTriggeredData{AlertID: "alert_42", Rule: "Compliance below 90%", Type: "compliance_below", Domain: "example.com",
			Severity: "critical", Title: "DMARC Alert: example.com",
			Summary: "Compliance dropped from 98% to 72% in the last 24 hours.",
			Facts:   []Fact{{"Top failure source", "192.0.2.100 (Unknown - AS64500)"}, {"Failed messages", "1,247"}},
			URL:     link("/domains/example.com")}
	case Ping:
		data = PingData{Message: "A test from Parse DMARC: this endpoint is configured."}
	default:
		return Event{}, false
	}
	raw, _ := json.Marshal(data)
	return Event{ID: "evt_000000000000000000000000", Type: typ, Timestamp: at.UTC().Truncate(time.Second), Data: raw}, true
}
