package tlsrpt

import "time"

// Report is one SMTP TLS report, RFC 8460 section 4.4.
type Report struct {
	// OrganizationName is the reporter, such as "Google Inc.".
	OrganizationName string `json:"organization_name"`
	// Begin and End are the date range the report covers, UTC.
	Begin time.Time `json:"begin"`
	End   time.Time `json:"end"`
	// ContactInfo is an address or URL of the reporter.
	ContactInfo string `json:"contact_info"`
	// ReportID identifies the report at its reporter; (OrganizationName,
	// ReportID) identifies it everywhere.
	ReportID string `json:"report_id"`
	// Policies are the policies the reporter applied, each with its
	// sessions.
	Policies []Policy `json:"policies"`
	// Messages are what is wrong with the report, errors first.
	Messages []Message `json:"messages"`
}

// Policy types of RFC 8460 section 4.4.
const (
	PolicySTS      = "sts"
	PolicyTLSA     = "tlsa"
	PolicyNotFound = "no-policy-found"
)

// Policy is one entry of "policies": a policy and the sessions under it.
type Policy struct {
	// Type is PolicySTS, PolicyTLSA or PolicyNotFound.
	Type string `json:"policy_type"`
	// Strings is the policy as the reporter saw it: the MTA-STS policy's
	// lines or the TLSA records.
	Strings []string `json:"policy_string,omitempty"`
	// Domain is the policy domain, the domain the report is about.
	Domain string `json:"policy_domain"`
	// MXHosts are the MX host patterns of an MTA-STS policy.
	MXHosts []string `json:"mx_host,omitempty"`
	// Successful and Failed count the sessions, from the summary.
	Successful int64 `json:"total_successful_session_count"`
	Failed     int64 `json:"total_failure_session_count"`
	// Failures are the failure details: which sessions failed and why.
	Failures []Failure `json:"failure_details,omitempty"`
}

// Sessions is the number of sessions tried under the policy.
func (p *Policy) Sessions() int64 { return p.Successful + p.Failed }

// SuccessRate is the share of successful sessions, 0 to 1; 1 when there
// were none.
func (p *Policy) SuccessRate() float64 {
	if p.Sessions() == 0 {
		return 1
	}
	return float64(p.Successful) / float64(p.Sessions())
}

// Failure is one entry of "failure-details".
type Failure struct {
	// ResultType is one of the result types of section 4.3, such as
	// "certificate-expired" (see Explain), or what the reporter sent.
	ResultType string `json:"result_type"`
	// SendingMTAIP is the reporter's sending host.
	SendingMTAIP string `json:"sending_mta_ip,omitempty"`
	// ReceivingMXHostname, ReceivingMXHelo and ReceivingIP name the
	// domain's receiving host.
	ReceivingMXHostname string `json:"receiving_mx_hostname,omitempty"`
	ReceivingMXHelo     string `json:"receiving_mx_helo,omitempty"`
	ReceivingIP         string `json:"receiving_ip,omitempty"`
	// Sessions is the failed-session-count.
	Sessions int64 `json:"failed_session_count"`
	// AdditionalInfo is a URI with more about the failure.
	AdditionalInfo string `json:"additional_information,omitempty"`
	// ReasonCode is the reporter's own code or text, such as
	// "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED".
	ReasonCode string `json:"failure_reason_code,omitempty"`
}

// Severities of a Message.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Message says what is wrong with a report.
type Message struct {
	Severity string `json:"severity"`
	// Field is the JSON path of the member, such as
	// "policies[0].summary.total-failure-session-count".
	Field   string `json:"field"`
	Message string `json:"message"`
}
