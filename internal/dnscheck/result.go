package dnscheck

// Severity is how bad a finding is.
type Severity string

const (
	// SeverityError: the record does not work as intended (receivers
	// ignore it, treat it as an error, or mail fails authentication).
	SeverityError Severity = "error"
	// SeverityWarning: the record works but is weak, fragile or close to a
	// limit.
	SeverityWarning Severity = "warning"
	// SeverityInfo: worth knowing, nothing to fix.
	SeverityInfo Severity = "info"
)

// Status is the outcome of one record kind's check.
type Status string

const (
	StatusOK      Status = "ok"      // found, no warnings or errors
	StatusWarning Status = "warning" // found, with warnings
	StatusError   Status = "error"   // found but broken, or required and missing
	StatusMissing Status = "missing" // not published, and optional
	StatusInfo    Status = "info"    // not checked (e.g. no DKIM selector given)
)

// Kind names a kind of record.
type Kind string

const (
	KindDMARC  Kind = "dmarc"
	KindSPF    Kind = "spf"
	KindDKIM   Kind = "dkim"
	KindMTASTS Kind = "mta-sts"
	KindTLSRPT Kind = "tls-rpt"
	KindBIMI   Kind = "bimi"
)

// Finding is one problem or remark about a record.
type Finding struct {
	Severity Severity `json:"severity"`
	// Code identifies the kind of finding and is stable across versions
	// (e.g. "spf.too_many_lookups"), for programs and translations.
	Code string `json:"code"`
	// Message says what is wrong, in plain English.
	Message string `json:"message"`
	// Fix says what to do, often with the corrected record; empty when
	// there is nothing to do.
	Fix string `json:"fix,omitempty"`
}

// RecordCheck is the outcome of checking one kind of record at one name.
type RecordCheck struct {
	Kind Kind `json:"kind"`
	// Name is the DNS name queried (for an inherited DMARC policy, the
	// organizational domain's name where the record was found).
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Records are the records of this kind found at Name, as published
	// (the character-strings of a TXT record joined).
	Records []string `json:"records"`
	// Summary is one line about the record, e.g. "Policy: reject |
	// Alignment: relaxed" or "8/10 DNS lookups".
	Summary  string    `json:"summary,omitempty"`
	Findings []Finding `json:"findings"`
}

// add appends a finding.
func (rc *RecordCheck) add(sev Severity, code, msg, fix string) {
	rc.Findings = append(rc.Findings, Finding{Severity: sev, Code: code, Message: msg, Fix: fix})
}

// finish sets Status from the findings: missing when nothing was found
// and no finding is an error, else the worst severity. It also makes the
// slices non-nil, so JSON has [] rather than null.
func (rc *RecordCheck) finish(found bool) {
	if rc.Records == nil {
		rc.Records = []string{}
	}
	if rc.Findings == nil {
		rc.Findings = []Finding{}
	}
	worst := StatusOK
	if !found {
		worst = StatusMissing
	}
	for _, f := range rc.Findings {
		switch {
		case f.Severity == SeverityError:
			worst = StatusError
		case f.Severity == SeverityWarning && worst != StatusError && found:
			worst = StatusWarning
		}
	}
	rc.Status = worst
}

// HasErrors reports whether any finding is an error.
func (rc *RecordCheck) HasErrors() bool {
	for _, f := range rc.Findings {
		if f.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Result is the outcome of checking a domain's mail authentication
// records. It marshals to JSON as is.
type Result struct {
	Domain string `json:"domain"`
	// Status is error when any check has an error, else warning when any
	// has a warning, else ok.
	Status Status      `json:"status"`
	DMARC  DMARCCheck  `json:"dmarc"`
	SPF    SPFCheck    `json:"spf"`
	DKIM   []DKIMCheck `json:"dkim"`
	MTASTS MTASTSCheck `json:"mta_sts"`
	TLSRPT TLSRPTCheck `json:"tls_rpt"`
	BIMI   BIMICheck   `json:"bimi"`
	// Queries is the number of DNS questions the check sent (answers are
	// cached within one check).
	Queries int `json:"queries"`
}

// Checks returns the record checks in display order: DMARC, SPF, the DKIM
// selectors, MTA-STS, TLS-RPT, BIMI.
func (r *Result) Checks() []*RecordCheck {
	out := []*RecordCheck{&r.DMARC.RecordCheck, &r.SPF.RecordCheck}
	for i := range r.DKIM {
		out = append(out, &r.DKIM[i].RecordCheck)
	}
	return append(out, &r.MTASTS.RecordCheck, &r.TLSRPT.RecordCheck, &r.BIMI.RecordCheck)
}

// HasErrors reports whether any check has an error finding.
func (r *Result) HasErrors() bool {
	for _, c := range r.Checks() {
		if c.HasErrors() {
			return true
		}
	}
	return false
}

// overall is the status of a whole result: error when any check has an
// error, else warning when any has a warning, else ok (an optional record
// that is missing is not a problem).
func overall(checks []*RecordCheck) Status {
	w := StatusOK
	for _, c := range checks {
		switch c.Status {
		case StatusError:
			return StatusError
		case StatusWarning:
			w = StatusWarning
		}
	}
	return w
}
