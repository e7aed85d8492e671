package reputation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// DefaultAbuseIPDBURL is the base of AbuseIPDB's API v2.
const DefaultAbuseIPDBURL = "https://api.abuseipdb.com/api/v2"

// AbuseIPDBPerDay is the free tier's limit of check requests a day.
const AbuseIPDBPerDay = 1000

// abuseIPDBMaxAge is the window of reports asked for, in days: the
// default of the check endpoint's maxAgeInDays (1 to 365).
const abuseIPDBMaxAge = 90

// Thresholds of AbuseIPDB's abuse confidence score (0-100), its own
// estimate of how likely the address is abusive: the service suggests
// blocking from 75 up (https://docs.abuseipdb.com/#check-endpoint, and
// its blocklist default), and 25 is where single reports stop being noise.
const (
	abuseBad        = 75
	abuseSuspicious = 25
)

// AbuseIPDBData is what AbuseIPDB's check endpoint tells of an address.
type AbuseIPDBData struct {
	// AbuseConfidenceScore is AbuseIPDB's confidence (0-100) that the
	// address is abusive.
	AbuseConfidenceScore int `json:"abuse_confidence_score"`
	// TotalReports and DistinctUsers count the reports of the last 90
	// days and the users who sent them.
	TotalReports   int       `json:"total_reports"`
	DistinctUsers  int       `json:"distinct_users"`
	LastReportedAt time.Time `json:"last_reported_at,omitzero"`
	UsageType      string    `json:"usage_type,omitempty"`
	ISP            string    `json:"isp,omitempty"`
	Domain         string    `json:"domain,omitempty"`
	CountryCode    string    `json:"country_code,omitempty"`
	// IsWhitelisted: AbuseIPDB knows the address as a legitimate service.
	IsWhitelisted bool `json:"is_whitelisted"`
	IsTor         bool `json:"is_tor,omitempty"`
}

// abuseIPDB is the provider of https://www.abuseipdb.com.
type abuseIPDB struct{}

func (abuseIPDB) id() string    { return "abuseipdb" }
func (abuseIPDB) label() string { return "AbuseIPDB" }

// request is GET {base}/check?ipAddress=&maxAgeInDays=90 with the key in
// the Key header.
func (abuseIPDB) request(ctx context.Context, base, key string, addr netip.Addr) (*http.Request, error) {
	q := url.Values{"ipAddress": {addr.String()}, "maxAgeInDays": {fmt.Sprint(abuseIPDBMaxAge)}}
	return keyedGet(ctx, base, "/check?"+q.Encode(), "Key", key)
}

// decode reads {"data": {...}}. Fields AbuseIPDB may send as null
// (isWhitelisted, usageType, domain, lastReportedAt) are zero then.
func (abuseIPDB) decode(body []byte, r *Result) error {
	var a struct {
		Data *struct {
			AbuseConfidenceScore *int    `json:"abuseConfidenceScore"`
			TotalReports         int     `json:"totalReports"`
			NumDistinctUsers     int     `json:"numDistinctUsers"`
			LastReportedAt       *string `json:"lastReportedAt"`
			UsageType            *string `json:"usageType"`
			ISP                  *string `json:"isp"`
			Domain               *string `json:"domain"`
			CountryCode          *string `json:"countryCode"`
			IsWhitelisted        *bool   `json:"isWhitelisted"`
			IsTor                bool    `json:"isTor"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return err
	}
	d := a.Data
	if d == nil || d.AbuseConfidenceScore == nil {
		return errors.New("no data.abuseConfidenceScore")
	}
	if s := *d.AbuseConfidenceScore; s < 0 || s > 100 || d.TotalReports < 0 || d.NumDistinctUsers < 0 {
		return fmt.Errorf("abuse confidence score %d or report counts out of range", s)
	}
	out := &AbuseIPDBData{AbuseConfidenceScore: *d.AbuseConfidenceScore, TotalReports: d.TotalReports,
		DistinctUsers: d.NumDistinctUsers, UsageType: deref(d.UsageType), ISP: deref(d.ISP),
		Domain: deref(d.Domain), CountryCode: deref(d.CountryCode), IsTor: d.IsTor,
		IsWhitelisted: d.IsWhitelisted != nil && *d.IsWhitelisted}
	if s := deref(d.LastReportedAt); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return fmt.Errorf("lastReportedAt: %w", err)
		}
		out.LastReportedAt = t.UTC()
	}
	r.AbuseIPDBData = out
	return nil
}

// assess judges the abuse confidence score; a whitelisted address is
// clean whatever its reports.
func (abuseIPDB) assess(r *Result) *Assessment {
	d := r.AbuseIPDBData
	if d == nil {
		return nil
	}
	score := 100 - d.AbuseConfidenceScore
	var extra []string
	if d.IsTor {
		extra = append(extra, "AbuseIPDB: a Tor exit node")
	}
	if d.IsWhitelisted {
		return assessment(Clean, 100, append([]string{"AbuseIPDB lists it as a known legitimate service (whitelisted)"}, extra...)...)
	}
	if d.TotalReports == 0 {
		return assessment(Clean, score, append([]string{fmt.Sprintf("AbuseIPDB has no abuse reports of it in %d days", abuseIPDBMaxAge)}, extra...)...)
	}
	reason := fmt.Sprintf("AbuseIPDB confidence %d%% from %s in %d days", d.AbuseConfidenceScore, plural(int64(d.TotalReports), "report"), abuseIPDBMaxAge)
	if !d.LastReportedAt.IsZero() {
		reason += ", the last on " + d.LastReportedAt.Format("2006-01-02")
	}
	v := Clean
	switch {
	case d.AbuseConfidenceScore >= abuseBad:
		v = Bad
	case d.AbuseConfidenceScore >= abuseSuspicious || d.IsTor:
		v = Suspicious
	}
	return assessment(v, score, append([]string{reason}, extra...)...)
}

// problem reads the errors of an error answer:
// {"errors": [{"detail": "...", "status": 401}]}.
func (abuseIPDB) problem(body []byte) string {
	var e struct {
		Errors []struct {
			Detail string `json:"detail"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	var details []string
	for _, x := range e.Errors {
		if x.Detail != "" {
			details = append(details, x.Detail)
		}
	}
	return truncate(strings.Join(details, "; "), 300)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
