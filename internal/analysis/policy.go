package analysis

import (
	"fmt"
	"slices"
)

// QuarantinePassRate is the percentage of the domain's own mail (the mail
// with a verdict, except that of suspicious sources and forwarded
// failures) that must pass
// DMARC before any tightening is advised: p=none to p=quarantine, a higher
// pct, removing t=y, a stricter sp. Below it the advice is to fix the
// failing senders first, since an enforced policy would hit their mail.
const QuarantinePassRate = 98.0

// RejectPassRate is the percentage of the domain's own mail that must pass
// DMARC before moving from p=quarantine to p=reject: rejected mail is lost,
// quarantined mail can still be found.
const RejectPassRate = 99.5

// MinMessagesToJudge is the least number of messages of the domain's own
// senders in the records on which a stricter policy is advised: fewer are
// too thin a sample of the domain's mail.
const MinMessagesToJudge = 100

// policyRank orders DMARC policies by strictness (RFC 7489 section 6.3), -1
// for an unknown one.
func policyRank(p string) int {
	return slices.Index([]string{"none", "quarantine", "reject"}, p)
}

// enforcing reports whether the published policy is quarantine or reject.
func (a *Accumulator) enforcing() bool {
	return policyRank(a.policy.Policy) > 0
}

// underPolicy is " under p=X" for the published policy, or empty.
func (a *Accumulator) underPolicy() string {
	if a.policy.Policy == "" {
		return ""
	}
	return " under p=" + a.policy.Policy
}

// advisePolicy judges the published policy (RFC 7489 section 6.3). When
// too little of the domain's own mail passes, it advises fixing the failing
// senders and nothing stricter; otherwise the next step: p=none to
// quarantine, quarantine to reject, pct to 100, no t=y, sp as strict as p.
func (a *Accumulator) advisePolicy(recs []Recommendation, as *assessment) []Recommendation {
	if as.ownFail.messages > 0 && !atLeast(as.ownPass, as.own, QuarantinePassRate) {
		return a.fixSendersFirst(recs, as)
	}
	p := a.policy
	rank := policyRank(p.Policy)
	if rank < 0 {
		return recs
	}
	d := a.domain()
	if as.own < MinMessagesToJudge {
		if rank < 2 {
			reason := "This report shows no mail from its own senders, only from suspicious sources or forwarders, so a stricter policy cannot be judged from it."
			if as.own > 0 {
				reason = fmt.Sprintf("Only %s from its own senders in this report (%s passing DMARC), too few to judge a stricter policy: at least %d are needed.",
					messages(as.own), rate(as.ownPass, as.own), MinMessagesToJudge)
			}
			recs = append(recs, Recommendation{
				Priority:        PriorityLow,
				Action:          fmt.Sprintf("Keep p=%s on %s until reports show more of its mail", p.Policy, d),
				Reason:          reason,
				AffectedRecords: a.counts.records,
			})
		}
		return recs
	}
	steps := a.nextSteps(as)
	// A service authenticating as another domain may be one of the
	// domain's own: a stricter policy would hit its mail too.
	var caveat string
	if n := as.servicesFailing(); n > 0 {
		caveat = fmt.Sprintf(". Settle first the %s of services authenticating as other domains (see their recommendations): a stricter policy also hits those that are yours", messages(n))
	}
	for _, r := range steps {
		r.Reason += caveat + "."
		recs = append(recs, r)
	}
	return recs
}

// nextSteps are the ways to tighten the published policy, for a domain
// whose own mail passes DMARC well enough: the next value of p, pct raised
// to 100, t=y removed, sp as strict as p.
func (a *Accumulator) nextSteps(as *assessment) []Recommendation {
	p := a.policy
	rank := policyRank(p.Policy)
	d := a.domain()
	passing := a.ownSummary(as)
	var steps []Recommendation
	switch {
	case rank == 0:
		r := Recommendation{
			Priority: PriorityMedium,
			Action:   fmt.Sprintf("Move %s from p=none to p=quarantine", d),
			Reason:   passing + ": receivers can then quarantine mail failing DMARC instead of delivering it (RFC 7489 section 6.3)",
		}
		if as.suspicious.messages > 0 {
			r.Priority = PriorityHigh
			r.Reason += fmt.Sprintf(", including the %s from suspicious sources", messages(as.suspicious.messages))
		}
		steps = append(steps, r)
	case rank == 1 && p.Percentage >= 100 && p.Testing != "y" && atLeast(as.ownPass, as.own, RejectPassRate):
		r := Recommendation{
			Priority: PriorityLow,
			Action:   fmt.Sprintf("Move %s from p=quarantine to p=reject", d),
			Reason:   passing + ": receivers can then reject mail failing DMARC outright rather than deliver it to spam folders (RFC 7489 section 6.3)",
		}
		if as.suspicious.messages > 0 {
			r.Priority = PriorityMedium
		}
		steps = append(steps, r)
	}
	if rank > 0 && p.Percentage < 100 {
		steps = append(steps, Recommendation{
			Priority: PriorityMedium,
			Action:   fmt.Sprintf("Raise pct from %d to 100 on %s", p.Percentage, d),
			Reason: fmt.Sprintf("%s: with pct=%d receivers apply p=%s to only %d%% of failing mail and the next weaker policy to the rest (RFC 7489 section 6.6.4)",
				passing, p.Percentage, p.Policy, p.Percentage),
		})
	}
	if rank > 0 && p.Testing == "y" {
		steps = append(steps, Recommendation{
			Priority: PriorityMedium,
			Action:   fmt.Sprintf("Remove t=y from the DMARC record of %s", d),
			Reason:   fmt.Sprintf("%s: in test mode receivers apply the next weaker policy than p=%s (DMARCbis t tag)", passing, p.Policy),
		})
	}
	for i := range steps {
		steps[i].AffectedRecords = a.counts.records
	}
	if sp := policyRank(p.SubdomainPolicy); sp >= 0 && sp < rank {
		seen := "this report has no mail from its subdomains"
		if a.subdomain.messages > 0 {
			seen = fmt.Sprintf("this report has %s from its subdomains, %s passing DMARC", messages(a.subdomain.messages), rate(a.subdomainPass, a.subdomain.messages))
		}
		steps = append(steps, Recommendation{
			Priority: PriorityMedium,
			Action:   fmt.Sprintf("Set sp=%s on %s to match p=%s (now sp=%s)", p.Policy, d, p.Policy, p.SubdomainPolicy),
			Reason: fmt.Sprintf("Subdomains of %s get a weaker policy than the domain itself, so spoofers can send as any of them (RFC 7489 section 6.3); %s",
				d, seen),
			AffectedRecords: a.subdomain.records,
		})
	}
	return steps
}

