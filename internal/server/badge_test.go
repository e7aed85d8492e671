package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
	"github.com/parse-dmarc/parse-dmarc/internal/badge"
	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// countingStore counts the store calls a badge makes.
type countingStore struct {
	store.Store
	calls atomic.Int64
}

func (c *countingStore) DomainSettings(ctx context.Context, domain string) (store.DomainSettings, error) {
	c.calls.Add(1)
	return c.Store.DomainSettings(ctx, domain)
}

func (c *countingStore) Summary(ctx context.Context, f store.AggregateFilter) (store.Totals, error) {
	c.calls.Add(1)
	return c.Store.Summary(ctx, f)
}

func (c *countingStore) Reports(ctx context.Context, f store.ReportFilter) ([]store.StoredReport, error) {
	c.calls.Add(1)
	return c.Store.Reports(ctx, f)
}

// badgeReport is a report of domain under policy p beginning at begin,
// with pass messages passing DMARC (aligned DKIM and SPF) and fail
// messages failing both: its pass rates are all pass/(pass+fail).
func badgeReport(domain, p string, begin time.Time, pass, fail int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>google.com</org_name><email>noreply@google.com</email>
    <report_id>%s-%d</report_id><date_range><begin>%d</begin><end>%d</end></date_range></report_metadata>
  <policy_published><domain>%s</domain><adkim>r</adkim><aspf>r</aspf><p>%s</p><sp>%s</sp><pct>100</pct></policy_published>
`, domain, begin.Unix(), begin.Unix(), begin.Add(24*time.Hour-time.Second).Unix(), domain, p, p)
	for i, r := range []struct {
		n      int
		result string
	}{{pass, "pass"}, {fail, "fail"}} {
		if r.n == 0 {
			continue
		}
		fmt.Fprintf(&b, `  <record><row><source_ip>192.0.2.%d</source_ip><count>%d</count>
    <policy_evaluated><disposition>none</disposition><dkim>%s</dkim><spf>%s</spf></policy_evaluated></row>
    <identifiers><header_from>%s</header_from></identifiers>
    <auth_results><dkim><domain>%s</domain><result>%s</result></dkim><spf><domain>%s</domain><result>%s</result></spf></auth_results></record>
`, i+1, r.n, r.result, r.result, domain, domain, r.result, domain, r.result)
	}
	b.WriteString("</feedback>\n")
	return b.Bytes()
}

// badgeEnv is a Server on a real SQLite store behind a counting wrapper,
// with reports of:
//
//	a.example  97 of 100 passing, p=reject  → 97% A, green
//	b.example  80 of 100 passing, p=reject  → 80% B, yellow
//	c.example  60 of 100 passing, p=reject  → 60% D, red
//	d.example  97 of 100 passing, p=none    → 97% D: the pass rate is
//	           green, the score (68) red
//	e.example  only a report of 60 days ago → no data
//
// It routes the badge handlers of its own badges value, b, whose rate
// limit is lifted unless a test sets one.
type badgeEnv struct {
	ts    *httptest.Server // the whole Handler, auth included
	b     *badges
	mux   *http.ServeMux // b's routes only
	count *countingStore
}

func newBadgeEnv(t *testing.T, auth *BasicAuth) *badgeEnv {
	t.Helper()
	st := openTestStore(t)
	c := &countingStore{Store: st}
	s := &Server{Store: c, Importer: &ingest.Importer{Store: st}, Version: "test", MaxUpload: 4 << 20}
	e := &badgeEnv{b: newBadges(s), mux: http.NewServeMux(), count: c}
	e.b.limit = newRateLimiter(1e9, 1e9, 10)
	e.mux.HandleFunc("GET /badge/{file}", e.b.serve)
	e.mux.HandleFunc("GET /api/v1/domains/{domain}/badge", e.b.getSetting)
	e.mux.HandleFunc("PUT /api/v1/domains/{domain}/badge", e.b.putSetting)

	// Uploads go through a server without auth on the same store.
	up := httptest.NewServer((&Server{Store: st, Importer: &ingest.Importer{Store: st}}).Handler())
	defer up.Close()
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -2)
	files := map[string][]byte{
		"a.xml": badgeReport("a.example", "reject", day, 97, 3),
		"b.xml": badgeReport("b.example", "reject", day, 80, 20),
		"c.xml": badgeReport("c.example", "reject", day, 60, 40),
		"d.xml": badgeReport("d.example", "none", day, 97, 3),
		"e.xml": badgeReport("e.example", "reject", day.AddDate(0, 0, -60), 100, 0),
	}
	resp, body := upload(t, up.URL, files)
	if resp.StatusCode != 200 || bytes.Count(body, []byte(`"imported"`)) != len(files) {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	e.ts = httptest.NewServer(s.Handler())
	if auth != nil {
		s.Auth = auth
		e.ts.Config.Handler = s.Handler()
	}
	t.Cleanup(e.ts.Close)
	return e
}

// do runs a request through e.mux.
func (e *badgeEnv) do(t *testing.T, method, path, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, req)
	return w
}

// enable sets the badge setting of domain through the API.
func (e *badgeEnv) enable(t *testing.T, domain string, on bool) {
	t.Helper()
	w := e.do(t, "PUT", "/api/v1/domains/"+domain+"/badge", fmt.Sprintf(`{"enabled": %v}`, on))
	if w.Code != 200 {
		t.Fatalf("PUT %s: %d %s", domain, w.Code, w.Body)
	}
}

// badgeText is the accessible text of a badge ("DMARC: 97% A") and the
// fill of its message part.
func badgeText(t *testing.T, svg string) (text, fill string) {
	t.Helper()
	_, rest, ok := strings.Cut(svg, "<title>")
	if !ok {
		t.Fatalf("no title in %s", svg)
	}
	text, _, _ = strings.Cut(rest, "</title>")
	// The message's rect is the last one with an x and a fill.
	i := strings.LastIndex(svg, `<rect x="`)
	if i < 0 {
		t.Fatalf("no message rect in %s", svg)
	}
	_, f, _ := strings.Cut(svg[i:], `fill="`)
	fill, _, _ = strings.Cut(f, `"`)
	return text, fill
}

