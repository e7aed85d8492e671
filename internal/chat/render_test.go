package chat

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/golden"
	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

var testTime = time.Date(2026, 11, 20, 8, 30, 0, 0, time.UTC)

// testMessages are the golden files' messages: an alert, a report event,
// one too long for every limit with markup in its text, and a scheduled
// report with a PDF.
func testMessages(t testing.TB) map[string]notice.Message {
	t.Helper()
	event := func(typ string) webhook.Event {
		ev, ok := webhook.Example(typ, testTime, "https://dmarc.example.com")
		if !ok {
			t.Fatalf("no example of %s", typ)
		}
		return ev
	}
	var alert webhook.AlertTriggeredData
	alertEvent := event(webhook.AlertTriggered)
	if err := json.Unmarshal(alertEvent.Data, &alert); err != nil {
		t.Fatal(err)
	}
	var facts []webhook.Fact
	for i := range 60 {
		facts = append(facts, webhook.Fact{Name: fmt.Sprintf("Source %d <@everyone>", i+1),
			Value: fmt.Sprintf("192.0.2.%d *bold* [phish](https://evil.example/) %s", i, strings.Repeat("x", 10*i))})
	}
	long := strings.Repeat("Compliance fell & <!channel> should look: [click here](https://evil.example/login). ", 80) +
		"\n# not a heading\n- not a list\n> not a quote\x00\x07\r\n" + strings.Repeat("🙂", 3000)
	return map[string]notice.Message{
		"alert": {
			Event: alertEvent, Title: alert.Title, Severity: alert.Severity, Summary: alert.Summary,
			Facts: alert.Facts, URL: alert.URL,
		},
		"report": {
			Event:    event(webhook.ReportReceived),
			Title:    "New report from google.com for example.com",
			Severity: notice.Info,
			Summary:  "1,820 messages of 2026-11-19, 98.4% passed DMARC.",
			Facts: []webhook.Fact{{Name: "Reporter", Value: "google.com"}, {Name: "Report ID", Value: "12345678901234567890"},
				{Name: "Messages", Value: "1,820"}, {Name: "DMARC pass", Value: "1,791 (98.4%)"}, {Name: "Records", Value: "14"},
				{Name: "Validation", Value: "valid"}},
			URL: "https://dmarc.example.com/reports/1234",
		},
		"long": {
			Event: alertEvent, Title: strings.Repeat("A very long title for example.com ", 20), Severity: notice.Critical,
			Summary: long, Facts: facts, URL: "https://dmarc.example.com/domains/example.com?from=2026-11-01&to=2026-11-20",
		},
		"attachments": {
			Event:    webhook.Event{ID: "evt_000000000000000000000001", Type: "report.weekly", Timestamp: testTime},
			Title:    "Weekly DMARC report: example.com, example.org",
			Severity: notice.Warning,
			Summary:  "Compliance 91% (last week 95%).\nTwo new sources sent mail for example.org.",
			Facts:    []webhook.Fact{{Name: "example.com", Value: "97.2% of 12,004"}, {Name: "example.org", Value: "84.9% of 3,311"}},
			Attachments: []notice.Attachment{
				{Name: "dmarc-weekly-2026-W47.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.7")},
				{Name: "sources.csv", ContentType: "text/csv", Data: []byte("ip,messages\n")},
			},
		},
	}
}

// TestRenderGolden compares the body of every kind for every test message
// with testdata/NAME.KIND.json, and checks it against the service's
// documented structure and limits. Run with -update after an intended
// change, and review the diff.
func TestRenderGolden(t *testing.T) {
	t.Parallel()
	for name, m := range testMessages(t) {
		for _, kind := range Kinds() {
			t.Run(name+"/"+kind, func(t *testing.T) {
				t.Parallel()
				body, ctype, err := Render(kind, m)
				if err != nil {
					t.Fatal(err)
				}
				if ctype != "application/json" {
					t.Errorf("content type %q", ctype)
				}
				if err := checkBody(kind, body); err != nil {
					t.Error(err)
				}
				golden.Check(t, filepath.Join("testdata", name+"."+kind+".json"), body)
			})
		}
	}
}