// fixSendersFirst is the advice when too little of the domain's own mail
// passes DMARC for a stricter policy: keep the policy and fix the senders
// whose mail fails. The sources of services authenticating as other domains
// have their own recommendations and are not listed again; when they are
// all there is to list, there is no advice to add.
func (a *Accumulator) fixSendersFirst(recs []Recommendation, as *assessment) []Recommendation {
	d := a.domain()
	ps := top(as.judged, func(j *judged) int64 {
		if j.pattern == patternMisaligned {
			return 0
		}
		return j.ownFailing()
	})
	services := as.servicesFailing()
	if len(ps) == 0 {
		return recs // all named by the services' recommendations
	}
	p := a.policy.Policy
	r := Recommendation{Priority: PriorityHigh, AffectedRecords: as.ownFail.records}
	reason := "Only " + a.ownSummary(as)
	failed := messages(as.ownFail.messages)
	switch p {
	case "none", "quarantine":
		r.Action = fmt.Sprintf("Keep p=%s on %s and fix its failing senders first", p, d)
	case "reject":
		r.Action = "Fix the failing senders of " + d
	default:
		r.Action = fmt.Sprintf("Fix the failing senders of %s before enforcing a policy", d)
	}
	switch {
	case a.enforcing():
		reason += fmt.Sprintf("; receivers may quarantine or reject the %s that failed%s", failed, a.underPolicy())
	case p == "none":
		r.Priority = PriorityMedium
		reason += fmt.Sprintf("; p=quarantine would quarantine the %s that failed, so reach %g%% first", failed, QuarantinePassRate)
	default:
		r.Priority = PriorityMedium
		reason += fmt.Sprintf("; an enforced policy would quarantine or reject the %s that failed, so reach %g%% first", failed, QuarantinePassRate)
	}
	if services > 0 {
		reason += fmt.Sprintf(" (%s of them from services authenticating as other domains: see their recommendations)", num(services))
	}
	if len(ps) > 0 {
		r.Action += ": " + describe(ps, "failing")
	}
	r.Reason = reason + "."
	return append(recs, r)
}

// ownFailing counts the failing messages of a source that are the domain's
// own: none for a suspicious source, the failures not forwarded otherwise.
func (j *judged) ownFailing() int64 {
	if j.class == ClassSuspicious {
		return 0
	}
	return j.s.fail.messages - j.s.forwarded.messages
}

// servicesFailing counts the own failing messages of the sources that
// authenticate as other domains only: they have their own recommendations.
func (as *assessment) servicesFailing() int64 {
	var n int64
	for i := range as.judged {
		if as.judged[i].pattern == patternMisaligned {
			n += as.judged[i].ownFailing()
		}
	}
	return n
}

// ownSummary says how much of the domain's own mail passed DMARC: "99.2% of
// 12,345 messages from its own senders passed DMARC in this report".
func (a *Accumulator) ownSummary(as *assessment) string {
	s := fmt.Sprintf("%s of %s from its own senders passed DMARC in this report", rate(as.ownPass, as.own), messages(as.own))
	var excluded []string
	if as.suspicious.messages > 0 {
		excluded = append(excluded, num(as.suspicious.messages)+" from suspicious sources")
	}
	if as.forwarded > 0 {
		excluded = append(excluded, num(as.forwarded)+" failing after forwarding")
	}
	if len(excluded) > 0 {
		s += " (not counting " + join(excluded) + ")"
	}
	return s
}
