package dnscheck

import (
	"context"
	"fmt"
	"strings"
)

// DMARCCheck is the outcome of the DMARC check.
type DMARCCheck struct {
	RecordCheck
	// Record is the parsed record, when exactly one was found.
	Record *DMARCRecord `json:"record,omitempty"`
	// OrgDomain is the organizational domain of the domain checked.
	OrgDomain string `json:"org_domain"`
	// Inherited is true when the domain has no record of its own and the
	// organizational domain's applies (RFC 7489 §6.6.3).
	Inherited bool `json:"inherited"`
	// Destinations are the mail addresses of rua and ruf, with the
	// authorization of those outside the domain (RFC 7489 §7.1).
	Destinations []ReportDestination `json:"destinations"`
}

// ReportDestination is one DMARC report address.
type ReportDestination struct {
	Tag    string `json:"tag"` // "rua" or "ruf"
	URI    string `json:"uri"`
	Domain string `json:"domain"`
	// External is true when Domain's organizational domain is not the
	// policy domain's: the destination must then authorize the reports.
	External bool `json:"external"`
	// AuthName is the name of the authorization record of an external
	// destination: <policy domain>._report._dmarc.<destination domain>.
	AuthName string `json:"auth_name,omitempty"`
	// Authorized is true for an internal destination, and for an external
	// one whose AuthName holds a v=DMARC1 record.
	Authorized bool `json:"authorized"`
}

// dmarcRecords returns the DMARC records at _dmarc.<domain>, and the TXT
// records there meant as DMARC records but malformed.
func (s *session) dmarcRecords(ctx context.Context, domain string) (found, near []string, err error) {
	recs, a := s.txt(ctx, "_dmarc."+domain)
	if a.err != nil {
		return nil, nil, a.err
	}
	for _, r := range recs {
		if isDMARCRecord(r.text) {
			found = append(found, r.text)
		} else if looksLikeDMARC(r.text) {
			near = append(near, r.text)
		}
	}
	return found, near, nil
}

// checkDMARC checks the DMARC record of domain (RFC 7489 §6.6.3): at
// _dmarc.<domain>, else at the organizational domain's.
func (s *session) checkDMARC(ctx context.Context, domain string) DMARCCheck {
	c := DMARCCheck{RecordCheck: RecordCheck{Kind: KindDMARC, Name: "_dmarc." + domain}, OrgDomain: OrgDomain(domain), Destinations: []ReportDestination{}}
	policyDomain := domain
	found, near, err := s.dmarcRecords(ctx, domain)
	if err == nil && len(found)+len(near) == 0 && c.OrgDomain != domain {
		var f, n []string
		f, n, err = s.dmarcRecords(ctx, c.OrgDomain)
		if err != nil {
			c.Name = "_dmarc." + c.OrgDomain
		} else if len(f)+len(n) > 0 {
			found, near, policyDomain = f, n, c.OrgDomain
			c.Name, c.Inherited = "_dmarc."+c.OrgDomain, true
		}
	}
	switch {
	case err != nil:
		c.lookupFailed(c.Name, err)
		c.finish(false)
		return c
	case len(found) == 0 && len(near) > 0:
		c.Records = near
		for _, n := range near {
			_, f := ParseDMARC(n)
			c.Findings = append(c.Findings, f...)
		}
		c.finish(true)
		return c
	case len(found) == 0:
		c.add(SeverityError, "dmarc.missing", fmt.Sprintf("No DMARC record at _dmarc.%s (nor at the organizational domain's): receivers apply no policy and send no reports.", domain),
			fmt.Sprintf("Publish a TXT record at _dmarc.%s: v=DMARC1; p=none; rua=mailto:dmarc-reports@%s (p=none to collect reports first).", domain, domain))
		c.finish(false)
		return c
	case len(found) > 1:
		c.Records = found
		c.add(SeverityError, "dmarc.multiple", fmt.Sprintf("%d DMARC records at %s: receivers then apply none of them (RFC 7489 §6.6.3).", len(found), c.Name),
			"Keep one record, e.g.: "+found[0])
		c.finish(true)
		return c
	}
	c.Records = found
	rec, findings := ParseDMARC(found[0])
	c.Record = rec
	c.Findings = append(c.Findings, findings...)
	if c.Inherited {
		c.add(SeverityInfo, "dmarc.inherited", fmt.Sprintf("No record at _dmarc.%s: receivers apply the organizational domain's record at %s, with its subdomain policy (%s).", domain, c.Name, rec.SubdomainPolicy),
			fmt.Sprintf("To set a policy for %s alone, publish a record at _dmarc.%s.", domain, domain))
	}
	c.Findings = append(c.Findings, dmarcAdvice(rec, policyDomain, c.Inherited)...)
	s.checkDestinations(ctx, &c, policyDomain)
	c.Summary = dmarcSummary(rec, c.Inherited)
	c.finish(true)
	return c
}

