package forensic

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// feedbackPath is the Field of validation messages about a feedback-report
// field.
const feedbackPath = "/feedback-report/"

// knownFeedback are the fields of the feedback-report part this package
// reads (RFC 5965 section 3.1, RFC 6591 section 3, RFC 6692, the DMARC
// failure reporting update), and Message-ID, which
// reporters add. Others are left out and named in Privacy.Removed.
var knownFeedback = map[string]bool{
	"feedback-type": true, "user-agent": true, "version": true, "original-mail-from": true,
	"original-rcpt-to": true, "arrival-date": true, "received-date": true, "source-ip": true,
	"source-port": true, "reported-domain": true, "reported-uri": true, "authentication-results": true,
	"delivery-result": true, "auth-failure": true, "dkim-domain": true, "dkim-identity": true,
	"dkim-selector": true, "dkim-selector-dns": true, "dkim-adsp-dns": true, "spf-dns": true,
	"identity-alignment": true, "original-envelope-id": true, "reporting-mta": true,
	"incidents": true, "message-id": true,
	// Copies of the message, never kept.
	"dkim-canonicalized-header": true, "dkim-canonicalized-body": true,
}

// feedbackFields holds the values of the feedback-report fields by lower
// case name, in order.
type feedbackFields map[string][]string

func (f feedbackFields) first(name string) (string, bool) {
	v, ok := f[name]
	if !ok {
		return "", false
	}
	return strings.TrimSpace(v[0]), true
}

// report builds the Report from what the walk found.
func (p *parser) report() (*Report, error) {
	format := FormatARF
	if p.feedback == nil {
		fs, err := p.plainText()
		if err != nil {
			return nil, err
		}
		p.feedback, format = fs, FormatEximText
	}
	ff := feedbackFields{}
	var unknown []string
	for _, f := range p.feedback {
		lname := strings.ToLower(f.name)
		ff[lname] = append(ff[lname], f.value)
		if !knownFeedback[lname] && !slices.Contains(unknown, f.name) {
			unknown = append(unknown, f.name)
		}
	}
	rep := &Report{Format: format, Incidents: 1}
	ft, ok := ff.first("feedback-type")
	ft = strings.ToLower(ft)
	switch {
	case !ok || ft == "":
		p.missing("Feedback-Type", "auth-failure", aggregate.ActionUsedDefault)
		ft = "auth-failure"
	case ft != "auth-failure":
		return nil, fmt.Errorf("%w: Feedback-Type is %q", ErrNotAuthFailure, ft)
	}
	rep.FeedbackType = ft

	s := &sanitizer{policy: p.opts.Redaction}
	for _, v := range ff["original-rcpt-to"] {
		s.add(addresses(decodeWords(v)))
	}
	s.collect(p.original)
	p.outerFields(rep, s)
	p.feedbackFields(rep, ff, s)
	p.originalMessage(rep, s)
	for _, f := range p.eximText {
		rep.TextFields = append(rep.TextFields, TextField{Name: s.text(f.Name), Value: s.text(f.Value)})
	}

	rep.Privacy = Privacy{
		Redaction:          p.opts.Redaction.String(),
		BodyRemoved:        true,
		RecipientsRedacted: len(s.known),
		HeadersTruncated:   p.originalTruncated,
		Removed:            []string{},
	}
	if p.textSeen {
		rep.Privacy.Removed = append(rep.Privacy.Removed, "human-readable part")
	}
	for _, name := range []string{"DKIM-Canonicalized-Header", "DKIM-Canonicalized-Body"} {
		if _, ok := ff[strings.ToLower(name)]; ok {
			rep.Privacy.Removed = append(rep.Privacy.Removed, name)
		}
	}
	if n := len(ff["original-rcpt-to"]); n > 0 && s.policy == RedactFull {
		rep.Privacy.Removed = append(rep.Privacy.Removed, "Original-Rcpt-To")
	}
	for _, name := range unknown {
		rep.Privacy.Removed = append(rep.Privacy.Removed, "feedback field "+strings.ToValidUTF8(name, "\uFFFD"))
	}
	if p.broken != "" {
		p.warn(aggregate.Message{
			ErrorType: aggregate.SchemaViolation, Field: "/", Expected: "a complete MIME structure",
			Actual: p.broken, Severity: aggregate.SeverityWarning, Action: aggregate.ActionKept,
		})
	}
	rep.Messages = p.msgs
	return rep, nil
}

