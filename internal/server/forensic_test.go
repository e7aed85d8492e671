package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
)

// linkAggregate is an aggregate report of example.com with LinkedIn's
// failure report's source, 10.10.10.10, on its day, 2019-04-30.
const linkAggregate = `<?xml version="1.0"?><feedback><report_metadata><org_name>google.com</org_name>
<email>noreply@google.com</email><report_id>link-1</report_id><date_range><begin>1556582400</begin><end>1556668799</end></date_range>
</report_metadata><policy_published><domain>example.com</domain><p>none</p></policy_published><record><row>
<source_ip>10.10.10.10</source_ip><count>7</count><policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>fail</spf>
</policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers><auth_results><spf><domain>example.com</domain>
<result>fail</result></spf></auth_results></record></feedback>`

// do sends a request with an optional body and decodes the JSON answer
// into v when it is not nil.
func do(t *testing.T, method, url, body string, v any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("%s %s: %d: %v", method, url, resp.StatusCode, err)
		}
	}
	return resp.StatusCode
}

// TestForensicAPI uploads the corpus's failure reports, an aggregate
// report of one's source and day, and a mail without a report, and reads
// them through every failure report route: the list with each filter and
// its cursor, one report with its link to the aggregate data, the counts,
// the retentions, deletion.
func TestForensicAPI(t *testing.T) {
	t.Parallel()
	files := map[string][]byte{"link.xml": []byte(linkAggregate),
		"reply.eml": []byte("From: alice@example.org\r\nTo: dmarc@example.com\r\nSubject: thanks\r\nMessage-ID: <r@example.org>\r\n\r\nThanks!\r\n")}
	names, _ := filepath.Glob(filepath.Join(corpus, "failure", "*.eml"))
	if len(names) == 0 {
		t.Skip("no failure samples")
	}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(n)] = b
	}
	ts, _ := newServer(t, nil)
	resp, body := upload(t, ts.URL, files)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	var up struct{ Files []uploadFile }
	if err := json.Unmarshal(body, &up); err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]int{}
	for _, f := range up.Files {
		for _, r := range f.Results {
			outcomes[r.Format+" "+r.Outcome]++
		}
	}
	// LinkedIn's report comes twice (LF and CRLF): one is a duplicate.
	if want := map[string]int{"forensic imported": 4, "forensic duplicate": 1, "aggregate imported": 1, " ignored": 1}; !equalCounts(outcomes, want) {
		t.Fatalf("outcomes %v, want %v: %s", outcomes, want, body)
	}

	type list struct {
		Reports    []forensicView
		NextBefore int64 `json:"next_before"`
	}
	var all list
	get(t, ts.URL+"/api/v1/forensic", &all)
	if len(all.Reports) != 4 || all.NextBefore != 0 {
		t.Fatalf("list %+v", all)
	}
	for q, want := range map[string]int{
		"domain=Example.com":    2, // LinkedIn's and Exim's
		"source_ip=10.10.10.10": 2,
		"message_id=%3C01010101010101010101010101010101@ABAB01MS0016.someserver.loc%3E": 1,
		"sender=cardinal.com":               1,
		"since=2019-01-01&until=2020-01-01": 1,
		"domain=nothing.example":            0,
	} {
		var l list
		if code := do(t, "GET", ts.URL+"/api/v1/forensic?"+q, "", &l); code != http.StatusOK || len(l.Reports) != want {
			t.Errorf("%s: %d, %d reports, want %d", q, code, len(l.Reports), want)
		}
	}
	var page1, page2 list
	get(t, ts.URL+"/api/v1/forensic?limit=3", &page1)
	get(t, ts.URL+"/api/v1/forensic?limit=3&before="+itoa(page1.NextBefore), &page2)
	if len(page1.Reports) != 3 || page1.NextBefore != page1.Reports[2].ID || len(page2.Reports) != 1 || page2.NextBefore != 0 {
		t.Errorf("pages %+v %+v", page1, page2)
	}
	for _, q := range []string{"source_ip=nope", "since=yesterday", "limit=0"} {
		if code := do(t, "GET", ts.URL+"/api/v1/forensic?"+q, "", nil); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, code)
		}
	}

	var li list
	get(t, ts.URL+"/api/v1/forensic?domain=example.com&source_ip=10.10.10.10", &li)
	if len(li.Reports) != 1 || li.Reports[0].Subject == "" || li.Reports[0].Redaction != "addresses" {
		t.Fatalf("LinkedIn's report %+v", li)
	}
	id := li.Reports[0].ID
	var one struct {
		Report   forensicView
		Document struct {
			Privacy struct {
				BodyRemoved bool `json:"body_removed"`
			}
			OriginalHeaders string `json:"original_headers"`
		}
		Messages  []any
		Aggregate struct {
			Day    string
			Found  bool
			Totals *struct {
				Messages int64 `json:"total_messages"`
			}
			SourcePage string `json:"source_page"`
			SourceAPI  string `json:"source_api"`
			Related    []int64
		}
	}
	get(t, ts.URL+"/api/v1/forensic/"+itoa(id), &one)
	a := one.Aggregate
	if one.Report.ID != id || !one.Document.Privacy.BodyRemoved || one.Messages == nil || a.Day != "2019-04-30" || !a.Found ||
		a.Totals == nil || a.Totals.Messages != 7 || len(a.Related) != 1 || a.Related[0] != id ||
		a.SourcePage != "/sources/10.10.10.10?domain=example.com&since=2019-04-30&until=2019-05-01" ||
		a.SourceAPI != "/api/v1/sources/10.10.10.10?domain=example.com&since=2019-04-30&until=2019-05-01" {
		t.Errorf("report %+v", one)
	}
	if strings.Contains(one.Document.OriginalHeaders, "recipient@linkedin.com") || strings.Contains(one.Document.OriginalHeaders, "HTML Text") {
		t.Errorf("headers hold a recipient or the body: %s", one.Document.OriginalHeaders)
	}
	// The source page the link names answers for that domain and day.
	var src struct {
		Records []struct{ Count int64 }
	}
	if code := do(t, "GET", ts.URL+a.SourceAPI, "", &src); code != http.StatusOK || len(src.Records) != 1 || src.Records[0].Count != 7 {
		t.Errorf("source page %s: %d %+v", a.SourceAPI, code, src)
	}

	var counts struct {
		Counts []struct {
			Domain, SourceIP, Day string
			Reports               int64
		}
	}
	get(t, ts.URL+"/api/v1/forensic/counts?source_ip=10.10.10.10", &counts)
	if len(counts.Counts) != 2 || counts.Counts[0].Reports != 1 {
		t.Errorf("counts %+v", counts)
	}

	var ret struct {
		DefaultDays int `json:"default_days"`
		Domains     []retentionView
	}
	if code := do(t, "PUT", ts.URL+"/api/v1/forensic/retention/Example.com", `{"days": 30}`, nil); code != http.StatusOK {
		t.Errorf("put retention: %d", code)
	}
	for _, bad := range []string{`{}`, `{"days": -1}`, `{"days": 5, "x": 1}`, `nope`} {
		if code := do(t, "PUT", ts.URL+"/api/v1/forensic/retention/example.com", bad, nil); code != http.StatusBadRequest {
			t.Errorf("put %s: %d, want 400", bad, code)
		}
	}
	get(t, ts.URL+"/api/v1/forensic/retention", &ret)
	if ret.DefaultDays != 0 || len(ret.Domains) != 1 || ret.Domains[0].Domain != "example.com" || ret.Domains[0].Days != 30 {
		t.Errorf("retention %+v", ret)
	}
	if code := do(t, "DELETE", ts.URL+"/api/v1/forensic/retention/example.com", "", nil); code != http.StatusNoContent {
		t.Errorf("delete retention: %d", code)
	}
	if code := do(t, "DELETE", ts.URL+"/api/v1/forensic/retention/example.com", "", nil); code != http.StatusNotFound {
		t.Errorf("delete retention again: %d", code)
	}

	if code := do(t, "DELETE", ts.URL+"/api/v1/forensic/"+itoa(id), "", nil); code != http.StatusNoContent {
		t.Errorf("delete: %d", code)
	}
	if code := do(t, "GET", ts.URL+"/api/v1/forensic/"+itoa(id), "", nil); code != http.StatusNotFound {
		t.Errorf("get deleted: %d", code)
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestForensicDisabled checks that every failure report route answers
// 403 when they are disabled, and the rest of the API does not.
func TestForensicDisabled(t *testing.T) {
	t.Parallel()
	st := openTestStore(t)
	s := &Server{Store: st, Importer: &ingest.Importer{Store: st}, DisableForensic: true}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/api/v1/forensic", ""}, {"GET", "/api/v1/forensic/1", ""}, {"DELETE", "/api/v1/forensic/1", ""},
		{"GET", "/api/v1/forensic/counts", ""}, {"GET", "/api/v1/forensic/retention", ""},
		{"PUT", "/api/v1/forensic/retention/example.com", `{"days": 1}`}, {"DELETE", "/api/v1/forensic/retention/example.com", ""},
	} {
		if code := do(t, r.method, ts.URL+r.path, r.body, nil); code != http.StatusForbidden {
			t.Errorf("%s %s: %d, want 403", r.method, r.path, code)
		}
	}
	if code := do(t, "GET", ts.URL+"/api/v1/reports", "", nil); code != http.StatusOK {
		t.Errorf("reports: %d", code)
	}
}
