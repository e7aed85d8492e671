package forensic

import (
	"errors"
	"fmt"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// Limits of Parse.
const (
	// MaxSize is the largest report Parse accepts: 20 MiB, far above the
	// few KiB of a real failure report, whose reported message is often
	// only its header.
	MaxSize = 20 << 20
	// MaxHeader bounds the header of the reported message, the copy of it
	// in a plain-text report, the feedback-report part and the report
	// mail's own header: 256 KiB.
	MaxHeader = 256 << 10
	// maxParts bounds the MIME parts walked, and maxDepth the nesting of
	// multiparts: a failure report has three parts, one level.
	maxParts = 100
	maxDepth = 8
)

// Formats of Report.Format.
const (
	// FormatARF is a report with a message/feedback-report part.
	FormatARF = "arf"
	// FormatEximText is Exim's plain-text DMARC failure report.
	FormatEximText = "exim-text"
)

// Sentinel errors, for errors.Is on what Parse returns.
var (
	// ErrNotARF is a mail without a message/feedback-report part in a
	// format this package does not know: the error names what was found.
	ErrNotARF = errors.New("not an ARF failure report")
	// ErrNotAuthFailure is an ARF report of another feedback type (abuse,
	// fraud, virus ... of RFC 5965): not a DMARC failure report.
	ErrNotAuthFailure = errors.New("not an authentication failure report")
	// ErrTooLarge is a report larger than MaxSize, or a report mail whose
	// own header is larger than MaxHeader.
	ErrTooLarge = errors.New("report too large")
	// ErrMalformed is a mail whose header or MIME structure cannot be
	// read.
	ErrMalformed = errors.New("malformed report mail")
)

// Options of Parse. The zero value is the safe default.
type Options struct {
	// Redaction is the policy for personal data beyond what is always
	// removed; the zero value is RedactAddresses.
	Redaction Redaction
}

// Report is one failure report, in the parsing protocol's forensic shape
// (its fields first, in its order) with the other ARF fields after.
// Everything in it has been through the Redaction policy: it may be stored
// and shown as it is.
type Report struct {
	// FeedbackType is "auth-failure" (RFC 6591 section 3).
	FeedbackType string `json:"feedback_type"`
	// UserAgent and Version name the reporting software and the ARF
	// version (RFC 5965 section 3.1), as reported.
	UserAgent string `json:"user_agent"`
	Version   string `json:"version"`
	// OriginalMailFrom is the SMTP MAIL FROM address, without angle
	// brackets; empty for the null reverse-path.
	OriginalMailFrom string `json:"original_mail_from"`
	// ArrivalDate is when the reporter received the message, in UTC; nil
	// when neither the report nor its mail tells.
	ArrivalDate *time.Time `json:"arrival_date"`
	// SourceIP is the IP address the message came from.
	SourceIP string `json:"source_ip"`
	// ReportedDomain is the domain the report is about: the RFC5322.From
	// domain that failed DMARC, in lower case.
	ReportedDomain string `json:"reported_domain"`
	// AuthenticationResults is the reporter's Authentication-Results
	// (RFC 8601); several fields are joined with newlines.
	AuthenticationResults string `json:"authentication_results"`
	// DeliveryResult is the protocol's delivered, spam, reject or other;
	// RFC 6591's "policy" and values outside the RFC are "other", with the
	// value as reported in DeliveryResultReported.
	DeliveryResult string `json:"delivery_result"`
	// AuthFailure is the protocol's dmarc, dkim, spf or other. RFC 6591's
	// DKIM failure types (bodyhash, revoked, signature) are "dkim", adsp
	// and unknown types "other", with the value as reported in
	// AuthFailureReported.
	AuthFailure string `json:"auth_failure"`
	// OriginalHeaders is the sanitised header of the reported message, one
	// "Name: value" line per field (unfolded, encoded words decoded), in
	// the message's order.
	OriginalHeaders string `json:"original_headers"`

	// Format is FormatARF or FormatEximText.
	Format string `json:"format"`
	// Privacy tells what was removed and how.
	Privacy Privacy `json:"privacy"`
	// Reporter is the mail that carried the report.
	Reporter Reporter `json:"reporter"`
	// Message summarises the reported message's header.
	Message Message `json:"message"`

	// ReportedDomains lists every Reported-Domain when there are several
	// (RFC 5965 allows repeating it); ReportedDomain is the first.
	ReportedDomains []string `json:"reported_domains,omitempty"`
	// OriginalRcptTo holds the recipients (Original-Rcpt-To) reduced to
	// ***@domain; empty under RedactFull, which keeps only their count in
	// Privacy.
	OriginalRcptTo         []string `json:"original_rcpt_to,omitempty"`
	OriginalEnvelopeID     string   `json:"original_envelope_id,omitempty"`
	ReportingMTA           string   `json:"reporting_mta,omitempty"`
	SourcePort             int      `json:"source_port,omitempty"`
	Incidents              int      `json:"incidents"`
	DeliveryResultReported string   `json:"delivery_result_reported,omitempty"`
	AuthFailureReported    string   `json:"auth_failure_reported,omitempty"`
	// DKIM holds DKIM-Domain, DKIM-Identity, DKIM-Selector and the DNS
	// records retrieved (RFC 6591 section 3).
	DKIM *DKIM `json:"dkim,omitempty"`
	// SPFDNS holds the SPF records retrieved (RFC 6591 section 3).
	SPFDNS []string `json:"spf_dns,omitempty"`
	// IdentityAlignment is the comma-separated list of the DMARC failure
	// reporting update, as reported.
	IdentityAlignment string   `json:"identity_alignment,omitempty"`
	ReportedURI       []string `json:"reported_uri,omitempty"`
	// TextFields are the "Name: value" lines of a plain-text report's
	// summary (FormatEximText), as found.
	TextFields []TextField `json:"text_fields,omitempty"`

	// Messages are the validation findings, for parse_metadata.
	Messages []aggregate.Message `json:"-"`
}

// Privacy tells what Parse removed from a report.
type Privacy struct {
	// Redaction is the policy applied: off, addresses or full.
	Redaction string `json:"redaction"`
	// BodyRemoved is always true: the body is never kept; it says so in
	// the output for whoever reads it.
	BodyRemoved bool `json:"body_removed"`
	// RecipientsRedacted counts the distinct recipient addresses found
	// and redacted.
	RecipientsRedacted int `json:"recipients_redacted"`
	// HeadersTruncated is set when the reported message's header was
	// longer than MaxHeader.
	HeadersTruncated bool `json:"headers_truncated"`
	// Removed names the other parts and fields that were left out.
	Removed []string `json:"removed"`
}

// Reporter is what the report mail's own header says.
type Reporter struct {
	// From is the report mail's sender address, redacted by the policy.
	From      string     `json:"from"`
	Date      *time.Time `json:"date"`
	MessageID string     `json:"message_id"`
}

// Message summarises the reported message's header, redacted by the
// policy.
type Message struct {
	// From is the RFC5322.From field; FromDomain its domain.
	From       string `json:"from"`
	FromDomain string `json:"from_domain"`
	// Subject is hashed under RedactFull ("sha256:" and 16 hex digits: a
	// digest to group equal subjects by, not a secret: short subjects can
	// be guessed).
	Subject   string     `json:"subject"`
	Date      *time.Time `json:"date"`
	MessageID string     `json:"message_id"`
}

// DKIM holds the DKIM fields of RFC 6591 section 3.
type DKIM struct {
	Domain      string `json:"domain,omitempty"`
	Identity    string `json:"identity,omitempty"`
	Selector    string `json:"selector,omitempty"`
	SelectorDNS string `json:"selector_dns,omitempty"`
	ADSPDNS     string `json:"adsp_dns,omitempty"`
}

// TextField is one "Name: value" line of a plain-text report.
type TextField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Status is the protocol's validation_status: "warnings" when the report
// has messages, else "valid". (A report Parse refuses has no Report.)
func (r *Report) Status() string {
	if len(r.Messages) > 0 {
		return "warnings"
	}
	return "valid"
}

// ErrorMessage describes an error of Parse as a fatal validation message,
// for the document of a refused report.
func ErrorMessage(err error) aggregate.Message {
	m := aggregate.Message{
		ErrorType: aggregate.SchemaViolation, Field: "/", Expected: "an RFC 6591 authentication failure report",
		Actual: err.Error(), Severity: aggregate.SeverityFatal, Action: aggregate.ActionHaltedParse,
	}
	switch {
	case errors.Is(err, ErrTooLarge):
		m.ErrorType = aggregate.InvalidValue
		m.Expected = fmt.Sprintf("a report of at most %d bytes", MaxSize)
	case errors.Is(err, ErrMalformed):
		m.Expected = "a readable MIME mail"
	case errors.Is(err, ErrNotAuthFailure):
		m.ErrorType = aggregate.InvalidValue
		m.Field = "/feedback-report/Feedback-Type"
		m.Expected = "auth-failure"
	}
	return m
}
