package tlsrpt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxSize is the largest report Parse reads, in bytes of JSON.
const MaxSize = 20 << 20

// maxString is the longest string kept; longer ones are cut.
const maxString = 1000

// Errors of Parse, wrapped in a ParseError; test with errors.Is.
var (
	// ErrTooLarge: the report is over MaxSize.
	ErrTooLarge = errors.New("report too large")
	// ErrNotReport: the input is not a TLS report: not JSON, not an
	// object, or without a report-id or policies.
	ErrNotReport = errors.New("not an SMTP TLS report")
)

// ParseError says why Parse refused a report.
type ParseError struct {
	// Err is ErrTooLarge or ErrNotReport.
	Err error
	// Detail names the problem, such as "policies: missing".
	Detail string
}

func (e *ParseError) Error() string { return e.Err.Error() + ": " + e.Detail }
func (e *ParseError) Unwrap() error { return e.Err }

func refuse(err error, format string, args ...any) error {
	return &ParseError{Err: err, Detail: fmt.Sprintf(format, args...)}
}

// The report as sent, before checking. Pointers tell a missing member
// from an empty one; RawMessage members take the forms reporters send.
type rawReport struct {
	OrganizationName *string `json:"organization-name"`
	DateRange        *struct {
		Start *string `json:"start-datetime"`
		End   *string `json:"end-datetime"`
	} `json:"date-range"`
	ContactInfo *string      `json:"contact-info"`
	ReportID    *string      `json:"report-id"`
	Policies    *[]rawPolicy `json:"policies"`
}

type rawPolicy struct {
	Policy *struct {
		Type    *string         `json:"policy-type"`
		Strings json.RawMessage `json:"policy-string"`
		Domain  *string         `json:"policy-domain"`
		MXHost  json.RawMessage `json:"mx-host"`
	} `json:"policy"`
	Summary *struct {
		Successful json.RawMessage `json:"total-successful-session-count"`
		Failed     json.RawMessage `json:"total-failure-session-count"`
	} `json:"summary"`
	Failures []rawFailure `json:"failure-details"`
}

type rawFailure struct {
	ResultType          *string         `json:"result-type"`
	SendingMTAIP        string          `json:"sending-mta-ip"`
	ReceivingMXHostname string          `json:"receiving-mx-hostname"`
	ReceivingMXHelo     string          `json:"receiving-mx-helo"`
	ReceivingIP         string          `json:"receiving-ip"`
	Sessions            json.RawMessage `json:"failed-session-count"`
	AdditionalInfo      string          `json:"additional-information"`
	ReasonCode          string          `json:"failure-reason-code"`
}

// Parse reads one report from r. It refuses, with a *ParseError, input
// over MaxSize and input that is not a report; a report with problems is
// returned with its Messages.
func Parse(r io.Reader) (*Report, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	if len(data) > MaxSize {
		return nil, refuse(ErrTooLarge, "over %d MiB", MaxSize>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a BOM, as some tools write
	var raw rawReport
	d := json.NewDecoder(bytes.NewReader(data))
	if err := d.Decode(&raw); err != nil {
		return nil, refuse(ErrNotReport, "%s", jsonProblem(err))
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, refuse(ErrNotReport, "data after the report's JSON object")
	}
	if raw.ReportID == nil {
		return nil, refuse(ErrNotReport, "report-id: missing")
	}
	if raw.Policies == nil {
		return nil, refuse(ErrNotReport, "policies: missing")
	}
	c := &checker{}
	rep := &Report{
		OrganizationName: c.required(raw.OrganizationName, "organization-name"),
		ContactInfo:      c.required(raw.ContactInfo, "contact-info"),
		ReportID:         c.required(raw.ReportID, "report-id"),
		Policies:         make([]Policy, 0, len(*raw.Policies)),
	}
	c.dateRange(rep, raw)
	if len(*raw.Policies) == 0 {
		c.add(SeverityError, "policies", "no policy: the report says nothing")
	}
	for i, p := range *raw.Policies {
		rep.Policies = append(rep.Policies, c.policy(fmt.Sprintf("policies[%d]", i), p))
	}
	// Errors first, each severity in the order found.
	slices.SortStableFunc(c.msgs, func(a, b Message) int {
		return strings.Compare(a.Severity, b.Severity) // "error" < "warning"
	})
	rep.Messages = c.msgs
	if rep.Messages == nil {
		rep.Messages = []Message{}
	}
	return rep, nil
}

// jsonProblem describes a decoding error with where it happened.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d: %v", syn.Offset, err)
	case errors.As(err, &typ) && typ.Field == "":
		return fmt.Sprintf("a JSON %s, not an object", typ.Value)
	case errors.As(err, &typ):
		return fmt.Sprintf("%s: a JSON %s where RFC 8460 wants %s", typ.Field, typ.Value, typeName(typ.Type.String()))
	case errors.Is(err, io.EOF):
		return "empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends early (truncated?)"
	}
	return err.Error()
}

