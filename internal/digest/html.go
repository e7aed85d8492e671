package digest

import (
	"embed"
	"html/template"
	"io"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/textfmt"
	"github.com/parse-dmarc/parse-dmarc/internal/trend"
)

//go:embed templates/digest.html
var templates embed.FS

// Colours of the renderings, HTML and PDF alike.
const (
	colorGood    = "#15803d"
	colorWarn    = "#b45309"
	colorBad     = "#b91c1c"
	colorNeutral = "#111827"
)

// rateColor is the colour of a pass rate: green from 95%, amber from 85%,
// red below.
func rateColor(rate float64) string {
	switch {
	case rate >= 95:
		return colorGood
	case rate >= 85:
		return colorWarn
	}
	return colorBad
}

// tile is one KPI tile.
type tile struct {
	Label, Value, Note, Color string
}

// tiles are the digest's KPI tiles, shared by HTML and PDF.
func (d *Digest) tiles() []tile {
	h := d.Headline
	rc := colorNeutral
	if h.Messages > 0 {
		rc = rateColor(h.PassRate)
	}
	alertColor := colorGood
	switch {
	case h.Alerts > 0 || h.Failing*10 > h.Messages:
		alertColor = colorBad
	case h.Failing*50 > h.Messages:
		alertColor = colorWarn
	}
	issueColor := colorGood
	if h.Issues > 0 {
		issueColor = colorWarn
	}
	trendNote := "no comparison"
	if h.Direction != trend.Unknown {
		trendNote = signed(h.PassRateChange) + " pts, " + h.Direction
	}
	return []tile{
		{"DMARC pass rate", pct(h.PassRate), trendNote, rc},
		{"Messages", textfmt.Int(h.Messages), d.volumeChange(), colorNeutral},
		{"Failing DMARC", textfmt.Int(h.Failing), textfmt.Count(int64(h.Alerts), "anomaly alert", "anomaly alerts"), alertColor},
		{"Issues to act on", textfmt.Int(int64(h.Issues)), "legitimate senders failing", issueColor},
	}
}

// sourceList is a titled list of sources.
type sourceList struct {
	Title   string
	Sources []Source
}

var htmlTemplate = template.Must(template.New("digest.html").Funcs(template.FuncMap{
	"label":     func(d *Digest) string { return d.Kind.Label(d.Period) },
	"scope":     func(d *Digest) string { return d.scope() },
	"lead":      func(d *Digest) string { return d.lead() },
	"attention": func(d *Digest) string { return d.attention() },
	"tiles":     func(d *Digest) []tile { return d.tiles() },
	"sourceLists": func(d *Digest) []sourceList {
		return []sourceList{{"Top sources", d.TopSources}, {"New sources", d.NewSources}}
	},
	"pct":         pct,
	"int":         textfmt.Int,
	"day":         day,
	"join":        strings.Join,
	"lastDay":     func(p Period) string { return p.End.AddDate(0, 0, -1).Format("2 Jan 2006") },
	"changeText":  DomainRow.changeText,
	"scoreText":   DomainRow.scoreText,
	"policyText":  DomainRow.policyText,
	"who":         Issue.who,
	"failingText": Issue.failingText,
	"rateColor":   rateColor,
	"barHeight": func(p ChartPoint) int {
		if p.Passing+p.Failing == 0 {
			return 1
		}
		return max(2, int(p.PassRate*0.9+0.5))
	},
	"barColor": func(p ChartPoint) string {
		c := rateColor(p.PassRate)
		if !p.InPeriod {
			return map[string]string{colorGood: "#86efac", colorWarn: "#fcd34d", colorBad: "#fca5a5"}[c]
		}
		return c
	},
	"sevColor": func(s string) string {
		return map[string]string{"high": colorBad, "medium": colorWarn}[s] + map[bool]string{true: "#6b7280"}[s != "high" && s != "medium"]
	},
	"statusColor": func(s string) string {
		switch s {
		case "ok":
			return colorGood
		case "warning":
			return colorWarn
		}
		return colorBad
	},
}).ParseFS(templates, "templates/digest.html"))

// WriteHTML writes d as an HTML document for an email body: tables and
// inline styles, as email clients drop style sheets.
func WriteHTML(w io.Writer, d *Digest) error {
	return htmlTemplate.Execute(w, d)
}
