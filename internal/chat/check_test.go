package chat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// The structures below are the services' documented payloads, written
// from their references rather than from this package's types, so that a
// body that decodes into them (unknown fields refused) and passes the
// checks is one the service takes.

// Slack: incoming webhook with Block Kit.
type slackDoc struct {
	Text        string `json:"text"`
	UnfurlLinks *bool  `json:"unfurl_links"`
	UnfurlMedia *bool  `json:"unfurl_media"`
	Blocks      []struct {
		Type     string          `json:"type"`
		Text     *slackDocText   `json:"text"`
		Fields   []slackDocText  `json:"fields"`
		Elements []slackDocElems `json:"elements"`
	} `json:"blocks"`
}

type slackDocText struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Emoji bool   `json:"emoji"`
}

// slackDocElems is a context element (a text object) or an actions
// element (a button).
type slackDocElems struct {
	Type     string          `json:"type"`
	Text     json.RawMessage `json:"text"`
	Emoji    bool            `json:"emoji"`
	URL      string          `json:"url"`
	ActionID string          `json:"action_id"`
	Style    string          `json:"style"`
}

func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("data after the JSON value")
	}
	return nil
}

func checkLen(what, s string, max int) error {
	if s == "" {
		return fmt.Errorf("%s is empty", what)
	}
	if n := units(s); n > max {
		return fmt.Errorf("%s is %d long, over %d", what, n, max)
	}
	return nil
}

func checkCount(what string, n, max int) error {
	if n == 0 || n > max {
		return fmt.Errorf("%s: %d elements", what, n)
	}
	return nil
}

func checkSlack(body []byte) error {
	var p slackDoc
	if err := decodeStrict(body, &p); err != nil {
		return fmt.Errorf("slack: %w", err)
	}
	if err := checkLen("text", p.Text, 40000); err != nil {
		return err
	}
	if len(p.Blocks) == 0 || len(p.Blocks) > 50 {
		return fmt.Errorf("slack: %d blocks", len(p.Blocks))
	}
	for i, b := range p.Blocks {
		what := fmt.Sprintf("block %d (%s)", i, b.Type)
		switch b.Type {
		case "header":
			if b.Text == nil || b.Text.Type != "plain_text" {
				return fmt.Errorf("%s: no plain_text", what)
			}
			if err := checkLen(what, b.Text.Text, 150); err != nil {
				return err
			}
		case "section":
			if b.Text == nil && len(b.Fields) == 0 {
				return fmt.Errorf("%s: neither text nor fields", what)
			}
			if b.Text != nil {
				if err := checkLen(what, b.Text.Text, 3000); err != nil {
					return err
				}
			}
			if len(b.Fields) > 10 {
				return fmt.Errorf("%s: %d fields", what, len(b.Fields))
			}
			for _, f := range b.Fields {
				if f.Type != "mrkdwn" && f.Type != "plain_text" {
					return fmt.Errorf("%s: field type %q", what, f.Type)
				}
				if err := checkLen(what+" field", f.Text, 2000); err != nil {
					return err
				}
			}
		case "context":
			if err := checkCount(what, len(b.Elements), 10); err != nil {
				return err
			}
			for _, e := range b.Elements {
				var s string
				if err := json.Unmarshal(e.Text, &s); err != nil || (e.Type != "mrkdwn" && e.Type != "plain_text") {
					return fmt.Errorf("%s: element is not a text object", what)
				}
				if err := checkLen(what, s, 3000); err != nil {
					return err
				}
			}
		case "actions":
			if err := checkCount(what, len(b.Elements), 25); err != nil {
				return err
			}
			for _, e := range b.Elements {
				var t slackDocText
				if e.Type != "button" || json.Unmarshal(e.Text, &t) != nil || t.Type != "plain_text" {
					return fmt.Errorf("%s: element is not a button", what)
				}
				if err := checkLen(what+" button", t.Text, 75); err != nil {
					return err
				}
				if err := checkLen(what+" url", e.URL, 3000); err != nil {
					return err
				}
				if e.Style != "" && e.Style != "primary" && e.Style != "danger" {
					return fmt.Errorf("%s: style %q", what, e.Style)
				}
			}
		default:
			return fmt.Errorf("%s: unexpected type", what)
		}
	}
	return slackMarkup(body)
}

// slackMarkup checks that no mrkdwn text holds an unescaped "<" other
// than the date token this package writes: with one, a message could
// mention @channel or link anywhere.
func slackMarkup(body []byte) error {
	var p slackPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return err
	}
	texts := []string{p.Text}
	for _, b := range p.Blocks {
		for _, f := range b.Fields {
			texts = append(texts, f.Text)
		}
		for _, e := range b.Elements {
			if m, ok := e.(map[string]any); ok && m["type"] == "mrkdwn" {
				texts = append(texts, m["text"].(string))
			}
		}
	}
	for _, s := range texts {
		i := strings.Index(s, "<!date^")
		if i >= 0 {
			s = s[:i]
		}
		if strings.ContainsAny(s, "<>") {
			return fmt.Errorf("slack: unescaped markup in %q", s)
		}
	}
	return nil
}

