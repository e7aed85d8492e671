package chat

import (
	"encoding/json"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// FuzzRender renders arbitrary messages for every kind: the body must
// always be valid JSON in the service's structure and within its limits.
func FuzzRender(f *testing.F) {
	for _, m := range testMessages(f) {
		name, value := "", ""
		if len(m.Facts) > 0 {
			name, value = m.Facts[0].Name, m.Facts[0].Value
		}
		f.Add(m.Title, m.Severity, m.Summary, name, value, uint8(len(m.Facts)), m.URL, "report.pdf", m.Event.Type)
	}
	f.Add("\xff\xfe", "x", "\n\n\n", "", "", uint8(255), "https://\x00", "", "")
	f.Fuzz(func(t *testing.T, title, severity, summary, name, value string, facts uint8, url, attachment, typ string) {
		m := notice.Message{Title: title, Severity: severity, Summary: summary, URL: url,
			Event: webhook.Event{Type: typ, Timestamp: testTime}}
		for range int(facts) {
			m.Facts = append(m.Facts, webhook.Fact{Name: name, Value: value})
		}
		if attachment != "" {
			m.Attachments = []notice.Attachment{{Name: attachment}}
		}
		for _, kind := range Kinds() {
			body, _, err := Render(kind, m)
			if err != nil {
				t.Fatalf("%s: %v", kind, err)
			}
			if !json.Valid(body) {
				t.Fatalf("%s: invalid JSON", kind)
			}
			if err := checkBody(kind, body); err != nil {
				t.Fatalf("%s: %v\n%s", kind, err, body)
			}
		}
	})
}
