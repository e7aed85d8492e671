package remedy

import (
	"slices"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/senders"
)

// Statuses of a DNSRecord: what DNS holds at its name now.
const (
	// RecordMissing: nothing (no key answers at the name).
	RecordMissing = "missing"
	// RecordPresent: a valid record answers.
	RecordPresent = "present"
	// RecordInvalid: a record answers but does not work (a revoked or
	// unreadable key).
	RecordInvalid = "invalid"
	// RecordUnknown: DNS was not asked, or did not answer.
	RecordUnknown = "unknown"
)

// Actions of a DNSRecord.
const (
	ActionAdd     = "add"     // publish a record where there is none
	ActionReplace = "replace" // publish Value instead of Current
	ActionKeep    = "keep"    // it is there and works: nothing to do
	ActionFix     = "fix"     // it is there but broken: publish it again
)

// DNSRecord is a DNS change to make, or a record to make sure of.
type DNSRecord struct {
	Name string `json:"name"`
	// Type is TXT or CNAME.
	Type string `json:"type"`
	// Value is what to publish; empty when the service generates it (the
	// Note says where to find it).
	Value string `json:"value"`
	// Current is what is published now, when it is replaced.
	Current string `json:"current,omitempty"`
	Action  string `json:"action"`
	// Status is what DNS holds now: missing, present, invalid, unknown.
	Status string `json:"status"`
	Note   string `json:"note,omitempty"`
}

// dkimName is the DNS name of a DKIM key (RFC 6376 section 3.6.2.1).
func dkimName(selector, domain string) string {
	return selector + "._domainkey." + domain
}

// dkimStatus tells what the DNS check found at selector's name.
func dkimStatus(res *dnscheck.Result, selector string) (string, string) {
	if res == nil {
		return RecordUnknown, ""
	}
	for _, k := range res.DKIM {
		if k.Selector != selector {
			continue
		}
		msg := ""
		for _, f := range k.Findings {
			if f.Severity == dnscheck.SeverityError {
				msg = f.Message
				if f.Code == "dkim.selector_missing" {
					return RecordMissing, msg
				}
				if f.Code == "dns.lookup_failed" {
					return RecordUnknown, msg
				}
			}
		}
		switch k.Status {
		case dnscheck.StatusOK, dnscheck.StatusWarning:
			return RecordPresent, ""
		case dnscheck.StatusMissing:
			return RecordMissing, msg
		case dnscheck.StatusError:
			if len(k.Records) == 0 {
				return RecordUnknown, msg
			}
			return RecordInvalid, msg
		}
		return RecordUnknown, msg
	}
	return RecordUnknown, ""
}

// actionOf is the action a record in status needs.
func actionOf(status string) string {
	switch status {
	case RecordPresent:
		return ActionKeep
	case RecordInvalid:
		return ActionFix
	}
	return ActionAdd
}

// serviceDKIMRecords are the records a service documents for signing
// with the domain's own DKIM key: one per fixed selector of the
// catalogue, with its status now; a single entry for services whose
// selector names are chosen per customer.
func serviceDKIMRecords(svc *senders.Service, domain string, res *dnscheck.Result) []DNSRecord {
	if svc == nil || !svc.DKIM.Custom {
		return nil
	}
	typ := strings.ToUpper(svc.DKIM.Method)
	if typ == "" {
		typ = "CNAME or TXT"
	}
	what := "the key record"
	if typ == "CNAME" {
		what = "the target"
	}
	note := svc.DKIM.Note
	if note == "" {
		note = "Publish " + what + " " + svc.Name + " shows in its DKIM (domain authentication) settings."
	}
	if len(svc.DKIM.Selectors) == 0 {
		return []DNSRecord{{Name: dkimName("<selector>", domain), Type: typ, Action: ActionAdd, Status: RecordUnknown,
			Note: "The selector names and values are those " + svc.Name + " shows for " + domain + ". " + svc.DKIM.Note}}
	}
	out := make([]DNSRecord, 0, len(svc.DKIM.Selectors))
	for _, sel := range svc.DKIM.Selectors {
		st, _ := dkimStatus(res, sel)
		out = append(out, DNSRecord{Name: dkimName(sel, domain), Type: typ, Action: actionOf(st), Status: st, Note: note})
	}
	return out
}

// signedSelectors returns the selectors of DKIM signatures of domain
// (aligned in relaxed mode) in the failures, each once.
func signedSelectors(failures []Failure, domain string) []string {
	var out []string
	for _, f := range failures {
		for _, a := range f.DKIM.Results {
			if a.Selector != "" && Aligned(a.Domain, domain, "r") && !slices.Contains(out, a.Selector) {
				out = append(out, a.Selector)
			}
		}
	}
	return out
}

// brokenKeys returns the records of the domain's own DKIM signatures that
// failed in the failures and whose keys DNS does not hold or holds broken:
// the keys to publish again.
func brokenKeys(failures []Failure, domain string, res *dnscheck.Result) []DNSRecord {
	var out []DNSRecord
	seen := map[string]bool{}
	for _, f := range failures {
		for _, a := range f.DKIM.Results {
			if a.Selector == "" || a.Result == "pass" || !Aligned(a.Domain, domain, "r") || seen[a.Domain+" "+a.Selector] {
				continue
			}
			seen[a.Domain+" "+a.Selector] = true
			st, msg := dkimStatus(res, a.Selector)
			if a.Domain != domain || (st != RecordMissing && st != RecordInvalid) {
				continue
			}
			out = append(out, DNSRecord{Name: dkimName(a.Selector, a.Domain), Type: "TXT", Value: "v=DKIM1; k=rsa; p=<the public key of the signing server>",
				Action: actionOf(st), Status: st, Note: strings.TrimSpace(strings.TrimSuffix(msg, ".") + ". Signatures with s=" + a.Selector + " fail until the key that matches the signing server's private key is published.")})
		}
	}
	return out
}
