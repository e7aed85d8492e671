package chat

import (
	"fmt"

	"github.com/parse-dmarc/parse-dmarc/internal/notice"
)

// Slack's limits (Block Kit reference: blocks, text objects, button).
const (
	slackMaxBlocks     = 50
	slackMaxHeader     = 150
	slackMaxText       = 3000
	slackMaxField      = 2000
	slackMaxFields     = 10
	slackMaxButtonText = 75
	slackMaxURL        = 3000
	// slackMaxFactName keeps a long name from eating its value's room.
	slackMaxFactName = 300
	// slackMaxFactsText bounds the facts' text in all. Slack documents
	// limits per block only; this keeps a message readable and far
	// from the sizes its API refuses as too long.
	slackMaxFactsText = 12000
)

// slackPayload is an incoming-webhook message. Text is the notification's
// text (and what clients without Block Kit show); Blocks the message.
type slackPayload struct {
	Text        string       `json:"text"`
	Blocks      []slackBlock `json:"blocks"`
	UnfurlLinks bool         `json:"unfurl_links"`
	UnfurlMedia bool         `json:"unfurl_media"`
}

// slackBlock is a header, section, context or actions block.
type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Fields   []slackText `json:"fields,omitempty"`
	Elements []any       `json:"elements,omitempty"`
}

// slackText is a text object, "plain_text" or "mrkdwn".
type slackText struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

type slackButton struct {
	Type     string    `json:"type"`
	Text     slackText `json:"text"`
	URL      string    `json:"url"`
	ActionID string    `json:"action_id"`
	Style    string    `json:"style,omitempty"`
}

func plain(s string) *slackText { return &slackText{Type: "plain_text", Text: s, Emoji: true} }

func mrkdwn(s string) slackText { return slackText{Type: "mrkdwn", Text: s} }

// slackEscape escapes the three characters Slack's mrkdwn gives meaning
// to as markup: <!channel>, <@U123> and <http://…|text> are made of them.
func slackEscape(r rune, _ bool) string {
	switch r {
	case '&':
		return "&amp;"
	case '<':
		return "&lt;"
	case '>':
		return "&gt;"
	}
	return string(r)
}

func slackMessage(m notice.Message) slackPayload {
	sev := severityOf(m.Severity)
	head := sev.emoji + " " + title(m)
	p := slackPayload{Text: fit(head, slackMaxText, slackEscape)}

	p.Blocks = append(p.Blocks, slackBlock{Type: "header", Text: plain(fit(head, slackMaxHeader, nil))})

	context := "*" + sev.label + "*"
	if typ := clean(m.Event.Type, false); typ != "" {
		context += " · " + fit(typ, 100, slackEscape)
	}
	if t := m.Event.Timestamp; !t.IsZero() {
		// Slack shows the date in the reader's time zone, the fallback
		// in UTC.
		context += fmt.Sprintf(" · <!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), t.UTC().Format("2006-01-02 15:04 UTC"))
	}
	p.Blocks = append(p.Blocks, slackBlock{Type: "context", Elements: []any{mrkdwn(context)}})

	if s := clean(m.Summary, true); s != "" {
		p.Blocks = append(p.Blocks, slackBlock{Type: "section", Text: plain(fit(s, slackMaxText, nil))})
	}

	var tail []slackBlock
	if names := attachmentNames(m); names != "" {
		tail = append(tail, slackBlock{Type: "context", Elements: []any{mrkdwn("📎 " + fit(names, slackMaxText-3, slackEscape))}})
	}
	if u := webURL(m.URL, slackMaxURL); u != "" {
		b := slackButton{Type: "button", Text: *plain(fit(buttonText, slackMaxButtonText, nil)), URL: u, ActionID: "open"}
		if m.Severity == notice.Critical {
			b.Style = "danger"
		} else {
			b.Style = "primary"
		}
		tail = append(tail, slackBlock{Type: "actions", Elements: []any{b}})
	}

	// The facts take the blocks left, 10 a section, and at most
	// slackMaxFactsText units in all; when they need more, the last
	// block says how many were left out.
	room := slackMaxBlocks - len(p.Blocks) - len(tail)
	// With facts left out, one block of the room is the "more" line.
	withMore := (room - 1) * slackMaxFields
	shown := len(m.Facts)
	if shown > room*slackMaxFields {
		shown = withMore
	}
	var fields []slackText
	total := 0
	for _, f := range m.Facts[:shown] {
		text := slackFact(f.Name, f.Value)
		if total+units(text) > slackMaxFactsText {
			break
		}
		fields = append(fields, mrkdwn(text))
		total += units(text)
	}
	if len(fields) < len(m.Facts) && len(fields) > withMore {
		fields = fields[:withMore]
	}
	for i := 0; i < len(fields); i += slackMaxFields {
		p.Blocks = append(p.Blocks, slackBlock{Type: "section", Fields: fields[i:min(i+slackMaxFields, len(fields))]})
	}
	if left := len(m.Facts) - len(fields); left > 0 {
		p.Blocks = append(p.Blocks, slackBlock{Type: "context", Elements: []any{mrkdwn(moreFacts(left))}})
	}
	p.Blocks = append(p.Blocks, tail...)
	return p
}

// slackFact is a field: the name in bold over the value.
func slackFact(name, value string) string {
	v := clean(value, true)
	if v == "" {
		v = "—"
	}
	n := fit(clean(name, false), slackMaxFactName, slackEscape)
	if n == "" {
		return fit(v, slackMaxField, slackEscape)
	}
	n = "*" + n + "*\n"
	return n + fit(v, slackMaxField-units(n), slackEscape)
}
