package dnscheck

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// TLSRPTRecord is a parsed _smtp._tls TXT record (RFC 8460 §3).
type TLSRPTRecord struct {
	Tags []Tag `json:"tags"`
	// RUA are the report destinations: mailto: and https: URIs.
	RUA []string `json:"rua"`
}

// TLSRPTCheck is the outcome of the TLS-RPT check.
type TLSRPTCheck struct {
	RecordCheck
	Record *TLSRPTRecord `json:"record,omitempty"`
}

// ParseTLSRPT parses a TLS-RPT record: v=TLSRPTv1 first, then rua= with
// one or more comma-separated mailto: or https: URIs, and extension tags.
func ParseTLSRPT(txt string) (*TLSRPTRecord, []Finding) {
	var rc RecordCheck
	if !versionIs(txt, "TLSRPTv1") {
		rc.add(SeverityError, "tlsrpt.version", fmt.Sprintf("The record does not start with v=TLSRPTv1: %q.", txt), "")
		return nil, rc.Findings
	}
	tags, problems := parseTags(txt)
	for _, p := range problems {
		rc.add(SeverityError, "tlsrpt.syntax", "Syntax error: "+p+".", "")
	}
	r := &TLSRPTRecord{Tags: tags}
	rua, ok := tagValue(tags, "rua")
	if !ok {
		rc.add(SeverityError, "tlsrpt.no_rua", "The record has no rua=, which it requires (RFC 8460 §3): no reports are sent.", "Publish: v=TLSRPTv1; rua=mailto:tls-reports@example.com")
		return r, rc.Findings
	}
	for u := range strings.SplitSeq(rua, ",") {
		u = strings.TrimSpace(u)
		pu, err := url.Parse(u)
		switch {
		case err != nil || pu.Scheme == "":
			fix := ""
			if strings.Contains(u, "@") {
				fix = "Write the address as a mailto: URI: rua=mailto:" + u
			}
			rc.add(SeverityError, "tlsrpt.invalid_uri", fmt.Sprintf("rua: %q is not a URI.", u), fix)
		case strings.EqualFold(pu.Scheme, "mailto") && strings.Contains(pu.Opaque, "@"),
			strings.EqualFold(pu.Scheme, "https") && pu.Host != "":
			r.RUA = append(r.RUA, u)
		default:
			rc.add(SeverityError, "tlsrpt.invalid_uri", fmt.Sprintf("rua: %q is neither a mailto: address nor an https: URL (RFC 8460 §3).", u), "")
		}
	}
	return r, rc.Findings
}

// checkTLSRPT checks the TLS-RPT record; its absence matters more when the
// domain has an MTA-STS policy, whose failures it reports.
func (s *session) checkTLSRPT(ctx context.Context, domain string, hasMTASTS bool) TLSRPTCheck {
	c := TLSRPTCheck{RecordCheck: RecordCheck{Kind: KindTLSRPT, Name: "_smtp._tls." + domain}}
	sev, msg := SeverityInfo, "No TLS-RPT record: senders do not report the TLS failures of mail to you."
	if hasMTASTS {
		sev, msg = SeverityWarning, "No TLS-RPT record: you have an MTA-STS policy but will not hear when senders fail to deliver under it."
	}
	missing := Finding{sev, "tlsrpt.missing", msg, fmt.Sprintf("Publish a TXT record at %s: v=TLSRPTv1; rua=mailto:tls-reports@%s", c.Name, domain)}
	txt, ok := s.versionRecord(ctx, &c.RecordCheck, "TLSRPTv1", missing, "senders then send no reports (RFC 8460 §3)")
	if !ok {
		return c
	}
	rec, findings := ParseTLSRPT(txt)
	c.Record = rec
	c.Findings = append(c.Findings, findings...)
	if rec != nil && len(rec.RUA) > 0 {
		c.Summary = "Reports to: " + strings.Join(rec.RUA, ", ")
	}
	c.finish(true)
	return c
}
