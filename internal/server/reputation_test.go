package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/reputation"
)

// reputationReport is an aggregate report of example.com naming a spoofer
// (1.2.3.4, everything fails) and an authorized sender (8.8.4.4).
const reputationReport = `<?xml version="1.0"?>
<feedback>
  <report_metadata><org_name>receiver.example</org_name><email>dmarc@receiver.example</email>
    <report_id>rep-1</report_id><date_range><begin>1763942400</begin><end>1764028799</end></date_range></report_metadata>
  <policy_published><domain>example.com</domain><p>reject</p><pct>100</pct></policy_published>
  <record><row><source_ip>1.2.3.4</source_ip><count>40</count>
    <policy_evaluated><disposition>reject</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
    <identifiers><header_from>example.com</header_from></identifiers>
    <auth_results><spf><domain>example.com</domain><result>fail</result></spf></auth_results></record>
  <record><row><source_ip>8.8.4.4</source_ip><count>25</count>
    <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>
    <identifiers><header_from>example.com</header_from></identifiers>
    <auth_results><dkim><domain>example.com</domain><result>pass</result></dkim><spf><domain>example.com</domain><result>pass</result></spf></auth_results></record>
</feedback>`

// TestSourceReputation: the source page carries the address's reputation:
// null without a Reputation, the internal verdict with the providers not
// configured without keys, and the providers' answers (from local
// stand-ins) with keys.
func TestSourceReputation(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var asked []string
	standIn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.String())
		mu.Unlock()
		abuse := map[string]string{
			"1.2.3.4": `{"data":{"abuseConfidenceScore":87,"totalReports":41,"numDistinctUsers":9,"isWhitelisted":false,"isp":"Example Hosting"}}`,
			"8.8.4.4": `{"data":{"abuseConfidenceScore":0,"totalReports":0,"numDistinctUsers":0,"isWhitelisted":null}}`,
		}
		vt := map[string]string{
			"1.2.3.4": `{"data":{"attributes":{"last_analysis_stats":{"harmless":60,"malicious":4,"suspicious":0,"undetected":30},"reputation":-3}}}`,
			"8.8.4.4": `{"data":{"attributes":{"last_analysis_stats":{"harmless":64,"malicious":0,"suspicious":0,"undetected":30},"reputation":0}}}`,
		}
		ip, isVT := strings.CutPrefix(r.URL.Path, "/vt/ip_addresses/")
		switch {
		case r.URL.Path == "/abuseipdb/check" && r.Header.Get("Key") == "abuse-key" && abuse[r.URL.Query().Get("ipAddress")] != "":
			w.Write([]byte(abuse[r.URL.Query().Get("ipAddress")]))
		case isVT && r.Header.Get("x-apikey") == "vt-key" && vt[ip] != "":
			w.Write([]byte(vt[ip]))
		default:
			t.Errorf("unexpected request %s", r.URL)
			http.Error(w, "no", http.StatusBadRequest)
		}
	}))
	defer standIn.Close()

	type providerView struct {
		Status  string   `json:"status"`
		Verdict string   `json:"verdict"`
		Reasons []string `json:"reasons"`
	}
	type page struct {
		Reputation *struct {
			IP       string   `json:"ip"`
			Verdict  string   `json:"verdict"`
			Color    string   `json:"color"`
			Score    *int     `json:"score"`
			Reasons  []string `json:"reasons"`
			Internal struct {
				Verdict  string `json:"verdict"`
				Messages int64  `json:"messages"`
			} `json:"internal"`
			AbuseIPDB  providerView `json:"abuseipdb"`
			VirusTotal providerView `json:"virustotal"`
		} `json:"reputation"`
	}
	for _, tc := range []struct {
		name string
		cfg  *reputation.Config // nil: no Reputation
	}{
		{"no reputation", nil},
		{"without keys", &reputation.Config{}},
		{"with keys", &reputation.Config{AbuseIPDBKey: "abuse-key", VirusTotalKey: "vt-key",
			AbuseIPDBURL: standIn.URL + "/abuseipdb", VirusTotalURL: standIn.URL + "/vt"}},
	} {
		st := openTestStore(t)
		s := &Server{Store: st, Importer: &ingest.Importer{Store: st}, Version: "test", MaxUpload: 1 << 20}
		if tc.cfg != nil {
			tc.cfg.Store, tc.cfg.Timeout = st, 5*time.Second
			rs, err := reputation.New(*tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			s.Reputation = rs
		}
		ts := httptest.NewServer(s.Handler())
		if resp, b := upload(t, ts.URL, map[string][]byte{"r.xml": []byte(reputationReport)}); resp.StatusCode != 200 || !strings.Contains(string(b), `"imported"`) {
			t.Fatalf("%s: upload %d %s", tc.name, resp.StatusCode, b)
		}
		var bad, good page
		get(t, ts.URL+"/api/v1/sources/1.2.3.4", &bad)
		get(t, ts.URL+"/api/v1/sources/8.8.4.4?domain=example.com", &good)
		if r := get(t, ts.URL+"/api/v1/sources/9.9.9.9", nil); r.StatusCode != 404 {
			t.Errorf("%s: unknown address: %d", tc.name, r.StatusCode)
		}
		ts.Close()

		rep := bad.Reputation
		switch tc.name {
		case "no reputation":
			if rep != nil || good.Reputation != nil {
				t.Errorf("%s: %+v", tc.name, rep)
			}
			continue
		case "without keys":
			if rep == nil || rep.AbuseIPDB.Status != "not_configured" || rep.VirusTotal.Status != "not_configured" {
				t.Fatalf("%s: %+v", tc.name, rep)
			}
			if rep.Verdict != "bad" || rep.Internal.Verdict != "bad" || rep.Internal.Messages != 40 || len(rep.Reasons) < 2 {
				t.Errorf("%s: %+v", tc.name, rep)
			}
		case "with keys":
			if rep == nil || rep.AbuseIPDB.Status != "ok" || rep.VirusTotal.Status != "ok" || rep.Verdict != "bad" || rep.Color != "red" {
				t.Fatalf("%s: %+v", tc.name, rep)
			}
			want := "AbuseIPDB confidence 87% from 41 reports in 90 days"
			if !strings.Contains(strings.Join(rep.Reasons, "\n"), want) || rep.VirusTotal.Verdict != "bad" {
				t.Errorf("%s: reasons %q, virustotal %+v", tc.name, rep.Reasons, rep.VirusTotal)
			}
		}
		if rep.IP != "1.2.3.4" || rep.Score == nil {
			t.Errorf("%s: %+v", tc.name, rep)
		}
		if g := good.Reputation; g == nil || g.Internal.Verdict != "clean" || g.Verdict != "clean" ||
			(tc.cfg.AbuseIPDBKey != "") != (g.AbuseIPDB.Verdict == "clean" && g.VirusTotal.Verdict == "clean") {
			t.Errorf("%s: 8.8.4.4: %+v", tc.name, g)
		}
	}
	// 9.9.9.9 (404: not in the store) was never asked about.
	mu.Lock()
	defer mu.Unlock()
	if len(asked) != 4 {
		t.Errorf("%d requests, want 2 to each provider: %q", len(asked), asked)
	}
	for _, u := range asked {
		if strings.Contains(u, "9.9.9.9") {
			t.Errorf("asked about an address the store does not know: %s", u)
		}
	}
}