func typeName(goType string) string {
	switch strings.TrimLeft(goType, "*[]") {
	case "string":
		return "a string"
	}
	if strings.HasPrefix(goType, "[]") || strings.HasPrefix(goType, "*[]") {
		return "an array"
	}
	return "an object"
}

// checker collects the messages of one report.
type checker struct{ msgs []Message }

func (c *checker) add(severity, field, format string, args ...any) {
	c.msgs = append(c.msgs, Message{Severity: severity, Field: field, Message: fmt.Sprintf(format, args...)})
}

// str returns s trimmed and cut to maxString characters.
func (c *checker) str(s, field string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxString {
		c.add(SeverityWarning, field, "longer than %d bytes: cut", maxString)
		s = strings.ToValidUTF8(s[:maxString], "")
	}
	return s
}

// required returns *s, with an error when it is missing or empty.
func (c *checker) required(s *string, field string) string {
	if s == nil || strings.TrimSpace(*s) == "" {
		c.add(SeverityError, field, "missing: RFC 8460 section 4.4 requires it")
		return ""
	}
	return c.str(*s, field)
}

func (c *checker) dateRange(rep *Report, raw rawReport) {
	if raw.DateRange == nil {
		c.add(SeverityError, "date-range", "missing: RFC 8460 section 4.4 requires it")
		return
	}
	rep.Begin = c.time(raw.DateRange.Start, "date-range.start-datetime")
	rep.End = c.time(raw.DateRange.End, "date-range.end-datetime")
	if !rep.Begin.IsZero() && !rep.End.IsZero() && !rep.End.After(rep.Begin) {
		c.add(SeverityError, "date-range", "ends at %s, not after its start %s", rep.End.Format(time.RFC3339), rep.Begin.Format(time.RFC3339))
	}
}

// timeLayouts are the forms of date-time accepted: RFC 3339 (what RFC
// 8460 asks for), then variants seen or easily made.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02 15:04:05Z07:00", "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", time.DateOnly}

func (c *checker) time(s *string, field string) time.Time {
	v := c.required(s, field)
	if v == "" {
		return time.Time{}
	}
	for i, layout := range timeLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			if i > 0 {
				c.add(SeverityWarning, field, "%q is not an RFC 3339 date-time; read as %s", v, t.UTC().Format(time.RFC3339))
			}
			return t.UTC()
		}
	}
	c.add(SeverityError, field, "%q is not a date-time", v)
	return time.Time{}
}

// count reads a session count: a whole number, not negative. Missing
// counts are 0 with an error when required.
func (c *checker) count(raw json.RawMessage, field string, required bool) int64 {
	if len(raw) == 0 || string(raw) == "null" {
		if required {
			c.add(SeverityError, field, "missing: RFC 8460 section 4.4 requires it")
		}
		return 0
	}
	s := string(raw)
	if uq, err := strconv.Unquote(s); err == nil {
		c.add(SeverityWarning, field, "a string, not a number")
		s = uq
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if f, ferr := strconv.ParseFloat(s, 64); ferr == nil && f == float64(int64(f)) && f >= 0 && f < 1<<53 {
			return int64(f) // 3.0 or 3e2: a whole number written oddly
		}
		c.add(SeverityError, field, "%s is not a whole number: counted as 0", truncate(s, 40))
		return 0
	}
	if n < 0 {
		c.add(SeverityError, field, "%d is negative: counted as 0", n)
		return 0
	}
	return n
}

