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

// DefaultVirusTotalURL is the base of VirusTotal's API v3.
const DefaultVirusTotalURL = "https://www.virustotal.com/api/v3"

// The public (free) API's limits of lookups.
const (
	VirusTotalPerMinute = 4
	VirusTotalPerDay    = 500
)

// Thresholds of the security vendors flagging an address as malicious:
// one vendor alone is often a false positive, three agreeing rarely are.
const vtBad = 3

// Bounds of what an answer may hold: VirusTotal has about 95 vendors, and
// JSON cannot write a time after the year 9999.
const (
	maxVendors = 10000
	maxUnix    = 253402300800 // 10000-01-01
)

// VirusTotalData is what VirusTotal tells of an address: the verdicts of
// the security vendors' last analysis, and its community score.
type VirusTotalData struct {
	// Malicious, Suspicious, Harmless and Undetected count the vendors
	// of each verdict (last_analysis_stats).
	Malicious  int `json:"malicious"`
	Suspicious int `json:"suspicious"`
	Harmless   int `json:"harmless"`
	Undetected int `json:"undetected"`
	// Reputation is the community score: votes and more, below 0 when
	// users judged it harmful.
	Reputation   int       `json:"reputation"`
	ASOwner      string    `json:"as_owner,omitempty"`
	LastAnalysis time.Time `json:"last_analysis,omitzero"`
}

// virusTotal is the provider of https://www.virustotal.com.
type virusTotal struct{}

func (virusTotal) id() string    { return "virustotal" }
func (virusTotal) label() string { return "VirusTotal" }

// request is GET {base}/ip_addresses/{ip} with the key in the x-apikey
// header.
func (virusTotal) request(ctx context.Context, base, key string, addr netip.Addr) (*http.Request, error) {
	return keyedGet(ctx, base, "/ip_addresses/"+url.PathEscape(addr.String()), "x-apikey", key)
}

// decode reads {"data": {"attributes": {...}}}.
func (virusTotal) decode(body []byte, r *Result) error {
	var a struct {
		Data *struct {
			Attributes struct {
				Stats *struct {
					Malicious  int `json:"malicious"`
					Suspicious int `json:"suspicious"`
					Harmless   int `json:"harmless"`
					Undetected int `json:"undetected"`
				} `json:"last_analysis_stats"`
				Reputation       int    `json:"reputation"`
				ASOwner          string `json:"as_owner"`
				LastAnalysisDate int64  `json:"last_analysis_date"`
			} `json:"attributes"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return err
	}
	if a.Data == nil || a.Data.Attributes.Stats == nil {
		return errors.New("no data.attributes.last_analysis_stats")
	}
	at, st := &a.Data.Attributes, a.Data.Attributes.Stats
	for _, n := range []int{st.Malicious, st.Suspicious, st.Harmless, st.Undetected} {
		if n < 0 || n > maxVendors {
			return fmt.Errorf("vendor counts out of range: %+v", *st)
		}
	}
	d := &VirusTotalData{Malicious: st.Malicious, Suspicious: st.Suspicious, Harmless: st.Harmless,
		Undetected: st.Undetected, Reputation: at.Reputation, ASOwner: at.ASOwner}
	if at.LastAnalysisDate > 0 && at.LastAnalysisDate < maxUnix {
		d.LastAnalysis = time.Unix(at.LastAnalysisDate, 0).UTC()
	}
	r.VirusTotalData = d
	return nil
}

// assess judges the vendors' verdicts: bad when three or more call it
// malicious, suspicious when any calls it malicious or suspicious. The
// community score is a reason, not a verdict: votes are easily skewed.
func (virusTotal) assess(r *Result) *Assessment {
	d := r.VirusTotalData
	if d == nil {
		return nil
	}
	vendors := d.Malicious + d.Suspicious + d.Harmless + d.Undetected
	score := 100 - 25*d.Malicious - 10*d.Suspicious
	var reason string
	v := Clean
	switch {
	case d.Malicious >= vtBad:
		v = Bad
	case d.Malicious > 0 || d.Suspicious > 0:
		v = Suspicious
	}
	switch {
	case d.Malicious == 0 && d.Suspicious == 0:
		reason = fmt.Sprintf("VirusTotal: none of %s flags it", plural(int64(vendors), "security vendor"))
	default:
		verb := "flag"
		if d.Malicious == 1 {
			verb = "flags"
		}
		reason = fmt.Sprintf("VirusTotal: %d of %s %s it as malicious", d.Malicious, plural(int64(vendors), "security vendor"), verb)
		if d.Suspicious > 0 {
			reason += fmt.Sprintf(", %d as suspicious", d.Suspicious)
		}
	}
	reasons := []string{reason}
	if d.Reputation < 0 {
		reasons = append(reasons, fmt.Sprintf("VirusTotal community score %d", d.Reputation))
	}
	return assessment(v, score, reasons...)
}

// problem reads an error answer: {"error": {"code": "...", "message": "..."}}.
func (virusTotal) problem(body []byte) string {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	return truncate(strings.TrimSpace(e.Error.Code+" "+e.Error.Message), 300)
}
