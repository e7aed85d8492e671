package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/anomaly"
	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/textfmt"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// anomalyKindNames name the kinds of anomaly in a title.
var anomalyKindNames = map[string]string{
	anomaly.KindVolumeSpike:     "volume spike",
	anomaly.KindNewUnauthorized: "new source failing DKIM and SPF",
	anomaly.KindPassRateDrop:    "DMARC pass rate drop",
	anomaly.KindGeographicShift: "mail from a new country",
	anomaly.KindVolumeDrop:      "volume drop",
	anomaly.KindFailingVolume:   "failing mail up",
	anomaly.KindNewSources:      "many new sources",
	anomaly.KindNewSource:       "new source",
	anomaly.KindSourceAuthDrop:  "source failing DMARC",
}

// sourceKindPlurals name several anomalies of a source kind in a title.
var sourceKindPlurals = map[string]string{
	anomaly.KindNewUnauthorized: "new sources failing DKIM and SPF",
	anomaly.KindNewSource:       "new sources",
	anomaly.KindSourceAuthDrop:  "sources failing DMARC",
}

// anomalyGroup is the anomalies of one alert: an episode of days, or the
// new sources of one kind first flagged on one day.
type anomalyGroup struct {
	members []anomaly.Anomaly
	trigger bool
}

// maxListedSources bounds the source IPs an alert of many names.
const maxListedSources = 10

// anomalies judges an Anomaly rule. The detector judges the domain's
// newest 30 days; an anomaly counts while it was flagged on one of the
// newest NewDays days judged. Days flagged one after the other with the
// same kind are one episode and one alert (keyed by the episode's first
// day), which opens on the episode's first day or when the detector
// alerts, and clears when the episode ends. The sources of one kind
// first flagged on one day are one alert too: a spoofing burst from
// dozens of new addresses is one matter. Anomalies marked expected do
// not count.
func (d *domainData) anomalies(ctx context.Context, s *Anomaly) (verdict, error) {
	res, err := d.detect(ctx)
	if err != nil || res == nil {
		return verdict{skip: true}, err
	}
	recent := res.Until.AddDate(0, 0, -NewDays)
	groups := map[string]*anomalyGroup{}
	var order []string
	for _, a := range res.Anomalies {
		if a.Expected || a.LastDay.Before(recent) || len(s.Kinds) > 0 && !slices.Contains(s.Kinds, a.Kind) {
			continue
		}
		episode := a.Key
		switch anomaly.KeyKind(a.Kind) {
		case "day":
			episode = a.EpisodeStart.Format(time.DateOnly)
		case "ip":
			episode = a.Day.Format(time.DateOnly)
		}
		key := "anomaly:" + a.Kind + ":" + episode
		g := groups[key]
		if g == nil {
			g = &anomalyGroup{}
			groups[key] = g
			order = append(order, key)
		}
		g.members = append(g.members, a)
		g.trigger = g.trigger || a.Score >= s.MinScore && (a.Alert || a.EpisodeStart.Equal(a.Day.Time))
	}
	var v verdict
	for _, key := range order {
		v.conds = append(v.conds, d.anomalyCondition(key, groups[key]))
	}
	return v, nil
}

// anomalyCondition is the condition of a group of anomalies, told by its
// highest scoring one (the detector lists them by day, then score).
func (d *domainData) anomalyCondition(key string, g *anomalyGroup) condition {
	top := g.members[0]
	for _, a := range g.members {
		if a.Score > top.Score {
			top = a
		}
	}
	name := anomalyKindNames[top.Kind]
	if name == "" {
		name = top.Kind
	}
	c := condition{key: key, trigger: g.trigger,
		severity: map[string]string{"high": notice.Critical, "medium": notice.Warning}[top.Severity]}
	if c.severity == "" {
		c.severity = notice.Info
	}
	c.title = fmt.Sprintf("%s: %s (%s)", d.domain, name, top.Key)
	c.summary = top.Explanation
	c.facts = []webhook.Fact{{Name: "Anomaly", Value: top.ID}, {Name: "Score", Value: strconv.Itoa(top.Score)},
		{Name: "Confidence", Value: top.Confidence}, {Name: "Day", Value: top.Day.Format(time.DateOnly)},
		{Name: "Messages", Value: textfmt.Int(top.Messages)}}
	for _, e := range top.Evidence {
		c.facts = append(c.facts, webhook.Fact{Name: "Evidence", Value: e})
	}
	if n := len(g.members); n > 1 && anomaly.KeyKind(top.Kind) == "ip" {
		var total int64
		var listed []string
		for i, a := range g.members {
			total += a.Messages
			if i < maxListedSources {
				listed = append(listed, a.Key+" ("+messages(a.Messages)+")")
			}
		}
		if n > maxListedSources {
			listed = append(listed, fmt.Sprintf("and %d more", n-maxListedSources))
		}
		c.title = fmt.Sprintf("%s: %d %s (%s)", d.domain, n, sourceKindPlurals[top.Kind], top.Day.Format(time.DateOnly))
		c.summary = fmt.Sprintf("%d source IPs first flagged on %s sent %s; the largest: %s.", n, top.Day.Format(time.DateOnly),
			messages(total), top.Explanation)
		c.facts = []webhook.Fact{{Name: "Sources", Value: strings.Join(listed, ", ")}, {Name: "Messages", Value: textfmt.Int(total)},
			{Name: "Highest score", Value: strconv.Itoa(top.Score)}, {Name: "Day", Value: top.Day.Format(time.DateOnly)}}
	}
	return c
}

