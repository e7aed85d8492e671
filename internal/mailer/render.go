package mailer

import (
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/parse-dmarc/parse-dmarc/internal/notice"
)

// look is how a severity shows: its name and colours (a band, and a text
// colour dark enough on white for WCAG AA).
type look struct {
	Label, Band, Text string
}

func lookOf(severity string) look {
	switch severity {
	case notice.Critical:
		return look{"Critical", "#d93025", "#b3261e"}
	case notice.Warning:
		return look{"Warning", "#f2a900", "#8a5a00"}
	default:
		return look{"Info", "#1a73e8", "#1558b0"}
	}
}

// view is what both renderings show of a Message.
type view struct {
	Title    string
	Severity look
	// Context is the event type and date.
	Context string
	// Paragraphs are the summary's, each a list of lines.
	Paragraphs [][]string
	Facts      []fact
	// URL is the link to the dashboard, an http(s) URL or empty.
	URL         string
	Attachments []string
}

type fact struct{ Name, Value string }

func viewOf(m notice.Message, date time.Time) view {
	v := view{Title: subject(m), Severity: lookOf(m.Severity)}
	when := m.Event.Timestamp
	if when.IsZero() {
		when = date
	}
	v.Context = when.UTC().Format("2 January 2006, 15:04 UTC")
	if typ := oneLine(m.Event.Type); typ != "" {
		v.Context = typ + " · " + v.Context
	}
	for _, p := range paragraphs(m.Summary) {
		v.Paragraphs = append(v.Paragraphs, strings.Split(p, "\n"))
	}
	for _, f := range m.Facts {
		v.Facts = append(v.Facts, fact{oneLine(f.Name), oneLine(f.Value)})
	}
	if u, err := url.Parse(m.URL); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		v.URL = u.String()
	}
	for i, a := range m.Attachments {
		v.Attachments = append(v.Attachments, fmt.Sprintf("%s (%s)", fileName(a.Name, i), size(len(a.Data))))
	}
	return v
}

// paragraphs splits text at empty lines, its lines cleaned of control
// characters and trailing spaces.
func paragraphs(text string) []string {
	text = strings.ReplaceAll(strings.ToValidUTF8(text, "\uFFFD"), "\r\n", "\n")
	var out []string
	for _, p := range strings.Split(text, "\n\n") {
		var lines []string
		for _, l := range strings.Split(p, "\n") {
			l = strings.TrimRightFunc(strings.Map(func(r rune) rune {
				if r == '\t' {
					return ' '
				}
				if unicode.IsControl(r) {
					return -1
				}
				return r
			}, l), unicode.IsSpace)
			if l != "" {
				lines = append(lines, l)
			}
		}
		if len(lines) > 0 {
			out = append(out, strings.Join(lines, "\n"))
		}
	}
	return out
}

// size is n bytes for people: "812 B", "12 KB", "3.4 MB".
func size(n int) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%d KB", (n+500)/1000)
	default:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
}

// renderText is the plain-text part: the title, the context, the summary,
// the facts one a line, the link and the attachments.
func renderText(m notice.Message, date time.Time) string {
	v := viewOf(m, date)
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s · %s\n", v.Title, v.Severity.Label, v.Context)
	for _, p := range v.Paragraphs {
		fmt.Fprintf(&b, "\n%s\n", strings.Join(p, "\n"))
	}
	if len(v.Facts) > 0 {
		b.WriteString("\n")
		for _, f := range v.Facts {
			fmt.Fprintf(&b, "%s: %s\n", f.Name, f.Value)
		}
	}
	if v.URL != "" {
		fmt.Fprintf(&b, "\nOpen in Parse DMARC: %s\n", v.URL)
	}
	if len(v.Attachments) > 0 {
		fmt.Fprintf(&b, "\nAttached: %s\n", strings.Join(v.Attachments, ", "))
	}
	b.WriteString("\n-- \nSent automatically by Parse DMARC.\n")
	return b.String()
}

// renderHTML is the HTML part: one centred column in tables with inline
// styles, which is what mail clients (Outlook's Word engine, Gmail's
// style stripping) render alike. html/template escapes every text.
func renderHTML(m notice.Message, date time.Time) (string, error) {
	var b strings.Builder
	if err := htmlTemplate.Execute(&b, viewOf(m, date)); err != nil {
		return "", fmt.Errorf("render HTML: %w", err)
	}
	return b.String(), nil
}

var htmlTemplate = template.Must(template.New("message").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>{{.Title}}</title>
</head>
<body style="margin:0;padding:0;background-color:#f3f4f6;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f3f4f6;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;background-color:#ffffff;border-top:4px solid {{.Severity.Band}};border-radius:4px;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1f2328;">
<tr><td style="padding:24px 28px 4px 28px;">
<p style="margin:0 0 6px 0;font-size:12px;line-height:16px;font-weight:bold;letter-spacing:0.05em;text-transform:uppercase;color:{{.Severity.Text}};">{{.Severity.Label}}</p>
<h1 style="margin:0;font-size:20px;line-height:28px;font-weight:bold;color:#1f2328;">{{.Title}}</h1>
<p style="margin:4px 0 0 0;font-size:13px;line-height:18px;color:#59636e;">{{.Context}}</p>
</td></tr>
{{- range .Paragraphs}}
<tr><td style="padding:12px 28px 0 28px;font-size:15px;line-height:22px;">{{range $i, $l := .}}{{if $i}}<br>{{end}}{{$l}}{{end}}</td></tr>
{{- end}}
{{- if .Facts}}
<tr><td style="padding:16px 28px 0 28px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;font-size:14px;line-height:20px;">
{{- range .Facts}}
<tr><td style="padding:6px 12px 6px 0;border-top:1px solid #e5e7eb;color:#59636e;vertical-align:top;width:40%;">{{.Name}}</td><td style="padding:6px 0;border-top:1px solid #e5e7eb;vertical-align:top;word-break:break-word;">{{.Value}}</td></tr>
{{- end}}
</table>
</td></tr>
{{- end}}
{{- if .URL}}
<tr><td style="padding:20px 28px 0 28px;">
<a href="{{.URL}}" style="display:inline-block;padding:10px 18px;background-color:#1a73e8;color:#ffffff;font-size:14px;font-weight:bold;text-decoration:none;border-radius:4px;">Open in Parse DMARC</a>
</td></tr>
{{- end}}
{{- if .Attachments}}
<tr><td style="padding:16px 28px 0 28px;font-size:13px;line-height:18px;color:#59636e;">Attached: {{range $i, $a := .Attachments}}{{if $i}}, {{end}}{{$a}}{{end}}</td></tr>
{{- end}}
<tr><td style="padding:24px 28px 24px 28px;font-size:12px;line-height:16px;color:#59636e;">Sent automatically by Parse DMARC.</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`))