// TestBadgeNotEnabled checks that a domain whose badge is not enabled and
// a name the store does not know get the same answer, whatever the file
// name, and that the badge needs no credentials while its settings do.
func TestBadgeNotEnabled(t *testing.T) {
	t.Parallel()
	auth, err := NewBasicAuth("admin", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	e := newBadgeEnv(t, auth)
	var first []byte
	var firstETag string
	for _, path := range []string{
		"/badge/a.example.svg",
		"/badge/A.Example.svg",
		"/badge/unknown.example.svg",
		"/badge/a.example.png",
		"/badge/" + strings.Repeat("a", 300) + ".svg",
		"/badge/.svg",
	} {
		resp, err := http.Get(e.ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "image/svg+xml" {
			t.Errorf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if text, fill := badgeText(t, string(body)); text != "DMARC: not enabled" || fill != badge.ColorGrey {
			t.Errorf("%s: %q in %s", path, text, fill)
		}
		if first == nil {
			first, firstETag = body, resp.Header.Get("ETag")
		} else if !bytes.Equal(body, first) || resp.Header.Get("ETag") != firstETag {
			t.Errorf("%s: answer differs from that of a.example", path)
		}
	}
	for _, path := range []string{"/api/v1/domains/a.example/badge", "/api/v1/domains/unknown.example/badge"} {
		if r := get(t, e.ts.URL+path, nil); r.StatusCode != 401 {
			t.Errorf("%s without credentials: %d", path, r.StatusCode)
		}
	}
}

// TestBadgeSettings walks the settings API: read, enable, disable, and the
// errors.
func TestBadgeSettings(t *testing.T) {
	t.Parallel()
	e := newBadgeEnv(t, nil)
	var got badgeSetting
	r := get(t, e.ts.URL+"/api/v1/domains/A.example/badge", &got)
	host := strings.TrimPrefix(e.ts.URL, "http://")
	want := badgeSetting{"a.example", false, "/badge/a.example.svg", "![DMARC](http://" + host + "/badge/a.example.svg)"}
	if r.StatusCode != 200 || got != want {
		t.Errorf("GET: %d %+v, want %+v", r.StatusCode, got, want)
	}
	tests := []struct {
		name, method, path, body string
		status                   int
		enabled                  bool
	}{
		{"enable", "PUT", "/api/v1/domains/a.example/badge", `{"enabled":true}`, 200, true},
		{"read", "GET", "/api/v1/domains/a.example/badge", "", 200, true},
		{"disable", "PUT", "/api/v1/domains/a.example/badge", `{"enabled":false}`, 200, false},
		{"read again", "GET", "/api/v1/domains/a.example/badge", "", 200, false},
		{"unknown domain", "GET", "/api/v1/domains/unknown.example/badge", "", 404, false},
		{"enable unknown", "PUT", "/api/v1/domains/unknown.example/badge", `{"enabled":true}`, 404, false},
		{"no body", "PUT", "/api/v1/domains/a.example/badge", ``, 400, false},
		{"no enabled", "PUT", "/api/v1/domains/a.example/badge", `{}`, 400, false},
		{"not a bool", "PUT", "/api/v1/domains/a.example/badge", `{"enabled":"yes"}`, 400, false},
		{"unknown field", "PUT", "/api/v1/domains/a.example/badge", `{"enabled":true,"x":1}`, 400, false},
		{"wrong method", "POST", "/api/v1/domains/a.example/badge", `{"enabled":true}`, 404, false},
	}
	for _, tc := range tests {
		req, _ := http.NewRequest(tc.method, e.ts.URL+tc.path, strings.NewReader(tc.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, body, tc.status)
			continue
		}
		if tc.status == 200 && !bytes.Contains(body, fmt.Appendf(nil, `"enabled":%v`, tc.enabled)) {
			t.Errorf("%s: %s", tc.name, body)
		}
		if tc.status >= 400 && !bytes.Contains(body, []byte(`"error"`)) {
			t.Errorf("%s: not a JSON error: %s", tc.name, body)
		}
	}
	// Behind a TLS proxy the snippet says https.
	w := e.do(t, "GET", "/api/v1/domains/a.example/badge", "", "X-Forwarded-Proto", "https")
	if !strings.Contains(w.Body.String(), `"markdown":"![DMARC](https://example.com/badge/a.example.svg)"`) {
		t.Errorf("behind a proxy: %s", w.Body)
	}
}

// TestBadgeMessages checks the message and colour of enabled badges for
// each show value and style.
func TestBadgeMessages(t *testing.T) {
	t.Parallel()
	e := newBadgeEnv(t, nil)
	for _, d := range []string{"a", "b", "c", "d", "e"} {
		e.enable(t, d+".example", true)
	}
	tests := []struct {
		path string
		text string
		fill string
	}{
		{"/badge/a.example.svg", "DMARC: 97% A", badge.ColorGreen},
		{"/badge/b.example.svg", "DMARC: 80% B", badge.ColorYellow},
		{"/badge/c.example.svg", "DMARC: 60% D", badge.ColorRed},
		{"/badge/d.example.svg", "DMARC: 97% D", badge.ColorRed},
		{"/badge/d.example.svg?show=percent", "DMARC: 97%", badge.ColorGreen},
		{"/badge/d.example.svg?show=grade", "DMARC: D", badge.ColorRed},
		{"/badge/b.example.svg?show=percent", "DMARC: 80%", badge.ColorYellow},
		{"/badge/c.example.svg?show=percent", "DMARC: 60%", badge.ColorRed},
		{"/badge/a.example.svg?show=both", "DMARC: 97% A", badge.ColorGreen},
		{"/badge/a.example.svg?show=bogus", "DMARC: 97% A", badge.ColorGreen},
		{"/badge/A.EXAMPLE.SVG", "DMARC: 97% A", badge.ColorGreen},
		{"/badge/e.example.svg", "DMARC: no data", badge.ColorGrey},
		{"/badge/a.example.svg?label=mail%20auth", "mail auth: 97% A", badge.ColorGreen},
		{"/badge/a.example.svg?label=", "97% A", badge.ColorGreen},
		{"/badge/a.example.svg?label=" + strings.Repeat("x", 40), strings.Repeat("x", 32) + ": 97% A", badge.ColorGreen},
	}
	for _, tc := range tests {
		w := e.do(t, "GET", tc.path, "")
		if w.Code != 200 {
			t.Errorf("%s: %d", tc.path, w.Code)
			continue
		}
		if text, fill := badgeText(t, w.Body.String()); text != tc.text || fill != tc.fill {
			t.Errorf("%s: %q in %s, want %q in %s", tc.path, text, fill, tc.text, tc.fill)
		}
	}

	// Each style is rendered as package badge renders it; unknown styles
	// are flat.
	for _, tc := range []struct {
		query string
		style badge.Style
	}{
		{"", badge.Flat},
		{"?style=flat", badge.Flat},
		{"?style=flat-square", badge.FlatSquare},
		{"?style=for-the-badge", badge.ForTheBadge},
		{"?style=plastic", badge.Flat},
	} {
		w := e.do(t, "GET", "/badge/a.example.svg"+tc.query, "")
		var want bytes.Buffer
		badge.Render(&want, badge.Badge{Label: "DMARC", Message: "97% A", Color: badge.ColorGreen, Style: tc.style})
		if w.Code != 200 || w.Body.String() != want.String() {
			t.Errorf("%q: %d, not the %v badge: %s", tc.query, w.Code, tc.style, w.Body)
		}
		h := w.Header()
		for k, v := range map[string]string{
			"Content-Type":            "image/svg+xml",
			"X-Content-Type-Options":  "nosniff",
			"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
			"Cache-Control":           "public, max-age=300",
		} {
			if h.Get(k) != v {
				t.Errorf("%q: %s %q, want %q", tc.query, k, h.Get(k), v)
			}
		}
	}
}

// TestBadgeHostileLabel checks that a label is escaped, never markup.
func TestBadgeHostileLabel(t *testing.T) {
	t.Parallel()
	e := newBadgeEnv(t, nil)
	e.enable(t, "a.example", true)
	for _, domain := range []string{"a.example", "unknown.example"} {
		w := e.do(t, "GET", "/badge/"+domain+`.svg?label=%3Cscript%3Ealert(%22x%22)%3C/script%3E%26`, "")
		body := w.Body.String()
		if strings.Contains(body, "<script") || strings.Contains(body, `"x"`) || !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;") {
			t.Errorf("%s: label not escaped: %s", domain, body)
		}
	}
	// A domain in the path is never in the badge.
	w := e.do(t, "GET", "/badge/%3Cb%3E.svg", "")
	if w.Code != 404 || strings.Contains(w.Body.String(), "<b>") {
		t.Errorf("markup in the domain: %d %s", w.Code, w.Body)
	}
}

// TestBadgeCache checks that a second request is answered from the cache
// without the store, for enabled and other domains, that a change of the
// setting invalidates the domain's entries, and that entries expire.
func TestBadgeCache(t *testing.T) {
	t.Parallel()
	e := newBadgeEnv(t, nil)
	var offset atomic.Int64
	e.b.now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	e.enable(t, "a.example", true)
	steps := []struct {
		name, path string
		status     int
		calls      int64 // store calls the request makes
	}{
		{"first", "/badge/a.example.svg", 200, 3},
		{"cached", "/badge/a.example.svg", 200, 0},
		{"other style", "/badge/a.example.svg?style=flat-square", 200, 3},
		{"other style cached", "/badge/a.example.svg?style=flat-square", 200, 0},
		{"not enabled", "/badge/b.example.svg", 404, 1},
		{"not enabled cached", "/badge/b.example.svg", 404, 0},
		{"unknown", "/badge/unknown.example.svg", 404, 1},
		{"unknown cached", "/badge/unknown.example.svg", 404, 0},
		{"disable a", "", 0, 0},
		{"a after disabling", "/badge/a.example.svg", 404, 1},
		{"other style after disabling", "/badge/a.example.svg?style=flat-square", 404, 1},
		{"b untouched", "/badge/b.example.svg", 404, 0},
		{"enable b", "", 0, 0},
		{"b after enabling", "/badge/b.example.svg", 200, 3},
		{"expire", "", 0, 0},
		{"b after expiry", "/badge/b.example.svg", 200, 3},
		{"b cached again", "/badge/b.example.svg", 200, 0},
	}
	for _, st := range steps {
		switch st.name {
		case "disable a":
			e.enable(t, "a.example", false)
			continue
		case "enable b":
			e.enable(t, "b.example", true)
			continue
		case "expire":
			offset.Store(int64(badgeTTL + time.Second))
			continue
		}
		before := e.count.calls.Load()
		w := e.do(t, "GET", st.path, "")
		if calls := e.count.calls.Load() - before; w.Code != st.status || calls != st.calls {
			t.Errorf("%s: %d with %d store calls, want %d with %d", st.name, w.Code, calls, st.status, st.calls)
		}
	}
}

// TestBadgeCacheBounded checks that the cache keeps at most its bound, and
// that a badge rendered before an invalidation is not stored after it.
func TestBadgeCacheBounded(t *testing.T) {
	t.Parallel()
	c := newBadgeCache(time.Minute, 10)
	now := time.Now()
	for i := range 50 {
		_, _, gen := c.get(badgeKey{domain: fmt.Sprint(i)}, now)
		c.put(badgeKey{domain: fmt.Sprint(i)}, badgeAnswer{status: 200}, gen, now)
		if c.len() > 10 {
			t.Fatalf("%d entries, bound 10", c.len())
		}
	}
	k := badgeKey{domain: "a.example"}
	_, _, gen := c.get(k, now)
	c.invalidate("a.example") // a PUT while the badge renders
	c.put(k, badgeAnswer{status: 200}, gen, now)
	if _, ok, _ := c.get(k, now); ok {
		t.Error("stale badge stored after an invalidation")
	}
}

// TestBadgeETag checks the conditional requests.
func TestBadgeETag(t *testing.T) {
	t.Parallel()
	e := newBadgeEnv(t, nil)
	e.enable(t, "a.example", true)
	w := e.do(t, "GET", "/badge/a.example.svg", "")
	etag := w.Header().Get("ETag")
	if w.Code != 200 || !strings.HasPrefix(etag, `"`) {
		t.Fatalf("%d, ETag %q", w.Code, etag)
	}
	for _, tc := range []struct {
		inm    string
		status int
	}{
		{etag, 304},
		{"W/" + etag, 304},
		{`"other", ` + etag, 304},
		{"*", 304},
		{`"other"`, 200},
		{"", 200},
	} {
		w := e.do(t, "GET", "/badge/a.example.svg", "", "If-None-Match", tc.inm)
		if w.Code != tc.status || w.Header().Get("ETag") != etag {
			t.Errorf("If-None-Match %s: %d ETag %s, want %d", tc.inm, w.Code, w.Header().Get("ETag"), tc.status)
		}
		if tc.status == 304 && w.Body.Len() != 0 {
			t.Errorf("If-None-Match %s: a body with 304", tc.inm)
		}
	}
	// Another style is another badge.
	if w := e.do(t, "GET", "/badge/a.example.svg?style=flat-square", "", "If-None-Match", etag); w.Code != 200 {
		t.Errorf("other style: %d", w.Code)
	}
	// A 404 is sent whole.
	if w := e.do(t, "GET", "/badge/b.example.svg", "", "If-None-Match", "*"); w.Code != 404 {
		t.Errorf("not enabled with If-None-Match *: %d", w.Code)
	}
}

// TestBadgeRateLimit makes requests through the whole Handler until it
// answers 429 with a Retry-After; the health endpoints are not limited.
func TestBadgeRateLimit(t *testing.T) {
	t.Parallel()
	e := newBadgeEnv(t, nil)
	n := 0
	for ; n < 100; n++ {
		resp, err := http.Get(e.ts.URL + "/badge/a.example.svg")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			if ra := resp.Header.Get("Retry-After"); ra != "1" {
				t.Errorf("Retry-After %q, want 1", ra)
			}
			break
		}
		if resp.StatusCode != 404 {
			t.Fatalf("request %d: %d", n+1, resp.StatusCode)
		}
	}
	// The burst, and at most a few refilled while they ran.
	if n < badgeBurst || n > badgeBurst+5 {
		t.Errorf("429 after %d requests, want after the burst of %d", n, badgeBurst)
	}
	if r := get(t, e.ts.URL+"/healthz", nil); r.StatusCode != 200 {
		t.Errorf("healthz: %d", r.StatusCode)
	}
}

// TestBadgeMessage checks the message and colour for known counts, on the
// thresholds.
func TestBadgeMessage(t *testing.T) {
	t.Parallel()
	reject := analysis.ScorePolicy{Policy: "reject", Pct: 100}
	none := analysis.ScorePolicy{Policy: "none", Pct: 100}
	tests := []struct {
		pass, total int64
		pol         analysis.ScorePolicy
		show        string
		msg, color  string
	}{
		{0, 0, reject, showBoth, "no data", badge.ColorGrey},
		{0, 0, reject, showPercent, "no data", badge.ColorGrey},
		{100, 100, reject, showBoth, "100% A", badge.ColorGreen},
		{90, 100, reject, showBoth, "90% A", badge.ColorGreen},
		{89, 100, reject, showBoth, "89% B", badge.ColorYellow},
		{70, 100, reject, showBoth, "70% C", badge.ColorYellow},
		{69, 100, reject, showBoth, "69% D", badge.ColorRed},
		{0, 100, reject, showBoth, "0% F", badge.ColorRed},
		{90, 100, reject, showPercent, "90%", badge.ColorGreen},
		{89, 100, reject, showPercent, "89%", badge.ColorYellow},
		{70, 100, reject, showPercent, "70%", badge.ColorYellow},
		{69, 100, reject, showPercent, "69%", badge.ColorRed},
		{95, 100, none, showPercent, "95%", badge.ColorGreen},
		{95, 100, none, showBoth, "95% D", badge.ColorRed},
		{95, 100, none, showGrade, "D", badge.ColorRed},
		{999, 1000, reject, showPercent, "99%", badge.ColorGreen},
		{1, 1000, reject, showPercent, "1%", badge.ColorRed},
	}
	for _, tc := range tests {
		c := analysis.MessageCounts{Messages: tc.total, DMARCPass: tc.pass, SPFPass: tc.pass, DKIMPass: tc.pass}
		msg, color := badgeMessage(c, tc.pol, tc.show)
		if msg != tc.msg || color != tc.color {
			t.Errorf("%d/%d %s %s: %q %s, want %q %s", tc.pass, tc.total, tc.pol.Policy, tc.show, msg, color, tc.msg, tc.color)
		}
	}
}

func TestPassPercent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pass, total int64
		want        int
	}{
		{0, 0, 0}, {0, 10, 0}, {10, 10, 100}, {1, 2, 50}, {1, 200, 1}, {1, 201, 1},
		{995, 1000, 99}, {9999, 10000, 99}, {1, 100000, 1}, {2, 3, 67}, {-1, 10, 0}, {11, 10, 100},
	}
	for _, tc := range tests {
		if got := passPercent(tc.pass, tc.total); got != tc.want {
			t.Errorf("passPercent(%d, %d) = %d, want %d", tc.pass, tc.total, got, tc.want)
		}
	}
}
