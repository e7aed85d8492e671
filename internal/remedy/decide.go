package remedy

import (
	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
)

// decide judges the advice's counts and writes its verdict, reasons,
// blocking sources and next step. res is the DNS check (nil when not
// asked).
func (a *Advice) decide(res *dnscheck.Result) {
	cur := a.Current.Effective
	subBlocked := a.SubdomainFailing > 0
	next, ok := nextStep(cur, false)
	target := ""
	spOnly := false
	switch {
	case ok:
		target = next.Policy
	case rank(cur.SubdomainPolicy) < 2 && !subBlocked:
		target, spOnly = "reject", true
	}
	legit := a.Totals.Messages - a.Spoofing.Messages - a.Forwarding.Failing - a.Unclassified.Failing - a.Other.Failing
	c := counts{domain: a.Domain, target: target, days: a.Data.Days, reporters: a.Data.Reporters, messages: a.Totals.Messages,
		legitimate: legit, legitimateFailing: a.Legitimate.Failing, forwardingFailing: a.Forwarding.Failing,
		unclassifiedFailing: a.Unclassified.Failing + a.Other.Failing, spoofingFailing: a.Spoofing.Failing}
	for _, s := range a.Legitimate.Sources {
		if s.Failing > 0 {
			c.legitimateSources++
		}
	}
	if spOnly {
		// Only subdomains are left: their legitimate mail is what counts.
		c.legitimateFailing = a.SubdomainFailing
	}
	a.Verdict, a.Reasons = judge(c)
	a.LegitimateFailingShare = round2(share(a.Legitimate.Failing, legit))
	a.Thresholds = Thresholds{Target: target, MaxLegitimateFailing: maxLegitimateFail(target),
		NoiseLegitimate: NoiseLegitimateFail, MaxForwardingFailing: MaxForwardingFail}
	if a.Verdict != VerdictReady {
		for _, s := range a.Legitimate.Sources {
			if s.Failing > 0 {
				a.Blocking = append(a.Blocking, s)
			}
		}
	}
	if subBlocked && rank(cur.SubdomainPolicy) < 2 {
		a.Reasons = append(a.Reasons, "Legitimate mail from subdomains of "+a.Domain+" fails DMARC ("+messages(a.SubdomainFailing)+"): sp= stays at "+cur.SubdomainPolicy+" until it is fixed.")
	}
	if target == "" {
		return
	}
	if spOnly {
		next = cur
		next.SubdomainPolicy = "reject"
		next.NonexistentPolicy = ""
	} else {
		next, _ = nextStep(cur, a.Verdict != VerdictReady)
		next.SubdomainPolicy, next.NonexistentPolicy = next.Policy, ""
		if subBlocked {
			// Subdomains keep their weaker policy; subdomains that do not
			// exist send no legitimate mail and can follow p (DMARCbis np).
			next.SubdomainPolicy = cur.SubdomainPolicy
			if rank(next.SubdomainPolicy) < rank(next.Policy) {
				next.NonexistentPolicy = next.Policy
			}
		}
		if rank(cur.NonexistentPolicy) > rank(next.SubdomainPolicy) && cur.NonexistentPolicy != "" {
			next.NonexistentPolicy = cur.NonexistentPolicy
		}
	}
	n := &NextPolicy{PolicyState: next, Step: cur.String() + " → " + next.String(), Name: "_dmarc." + a.Domain}
	var tags []dnscheck.Tag
	switch {
	case res != nil && res.DMARC.Record != nil:
		tags = res.DMARC.Record.Tags
		if a.Current.Inherited {
			n.Notes = append(n.Notes, a.Domain+" has no DMARC record of its own ("+a.Current.RecordName+"'s applies): this one, published at "+n.Name+", starts from it.")
		}
	case res != nil:
		tags = tagsOfState(cur)
		n.Notes = append(n.Notes, "DNS has no DMARC record for "+a.Domain+": this one is written from the reports' policy; add rua=mailto:… for the aggregate reports.")
	default:
		tags = tagsOfState(cur)
		n.Notes = append(n.Notes, "The record was not read from DNS, so it is written from the reports' policy: add the domain's rua= (and ruf=) addresses to it, or the reports stop.")
	}
	n.Record = joinTags(withPolicy(tags, next))
	if next.Percent < 100 {
		n.Notes = append(n.Notes, "pct applies the policy to that share of failing mail only (RFC 7489 section 6.3); raise it once the next reports show no legitimate mail hit.")
	}
	a.Next = n
}
