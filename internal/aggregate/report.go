// Package aggregate reads DMARC aggregate (RUA) feedback reports: the XML
// format of RFC 7489 Appendix C and the DMARCbis aggregate schema
// (namespace urn:ietf:params:xml:ns:dmarc-2.0, RFC 9990).
//
// A Decoder reads a report in a single streaming pass: the header (report
// metadata and published policy) first, then one Record at a time, so memory
// stays constant however many records a report holds. Real-world quirks are
// repaired where the meaning is unambiguous and every repair is reported as a
// validation Message; a report is only refused (a fatal Message) when a part
// without which it cannot be understood is missing.
//
// The types mirror the "Normalized Report Format" of the parsing protocol, so
// they encode to its JSON shape directly.
package aggregate

import "time"

// Namespace of the DMARCbis aggregate report schema (RFC 9990).
const NamespaceDMARC2 = "urn:ietf:params:xml:ns:dmarc-2.0"

// Header is everything in a report except its records.
type Header struct {
	// Version is the feedback/version element ("1.0" in DMARCbis reports),
	// empty when absent, as in most RFC 7489 reports.
	Version string `json:"version,omitempty"`
	// Namespace is the default namespace of the feedback element, empty when
	// none was declared.
	Namespace string          `json:"namespace,omitempty"`
	Metadata  Metadata        `json:"metadata"`
	Policy    PolicyPublished `json:"policy_published"`
}

// Metadata is the report_metadata element (RFC 7489 Appendix C).
type Metadata struct {
	Reporter  Reporter  `json:"reporter"`
	ReportID  string    `json:"report_id"`
	DateRange DateRange `json:"date_range"`
	// Generator names the reporting software (DMARCbis only).
	Generator string `json:"generator,omitempty"`
	// Errors are the report_metadata/error elements: problems the reporter
	// itself noted while generating the report.
	Errors []string `json:"errors,omitempty"`
}

// Reporter identifies the organization that sent the report.
type Reporter struct {
	OrgName          string `json:"org_name"`
	Email            string `json:"email"`
	ExtraContactInfo string `json:"extra_contact_info,omitempty"`
}

// DateRange is the period the report covers, in UTC.
type DateRange struct {
	Begin         time.Time `json:"begin"`
	End           time.Time `json:"end"`
	DurationHours float64   `json:"duration_hours"`
}

// PolicyPublished is the DMARC policy the reporter found in DNS for the
// domain (RFC 7489 section 6.3 tags). Defaults of the RFC are filled in:
// adkim and aspf "r", pct 100, sp inherits p.
type PolicyPublished struct {
	Domain          string `json:"domain"`
	ADKIM           string `json:"adkim"`
	ASPF            string `json:"aspf"`
	Policy          string `json:"policy"`
	SubdomainPolicy string `json:"subdomain_policy"`
	Percentage      int    `json:"percentage"`
	// NonexistentSubdomainPolicy is the DMARCbis np tag.
	NonexistentSubdomainPolicy string `json:"nonexistent_subdomain_policy,omitempty"`
	// FailureOptions is the fo tag (RFC 7489 section 6.3).
	FailureOptions string `json:"failure_options,omitempty"`
	// Testing is the DMARCbis t tag, "y" or "n".
	Testing string `json:"testing,omitempty"`
	// DiscoveryMethod is how the reporter found the policy (DMARCbis):
	// "psl" or "treewalk".
	DiscoveryMethod string `json:"discovery_method,omitempty"`
}

// Record is one row of a report: a count of messages from one source IP
// that shared the same identifiers and authentication results.
type Record struct {
	// SourceIP is canonical (netip) when valid, the raw text otherwise.
	SourceIP        string          `json:"source_ip"`
	Count           int64           `json:"count"`
	PolicyEvaluated PolicyEvaluated `json:"policy_evaluated"`
	Identifiers     Identifiers     `json:"identifiers"`
	AuthResults     AuthResults     `json:"auth_results"`
}

// PolicyEvaluated is the result of applying the published policy: the
// disposition and the DMARC-aligned DKIM and SPF verdicts.
type PolicyEvaluated struct {
	// Disposition is none, quarantine or reject; DMARCbis adds pass.
	Disposition string   `json:"disposition"`
	DKIM        string   `json:"dkim"`
	SPF         string   `json:"spf"`
	Reasons     []Reason `json:"reason,omitempty"`
}

// Reason explains why the disposition differs from the published policy
// (RFC 7489 Appendix C, PolicyOverrideType).
type Reason struct {
	Type    string `json:"type"`
	Comment string `json:"comment,omitempty"`
}

// Identifiers are the domains the message claimed.
type Identifiers struct {
	HeaderFrom   string `json:"header_from"`
	EnvelopeFrom string `json:"envelope_from,omitempty"`
	EnvelopeTo   string `json:"envelope_to,omitempty"`
}

// AuthResults are the raw, unaligned DKIM and SPF results.
type AuthResults struct {
	DKIM []DKIMResult `json:"dkim"`
	SPF  []SPFResult  `json:"spf"`
}

// DKIMResult is one DKIM signature's verification result.
type DKIMResult struct {
	Domain      string `json:"domain"`
	Selector    string `json:"selector,omitempty"`
	Result      string `json:"result"`
	HumanResult string `json:"human_result,omitempty"`
}

// SPFResult is the SPF check of one identity.
type SPFResult struct {
	Domain      string `json:"domain"`
	Scope       string `json:"scope,omitempty"`
	Result      string `json:"result"`
	HumanResult string `json:"human_result,omitempty"`
}

// Passed reports whether the message passed DMARC: an aligned DKIM or SPF
// pass (RFC 7489 section 4.2).
func (r *Record) Passed() bool {
	return r.PolicyEvaluated.DKIM == "pass" || r.PolicyEvaluated.SPF == "pass"
}