// Discord: Execute Webhook with embeds.
type discordDoc struct {
	Content         string `json:"content"`
	AllowedMentions *struct {
		Parse []string `json:"parse"`
	} `json:"allowed_mentions"`
	Embeds []struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		URL         string `json:"url"`
		Color       *int   `json:"color"`
		Timestamp   string `json:"timestamp"`
		Footer      *struct {
			Text string `json:"text"`
		} `json:"footer"`
		Fields []struct {
			Name   string `json:"name"`
			Value  string `json:"value"`
			Inline bool   `json:"inline"`
		} `json:"fields"`
	} `json:"embeds"`
}

func checkDiscord(body []byte) error {
	var p discordDoc
	if err := decodeStrict(body, &p); err != nil {
		return fmt.Errorf("discord: %w", err)
	}
	if p.AllowedMentions == nil || len(p.AllowedMentions.Parse) != 0 {
		return fmt.Errorf("discord: allowed_mentions must be empty")
	}
	if len(p.Embeds) == 0 || len(p.Embeds) > 10 {
		return fmt.Errorf("discord: %d embeds", len(p.Embeds))
	}
	total := 0
	for _, e := range p.Embeds {
		if err := checkLen("title", e.Title, 256); err != nil {
			return err
		}
		total += units(e.Title) + units(e.Description)
		if units(e.Description) > 4096 {
			return fmt.Errorf("discord: description is %d long", units(e.Description))
		}
		if e.Color == nil || *e.Color < 0 || *e.Color > 0xFFFFFF {
			return fmt.Errorf("discord: color")
		}
		if e.Footer != nil {
			if err := checkLen("footer", e.Footer.Text, 2048); err != nil {
				return err
			}
			total += units(e.Footer.Text)
		}
		if len(e.Fields) > 25 {
			return fmt.Errorf("discord: %d fields", len(e.Fields))
		}
		for _, f := range e.Fields {
			if err := checkLen("field name", f.Name, 256); err != nil {
				return err
			}
			if err := checkLen("field value", f.Value, 1024); err != nil {
				return err
			}
			total += units(f.Name) + units(f.Value)
		}
	}
	if total > 6000 {
		return fmt.Errorf("discord: embeds hold %d characters", total)
	}
	return nil
}

// Teams: a message with an Adaptive Card attachment.
type teamsDoc struct {
	Type        string `json:"type"`
	Attachments []struct {
		ContentType string  `json:"contentType"`
		ContentURL  *string `json:"contentUrl"`
		Content     struct {
			Schema  string            `json:"$schema"`
			Type    string            `json:"type"`
			Version string            `json:"version"`
			Body    []json.RawMessage `json:"body"`
			Actions []struct {
				Type  string `json:"type"`
				Title string `json:"title"`
				URL   string `json:"url"`
			} `json:"actions"`
			MSTeams map[string]any `json:"msteams"`
		} `json:"content"`
	} `json:"attachments"`
}

// teamsElement is the subset of card elements a card of this package
// holds.
type teamsElement struct {
	Type     string            `json:"type"`
	Text     string            `json:"text"`
	Wrap     bool              `json:"wrap"`
	Weight   string            `json:"weight"`
	Size     string            `json:"size"`
	IsSubtle bool              `json:"isSubtle"`
	Spacing  string            `json:"spacing"`
	Style    string            `json:"style"`
	Bleed    bool              `json:"bleed"`
	Items    []json.RawMessage `json:"items"`
	Facts    []struct {
		Title string `json:"title"`
		Value string `json:"value"`
	} `json:"facts"`
}

func checkTeams(body []byte) error {
	if len(body) > 28*1024 {
		return fmt.Errorf("teams: %d bytes", len(body))
	}
	var p teamsDoc
	if err := decodeStrict(body, &p); err != nil {
		return fmt.Errorf("teams: %w", err)
	}
	if p.Type != "message" || len(p.Attachments) != 1 {
		return fmt.Errorf("teams: not a message with one attachment")
	}
	a := p.Attachments[0]
	if a.ContentType != "application/vnd.microsoft.card.adaptive" || a.Content.Type != "AdaptiveCard" || a.Content.Version != "1.4" {
		return fmt.Errorf("teams: not an Adaptive Card 1.4")
	}
	var walk func([]json.RawMessage) error
	walk = func(els []json.RawMessage) error {
		for _, raw := range els {
			var e teamsElement
			if err := decodeStrict(raw, &e); err != nil {
				return fmt.Errorf("teams: element: %w", err)
			}
			switch e.Type {
			case "TextBlock":
				if e.Text == "" {
					return fmt.Errorf("teams: empty TextBlock")
				}
			case "Container":
				switch e.Style {
				case "default", "emphasis", "good", "attention", "warning", "accent":
				default:
					return fmt.Errorf("teams: container style %q", e.Style)
				}
				if err := walk(e.Items); err != nil {
					return err
				}
			case "FactSet":
				if len(e.Facts) == 0 {
					return fmt.Errorf("teams: empty FactSet")
				}
			default:
				return fmt.Errorf("teams: element type %q", e.Type)
			}
		}
		return nil
	}
	if err := walk(a.Content.Body); err != nil {
		return err
	}
	for _, act := range a.Content.Actions {
		if act.Type != "Action.OpenUrl" || act.Title == "" || act.URL == "" {
			return fmt.Errorf("teams: action %+v", act)
		}
	}
	return nil
}

// checkBody checks a body of kind.
func checkBody(kind string, body []byte) error {
	switch kind {
	case KindSlack:
		return checkSlack(body)
	case KindDiscord:
		return checkDiscord(body)
	case KindTeams:
		return checkTeams(body)
	}
	return fmt.Errorf("kind %q", kind)
}
