package chat

import (
	"errors"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/notice"
)

// Teams' limits. A message may be 28 KB with its card ("Format cards in
// Teams", message size); the card has no limit per text, so these keep
// one long text from crowding out the rest before the size is checked.
const (
	teamsMaxBytes   = 28 * 1024
	teamsMaxTitle   = 256
	teamsMaxSummary = 8000
	teamsMaxFacts   = 40
	teamsMaxName    = 256
	teamsMaxValue   = 1024
	teamsMaxURL     = 2048
)

// teamsPayload is the message the Workflows webhook trigger takes: one
// attachment, an Adaptive Card.
type teamsPayload struct {
	Type        string            `json:"type"`
	Attachments []teamsAttachment `json:"attachments"`
}

type teamsAttachment struct {
	ContentType string    `json:"contentType"`
	ContentURL  *string   `json:"contentUrl"`
	Content     teamsCard `json:"content"`
}

type teamsCard struct {
	Schema  string         `json:"$schema"`
	Type    string         `json:"type"`
	Version string         `json:"version"`
	Body    []any          `json:"body"`
	Actions []teamsAction  `json:"actions,omitempty"`
	MSTeams map[string]any `json:"msteams"`
}

type teamsTextBlock struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	Wrap     bool   `json:"wrap"`
	Weight   string `json:"weight,omitempty"`
	Size     string `json:"size,omitempty"`
	IsSubtle bool   `json:"isSubtle,omitempty"`
	Spacing  string `json:"spacing,omitempty"`
}

type teamsContainer struct {
	Type  string `json:"type"`
	Style string `json:"style"`
	Bleed bool   `json:"bleed"`
	Items []any  `json:"items"`
}

type teamsFactSet struct {
	Type  string      `json:"type"`
	Facts []teamsFact `json:"facts"`
}

type teamsFact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

type teamsAction struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

// teamsEscape escapes the markdown Adaptive Cards render in a TextBlock
// and a fact (emphasis, links, and the lists that start a line) with
// backslashes. Teams' clients have differed in how they show escapes;
// a stray backslash is the lesser harm than a disguised link.
func teamsEscape(r rune, lineStart bool) string {
	switch r {
	case '\\', '*', '_', '[', ']', '`':
		return `\` + string(r)
	case '-', '+', '#', '>':
		if lineStart {
			return `\` + string(r)
		}
	}
	return string(r)
}

// teamsParagraphs doubles the line breaks of s: a TextBlock's markdown
// breaks a line only at an empty one.
func teamsParagraphs(s string) string {
	return strings.ReplaceAll(s, "\n", "\n\n")
}

// errTeamsTooBig is returned when even the card without facts and with
// the shortest summary is over the limit, which the limits above make
// impossible; it guards against a change of them.
var errTeamsTooBig = errors.New("the card is over Teams' 28 KB")

func teamsMessage(m notice.Message) (teamsPayload, error) {
	summary := teamsMaxSummary
	all := teamsFacts(m)
	facts := len(all)
	// Shrink until the message fits: first the facts, then the summary.
	for {
		p := teamsBuild(m, all, facts, summary)
		b, err := marshal(p)
		if err != nil {
			return teamsPayload{}, err
		}
		if len(b) <= teamsMaxBytes {
			return p, nil
		}
		switch {
		case facts > 0:
			facts--
		case summary > 200:
			summary /= 2
		default:
			return teamsPayload{}, errTeamsTooBig
		}
	}
}

// teamsBuild makes the card of m with the first facts of all (m's facts
// made once by teamsFacts) and the summary cut to summary units.
func teamsBuild(m notice.Message, all []teamsFact, facts, summary int) teamsPayload {
	sev := severityOf(m.Severity)
	card := teamsCard{
		Schema:  "http://adaptivecards.io/schemas/adaptive-card.json",
		Type:    "AdaptiveCard",
		Version: "1.4",
		MSTeams: map[string]any{"width": "Full"},
	}
	head := teamsTextBlock{Type: "TextBlock", Text: fit(sev.emoji+" "+title(m), teamsMaxTitle, teamsEscape), Wrap: true, Weight: "Bolder", Size: "Medium"}
	card.Body = append(card.Body, teamsContainer{Type: "Container", Style: sev.teams, Bleed: true, Items: []any{head}})

	context := sev.label
	if typ := clean(m.Event.Type, false); typ != "" {
		context += " · " + fit(typ, 100, teamsEscape)
	}
	if t := m.Event.Timestamp; !t.IsZero() {
		// Teams shows the date and time in the reader's time zone.
		ts := t.UTC().Format(time.RFC3339)
		context += " · {{DATE(" + ts + ", SHORT)}} {{TIME(" + ts + ")}}"
	}
	card.Body = append(card.Body, teamsTextBlock{Type: "TextBlock", Text: context, Wrap: true, IsSubtle: true, Size: "Small", Spacing: "Small"})

	if s := clean(m.Summary, true); s != "" {
		card.Body = append(card.Body, teamsTextBlock{Type: "TextBlock", Text: teamsParagraphs(fit(s, summary, teamsEscape)), Wrap: true})
	}
	if facts > 0 {
		card.Body = append(card.Body, teamsFactSet{Type: "FactSet", Facts: all[:facts]})
	}
	if left := len(m.Facts) - facts; left > 0 {
		card.Body = append(card.Body, teamsTextBlock{Type: "TextBlock", Text: moreFacts(left), Wrap: true, IsSubtle: true, Size: "Small"})
	}
	if names := attachmentNames(m); names != "" {
		card.Body = append(card.Body, teamsTextBlock{Type: "TextBlock", Text: "📎 " + fit(names, 2000, teamsEscape), Wrap: true, IsSubtle: true, Size: "Small"})
	}
	if u := webURL(m.URL, teamsMaxURL); u != "" {
		card.Actions = []teamsAction{{Type: "Action.OpenUrl", Title: buttonText, URL: u}}
	}
	return teamsPayload{Type: "message", Attachments: []teamsAttachment{{
		ContentType: "application/vnd.microsoft.card.adaptive",
		Content:     card,
	}}}
}

// teamsFacts returns the facts of m for a FactSet, at most teamsMaxFacts.
func teamsFacts(m notice.Message) []teamsFact {
	var out []teamsFact
	for _, f := range m.Facts[:min(len(m.Facts), teamsMaxFacts)] {
		v := clean(f.Value, false)
		if v == "" {
			v = "—"
		}
		out = append(out, teamsFact{Title: fit(clean(f.Name, false), teamsMaxName, teamsEscape), Value: fit(v, teamsMaxValue, teamsEscape)})
	}
	return out
}
