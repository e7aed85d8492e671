package digest

import (
	"bytes"
	"fmt"

	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/textfmt"
	"github.com/parse-dmarc/parse-dmarc/internal/trend"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// EventType is the webhook event type of a digest's message, which
// generic webhooks receive with the headline as its data.
const EventType = "report.digest"

// Message is d as a notification: Title, Summary and Facts are the short
// form chat channels post; Text and HTML the full report email sends,
// with the PDF attached when pdf is not nil.
func Message(d *Digest, pdf []byte) (notice.Message, error) {
	ev, err := webhook.New(EventType, d.Made, map[string]any{"kind": d.Kind, "period": d.Period,
		"domains": d.Domains, "headline": d.Headline})
	if err != nil {
		return notice.Message{}, err
	}
	m := notice.Message{Event: ev, Title: d.Title + ": " + d.Kind.Label(d.Period), Severity: notice.Info,
		Summary: d.lead() + " " + d.attention(), URL: d.URL}
	h := d.Headline
	if h.Alerts > 0 || h.Direction == trend.Declining || len(d.Issues) > 0 {
		m.Severity = notice.Warning
	}
	m.Facts = []webhook.Fact{
		{Name: "DMARC pass rate", Value: pct(h.PassRate) + " (" + d.rateChange() + ")"},
		{Name: "Messages", Value: textfmt.Int(h.Messages) + " (" + d.volumeChange() + ")"},
		{Name: "Failing DMARC", Value: textfmt.Int(h.Failing)},
		{Name: "Anomaly alerts", Value: fmt.Sprint(h.Alerts)},
	}
	if len(d.Issues) > 0 {
		is := d.Issues[0]
		m.Facts = append(m.Facts, webhook.Fact{Name: "Top issue", Value: is.Domain + ": " + is.who() + ", " + is.failingText() + ". " + is.Fix})
	}
	var text, html bytes.Buffer
	if err := WriteText(&text, d); err != nil {
		return m, err
	}
	if err := WriteHTML(&html, d); err != nil {
		return m, err
	}
	m.Text, m.HTML = text.String(), html.String()
	if pdf != nil {
		m.Attachments = []notice.Attachment{{Name: FileName(d, "pdf"), ContentType: "application/pdf", Data: pdf}}
	}
	return m, nil
}

// FileName is the name of a digest's file: "dmarc-weekly-2026-11-16.pdf".
func FileName(d *Digest, ext string) string {
	return fmt.Sprintf("dmarc-%s-%s.%s", d.Kind, d.Period.Start.Format("2006-01-02"), ext)
}