// outerFields fills Reporter from the report mail's header.
func (p *parser) outerFields(rep *Report, s *sanitizer) {
	for _, f := range p.outer {
		switch strings.ToLower(f.name) {
		case "from":
			if rep.Reporter.From == "" {
				rep.Reporter.From = s.address(firstAddress(decodeWords(f.value)))
			}
		case "date":
			if rep.Reporter.Date == nil {
				if t, _, err := ParseDate(f.value); err == nil {
					rep.Reporter.Date = &t
				}
			}
		case "message-id":
			if rep.Reporter.MessageID == "" {
				rep.Reporter.MessageID = s.knownOnly(messageID(f.value))
			}
		}
	}
}

// feedbackFields fills the Report from the feedback-report fields.
func (p *parser) feedbackFields(rep *Report, ff feedbackFields, s *sanitizer) {
	text := func(name string) string {
		v, _ := ff.first(name)
		return s.text(decodeWords(v))
	}
	all := func(name string) []string {
		var out []string
		for _, v := range ff[name] {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, s.text(decodeWords(v)))
			}
		}
		return out
	}
	if rep.UserAgent = text("user-agent"); rep.UserAgent == "" {
		p.missing("User-Agent", "the reporting software", aggregate.ActionKept)
	}
	if rep.Version = text("version"); rep.Version == "" {
		p.missing("Version", "the ARF version, 1", aggregate.ActionKept)
	}
	if v, ok := ff.first("original-mail-from"); ok {
		v = strings.TrimSpace(decodeWords(v))
		v = strings.TrimSuffix(strings.TrimPrefix(v, "<"), ">")
		rep.OriginalMailFrom = s.address(v)
	}
	for _, v := range ff["original-rcpt-to"] {
		rep.OriginalRcptTo = append(rep.OriginalRcptTo, s.recipients(decodeWords(v))...)
	}
	p.arrivalDate(rep, ff)
	p.sourceIP(rep, ff)
	p.reportedDomain(rep, ff)
	rep.AuthenticationResults = strings.Join(all("authentication-results"), "\n")
	if rep.AuthenticationResults == "" {
		p.missing("Authentication-Results", "the reporter's authentication results (RFC 8601)", aggregate.ActionKept)
	}
	p.deliveryResult(rep, ff)
	p.authFailure(rep, ff)
	rep.OriginalEnvelopeID = text("original-envelope-id")
	rep.ReportingMTA = text("reporting-mta")
	if v, ok := ff.first("source-port"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			p.invalid("Source-Port", "a port number", v, aggregate.ActionIgnored)
		} else {
			rep.SourcePort = n
		}
	}
	if v, ok := ff.first("incidents"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			p.invalid("Incidents", "a positive number", v, aggregate.ActionUsedDefault)
		} else {
			rep.Incidents = n
		}
	}
	d := DKIM{
		Domain: strings.ToLower(text("dkim-domain")), Identity: text("dkim-identity"), Selector: text("dkim-selector"),
		SelectorDNS: text("dkim-selector-dns"), ADSPDNS: text("dkim-adsp-dns"),
	}
	if d != (DKIM{}) {
		rep.DKIM = &d
	}
	rep.SPFDNS = all("spf-dns")
	rep.IdentityAlignment = strings.ToLower(text("identity-alignment"))
	rep.ReportedURI = all("reported-uri")
}

