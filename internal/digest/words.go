package digest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/textfmt"
	"github.com/parse-dmarc/parse-dmarc/internal/trend"
)

// The sentences and figures the renderings share, so text, HTML, chat and
// PDF say the same.

// scope says what the digest covers: "3 domains", "example.com".
func (d *Digest) scope() string {
	switch {
	case len(d.Domains) == 0:
		return "no domain with reports"
	case len(d.Domains) == 1:
		return d.Domains[0]
	case d.AllDomains:
		return "all " + textfmt.Count(int64(len(d.Domains)), "domain", "domains")
	}
	return textfmt.Count(int64(len(d.Domains)), "domain", "domains")
}

// volumeChange says the change of volume: "+4.2% on the week before".
func (d *Digest) volumeChange() string {
	if d.Headline.VolumeChange == nil {
		return "no mail " + d.Kind.previousName()
	}
	return signed(*d.Headline.VolumeChange) + "% on " + d.Kind.previousName()
}

// rateChange says the change of pass rate: "+1.3 points, improving".
func (d *Digest) rateChange() string {
	h := d.Headline
	if h.Direction == trend.Unknown {
		return "no comparison"
	}
	return signed(h.PassRateChange) + " points, " + h.Direction
}

// lead is the digest's first sentence, after its title and period.
func (d *Digest) lead() string {
	h := d.Headline
	switch {
	case len(d.Domains) == 0:
		return "No DMARC reports are stored yet."
	case h.Messages == 0:
		return "No DMARC reports covered " + d.scope() + " in the period."
	}
	where := d.scope()
	if len(d.Domains) > 1 {
		where = "across " + where
	} else {
		where = "for " + where
	}
	s := fmt.Sprintf("%s %s, %s passing DMARC", textfmt.Count(h.Messages, "message", "messages"), where, pct(h.PassRate))
	if h.Direction != trend.Unknown {
		s += fmt.Sprintf(" (%s points on %s)", signed(h.PassRateChange), d.Kind.previousName())
	}
	return s + "."
}

// attention says what needs attention in a sentence.
func (d *Digest) attention() string {
	h := d.Headline
	var parts []string
	if h.Alerts > 0 {
		parts = append(parts, textfmt.Count(int64(h.Alerts), "anomaly alerted", "anomalies alerted"))
	}
	if h.Issues > 0 {
		parts = append(parts, textfmt.Count(int64(h.Issues), "legitimate sender fails", "legitimate senders fail")+" DMARC")
	}
	regressions := 0
	for _, dd := range d.DNS {
		for _, c := range dd.Changes {
			if c.Regression {
				regressions++
			}
		}
	}
	if regressions > 0 {
		parts = append(parts, textfmt.Count(int64(regressions), "DNS change for the worse", "DNS changes for the worse"))
	}
	if len(parts) == 0 {
		return "Nothing needs attention."
	}
	return "Needs attention: " + strings.Join(parts, "; ") + "."
}

// signed writes x to one decimal with its sign: "+1.3", "-0.4", "0".
func signed(x float64) string {
	x = round1(x)
	if x == 0 {
		return "0"
	}
	s := strconv.FormatFloat(x, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if x > 0 {
		return "+" + s
	}
	return s
}

// scoreText writes a domain's score: "B 85 (+3)", "-" without one.
func (r DomainRow) scoreText() string {
	if r.Grade == "" {
		return "-"
	}
	s := fmt.Sprintf("%s %d", r.Grade, r.Score)
	if r.ScoreChange != 0 {
		s += fmt.Sprintf(" (%+d)", r.ScoreChange)
	}
	return s
}

// changeText writes a domain's change of pass rate, "-" without one.
func (r DomainRow) changeText() string {
	if r.Direction == trend.Unknown {
		return "-"
	}
	return signed(r.Change)
}

// policyText writes a domain's policy and the next step.
func (r DomainRow) policyText() string {
	p := r.Policy
	if p == "" {
		p = "-"
	}
	if r.NextStep != "" {
		p += "; ready for " + nextTarget(r.NextStep)
	}
	return p
}

// nextTarget is the target of an advisor's step "p=none → p=quarantine
// pct=25": "p=quarantine pct=25".
func nextTarget(step string) string {
	if _, after, ok := strings.Cut(step, "→"); ok {
		return strings.TrimSpace(after)
	}
	return step
}

// who names an issue's source, with its service.
func (i Issue) who() string {
	if i.Service != "" {
		return i.SourceIP + " (" + i.Service + ")"
	}
	return i.SourceIP
}

// failingText says an issue's failing mail.
func (i Issue) failingText() string {
	return fmt.Sprintf("%s of %s failing", textfmt.Int(i.Failing), textfmt.Count(i.Messages, "message", "messages"))
}
