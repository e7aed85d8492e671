package chat

import (
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/notice"
)

// Discord's limits (Message resource, "Embed Limits").
const (
	discordMaxTitle       = 256
	discordMaxDescription = 4096
	discordMaxFields      = 25
	discordMaxFieldName   = 256
	discordMaxFieldValue  = 1024
	discordMaxFooter      = 2048
	discordMaxEmbed       = 6000
	discordMaxURL         = 2048
	// discordInline is the longest value shown side by side with others.
	discordInline = 40
)

// discordPayload is an Execute Webhook body with one embed.
type discordPayload struct {
	Embeds []discordEmbed `json:"embeds"`
	// AllowedMentions is empty: a message pings no one, whatever its
	// text (embeds never ping, but content would).
	AllowedMentions discordMentions `json:"allowed_mentions"`
}

type discordMentions struct {
	Parse []string `json:"parse"`
}

type discordEmbed struct {
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	URL         string         `json:"url,omitempty"`
	Color       int            `json:"color"`
	Fields      []discordField `json:"fields,omitempty"`
	Footer      *discordFooter `json:"footer,omitempty"`
	Timestamp   string         `json:"timestamp,omitempty"`
}

type discordField struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline"`
}

type discordFooter struct {
	Text string `json:"text"`
}

// discordEscape escapes Discord's markdown with backslashes: emphasis,
// code, spoilers, the brackets of masked links ([text](url)), and the quotes, headings
// and lists that start a line. Mentions (<@id>) are escaped too: they do
// not ping from an embed but would show as a name.
func discordEscape(r rune, lineStart bool) string {
	switch r {
	case '\\', '*', '_', '~', '`', '|', '[', ']', '<', '>':
		return `\` + string(r)
	case '#', '-', '+':
		if lineStart {
			return `\` + string(r)
		}
	}
	return string(r)
}

func discordMessage(m notice.Message) discordPayload {
	sev := severityOf(m.Severity)
	e := discordEmbed{
		// Titles show no markdown.
		Title: fit(sev.emoji+" "+title(m), discordMaxTitle, nil),
		URL:   webURL(m.URL, discordMaxURL),
		Color: sev.color,
	}
	e.Description = fit(clean(m.Summary, true), discordMaxDescription, discordEscape)
	footer := "Parse DMARC · " + sev.label
	if typ := clean(m.Event.Type, false); typ != "" {
		footer += " · " + typ
	}
	e.Footer = &discordFooter{Text: fit(footer, 100, nil)}
	if t := m.Event.Timestamp; !t.IsZero() {
		e.Timestamp = t.UTC().Format(time.RFC3339)
	}

	// The fields share what the title, description and footer leave of
	// the embed's 6000, with room kept for the attachments and for the
	// line saying how many facts were left out.
	used := units(e.Title) + units(e.Description) + units(e.Footer.Text)
	var extra []discordField
	if names := attachmentNames(m); names != "" {
		name := "Attachments"
		value := fit(names, discordMaxFieldValue, discordEscape)
		extra = append(extra, discordField{Name: name, Value: value})
		used += units(name) + units(value)
	}
	more := discordField{Name: "More", Value: moreFacts(len(m.Facts))}
	reserve := units(more.Name) + units(more.Value)
	slots := discordMaxFields - len(extra)
	left := len(m.Facts)
	for i, f := range m.Facts {
		name := fit(clean(f.Name, false), discordMaxFieldName, discordEscape)
		if name == "" {
			name = "—"
		}
		value := fit(clean(f.Value, true), discordMaxFieldValue, discordEscape)
		if value == "" {
			value = "—"
		}
		size := units(name) + units(value)
		last := i == len(m.Facts)-1
		// A fact takes a slot and its size, and leaves room for the
		// "more" line unless it is the last one.
		need, slotsNeeded := size, 1
		if !last {
			need += reserve
			slotsNeeded = 2
		}
		if used+need > discordMaxEmbed || slotsNeeded > slots-len(e.Fields) {
			break
		}
		e.Fields = append(e.Fields, discordField{Name: name, Value: value, Inline: units(value) <= discordInline && !strings.Contains(value, "\n")})
		used += size
		left--
	}
	if left > 0 {
		more.Value = moreFacts(left)
		e.Fields = append(e.Fields, more)
	}
	e.Fields = append(e.Fields, extra...)
	return discordPayload{Embeds: []discordEmbed{e}, AllowedMentions: discordMentions{Parse: []string{}}}
}
