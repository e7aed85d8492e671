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

// anomalies judges an Anomaly rule. The detector judges the domain's
// newest 30 days; an anomaly counts while it was flagged on one of the
// newest NewDays days judged. Days flagged one after the other with the
// same kind are one episode and one alert (keyed by the episode's first
// day), which opens on the episode's first day or when the detector
// alerts, and clears when the episode ends. Anomalies marked expected do
// not count.
func (d *domainData) anomalies(ctx context.Context, s *Anomaly) (verdict, error) {
	res, err := d.detect(ctx)
	if err != nil || res == nil {
		return verdict{skip: true}, err
	}
	recent := res.Until.AddDate(0, 0, -NewDays)
	by := map[string]*condition{}
	var order []string
	for _, a := range res.Anomalies {
		if a.Expected || a.LastDay.Before(recent) || len(s.Kinds) > 0 && !slices.Contains(s.Kinds, a.Kind) {
			continue
		}
		episode := a.Key
		if anomaly.KeyKind(a.Kind) == "day" {
			episode = a.EpisodeStart.Format(time.DateOnly)
		}
		key := "anomaly:" + a.Kind + ":" + episode
		trigger := a.Score >= s.MinScore && (a.Alert || a.EpisodeStart.Equal(a.Day.Time))
		c := by[key]
		if c == nil {
			c = &condition{key: key}
			by[key] = c
			order = append(order, key)
		} else if !trigger && c.title != "" {
			continue
		}
		c.trigger = c.trigger || trigger
		if c.title == "" || trigger {
			name := anomalyKindNames[a.Kind]
			if name == "" {
				name = a.Kind
			}
			c.severity = map[string]string{"high": notice.Critical, "medium": notice.Warning}[a.Severity]
			if c.severity == "" {
				c.severity = notice.Info
			}
			c.title = fmt.Sprintf("%s: %s (%s)", d.domain, name, a.Key)
			c.summary = a.Explanation
			c.facts = []webhook.Fact{{Name: "Anomaly", Value: a.ID}, {Name: "Score", Value: strconv.Itoa(a.Score)},
				{Name: "Confidence", Value: a.Confidence}, {Name: "Day", Value: a.Day.Format(time.DateOnly)},
				{Name: "Messages", Value: textfmt.Int(a.Messages)}}
			for _, e := range a.Evidence {
				c.facts = append(c.facts, webhook.Fact{Name: "Evidence", Value: e})
			}
		}
	}
	var v verdict
	for _, k := range order {
		v.conds = append(v.conds, *by[k])
	}
	return v, nil
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