// strings reads a member RFC 8460 gives as one string or a list of them.
func (c *checker) strings(raw json.RawMessage, field string) []string {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{c.str(one, field)}
	}
	var list []string
	if json.Unmarshal(raw, &list) != nil {
		c.add(SeverityWarning, field, "neither a string nor a list of strings: left out")
		return nil
	}
	for i := range list {
		list[i] = c.str(list[i], fmt.Sprintf("%s[%d]", field, i))
	}
	return list
}

func (c *checker) policy(field string, raw rawPolicy) Policy {
	var p Policy
	if raw.Policy == nil {
		c.add(SeverityError, field+".policy", "missing: RFC 8460 section 4.4 requires it")
	} else {
		rp := raw.Policy
		p.Type = strings.ToLower(c.required(rp.Type, field+".policy.policy-type"))
		if p.Type != "" && !slices.Contains([]string{PolicySTS, PolicyTLSA, PolicyNotFound}, p.Type) {
			c.add(SeverityWarning, field+".policy.policy-type", "%q is none of sts, tlsa and no-policy-found", p.Type)
		}
		p.Domain = strings.TrimSuffix(strings.ToLower(c.required(rp.Domain, field+".policy.policy-domain")), ".")
		p.Strings = c.strings(rp.Strings, field+".policy.policy-string")
		p.MXHosts = c.strings(rp.MXHost, field+".policy.mx-host")
		if len(rp.MXHost) > 0 && rp.MXHost[0] == '[' {
			c.add(SeverityWarning, field+".policy.mx-host", "a list, where RFC 8460 section 4.4 has one string (its errata allow the list)")
		}
	}
	if raw.Summary == nil {
		c.add(SeverityError, field+".summary", "missing: RFC 8460 section 4.4 requires it")
	} else {
		p.Successful = c.count(raw.Summary.Successful, field+".summary.total-successful-session-count", true)
		p.Failed = c.count(raw.Summary.Failed, field+".summary.total-failure-session-count", true)
	}
	var detailed int64
	for i, rf := range raw.Failures {
		ff := fmt.Sprintf("%s.failure-details[%d]", field, i)
		f := Failure{
			ResultType:          strings.ToLower(c.required(rf.ResultType, ff+".result-type")),
			SendingMTAIP:        c.str(rf.SendingMTAIP, ff+".sending-mta-ip"),
			ReceivingMXHostname: strings.TrimSuffix(strings.ToLower(c.str(rf.ReceivingMXHostname, ff+".receiving-mx-hostname")), "."),
			ReceivingMXHelo:     c.str(rf.ReceivingMXHelo, ff+".receiving-mx-helo"),
			ReceivingIP:         c.str(rf.ReceivingIP, ff+".receiving-ip"),
			Sessions:            c.count(rf.Sessions, ff+".failed-session-count", true),
			AdditionalInfo:      c.str(rf.AdditionalInfo, ff+".additional-information"),
			ReasonCode:          c.str(rf.ReasonCode, ff+".failure-reason-code"),
		}
		if f.ResultType != "" && !Known(f.ResultType) {
			c.add(SeverityWarning, ff+".result-type", "%q is not a result type of RFC 8460 section 4.3", f.ResultType)
		}
		detailed += f.Sessions
		p.Failures = append(p.Failures, f)
	}
	if detailed > p.Failed && raw.Summary != nil {
		c.add(SeverityWarning, field+".failure-details",
			"the details count %d failed sessions, more than the summary's %d: the summary is used for rates", detailed, p.Failed)
	}
	return p
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
