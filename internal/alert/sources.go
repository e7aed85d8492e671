package alert

import (
	"context"
	"fmt"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/anomaly"
	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/textfmt"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// newSource judges a NewSource rule: the source IPs that sent mail in the
// domain's newest NewDays days with mail and none in the LookbackDays
// before. A domain needs anomaly.DefaultLearningDays of mail before those
// days (else every source is new), and source rows within maxSourceRows.
// Sources people marked expected (anomaly feedback) are left out.
func (d *domainData) newSource(ctx context.Context, s *NewSource) (verdict, error) {
	first, last, err := d.span(ctx)
	if err != nil || last.IsZero() {
		return verdict{skip: true}, err
	}
	end := last.Add(day)
	newFrom := end.AddDate(0, 0, -NewDays)
	if first.After(newFrom.AddDate(0, 0, -anomaly.DefaultLearningDays)) {
		return verdict{skip: true}, nil
	}
	h, err := d.history(ctx, newFrom.AddDate(0, 0, -LookbackDays), end)
	if err != nil {
		return verdict{}, err
	}
	if !h.SourcesFrom.IsZero() {
		return verdict{skip: true}, nil
	}
	expected := map[string]bool{}
	for _, e := range h.Expected {
		if anomaly.KeyKind(e.Kind) == "ip" {
			expected[e.Key] = true
		}
	}
	type seen struct {
		before bool
		first  time.Time
		t      store.Totals
	}
	by := map[string]*seen{}
	for _, r := range h.Sources {
		x := by[r.SourceIP]
		if x == nil {
			x = &seen{}
			by[r.SourceIP] = x
		}
		if r.Day.Before(newFrom) {
			x.before = true
			continue
		}
		if x.first.IsZero() || r.Day.Before(x.first) {
			x.first = r.Day
		}
		x.t.Messages += r.Messages
		x.t.DMARCPass += r.DMARCPass
		x.t.FullyFailed += r.FullyFailed
	}
	var v verdict
	for ip, x := range by {
		t := x.t
		failing := 2*t.DMARCPass < t.Messages
		if x.before || expected[ip] || t.Messages == 0 || t.Messages < s.MinMessages || s.OnlyFailing && !failing {
			continue
		}
		sev, why := notice.Info, "a new sender that authenticates, most likely one of yours."
		switch {
		case 2*t.FullyFailed > t.Messages:
			sev, why = notice.Critical, "spoofing, or a sender of yours whose SPF and DKIM are not set up."
		case failing:
			sev, why = notice.Warning, "a sender whose DKIM or SPF is not aligned with the domain, or forwarding."
		}
		who := d.e.describe(ctx, ip)
		v.conds = append(v.conds, condition{key: "source:" + ip, trigger: true, severity: sev,
			title: fmt.Sprintf("%s: new source %s", d.domain, who),
			summary: fmt.Sprintf("%s sent %s for %s from %s on, its first in %d days; %s passed DMARC, %s failed both DKIM and SPF: %s",
				ip, messages(t.Messages), d.domain, x.first.Format(time.DateOnly), LookbackDays, percent(rate(t)),
				percent(float64(t.FullyFailed)*100/float64(t.Messages)), why),
			facts: []webhook.Fact{{Name: "Source", Value: who}, {Name: "First seen", Value: x.first.Format(time.DateOnly)},
				{Name: "Messages", Value: textfmt.Int(t.Messages)}, {Name: "Passed DMARC", Value: percent(rate(t))}}})
	}
	return v, nil
}

// newDomain judges a NewDomain rule: the domain's first report came less
// than NewDays days ago.
func (d *domainData) newDomain(firstReport time.Time, totals store.DomainTotals) verdict {
	if firstReport.IsZero() {
		return verdict{skip: true}
	}
	if d.now.Sub(firstReport) >= NewDays*day {
		return verdict{}
	}
	return verdict{conds: []condition{{key: keyNewDomain, trigger: true, severity: notice.Info,
		title: fmt.Sprintf("New domain %s: its first DMARC report came", d.domain),
		summary: fmt.Sprintf("The first DMARC aggregate report of %s was received at %s: receivers now report its mail here. "+
			"If the domain is not yours, someone's DMARC record names this server's address in its rua= tag.",
			d.domain, firstReport.UTC().Format(time.RFC3339)),
		facts: []webhook.Fact{{Name: "First report", Value: firstReport.UTC().Format(time.RFC3339)},
			{Name: "Reports", Value: textfmt.Int(totals.Reports)}, {Name: "Messages", Value: textfmt.Int(totals.Messages)}}}}}
}