// dnsRecordNames name the kinds of record in a title.
var dnsRecordNames = map[dnscheck.Kind]string{
	dnscheck.KindDMARC: "DMARC record", dnscheck.KindSPF: "SPF record", dnscheck.KindDKIM: "DKIM key",
	dnscheck.KindMTASTS: "MTA-STS", dnscheck.KindTLSRPT: "TLS-RPT record", dnscheck.KindBIMI: "BIMI record",
}

// severityRank orders the severities of findings.
func severityRank(s dnscheck.Severity) int {
	switch s {
	case dnscheck.SeverityError:
		return 2
	case dnscheck.SeverityWarning:
		return 1
	}
	return 0
}

// dnsFinding is a finding of a check with the record check it is of.
type dnsFinding struct {
	check   *dnscheck.RecordCheck
	finding dnscheck.Finding
}

// dnsFindings returns the findings of r of severity min or worse by key:
// the record kind (and a DKIM key's name) and the finding's code, so a
// finding whose message changes (a count in it) stays one.
func dnsFindings(r *dnscheck.Result, min dnscheck.Severity) (map[string]dnsFinding, []string) {
	out := map[string]dnsFinding{}
	var order []string
	for _, c := range r.Checks() {
		for _, f := range c.Findings {
			if severityRank(f.Severity) < severityRank(min) {
				continue
			}
			key := "dns:" + string(c.Kind) + ":" + f.Code
			if c.Kind == dnscheck.KindDKIM {
				key = "dns:" + string(c.Kind) + ":" + c.Name + ":" + f.Code
			}
			if _, ok := out[key]; !ok {
				out[key] = dnsFinding{c, f}
				order = append(order, key)
			}
		}
	}
	return out, order
}

// dnsRegression judges a DNSRegression rule on the domain's two newest
// DNS checks: a finding of the newest its previous lacked opens an alert,
// which clears when a newer check no longer has it. A domain's first
// check is no regression. A finding that came and went between two
// rounds of the engine is missed (rounds follow each stored check).
func (d *domainData) dnsRegression(ctx context.Context, s *DNSRegression) (verdict, error) {
	domain, err := dnscheck.NormalizeDomain(d.domain)
	if err != nil {
		return verdict{skip: true}, nil
	}
	checks, err := d.e.Store.DNSChecks(ctx, domain, 2)
	if err != nil || len(checks) == 0 {
		return verdict{skip: true}, err
	}
	var now, before dnscheck.Result
	if err := json.Unmarshal(checks[0].Result, &now); err != nil {
		return verdict{skip: true}, fmt.Errorf("DNS check %d of %s: %w", checks[0].ID, domain, err)
	}
	found, order := dnsFindings(&now, dnscheck.Severity(s.MinSeverity))
	var had map[string]dnsFinding
	if len(checks) == 2 && json.Unmarshal(checks[1].Result, &before) == nil {
		had, _ = dnsFindings(&before, dnscheck.Severity(s.MinSeverity))
	}
	var v verdict
	for _, key := range order {
		f := found[key]
		_, old := had[key]
		name := dnsRecordNames[f.check.Kind]
		if f.check.Kind == dnscheck.KindDKIM {
			name += " " + strings.TrimSuffix(f.check.Name, "._domainkey."+domain)
		}
		summary := f.finding.Message
		if f.finding.Fix != "" {
			summary += " Fix: " + f.finding.Fix
		}
		if len(checks) == 2 {
			summary += fmt.Sprintf(" Found by the DNS check of %s; the check of %s did not have it.",
				checks[0].CheckedAt.Format(time.RFC3339), checks[1].CheckedAt.Format(time.RFC3339))
		}
		sev := notice.Warning
		if f.finding.Severity == dnscheck.SeverityError {
			sev = notice.Critical
		}
		facts := []webhook.Fact{{Name: "Record", Value: f.check.Name}, {Name: "Finding", Value: f.finding.Code},
			{Name: "Checked", Value: checks[0].CheckedAt.Format(time.RFC3339)}}
		if len(f.check.Records) > 0 {
			facts = append(facts, webhook.Fact{Name: "Published", Value: strings.Join(f.check.Records, " | ")})
		}
		v.conds = append(v.conds, condition{key: key, trigger: had != nil && !old, severity: sev,
			title: fmt.Sprintf("%s: %s: %s", d.domain, name, f.finding.Message), summary: summary, facts: facts})
	}
	return v, nil
}