// dmarcAdvice returns the findings about what a valid record does.
// For an inherited record, what concerns subdomains alone is left out.
func dmarcAdvice(r *DMARCRecord, domain string, inherited bool) []Finding {
	var rc RecordCheck
	policy, tag := r.Policy, "p"
	if inherited {
		policy, tag = r.SubdomainPolicy, "sp"
	}
	switch policy {
	case "none":
		rc.add(SeverityWarning, "dmarc.policy_none", tag+"=none only monitors: receivers deliver mail that fails DMARC as usual.",
			"When the reports show your legitimate mail passes, publish: "+joinTags(setTag(r.Tags, tag, "quarantine", "p")))
	case "quarantine", "reject":
		if r.Percent < 100 {
			rc.add(SeverityWarning, "dmarc.pct_partial", fmt.Sprintf("pct=%d: the policy applies to %d%% of the failing mail only; the rest gets the next weaker treatment.", r.Percent, r.Percent),
				"When the reports show your legitimate mail passes, remove pct: "+joinTags(withoutTags(r.Tags, func(t Tag) bool { return strings.EqualFold(t.Name, "pct") })))
		}
	}
	if policyRank(r.SubdomainPolicy) < policyRank(r.Policy) && !inherited {
		rc.add(SeverityInfo, "dmarc.sp_weaker", fmt.Sprintf("Subdomains get a weaker policy (sp=%s) than the domain (p=%s).", r.SubdomainPolicy, r.Policy), "")
	}
	if len(r.RUA) == 0 {
		rc.add(SeverityWarning, "dmarc.no_rua", "No rua= address: you receive no aggregate reports, so you cannot see who sends mail as your domain.",
			"Publish: "+joinTags(setTag(r.Tags, "rua", "mailto:dmarc-reports@"+domain, "p")))
	}
	if len(r.RUF) > 0 {
		rc.add(SeverityInfo, "dmarc.ruf", "ruf= asks for failure reports, which few receivers send (they can contain personal data).", "")
	} else if _, ok := tagValue(lowerNames(r.Tags), "fo"); ok {
		rc.add(SeverityInfo, "dmarc.fo_without_ruf", "fo= has no effect without a ruf= address.", "")
	}
	if r.Testing == "y" {
		rc.add(SeverityInfo, "dmarc.testing", "t=y: the policy is in testing mode (DMARCbis); receivers may apply the next weaker policy.", "")
	}
	return rc.Findings
}

// policyRank orders policies by strength.
func policyRank(p string) int {
	return strings.Index("none quarantine reject", p)
}

// dmarcSummary is the one-line description of a record.
func dmarcSummary(r *DMARCRecord, inherited bool) string {
	policy := r.Policy
	if inherited {
		policy = r.SubdomainPolicy + " (inherited)"
	}
	if policy == "" {
		policy = "none (p= missing)"
	}
	parts := []string{"Policy: " + policy}
	if !inherited && r.SubdomainPolicy != r.Policy {
		parts = append(parts, "Subdomains: "+r.SubdomainPolicy)
	}
	if r.Percent < 100 {
		parts = append(parts, fmt.Sprintf("pct: %d%%", r.Percent))
	}
	mode := map[string]string{"r": "relaxed", "s": "strict"}
	if r.ADKIM == r.ASPF {
		parts = append(parts, "Alignment: "+mode[r.ADKIM])
	} else {
		parts = append(parts, "Alignment: DKIM "+mode[r.ADKIM]+", SPF "+mode[r.ASPF])
	}
	return strings.Join(parts, " | ")
}

// checkDestinations fills c.Destinations and checks that report
// destinations outside the policy domain authorize its reports (RFC 7489
// §7.1): <policy domain>._report._dmarc.<destination> must have a TXT
// record starting v=DMARC1, or receivers must not send the reports.
func (s *session) checkDestinations(ctx context.Context, c *DMARCCheck, policyDomain string) {
	org := OrgDomain(policyDomain)
	for _, list := range []struct {
		tag  string
		uris []DMARCURI
	}{{"rua", c.Record.RUA}, {"ruf", c.Record.RUF}} {
		for _, u := range list.uris {
			if u.Domain == "" {
				continue
			}
			d := ReportDestination{Tag: list.tag, URI: u.URI, Domain: u.Domain, Authorized: true}
			if OrgDomain(u.Domain) != org {
				d.External = true
				d.AuthName = policyDomain + "._report._dmarc." + u.Domain
				recs, a := s.txt(ctx, d.AuthName)
				d.Authorized = false
				for _, r := range recs {
					d.Authorized = d.Authorized || isDMARCRecord(r.text)
				}
				switch {
				case a.err != nil:
					c.add(SeverityWarning, "dmarc.external_unverified", fmt.Sprintf("%s: could not check that %s accepts reports for %s: %v.", list.tag, u.Domain, policyDomain, a.err), "")
				case !d.Authorized:
					c.add(SeverityError, "dmarc.external_unauthorized", fmt.Sprintf("%s: %s is outside %s and has not authorized its reports (no v=DMARC1 record at %s), so receivers will not send them there (RFC 7489 §7.1).", list.tag, u.URI, org, d.AuthName),
						fmt.Sprintf("The operator of %s must publish a TXT record at %s: v=DMARC1", u.Domain, d.AuthName))
				}
			}
			c.Destinations = append(c.Destinations, d)
		}
	}
}

// lookupFailed adds the finding of a DNS lookup that failed.
func (rc *RecordCheck) lookupFailed(name string, err error) {
	rc.add(SeverityError, "dns.lookup_failed", fmt.Sprintf("Could not look up %s: %v.", name, err),
		"Check that the domain's DNS servers answer, then run the check again.")
}