// TestRenderTruncation checks that the long message is cut where it must
// be, and says so.
func TestRenderTruncation(t *testing.T) {
	t.Parallel()
	m := testMessages(t)["long"]
	for _, kind := range Kinds() {
		body, _, err := Render(kind, m)
		if err != nil {
			t.Fatal(err)
		}
		s := string(body)
		if !strings.Contains(s, "…") {
			t.Errorf("%s: no ellipsis where the text was cut", kind)
		}
		if !strings.Contains(s, "more facts not shown") {
			t.Errorf("%s: no count of the facts left out", kind)
		}
		if strings.Contains(s, "\x00") || strings.Contains(s, `\u0000`) || strings.Contains(s, `\u0007`) || strings.Contains(s, `\r`) {
			t.Errorf("%s: control characters kept", kind)
		}
	}
	// Slack shows 10 facts a section up to its 50 blocks: 480 short facts
	// take 45 sections beside the header, context, summary, "more" and
	// button.
	m.Facts = nil
	for i := range 480 {
		m.Facts = append(m.Facts, webhook.Fact{Name: "n", Value: strconv.Itoa(i)})
	}
	body, _, _ := Render(KindSlack, m)
	if err := checkSlack(body); err != nil {
		t.Error(err)
	}
	var p slackPayload
	json.Unmarshal(body, &p)
	if len(p.Blocks) != 50 {
		t.Errorf("slack: %d blocks for 480 facts, want all 50", len(p.Blocks))
	}
	if !strings.Contains(string(body), "… 30 more facts not shown") {
		t.Errorf("slack: facts left out not counted right")
	}
}

// TestRenderEscapes checks that markup in a message's text is shown as
// text, per service.
func TestRenderEscapes(t *testing.T) {
	t.Parallel()
	m := notice.Message{Title: "t", Summary: "<!channel> & [x](https://evil.example/) *b* _i_",
		Facts: []webhook.Fact{{Name: "<@U123>", Value: "a>b"}}}
	for _, tc := range []struct {
		kind string
		want []string
		not  []string
	}{
		{KindSlack, []string{`"*&lt;@U123&gt;*\na&gt;b"`}, []string{"<@U123>"}},
		{KindDiscord, []string{`\\[x\\](https://evil.example/) \\*b\\* \\_i\\_`, `\\<@U123\\>`}, []string{"[x](", "<@U123>"}},
		{KindTeams, []string{`\\[x\\](https://evil.example/) \\*b\\* \\_i\\_`}, []string{"[x]("}},
	} {
		body, _, err := Render(tc.kind, m)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(string(body), w) {
				t.Errorf("%s: no %s in\n%s", tc.kind, w, body)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(string(body), w) {
				t.Errorf("%s: %s kept in\n%s", tc.kind, w, body)
			}
		}
	}
}

func TestRenderUnknownKind(t *testing.T) {
	t.Parallel()
	if _, _, err := Render("irc", notice.Message{}); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("err %v, want ErrUnknownKind", err)
	}
}

// TestRenderEmpty checks that an empty message still makes a body each
// service takes: every one of them needs some title.
func TestRenderEmpty(t *testing.T) {
	t.Parallel()
	for _, kind := range Kinds() {
		body, _, err := Render(kind, notice.Message{URL: "javascript:alert(1)"})
		if err != nil {
			t.Fatal(err)
		}
		if err := checkBody(kind, body); err != nil {
			t.Error(err)
		}
		if strings.Contains(string(body), "javascript") {
			t.Errorf("%s: a non-http URL was kept", kind)
		}
	}
}

func TestFit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "ab…"},
		{"ab cd", 4, "ab…"},
		{"🙂🙂", 4, "🙂🙂"},
		{"🙂🙂", 3, "🙂…"},
		{"a&b", 5, "a…"},
		{"a&b", 7, "a&amp;b"},
	} {
		if got := fit(tc.in, tc.max, slackEscape); got != tc.want {
			t.Errorf("fit(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"30", 30 * time.Second},
		{"1.5", 1500 * time.Millisecond},
		{"-1", 0},
		{"soon", 0},
		{"Fri, 20 Nov 2026 08:02:00 GMT", 2 * time.Minute},
		{"Fri, 20 Nov 2026 07:59:00 GMT", 0},
	} {
		if got := retryAfter(tc.in, now); got != tc.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
