package aggregate

import (
	"errors"
	"fmt"
)

// Error types of validation messages, as named by the parsing protocol.
const (
	SchemaViolation = "schema_violation"
	MissingField    = "missing_field"
	InvalidValue    = "invalid_value"
	MalformedXML    = "malformed_xml"
)

// Severities and actions of validation messages.
const (
	SeverityFatal   = "fatal"
	SeverityWarning = "warning"

	ActionSkippedRecord = "skipped_record"
	ActionUsedDefault   = "used_default"
	ActionHaltedParse   = "halted_parse"
	// ActionKept means the value was kept as found (or repaired in a way
	// that keeps its meaning) and flagged.
	ActionKept = "kept_value"
)

// Message is one validation finding, in the parsing protocol's error object
// shape.
type Message struct {
	ErrorType string `json:"error_type"`
	// Field is an XPath to the element, e.g. /feedback/record[3]/row/count.
	Field    string `json:"field"`
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
	Severity string `json:"severity"`
	Action   string `json:"action"`
	// Occurrences counts how often the same finding (same type, field
	// without record index, and value) was seen; messages are folded so a
	// million bad records cost one message. Zero means once.
	Occurrences int `json:"occurrences,omitempty"`
}

func (m Message) String() string {
	return fmt.Sprintf("%s %s at %s: expected %s, found %q", m.Severity, m.ErrorType, m.Field, m.Expected, m.Actual)
}

// Sentinel errors, for errors.Is on what a Decoder returns.
var (
	// ErrNotAggregate means the input holds no feedback element: it is not
	// a DMARC aggregate report at all.
	ErrNotAggregate = errors.New("not a DMARC aggregate report")
	// ErrMissingPart means report_metadata or policy_published is missing,
	// which the protocol treats as fatal.
	ErrMissingPart = errors.New("required part of the report is missing")
	// ErrDoctype means the document declares a DTD with an internal subset.
	// Entities are how XML bombs and external-entity attacks work, and no
	// DMARC report needs one, so such documents are refused unread.
	ErrDoctype = errors.New("document type declarations with entities are refused")
	// ErrLimit means a configured limit (size, depth, records, text length)
	// was exceeded.
	ErrLimit = errors.New("limit exceeded")
	// ErrEncoding means the declared character encoding is unknown.
	ErrEncoding = errors.New("unsupported character encoding")
)

// FatalError is returned by a Decoder when the report cannot be used. It
// wraps one of the sentinel errors and carries the protocol's error object.
type FatalError struct {
	Message Message
	Err     error
}

func (e *FatalError) Error() string {
	if e.Message.Actual != "" {
		return fmt.Sprintf("%v: %s (%s: %s)", e.Err, e.Message.Field, e.Message.Expected, e.Message.Actual)
	}
	return fmt.Sprintf("%v: %s", e.Err, e.Message.Field)
}

func (e *FatalError) Unwrap() error { return e.Err }
