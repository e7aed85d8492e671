package server

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/synth"
)

var corpus = filepath.Join("..", "..", "..", "shared", "corpus", "parsedmarc", "samples")

// newServer returns a test server on a real SQLite store.
func newServer(t *testing.T, auth *BasicAuth) (*httptest.Server, *store.SQLite) {
	t.Helper()
	st := openTestStore(t)
	m := NewMetrics(st)
	m.FetchAccount("test") // as serve does for each IMAP account
	s := &Server{Store: st, Importer: &ingest.Importer{Store: st}, Auth: auth, Metrics: m, Version: "test", MaxUpload: 4 << 20}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts, st
}

// upload posts files (name → content) as one multipart form.
func upload(t *testing.T, url string, files map[string][]byte) (*http.Response, []byte) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for name, data := range files {
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(data)
	}
	mw.Close()
	resp, err := http.Post(url+"/api/v1/reports", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func get(t *testing.T, url string, v any) *http.Response {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v: %s", url, err, b)
		}
	}
	return resp
}

func synthetic(t *testing.T, seed uint64, records int) []byte {
	var b bytes.Buffer
	synth.Write(&b, synth.Options{Records: records, Seed: seed})
	return b.Bytes()
}

// TestUploadListDetail walks the API as the dashboard will: upload, list
// with filters and pages, open a report with its records, download the
// original.
func TestUploadListDetail(t *testing.T) {
	t.Parallel()
	ts, _ := newServer(t, nil)
	files := map[string][]byte{"empty.xml": {}}
	for i := uint64(1); i <= 5; i++ {
		files[filepath.Base(t.Name())+string(rune('a'+i))+".xml"] = synthetic(t, i, 10)
	}
	if mail, err := os.ReadFile(filepath.Join(corpus, "aggregate", "twilight.eml")); err == nil {
		files["twilight.eml"] = mail
	}
	resp, b := upload(t, ts.URL, files)
	var up struct {
		Files []uploadFile `json:"files"`
	}
	if err := json.Unmarshal(b, &up); err != nil || resp.StatusCode != 200 || len(up.Files) != len(files) {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	outcomes := map[string]int{}
	for _, f := range up.Files {
		for _, r := range f.Results {
			outcomes[r.Outcome]++
			if r.Outcome == "quarantined" && (r.Reason == "" || r.QuarantineID == 0) {
				t.Errorf("quarantine without reason: %+v", r)
			}
		}
	}
	if outcomes["quarantined"] != 1 || outcomes["imported"] < 5 {
		t.Fatalf("outcomes %v", outcomes)
	}
	// The same files again: all duplicates.
	_, b = upload(t, ts.URL, map[string][]byte{"again.xml": files[filepath.Base(t.Name())+"b.xml"]})
	if !strings.Contains(string(b), `"outcome":"duplicate"`) {
		t.Errorf("second upload: %s", b)
	}

	// Pages of 2 through all reports, following the cursor.
	var ids []int64
	cursor := ""
	for pages := 0; pages < 10; pages++ {
		var page struct {
			Reports    []reportView `json:"reports"`
			NextCursor string       `json:"next_cursor"`
		}
		get(t, ts.URL+"/api/v1/reports?limit=2&cursor="+cursor, &page)
		for _, r := range page.Reports {
			ids = append(ids, r.ID)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(ids) != outcomes["imported"] {
		t.Fatalf("paged through %v, want %d reports", ids, outcomes["imported"])
	}
	var filtered struct{ Reports []reportView }
	get(t, ts.URL+"/api/v1/reports?domain=example.com&since=2026-01-01", &filtered)
	if len(filtered.Reports) != 5 {
		t.Errorf("domain filter: %d reports", len(filtered.Reports))
	}

	var detail struct {
		Report  reportView       `json:"report"`
		Records []map[string]any `json:"records"`
	}
	get(t, ts.URL+"/api/v1/reports/"+itoa(ids[0]), &detail)
	if detail.Report.ID != ids[0] || int64(len(detail.Records)) != detail.Report.RecordCount || detail.Report.MessageCount == 0 {
		t.Fatalf("detail %+v with %d records", detail.Report, len(detail.Records))
	}

	// The original, plain and gzip-encoded.
	req, _ := http.NewRequest("GET", ts.URL+"/api/v1/reports/"+itoa(ids[0])+"/raw", nil)
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.HasPrefix(plain, []byte("<?xml")) || resp.Header.Get("Content-Encoding") != "" {
		t.Fatalf("raw: %q", plain[:min(len(plain), 40)])
	}
	req.Header.Set("Accept-Encoding", "gzip")
	resp, _ = http.DefaultTransport.RoundTrip(req)
	zr, err := gzip.NewReader(resp.Body)
	if err != nil || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatal(err)
	}
	unz, _ := io.ReadAll(zr)
	resp.Body.Close()
	if !bytes.Equal(unz, plain) {
		t.Error("gzip and plain originals differ")
	}

	var q struct {
		Entries []quarantineView `json:"entries"`
	}
	get(t, ts.URL+"/api/v1/quarantine", &q)
	if len(q.Entries) != 1 || !strings.Contains(q.Entries[0].Reason, "empty") {
		t.Fatalf("quarantine %+v", q)
	}
	if r := get(t, ts.URL+"/api/v1/quarantine/"+itoa(q.Entries[0].ID)+"/raw", nil); r.StatusCode != 200 {
		t.Errorf("quarantine raw: %d", r.StatusCode)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestErrors: every failure is a JSON error object with the right status.
func TestErrors(t *testing.T) {
	t.Parallel()
	ts, _ := newServer(t, nil)
	for _, tt := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"GET", "/api/v1/reports/999", "", 404, "not_found"},
		{"GET", "/api/v1/reports/abc", "", 400, "bad_request"},
		{"GET", "/api/v1/reports?limit=100000", "", 400, "bad_request"},
		{"GET", "/api/v1/reports?since=yesterday", "", 400, "bad_request"},
		{"GET", "/api/v1/reports?status=great", "", 400, "bad_request"},
		{"GET", "/api/v1/reports?cursor=-4", "", 400, "bad_request"},
		{"GET", "/api/v1/nothing", "", 404, "not_found"},
		{"POST", "/api/v1/reports", "not a form", 400, "bad_request"},
		{"GET", "/api/v1/quarantine/77/raw", "", 404, "not_found"},
	} {
		req, _ := http.NewRequest(tt.method, ts.URL+tt.path, strings.NewReader(tt.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e apiError
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != tt.status || e.Error.Code != tt.code || e.Error.Message == "" {
			t.Errorf("%s %s: %d %+v, want %d %s", tt.method, tt.path, resp.StatusCode, e, tt.status, tt.code)
		}
	}
	// Over the upload limit (4 MiB in these tests).
	resp, b := upload(t, ts.URL, map[string][]byte{"big.xml": bytes.Repeat([]byte("x"), 5<<20)})
	if resp.StatusCode != http.StatusRequestEntityTooLarge && !strings.Contains(string(b), "too large") {
		t.Errorf("oversized upload: %d %s", resp.StatusCode, b)
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	auth, err := NewBasicAuth("admin", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	ts, _ := newServer(t, auth)
	for _, tt := range []struct {
		path, user, pass string
		status           int
	}{
		{"/healthz", "", "", 200},
		{"/readyz", "", "", 200},
		{"/api/v1/reports", "", "", 401},
		{"/api/v1/reports", "admin", "wrong", 401},
		{"/api/v1/reports", "root", "s3cret", 401},
		{"/api/v1/reports", "admin", "s3cret", 200},
		{"/metrics", "", "", 401},
	} {
		req, _ := http.NewRequest("GET", ts.URL+tt.path, nil)
		if tt.user != "" {
			req.SetBasicAuth(tt.user, tt.pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s as %q: %d, want %d", tt.path, tt.user, resp.StatusCode, tt.status)
		}
		if resp.StatusCode == 401 && !strings.Contains(resp.Header.Get("WWW-Authenticate"), "Basic") {
			t.Errorf("401 without a Basic challenge")
		}
	}
}

func TestReadyzAndMetrics(t *testing.T) {
	t.Parallel()
	ts, st := newServer(t, nil)
	upload(t, ts.URL, map[string][]byte{"r.xml": synthetic(t, 11, 20)})
	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`parse_dmarc_reports_total{outcome="imported"} 1`, `parse_dmarc_messages_total{result="pass"}`,
		`parse_dmarc_fetch_duration_seconds_count{account="test"} 0`, `parse_dmarc_fetch_errors_total{account="test"} 0`, "go_goroutines"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	st.Close()
	if r := get(t, ts.URL+"/readyz", nil); r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz with a closed store: %d", r.StatusCode)
	}
	if r := get(t, ts.URL+"/healthz", nil); r.StatusCode != 200 {
		t.Errorf("healthz: %d", r.StatusCode)
	}
}

// TestOpenAPICoversRoutes checks the served OpenAPI file is valid JSON and
// documents every route of Handler.
func TestOpenAPICoversRoutes(t *testing.T) {
	t.Parallel()
	ts, _ := newServer(t, nil)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	get(t, ts.URL+"/api/v1/openapi.json", &doc)
	src, err := os.ReadFile("server.go")
	if err != nil {
		t.Fatal(err)
	}
	routes := regexp.MustCompile(`"(GET|POST|PUT|DELETE) (/[^"$]*)"`).FindAllStringSubmatch(string(src), -1)
	if doc.OpenAPI == "" || len(routes) < 10 {
		t.Fatalf("openapi %q, %d routes found", doc.OpenAPI, len(routes))
	}
	for _, r := range routes {
		method, path := strings.ToLower(r[1]), r[2]
		if path == "/" {
			continue
		}
		if _, ok := doc.Paths[path][method]; !ok {
			t.Errorf("%s %s is not documented", r[1], path)
		}
	}
}

// TestExport streams the records of the matching reports as CSV and NDJSON.
func TestExport(t *testing.T) {
	t.Parallel()
	ts, _ := newServer(t, nil)
	upload(t, ts.URL, map[string][]byte{"a.xml": synthetic(t, 21, 30), "b.xml": synthetic(t, 22, 12)})
	resp, err := http.Get(ts.URL + "/api/v1/export/records.csv?domain=example.com")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(resp.Body).ReadAll()
	resp.Body.Close()
	if err != nil || len(rows) != 1+42 || strings.Join(rows[0], ",") != strings.Join(exportColumns, ",") {
		t.Fatalf("%v: %d rows, header %v", err, len(rows), rows[0])
	}
	if resp.Header.Get("X-Export-Reports") != "2" || resp.Header.Get("X-Export-Time") == "" || !strings.Contains(resp.Header.Get("X-Export-Filters"), "domain=example.com") {
		t.Errorf("headers %v", resp.Header)
	}
	for _, row := range rows[1:] {
		if len(row) != len(exportColumns) || row[6] == "" || row[7] == "0" {
			t.Fatalf("row %v", row)
		}
	}
	resp, _ = http.Get(ts.URL + "/api/v1/export/records.ndjson")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 43 || !strings.HasPrefix(lines[0], `{"export":{`) || !strings.Contains(lines[1], `"source_ip"`) {
		t.Fatalf("%d lines; %s", len(lines), lines[0])
	}
	if r := get(t, ts.URL+"/api/v1/export/records.xlsx", nil); r.StatusCode != 404 {
		t.Errorf("unknown format: %d", r.StatusCode)
	}

	// Chosen columns, in the order asked; one report.
	var list struct{ Reports []struct{ ID int64 } }
	get(t, ts.URL+"/api/v1/reports", &list)
	resp, _ = http.Get(ts.URL + "/api/v1/export/records.csv?columns=count,source_ip&report=" + itoa(list.Reports[0].ID))
	rows, err = csv.NewReader(resp.Body).ReadAll()
	resp.Body.Close()
	if err != nil || len(rows) < 2 || len(rows) >= 1+42 || strings.Join(rows[0], ",") != "count,source_ip" || len(rows[1]) != 2 || rows[1][1] == "" {
		t.Fatalf("%v: one report's chosen columns: %v", err, rows)
	}
	for _, bad := range []string{"columns=count,nope", "report=x", "report=99999"} {
		if r := get(t, ts.URL+"/api/v1/export/records.csv?"+bad, nil); r.StatusCode != 400 && r.StatusCode != 404 {
			t.Errorf("%s: %d", bad, r.StatusCode)
		}
	}
}

// TestStats: summary, timeline, top sources, domains and reporters agree
// with each other on uploaded reports.
func TestStats(t *testing.T) {
	t.Parallel()
	ts, _ := newServer(t, nil)
	upload(t, ts.URL, map[string][]byte{"a.xml": synthetic(t, 31, 40), "b.xml": synthetic(t, 32, 25)})
	var sum struct{ Statistics map[string]float64 }
	get(t, ts.URL+"/api/v1/stats/summary?domain=example.com", &sum)
	st := sum.Statistics
	for _, k := range []string{"total_messages", "dkim_pass", "dkim_fail", "spf_pass", "spf_fail", "fully_aligned", "fully_failed",
		"disposition_none", "disposition_quarantine", "disposition_reject", "unique_sources", "pass_rate_dkim", "pass_rate_spf", "pass_rate_overall"} {
		if _, ok := st[k]; !ok {
			t.Errorf("statistics lack %s", k)
		}
	}
	if st["total_messages"] == 0 || st["pass_rate_overall"] <= 0 || st["pass_rate_overall"] > 100 {
		t.Fatalf("summary %v", st)
	}
	var tl struct {
		Bucket string
		Points []map[string]any
	}
	get(t, ts.URL+"/api/v1/stats/timeline?domain=example.com&bucket=week", &tl)
	var inPoints float64
	for _, p := range tl.Points {
		inPoints += p["total_messages"].(float64)
	}
	if tl.Bucket != "week" || len(tl.Points) == 0 || inPoints != st["total_messages"] {
		t.Errorf("timeline %+v: %v messages, summary %v", tl, inPoints, st["total_messages"])
	}
	var src struct{ Sources []map[string]any }
	get(t, ts.URL+"/api/v1/stats/sources", &src)
	if len(src.Sources) < 2 || src.Sources[0]["total_messages"].(float64) < src.Sources[1]["total_messages"].(float64) {
		t.Errorf("sources %+v", src)
	}
	var sum2 float64
	for _, x := range src.Sources {
		sum2 += x["total_messages"].(float64)
	}
	if sum2 != st["total_messages"] || float64(len(src.Sources)) != st["unique_sources"] {
		t.Errorf("sources hold %v messages of %v, %d sources of %v", sum2, st["total_messages"], len(src.Sources), st["unique_sources"])
	}
	get(t, ts.URL+"/api/v1/stats/sources?limit=1", &src)
	if len(src.Sources) != 1 {
		t.Errorf("limit=1 gave %d sources", len(src.Sources))
	}
	var doms struct{ Domains []map[string]any }
	get(t, ts.URL+"/api/v1/domains", &doms)
	if len(doms.Domains) != 1 || doms.Domains[0]["messages"].(float64) != st["total_messages"] {
		t.Errorf("domains %+v", doms)
	}
	var reps struct{ Reporters []map[string]any }
	get(t, ts.URL+"/api/v1/reporters", &reps)
	if len(reps.Reporters) != 1 || reps.Reporters[0]["reports"].(float64) != 2 {
		t.Errorf("reporters %+v", reps)
	}
	if r := get(t, ts.URL+"/api/v1/stats/timeline?bucket=month", nil); r.StatusCode != 400 {
		t.Errorf("bad bucket: %d", r.StatusCode)
	}
}

// TestDeployMetricNames: the example dashboard and alerting rules use only
// metrics the server exposes.
func TestDeployMetricNames(t *testing.T) {
	t.Parallel()
	ts, _ := newServer(t, nil)
	var recent bytes.Buffer
	synth.Write(&recent, synth.Options{Records: 5, Seed: 41, Begin: time.Now().UTC().Add(-24 * time.Hour).Truncate(time.Hour)})
	upload(t, ts.URL, map[string][]byte{"r.xml": recent.Bytes()})
	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	exposed, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// The compliance gauge has series only for reports of the last 7
	// days, hence a report of yesterday.
	for _, f := range []string{"../../deploy/grafana-dashboard.json", "../../deploy/prometheus-rules.yml"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		names := regexp.MustCompile(`parse_dmarc_[a-z_]+`).FindAllString(string(b), -1)
		if len(names) == 0 {
			t.Errorf("%s uses no metric", f)
		}
		for _, n := range names {
			if !strings.Contains(string(exposed), "# HELP "+strings.TrimSuffix(n, "_bucket")+" ") {
				t.Errorf("%s uses %s, which /metrics does not expose", f, n)
			}
		}
	}
}