// arrivalDate reads Arrival-Date (or Received-Date, its name in drafts of
// RFC 5965). A missing or unreadable date is replaced by the report mail's
// Date, the receipt time the protocol falls back to.
func (p *parser) arrivalDate(rep *Report, ff feedbackFields) {
	name := "Arrival-Date"
	v, ok := ff.first("arrival-date")
	if !ok {
		if v, ok = ff.first("received-date"); ok {
			name = "Received-Date"
		}
	}
	fallback := func() {
		if rep.Reporter.Date != nil {
			t := *rep.Reporter.Date
			rep.ArrivalDate = &t
		}
	}
	if !ok || v == "" {
		fallback()
		p.missing("Arrival-Date", "the arrival date (the report mail's Date is used)", aggregate.ActionUsedDefault)
		return
	}
	t, note, err := ParseDate(v)
	if err != nil {
		fallback()
		p.invalid(name, "a date and time (the report mail's Date is used)", v, aggregate.ActionUsedDefault)
		return
	}
	rep.ArrivalDate = &t
	if note != "" {
		p.invalid(name, "a date with its time zone ("+note+")", v, aggregate.ActionUsedDefault)
	}
}

// sourceIP reads Source-IP, keeping a value that is not an IP address as
// found, flagged.
func (p *parser) sourceIP(rep *Report, ff feedbackFields) {
	v, _ := ff.first("source-ip")
	if v == "" {
		p.missing("Source-IP", "the IP address the message came from", aggregate.ActionKept)
		return
	}
	a, err := netip.ParseAddr(strings.Trim(v, "[]"))
	if err != nil {
		rep.SourceIP = strings.ToValidUTF8(v, "\uFFFD")
		p.invalid("Source-IP", "an IPv4 or IPv6 address", rep.SourceIP, aggregate.ActionKept)
		return
	}
	rep.SourceIP = a.Unmap().String()
}

// reportedDomain reads Reported-Domain, in lower case; when it is missing,
// the domain of the reported message's From is the one DMARC evaluated
// (RFC 7489 section 3.1), so it is used instead.
func (p *parser) reportedDomain(rep *Report, ff feedbackFields) {
	for _, v := range ff["reported-domain"] {
		d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(v)), ".")
		if d != "" && !slices.Contains(rep.ReportedDomains, d) {
			rep.ReportedDomains = append(rep.ReportedDomains, strings.ToValidUTF8(d, "\uFFFD"))
		}
	}
	if len(rep.ReportedDomains) > 0 {
		rep.ReportedDomain = rep.ReportedDomains[0]
	}
	if len(rep.ReportedDomains) < 2 {
		rep.ReportedDomains = nil
	}
	if rep.ReportedDomain != "" {
		return
	}
	for _, f := range p.original {
		if strings.EqualFold(f.name, "from") {
			rep.ReportedDomain = domainOf(decodeWords(f.value))
			break
		}
	}
	action := aggregate.ActionKept
	if rep.ReportedDomain != "" {
		action = aggregate.ActionUsedDefault
	}
	p.missing("Reported-Domain", "the domain that failed (the reported message's From domain is used)", action)
}

// deliveryResult maps Delivery-Result (RFC 6591 section 3: delivered,
// spam, policy, reject, other) to the protocol's delivered, spam, reject or
// other.
func (p *parser) deliveryResult(rep *Report, ff feedbackFields) {
	v, _ := ff.first("delivery-result")
	lv := strings.ToLower(v)
	switch lv {
	case "delivered", "spam", "reject", "other":
		rep.DeliveryResult = lv
	case "":
		rep.DeliveryResult = "other"
		p.missing("Delivery-Result", "delivered|spam|policy|reject|other (other is used)", aggregate.ActionUsedDefault)
	case "policy":
		rep.DeliveryResult, rep.DeliveryResultReported = "other", lv
	default:
		rep.DeliveryResult, rep.DeliveryResultReported = "other", strings.ToValidUTF8(v, "\uFFFD")
		p.invalid("Delivery-Result", "delivered|spam|policy|reject|other", rep.DeliveryResultReported, aggregate.ActionNormalized)
	}
}

