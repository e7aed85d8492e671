package dnscheck

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// BIMIRecord is a parsed BIMI assertion record
// (draft-brand-indicators-for-message-identification §4.2).
type BIMIRecord struct {
	Tags []Tag `json:"tags"`
	// Location is l=, the https: URL of the SVG logo ("" when declined).
	Location string `json:"location"`
	// Authority is a=, the https: URL of the mark certificate (VMC/CMC).
	Authority string `json:"authority,omitempty"`
	// Declined is true for a record with empty l= and a=: the domain
	// publishes no logo.
	Declined bool `json:"declined"`
}

// BIMICheck is the outcome of the BIMI check.
type BIMICheck struct {
	RecordCheck
	Record *BIMIRecord `json:"record,omitempty"`
}

// ParseBIMI parses a BIMI record: v=BIMI1 first, l= and a= with https:
// URLs; other tags are ignored by receivers.
func ParseBIMI(txt string) (*BIMIRecord, []Finding) {
	var rc RecordCheck
	if !versionIs(txt, "BIMI1") {
		rc.add(SeverityError, "bimi.version", fmt.Sprintf("The record does not start with v=BIMI1: %q.", txt), "")
		return nil, rc.Findings
	}
	tags, problems := parseTags(txt)
	for _, p := range problems {
		rc.add(SeverityError, "bimi.syntax", "Syntax error: "+p+".", "")
	}
	r := &BIMIRecord{Tags: tags}
	l, hasL := tagValue(tags, "l")
	a, _ := tagValue(tags, "a")
	r.Location, r.Authority = l, a
	if l == "" && a == "" {
		r.Declined = hasL
		if !hasL {
			rc.add(SeverityError, "bimi.no_location", "The record has no l= (the logo's URL).", "Publish: v=BIMI1; l=https://example.com/logo.svg")
		}
		return r, rc.Findings
	}
	for _, u := range []struct{ tag, value, ext string }{{"l", l, ".svg"}, {"a", a, ".pem"}} {
		if u.value == "" {
			continue
		}
		pu, err := url.Parse(u.value)
		if err != nil || !strings.EqualFold(pu.Scheme, "https") || pu.Host == "" {
			rc.add(SeverityError, "bimi.invalid_uri", fmt.Sprintf("%s=%s is not an https: URL.", u.tag, u.value), "")
		} else if !strings.HasSuffix(strings.ToLower(pu.Path), u.ext) {
			rc.add(SeverityWarning, "bimi.file_type", fmt.Sprintf("%s=%s does not end in %s.", u.tag, u.value, u.ext), "")
		}
	}
	if a == "" {
		rc.add(SeverityInfo, "bimi.no_certificate", "No a= (mark certificate): most mailbox providers (Gmail, Apple Mail) show the logo only with a VMC or CMC.", "")
	}
	return r, rc.Findings
}

// checkBIMI checks the default._bimi record; receivers show a logo only
// for domains whose DMARC policy is at enforcement.
func (s *session) checkBIMI(ctx context.Context, domain string, dmarc *DMARCCheck) BIMICheck {
	c := BIMICheck{RecordCheck: RecordCheck{Kind: KindBIMI, Name: "default._bimi." + domain}}
	missing := Finding{SeverityInfo, "bimi.missing", "No BIMI record: mailbox providers show no brand logo next to your mail.", ""}
	txt, ok := s.versionRecord(ctx, &c.RecordCheck, "BIMI1", missing, "receivers use none")
	if !ok {
		return c
	}
	rec, findings := ParseBIMI(txt)
	c.Record = rec
	c.Findings = append(c.Findings, findings...)
	if rec != nil && !rec.Declined {
		if why := notEnforced(dmarc); why != "" {
			c.add(SeverityWarning, "bimi.dmarc_not_enforced", "Receivers show no BIMI logo: "+why+"; BIMI requires p=quarantine or p=reject for the domain and its subdomains, applied to all mail.",
				"Move DMARC to p=quarantine or p=reject (without pct below 100, and without sp=none).")
		}
		c.Summary = "Logo: " + rec.Location
	}
	c.finish(true)
	return c
}

// notEnforced says why a DMARC check's policy is not at enforcement, or
// returns "" when it is.
func notEnforced(d *DMARCCheck) string {
	r := d.Record
	switch {
	case r == nil:
		return "the domain has no valid DMARC record"
	case r.Policy != "quarantine" && r.Policy != "reject":
		return "the DMARC policy is p=" + r.Policy
	case r.Percent < 100:
		return fmt.Sprintf("the DMARC policy applies to pct=%d%% of mail", r.Percent)
	case r.SubdomainPolicy == "none":
		return "the DMARC subdomain policy is sp=none"
	}
	return ""
}
