package chat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/notice"
)

// Kinds of chat channel.
const (
	KindSlack   = "slack"
	KindDiscord = "discord"
	KindTeams   = "teams"
)

// Kinds lists the kinds Render and Post know.
func Kinds() []string { return []string{KindSlack, KindDiscord, KindTeams} }

// ErrUnknownKind is returned for a kind not in Kinds.
var ErrUnknownKind = errors.New("unknown chat kind")

// contentType is the type of every body: the three services take JSON.
const contentType = "application/json"

// Render returns the body to post to a webhook of kind for m, and its
// content type.
func Render(kind string, m notice.Message) (body []byte, ctype string, err error) {
	var v any
	switch kind {
	case KindSlack:
		v = slackMessage(m)
	case KindDiscord:
		v = discordMessage(m)
	case KindTeams:
		v, err = teamsMessage(m)
	default:
		return nil, "", fmt.Errorf("render %q: %w", kind, ErrUnknownKind)
	}
	if err != nil {
		return nil, "", fmt.Errorf("render %s: %w", kind, err)
	}
	body, err = marshal(v)
	if err != nil {
		return nil, "", fmt.Errorf("render %s: %w", kind, err)
	}
	return body, contentType, nil
}

// marshal encodes v as indented JSON without HTML escapes: the services
// read "<" as well as "\u003c", and the bodies stay readable in logs and
// golden files.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// severity is how a Message's severity shows.
type severity struct {
	label string
	emoji string
	// color is Discord's, an RGB integer.
	color int
	// teams is the Adaptive Card container style.
	teams string
}

// severityOf returns the look of s; an unknown severity looks like Info.
func severityOf(s string) severity {
	switch s {
	case notice.Critical:
		return severity{"Critical", "🚨", 0xD93025, "attention"}
	case notice.Warning:
		return severity{"Warning", "⚠️", 0xF2A900, "warning"}
	default:
		return severity{"Info", "ℹ️", 0x1A73E8, "accent"}
	}
}

// title returns m's title, cleaned, or a stand-in: every service needs a
// title.
func title(m notice.Message) string {
	if t := clean(m.Title, false); t != "" {
		return t
	}
	if m.Event.Type != "" {
		return "Parse DMARC: " + clean(m.Event.Type, false)
	}
	return "Parse DMARC"
}

// attachmentNames lists the names of m's attachments, which chat channels
// cannot carry, or "" when there are none.
func attachmentNames(m notice.Message) string {
	var names []string
	for _, a := range m.Attachments {
		if n := clean(a.Name, false); n != "" {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return "Sent by email only: " + strings.Join(names, ", ")
}

// moreFacts is the line that counts facts left out.
func moreFacts(n int) string {
	return ellipsis + " " + plural(n, "more fact") + " not shown"
}

// buttonText is the text of the link to the dashboard.
const buttonText = "Open in Parse DMARC"