// authFailure maps Auth-Failure (RFC 6591 section 3: adsp, bodyhash,
// revoked, signature, spf; "dmarc" from the DMARC failure reporting
// update) to the protocol's dmarc, dkim, spf or other. A report without it
// is taken as a DMARC failure when it has the Identity-Alignment field,
// which only DMARC failure reports have, or its Authentication-Results say
// dmarc=fail.
func (p *parser) authFailure(rep *Report, ff feedbackFields) {
	vals := ff["auth-failure"]
	if len(vals) == 0 || strings.TrimSpace(vals[0]) == "" {
		rep.AuthFailure = "other"
		if _, ok := ff["identity-alignment"]; ok || strings.Contains(strings.ToLower(rep.AuthenticationResults), "dmarc=fail") {
			rep.AuthFailure = "dmarc"
		}
		p.missing("Auth-Failure", "dmarc|dkim|spf|other ("+rep.AuthFailure+" is used)", aggregate.ActionUsedDefault)
		return
	}
	var reported []string
	for _, v := range vals {
		if v = strings.ToLower(strings.TrimSpace(v)); v != "" {
			reported = append(reported, strings.ToValidUTF8(v, "\uFFFD"))
		}
	}
	first := reported[0]
	switch first {
	case "dmarc", "spf", "dkim":
		rep.AuthFailure = first
	case "bodyhash", "revoked", "signature":
		rep.AuthFailure = "dkim"
	case "adsp":
		rep.AuthFailure = "other"
	default:
		rep.AuthFailure = "other"
		p.invalid("Auth-Failure", "adsp|bodyhash|revoked|signature|spf|dmarc", first, aggregate.ActionNormalized)
	}
	if rep.AuthFailure != first || len(reported) > 1 {
		rep.AuthFailureReported = strings.Join(reported, ", ")
	}
}

// originalMessage fills OriginalHeaders and Message from the reported
// message's header.
func (p *parser) originalMessage(rep *Report, s *sanitizer) {
	if !p.originalSeen {
		p.warn(aggregate.Message{
			ErrorType: aggregate.MissingField, Field: "/original-message",
			Expected: "the reported message or its header (message/rfc822 or text/rfc822-headers)", Actual: "",
			Severity: aggregate.SeverityWarning, Action: aggregate.ActionKept,
		})
	}
	rep.OriginalHeaders = s.header(p.original)
	m := &rep.Message
	for _, f := range p.original {
		switch strings.ToLower(f.name) {
		case "from":
			if m.From == "" {
				m.From = s.address(f.value)
				m.FromDomain = domainOf(decodeWords(f.value))
			}
		case "subject":
			if m.Subject == "" {
				m.Subject = s.digest(s.text(decodeWords(f.value)))
			}
		case "date":
			if m.Date == nil {
				t, _, err := ParseDate(f.value)
				if err != nil {
					p.invalid("/original-message/header/Date", "a date and time", f.value, aggregate.ActionIgnored)
				} else {
					m.Date = &t
				}
			}
		case "message-id":
			if m.MessageID == "" {
				m.MessageID = s.digest(s.knownOnly(messageID(f.value)))
			}
		}
	}
	if m.MessageID == "" {
		// Reporters repeat the Message-ID in the feedback-report part.
		for _, f := range p.feedback {
			if strings.EqualFold(f.name, "message-id") {
				m.MessageID = s.digest(s.knownOnly(messageID(f.value)))
				break
			}
		}
	}
}

// messageID returns a message ID without its angle brackets and white
// space.
func messageID(v string) string {
	v = strings.TrimSpace(v)
	v = strings.TrimSuffix(strings.TrimPrefix(v, "<"), ">")
	return strings.ToValidUTF8(strings.Join(strings.Fields(v), ""), "\uFFFD")
}

// missing notes a missing feedback-report field.
func (p *parser) missing(name, expected, action string) {
	p.warn(aggregate.Message{
		ErrorType: aggregate.MissingField, Field: feedbackPath + name, Expected: expected,
		Severity: aggregate.SeverityWarning, Action: action,
	})
}

// invalid notes a value that is not what its field should hold. Fields
// starting with "/" are paths, others feedback-report field names.
func (p *parser) invalid(name, expected, actual, action string) {
	if !strings.HasPrefix(name, "/") {
		name = feedbackPath + name
	}
	p.warn(aggregate.Message{
		ErrorType: aggregate.InvalidValue, Field: name, Expected: expected,
		Actual: strings.ToValidUTF8(actual, "\uFFFD"), Severity: aggregate.SeverityWarning, Action: action,
	})
}
