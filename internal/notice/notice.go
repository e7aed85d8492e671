// Package notice is what Parse DMARC tells people, independent of the
// channel that carries it: an alert, an event or a scheduled report as a
// Message, which the channels render their own way (package chat for
// Slack, Discord and Microsoft Teams, package mailer for email, package
// webhook's event for generic webhooks). It is a leaf: it imports no
// other package of the module but webhook, so every producer (alerts,
// scheduled reports, ingest events) and every channel can share it.
package notice

import "github.com/parse-dmarc/parse-dmarc/internal/webhook"

// Severities of a Message.
const (
	Info     = "info"
	Warning  = "warning"
	Critical = "critical"
)

// Message is one notification.
type Message struct {
	// Event is the webhook event the message stands for: generic
	// webhooks receive it as is, and its type is what an endpoint's
	// event filter matches. Its ID identifies the message across
	// delivery attempts.
	Event webhook.Event `json:"event"`
	// Title is one line, such as "example.com: DMARC compliance 71% (below 90%)".
	Title string `json:"title"`
	// Severity is Info, Warning or Critical.
	Severity string `json:"severity"`
	// Summary is a paragraph of plain text: what happened and what to do.
	Summary string `json:"summary"`
	// Facts are the details as name and value, in order.
	Facts []webhook.Fact `json:"facts,omitempty"`
	// URL opens the matter in the dashboard, when the server knows its
	// public address.
	URL string `json:"url,omitempty"`
	// Text and HTML are a full body for email (a scheduled report);
	// empty: channels render Title, Summary and Facts.
	Text string `json:"text,omitempty"`
	HTML string `json:"html,omitempty"`
	// Attachments go with email only (a PDF report); chat channels
	// mention them by name.
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Attachment is a file sent with a Message.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"`
}
