package analysis

import (
	"cmp"
	"fmt"
	"slices"
)

// adviseSuspicious reports the sources sending as the domain without any
// authentication: critical when receivers delivered their mail.
func (a *Accumulator) adviseSuspicious(recs []Recommendation, as *assessment) []Recommendation {
	ps, t := as.ofClass(ClassSuspicious)
	if len(ps) == 0 {
		return recs
	}
	d := a.domain()
	r := Recommendation{
		Priority: PriorityHigh,
		Action: fmt.Sprintf("Investigate %s sending as %s with no authentication: %s; authorize in SPF and sign with DKIM any that is yours, the others are spoofing %s",
			plural(int64(len(ps)), "source", "sources"), d, describe(ps, ""), d),
		AffectedRecords: t.records,
	}
	reason := "They failed both DKIM and SPF with no sign of forwarding (RFC 7489 section 4.2)"
	if as.suspiciousDelivered > 0 {
		r.Priority = PriorityCritical
		reason += ", and receivers delivered " + part(as.suspiciousDelivered, t.messages) + a.underPolicy()
		if !a.enforcing() {
			reason += ": only an enforced policy (p=quarantine or p=reject) stops such mail"
		}
	} else {
		reason += "; receivers quarantined or rejected " + part(t.messages, t.messages) + a.underPolicy() + ", so the policy works"
	}
	r.Reason = reason + "."
	return append(recs, r)
}

// service is a domain some sources authenticated as, by SPF or DKIM
// (mechanism), with those sources.
type service struct {
	domain, mechanism string
	js                []judged
	t                 tally
}

// adviseMisaligned gives, per service (the domain its mail authenticated
// as), the sources whose mail passed SPF or DKIM for another domain than
// the From domain only: typically a third-party sender not set up to sign
// for the domain (RFC 7489 section 3.1). The MaxListed largest services get
// a recommendation each, the others one together.
func (a *Accumulator) adviseMisaligned(recs []Recommendation, as *assessment) []Recommendation {
	var services []*service
	for _, j := range as.judged {
		if j.pattern != patternMisaligned {
			continue
		}
		domain, mechanism := j.s.serviceDomain()
		i := slices.IndexFunc(services, func(s *service) bool { return s.domain == domain })
		if i < 0 {
			i = len(services)
			services = append(services, &service{domain: domain, mechanism: mechanism})
		}
		services[i].js = append(services[i].js, j)
		services[i].t.merge(j.s.all)
	}
	slices.SortStableFunc(services, func(x, y *service) int { return cmp.Compare(y.t.messages, x.t.messages) })

	d := a.domain()
	prio := PriorityMedium
	consequence := "such mail is delivered now but will be quarantined or rejected once the policy is enforced"
	if a.enforcing() {
		prio = PriorityHigh
		consequence = "receivers may quarantine or reject such mail" + a.underPolicy()
	}
	for i, s := range services {
		if i < MaxListed {
			recs = append(recs, a.serviceAdvice(s, prio, consequence))
			continue
		}
		rest := &service{}
		for _, s := range services[i:] {
			rest.js = append(rest.js, s.js...)
			rest.t.merge(s.t)
		}
		ps := top(rest.js, failing)
		return append(recs, Recommendation{
			Priority: prio,
			Action:   fmt.Sprintf("Review %s sending as %s while authenticating only as other domains: %s", plural(int64(len(ps)), "more source", "more sources"), d, describe(ps, "failing")),
			Reason: fmt.Sprintf("Their mail passed SPF or DKIM only for domains not aligned with %s, so %s failed DMARC (RFC 7489 section 3.1); %s. Set up DKIM signing for %s at those that are your services; the others are spoofing it.",
				d, messages(rest.failing()), consequence, d),
			AffectedRecords: rest.t.records,
		})
	}
	return recs
}

// serviceAdvice is the recommendation for the sources of one service. A
// service domain related to the From domain failed only by strict
// alignment (aspf=s, RFC 7489 section 3.1.2).
func (a *Accumulator) serviceAdvice(s *service, prio, consequence string) Recommendation {
	d := a.domain()
	r := Recommendation{
		Priority:        prio,
		Action:          fmt.Sprintf("Set up DKIM signing for %s at the service sending through %s if it is yours; if not, it is spoofing %s: %s", d, s.domain, d, describe(top(s.js, failing), "failing")),
		AffectedRecords: s.t.records,
	}
	why := "which is not aligned with " + d
	if tag, mode := a.alignmentMode(s.mechanism); related(s.domain, d) && mode == "s" {
		r.Action = fmt.Sprintf("Sign the mail sent through %s with DKIM for %s, or relax %s alignment to %s=r: %s",
			s.domain, d, s.mechanism, tag, describe(top(s.js, failing), "failing"))
		why = fmt.Sprintf("which strict %s alignment (%s=s) does not accept for %s", s.mechanism, tag, d)
	}
	r.Reason = fmt.Sprintf("Its mail passed %s for %s, %s, and carried no aligned DKIM signature, so %s failed DMARC (RFC 7489 section 3.1); %s.",
		s.mechanism, s.domain, why, messages(s.failing()), consequence)
	return r
}

