package remedy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
)

// dnsIssues returns a step for each problem of the domain's records
// behind failures of its own mail, with the record that fixes it when one
// can be written. It finds what in the domain's records (res; nil when DNS was not
// asked) makes the failures fail: strict alignment where relaxed would
// pass, an SPF record receivers reject or that is missing while the mail
// uses the domain as envelope sender, and missing or broken DKIM keys of
// the domain's own signatures.
func dnsIssues(domain string, failures []Failure, res *dnscheck.Result) []Step {
	var out []Step
	if is, ok := strictIssue(domain, failures, res); ok {
		out = append(out, is)
	}
	if res == nil {
		return out
	}
	ownSPF := false
	for _, f := range failures {
		for _, a := range f.SPF.Results {
			if a.Result != "pass" && Aligned(a.Domain, domain, "r") {
				ownSPF = true
			}
		}
	}
	if ownSPF {
		var lines []string
		for _, fd := range res.SPF.Findings {
			if fd.Severity == dnscheck.SeverityError {
				lines = append(lines, strings.TrimSpace(fd.Message+" "+fd.Fix))
			}
		}
		switch {
		case len(lines) > 0:
			out = append(out, Step{Title: "Repair " + domain + "'s SPF record", Detail: strings.Join(lines, "\n")})
		case res.SPF.Status == dnscheck.StatusMissing && len(res.SPF.Records) == 0:
			out = append(out, Step{Title: "Publish an SPF record for " + domain,
				Detail: "Its mail uses " + domain + " as envelope sender, but " + domain + " has no SPF record, so SPF cannot pass: publish a TXT record listing its senders, e.g. v=spf1 mx ~all."})
		}
	}
	for _, r := range brokenKeys(failures, domain, res) {
		title := "Publish the DKIM key of selector " + strings.SplitN(r.Name, ".", 2)[0]
		if r.Status == RecordInvalid {
			title = "Repair the DKIM key of selector " + strings.SplitN(r.Name, ".", 2)[0]
		}
		out = append(out, Step{Title: title, Detail: r.Note, Records: []DNSRecord{r}})
	}
	return out
}

// strictIssue reports failures that relaxed alignment would have passed
// under a strict adkim or aspf, with the DMARC record to publish instead.
func strictIssue(domain string, failures []Failure, res *dnscheck.Result) (Step, bool) {
	var tags []string
	for _, f := range failures {
		if f.Type != TypeBoth {
			continue
		}
		if f.DKIM.RelaxedWouldAlign && !slices.Contains(tags, "adkim") {
			tags = append(tags, "adkim")
		}
		if f.SPF.RelaxedWouldAlign && !slices.Contains(tags, "aspf") {
			tags = append(tags, "aspf")
		}
	}
	if len(tags) == 0 {
		return Step{}, false
	}
	st := Step{Title: "Relax the alignment of " + domain + "'s DMARC record",
		Detail: fmt.Sprintf("Its record asks for strict alignment (%s=s): mail authenticated as a subdomain of %s fails, though relaxed alignment (the default) would pass it (RFC 7489 section 3.1). Remove %s=s, unless strict alignment is what you want.",
			strings.Join(tags, "=s, "), domain, strings.Join(tags, "=s and "))}
	if res != nil && res.DMARC.Record != nil {
		cur := res.DMARC.Record.Tags
		next := cur
		for _, t := range tags {
			next = removeTag(next, t)
		}
		st.Records = []DNSRecord{{Name: res.DMARC.Name, Type: "TXT", Value: joinTags(next), Current: joinTags(cur), Action: ActionReplace, Status: RecordPresent}}
	}
	return st, true
}
