package alert

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/textfmt"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// condition is one thing a rule found about a domain.
type condition struct {
	key string
	// trigger opens an alert when the rule has none active with the key;
	// without it the condition only keeps an active one (an episode
	// that goes on, a DNS finding still there).
	trigger  bool
	severity string
	title    string
	summary  string
	facts    []webhook.Fact
}

// verdict is what a rule found about a domain.
type verdict struct {
	conds []condition
	// hold are keys the data cannot tell about: their active alerts stay
	// as they are.
	hold []string
	// skip: the data tells nothing; all active alerts of the domain stay.
	skip bool
	// compliance are the numbers of a compliance rule's window, published
	// with compliance.changed when its alert opens or clears.
	compliance *webhook.ComplianceChangedData
}

// Keys of the conditions that are one per domain.
const (
	keyCompliance  = "compliance"
	keySpike       = "volume:spike"
	keyDrop        = "volume:drop"
	keyFailureRate = "failure_rate"
	keyNewDomain   = "new_domain"
)

// rate is the DMARC pass rate of t in percent.
func rate(t store.Totals) float64 {
	if t.Messages == 0 {
		return 0
	}
	return float64(t.DMARCPass) * 100 / float64(t.Messages)
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// percent writes a percentage with at most one decimal: "72.3%", "98%".
func percent(x float64) string { return strconv.FormatFloat(round1(x), 'f', -1, 64) + "%" }

func messages(n int64) string { return textfmt.Count(n, "message", "messages") }

// baselineWeeks is how many earlier windows a window is compared with:
// the same days of the week in each of the 4 weeks before, so a Monday is
// compared with Mondays and a Saturday with Saturdays (most domains send
// far less mail at the weekend).
const baselineWeeks = 4

// complianceBelow judges a ComplianceBelow rule: the window ends at the
// domain's newest day with mail.
func (d *domainData) complianceBelow(ctx context.Context, s *ComplianceBelow) (verdict, error) {
	_, last, err := d.span(ctx)
	if err != nil || last.IsZero() {
		return verdict{skip: true}, err
	}
	end := last.Add(day)
	n := time.Duration(s.Window) * day
	cur, err := d.totals(ctx, end.Add(-n), end)
	if err != nil {
		return verdict{}, err
	}
	prev, err := d.totals(ctx, end.Add(-2*n), end.Add(-n))
	if err != nil {
		return verdict{}, err
	}
	if cur.Messages == 0 || cur.Messages < s.MinMessages {
		return verdict{skip: true}, nil
	}
	now := rate(cur)
	data := &webhook.ComplianceChangedData{Domain: d.domain, CurrentCompliance: round1(now), Period: s.Window.String(),
		Threshold: s.Threshold, URL: d.e.link("/domains/" + d.domain)}
	if prev.Messages > 0 {
		data.PreviousCompliance = round1(rate(prev))
	}
	v := verdict{compliance: data}
	if now >= s.Threshold {
		return v, nil
	}
	top, failing, err := d.topFailing(ctx, end.Add(-n), end)
	if err != nil {
		return verdict{}, err
	}
	data.TopFailureSource = top
	period := s.Window.phrase(last)
	summary := fmt.Sprintf("Compliance was %s in %s, below the threshold of %s.", percent(now), period, percent(s.Threshold))
	if prev.Messages > 0 && rate(prev) > now {
		summary = fmt.Sprintf("Compliance dropped from %s to %s in %s (threshold %s).", percent(rate(prev)), percent(now), period,
			percent(s.Threshold))
	}
	failed := cur.Messages - cur.DMARCPass
	summary += fmt.Sprintf(" %s of %s failed DMARC.", textfmt.Int(failed), messages(cur.Messages))
	facts := []webhook.Fact{{Name: "Compliance", Value: percent(now)}}
	if prev.Messages > 0 {
		facts = append(facts, webhook.Fact{Name: "Before", Value: percent(rate(prev))})
	}
	if top != "" {
		facts = append(facts, webhook.Fact{Name: "Top failure source", Value: d.e.describe(ctx, top) + ": " + messages(failing)})
	}
	facts = append(facts, webhook.Fact{Name: "Failed messages", Value: textfmt.Int(failed)})
	v.conds = []condition{{key: keyCompliance, trigger: true, severity: notice.Critical,
		title:   fmt.Sprintf("%s: DMARC compliance %s (below %s)", d.domain, percent(now), percent(s.Threshold)),
		summary: summary, facts: facts}}
	return v, nil
}

// usual compares the window [end-w, end) with the same days of the
// weeks before (shifted by whole weeks of at least the window), those
// from the domain's first day with mail on: the window's totals, the
// baseline windows' sum, their mean volume, and how many there are. Two
// are needed to judge.
func (d *domainData) usual(ctx context.Context, end time.Time, w Window) (cur, base store.Totals, usual float64, weeks int, err error) {
	first, _, err := d.span(ctx)
	if err != nil {
		return
	}
	n := time.Duration(w) * day
	shift := time.Duration(7*((int(w)+6)/7)) * day
	if cur, err = d.totals(ctx, end.Add(-n), end); err != nil {
		return
	}
	for i := 1; i <= baselineWeeks; i++ {
		from := end.Add(-n - time.Duration(i)*shift)
		if first.IsZero() || from.Before(first) {
			break
		}
		var t store.Totals
		if t, err = d.totals(ctx, from, from.Add(n)); err != nil {
			return
		}
		base.Messages, base.DMARCPass, base.FullyFailed = base.Messages+t.Messages, base.DMARCPass+t.DMARCPass, base.FullyFailed+t.FullyFailed
		weeks++
	}
	if weeks > 0 {
		usual = float64(base.Messages) / float64(weeks)
	}
	return cur, base, usual, weeks, nil
}

// basis says what a window was compared with.
func basis(w Window, weeks int) string {
	if w == 1 {
		return fmt.Sprintf("the mean of the same weekday in the %d weeks before", weeks)
	}
	return fmt.Sprintf("the mean of the same days in the %d weeks before", weeks)
}

// volumeChange judges a VolumeChange rule: a spike in the window ending
// at the newest day with mail, a drop in the window ending lateness
// before now (days whose reports may still come are no drop).
func (d *domainData) volumeChange(ctx context.Context, s *VolumeChange) (verdict, error) {
	_, last, err := d.span(ctx)
	if err != nil || last.IsZero() {
		return verdict{skip: true}, err
	}
	var v verdict
	if s.SpikePercent > 0 {
		end := last.Add(day)
		cur, _, usual, weeks, err := d.usual(ctx, end, s.Window)
		switch {
		case err != nil:
			return verdict{}, err
		case weeks < 2 || usual < float64(s.MinMessages) || usual == 0:
			v.hold = append(v.hold, keySpike)
		case float64(cur.Messages) > usual*(1+s.SpikePercent/100):
			ratio := float64(cur.Messages) / usual
			v.conds = append(v.conds, condition{key: keySpike, trigger: true, severity: notice.Warning,
				title: fmt.Sprintf("%s: mail volume %s× the usual", d.domain, strconv.FormatFloat(math.Round(ratio*10)/10, 'f', -1, 64)),
				summary: fmt.Sprintf("%s in %s, against a usual %s (%s): %s more, above the rule's %s. A campaign, a new sender, or spoofing.",
					messages(cur.Messages), s.Window.phrase(last), textfmt.Int(int64(usual+0.5)), basis(s.Window, weeks), percent((ratio-1)*100),
					percent(s.SpikePercent)),
				facts: []webhook.Fact{{Name: "Messages", Value: textfmt.Int(cur.Messages)}, {Name: "Usual", Value: textfmt.Int(int64(usual + 0.5))},
					{Name: "Change", Value: "+" + percent((ratio-1)*100)}}})
		}
	}
	if s.DropPercent > 0 {
		end := d.now.Add(-lateness).UTC().Truncate(day)
		cur, _, usual, weeks, err := d.usual(ctx, end, s.Window)
		lastDay := end.Add(-day)
		switch {
		case err != nil:
			return verdict{}, err
		case weeks < 2 || usual < float64(s.MinMessages) || usual == 0:
			v.hold = append(v.hold, keyDrop)
		case float64(cur.Messages) < usual*(1-s.DropPercent/100):
			down := (1 - float64(cur.Messages)/usual) * 100
			v.conds = append(v.conds, condition{key: keyDrop, trigger: true, severity: notice.Warning,
				title: fmt.Sprintf("%s: mail volume down %s", d.domain, percent(down)),
				summary: fmt.Sprintf("%s in %s, against a usual %s (%s): %s less, beyond the rule's %s. A sending outage, a mail server that stopped, or reporters that stopped sending reports.",
					messages(cur.Messages), s.Window.phrase(lastDay), textfmt.Int(int64(usual+0.5)), basis(s.Window, weeks), percent(down),
					percent(s.DropPercent)),
				facts: []webhook.Fact{{Name: "Messages", Value: textfmt.Int(cur.Messages)}, {Name: "Usual", Value: textfmt.Int(int64(usual + 0.5))},
					{Name: "Change", Value: "-" + percent(down)}}})
		}
	}
	return v, nil
}

// failureRateIncrease judges a FailureRateIncrease rule on the window
// ending at the newest day with mail.
func (d *domainData) failureRateIncrease(ctx context.Context, s *FailureRateIncrease) (verdict, error) {
	_, last, err := d.span(ctx)
	if err != nil || last.IsZero() {
		return verdict{skip: true}, err
	}
	cur, base, usual, weeks, err := d.usual(ctx, last.Add(day), s.Window)
	if err != nil {
		return verdict{}, err
	}
	if weeks < 2 || cur.Messages == 0 || base.Messages == 0 || cur.Messages < s.MinMessages || usual < float64(s.MinMessages) {
		return verdict{skip: true}, nil
	}
	now, before := 100-rate(cur), 100-rate(base)
	if now-before < s.Points {
		return verdict{}, nil
	}
	return verdict{conds: []condition{{key: keyFailureRate, trigger: true, severity: notice.Warning,
		title: fmt.Sprintf("%s: DMARC failures up %s points to %s", d.domain, strconv.FormatFloat(round1(now-before), 'f', -1, 64), percent(now)),
		summary: fmt.Sprintf("%s of %s failed DMARC in %s, against %s in the same days of the %d weeks before: up %s points, the rule's limit is %s.",
			percent(now), messages(cur.Messages), s.Window.phrase(last), percent(before), weeks,
			strconv.FormatFloat(round1(now-before), 'f', -1, 64), strconv.FormatFloat(s.Points, 'f', -1, 64)),
		facts: []webhook.Fact{{Name: "Failing now", Value: percent(now)}, {Name: "Failing before", Value: percent(before)},
			{Name: "Failed messages", Value: textfmt.Int(cur.Messages - cur.DMARCPass)}}}}}, nil
}