// alignmentMode returns the policy tag setting the alignment mode of
// mechanism (RFC 7489 section 6.3), adkim or aspf, and its value.
func (a *Accumulator) alignmentMode(mechanism string) (tag, mode string) {
	if mechanism == "DKIM" {
		return "adkim", a.policy.ADKIM
	}
	return "aspf", a.policy.ASPF
}

// failing counts the failing messages of the service's sources.
func (s *service) failing() int64 {
	var n int64
	for i := range s.js {
		n += failing(&s.js[i])
	}
	return n
}

// failing counts the failing messages of a source, for top.
func failing(j *judged) int64 {
	return j.s.fail.messages
}

// serviceDomain names the service a source authenticated as, and by which
// mechanism: its first SPF pass domain, else its first DKIM pass domain,
// else its IP.
func (s *source) serviceDomain() (domain, mechanism string) {
	for _, f := range s.spfPass.list() {
		if f.domain != "" {
			return f.domain, "SPF"
		}
	}
	for _, f := range s.dkimPass.list() {
		if f.domain != "" {
			return f.domain, "DKIM"
		}
	}
	return s.ip, "SPF"
}

// adviseBrokenDKIM reports DKIM signatures of the From domain that failed
// verification on mail of legitimate or unknown sources: a signer whose key
// is missing from DNS or does not match it (RFC 6376 section 6.1.2).
func (a *Accumulator) adviseBrokenDKIM(recs []Recommendation, as *assessment) []Recommendation {
	var t tally
	var n int64
	var sigs facts[authFact]
	for _, j := range as.judged {
		if j.s.broken.messages == 0 || j.class == ClassSuspicious || j.class == ClassForwarding {
			continue
		}
		t.merge(j.s.broken)
		n++
		for _, f := range j.s.brokenSig.list() {
			sigs.add(authFact{domain: f.domain, selector: f.selector})
		}
	}
	if n == 0 {
		return recs
	}
	var keys []string
	for _, f := range sigs.list() {
		if f.selector != "" {
			keys = append(keys, f.selector+"._domainkey."+f.domain)
		}
	}
	signed := domains(sigs.list(), nil)
	action := fmt.Sprintf("Fix DKIM signing for %s: check that the selector its signer uses publishes the current public key", signed)
	if len(keys) > 0 {
		action = fmt.Sprintf("Fix DKIM signing for %s: check that %s in DNS holds the public key the signer uses", signed, join(keys))
	}
	return append(recs, Recommendation{
		Priority: PriorityMedium,
		Action:   action,
		Reason: fmt.Sprintf("DKIM signatures of %s failed verification on %s from %s that are not forwarders: typically a key rotated in the signer but not in DNS, a deleted or truncated key record, or a wrong selector (RFC 6376 section 6.1.2). Without DKIM, DMARC rests on SPF alone, which forwarding breaks.",
			signed, messages(t.messages), plural(n, "source", "sources")),
		AffectedRecords: t.records,
	})
}

// adviseForwarding explains, for information, the sources classified
// forwarding: their failures are expected and need no action (RFC 7960).
func (a *Accumulator) adviseForwarding(recs []Recommendation, as *assessment) []Recommendation {
	ps, t := as.ofClass(ClassForwarding)
	if len(ps) == 0 {
		return recs
	}
	var failed int64
	for _, j := range as.judged {
		if j.class == ClassForwarding {
			failed += j.s.forwarded.messages
		}
	}
	return append(recs, Recommendation{
		Priority: PriorityLow,
		Action:   fmt.Sprintf("No action needed for %s relaying mail of %s: %s", plural(int64(len(ps)), "forwarder", "forwarders"), a.domain(), describe(ps, "")),
		Reason: fmt.Sprintf("%s failed DMARC after being relayed: the receiver said so, or a DKIM signature still verified while SPF failed for the relay's IP (RFC 7960). Receivers that trust the forwarder override the policy; signing all mail with aligned DKIM keeps forwarded mail passing.",
			messages(failed)),
		AffectedRecords: t.records,
	})
}
