package server

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTLSReports uploads the corpus's SMTP TLS reports (the mail with
// Google's gzipped report included) and reads them back through every
// TLS endpoint.
func TestTLSReports(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "parsedmarc", "samples", "smtp_tls")
	files := map[string][]byte{}
	for _, name := range []string{"rfc8460.json", "mail.ru.json", "smtp_tls.json", "google.com_smtp_tls_report.eml"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Skip(err)
		}
		files[name] = b
	}
	ts, _ := newServer(t, nil)
	resp, body := upload(t, ts.URL, files)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	var up struct {
		Files []uploadFile `json:"files"`
	}
	if err := json.Unmarshal(body, &up); err != nil {
		t.Fatal(err)
	}
	imported := 0
	for _, f := range up.Files {
		for _, r := range f.Results {
			if r.Outcome != "imported" || r.Format != "smtp_tls" || r.ReportID == 0 {
				t.Errorf("%s: %+v", f.File, r)
			}
			imported++
		}
	}
	if imported != 4 {
		t.Fatalf("%d imported: %s", imported, body)
	}

	var domains struct {
		Domains []struct {
			Domain      string
			Reports     int64
			SuccessRate float64 `json:"success_rate"`
		}
	}
	get(t, ts.URL+"/api/v1/tls/domains", &domains)
	if len(domains.Domains) != 3 || domains.Domains[0].Domain != "cardinalhealth.ca" || domains.Domains[0].SuccessRate != 100 ||
		domains.Domains[2].Domain != "example.com" || domains.Domains[2].Reports != 2 || domains.Domains[2].SuccessRate != 0 {
		t.Errorf("domains %+v", domains)
	}

	var sum struct {
		Totals struct {
			Successful  int64   `json:"successful_sessions"`
			Failed      int64   `json:"failed_sessions"`
			SuccessRate float64 `json:"success_rate"`
		}
		Days []struct {
			Day         string
			SuccessRate float64 `json:"success_rate"`
		}
		Failures []tlsFailureTotalsView
	}
	get(t, ts.URL+"/api/v1/tls/summary?domain=company-y.example&since=2016-04-01&until=2016-04-02", &sum)
	if sum.Totals.Successful != 5326 || sum.Totals.Failed != 303 || sum.Totals.SuccessRate != 94.62 ||
		len(sum.Days) != 1 || sum.Days[0].Day != "2016-04-01" {
		t.Errorf("summary %+v", sum)
	}
	if len(sum.Failures) != 3 || sum.Failures[0].ResultType != "starttls-not-supported" || sum.Failures[0].MXHost != "mx2.mail.company-y.example" ||
		!strings.Contains(sum.Failures[0].Explanation.Fix, "STARTTLS") || sum.Failures[2].ReasonCodes[0] != "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED" {
		t.Errorf("failures %+v", sum.Failures)
	}

	var list struct {
		Reports []tlsReportView
		Next    int64 `json:"next_before"`
	}
	get(t, ts.URL+"/api/v1/tls/reports?domain=example.com&limit=1", &list)
	if len(list.Reports) != 1 || list.Next == 0 || list.Reports[0].Domains[0] != "example.com" {
		t.Fatalf("first page %+v", list)
	}
	first := list.Reports[0]
	get(t, ts.URL+"/api/v1/tls/reports?domain=example.com&limit=1&before="+itoa(list.Next), &list)
	if len(list.Reports) != 1 || list.Next != 0 || list.Reports[0].ID == first.ID {
		t.Fatalf("second page %+v", list)
	}
	mailru := list.Reports[0]
	if first.OrganizationName == "Mail.ru" {
		mailru = first
	}
	if mailru.Status != "warnings" {
		t.Errorf("Mail.ru's report: %+v", mailru)
	}

	var detail struct {
		Report   tlsReportView
		Policies []tlsPolicyView
		Messages []struct{ Severity, Field, Message string }
	}
	get(t, ts.URL+"/api/v1/tls/reports/"+itoa(mailru.ID), &detail)
	if detail.Report.OrganizationName != "Mail.ru" || len(detail.Policies) != 1 || len(detail.Policies[0].Failures) != 2 ||
		detail.Policies[0].Failures[0].Explanation.Title != "MTA-STS policy not fetched" || len(detail.Messages) != 1 {
		t.Errorf("detail %+v", detail)
	}

	resp, err := http.Get(ts.URL + "/api/v1/tls/reports/" + itoa(mailru.ID) + "/raw")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	json.NewDecoder(resp.Body).Decode(&raw)
	resp.Body.Close()
	if resp.Header.Get("Content-Type") != "application/tlsrpt+json" || raw["organization-name"] != "Mail.ru" {
		t.Errorf("raw: %s %v", resp.Header.Get("Content-Type"), raw)
	}
	for _, path := range []string{"/api/v1/tls/reports/999", "/api/v1/tls/reports/999/raw"} {
		if r := get(t, ts.URL+path, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", path, r.StatusCode)
		}
	}
	if r := get(t, ts.URL+"/api/v1/tls/summary?since=yesterday", nil); r.StatusCode != http.StatusBadRequest {
		t.Errorf("bad since: %d", r.StatusCode)
	}
}
