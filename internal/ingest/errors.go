package ingest

import (
	"errors"
	"fmt"
)

// Errors wrapped by Payload.Err and by the read errors of Payload.Body, for
// errors.Is. Each wrapping error names the part (as in Payload.Name) and the
// decoder that failed, and keeps the underlying error's text.
var (
	// ErrTooLarge is a stream that decompressed to more than
	// Limits.MaxDecompressed, or a zip archive or mail larger than
	// Limits.MaxArchive.
	ErrTooLarge = errors.New("decompressed size exceeds the limit")
	// ErrTooDeep is a container nested in more than Limits.MaxDepth others,
	// or a mail whose multipart structure nests too deeply.
	ErrTooDeep = errors.New("containers nested too deeply")
	// ErrTooMany is a zip archive with more than Limits.MaxMembers entries.
	ErrTooMany = errors.New("too many archive members")
	// ErrCorrupt is a container that could not be decoded: corrupt gzip,
	// zip, base64, MIME structure, or a failed read of the input.
	ErrCorrupt = errors.New("corrupt container")
	// ErrNoReport is a container without a candidate report: a mail
	// without a report attachment or body, an empty zip archive, an empty
	// input.
	ErrNoReport = errors.New("no report found")
	// ErrUnknown is content that is none of the formats this package
	// knows, with a name that does not say either.
	ErrUnknown = errors.New("unrecognised content")
)

// partError names the part and the decoder (op) in err and marks it as
// ErrCorrupt. An error that already wraps one of this package's errors is
// returned as it is: it was named where it arose, deeper in the stream.
func partError(name, op string, err error) error {
	if ours(err) {
		return err
	}
	return fmt.Errorf("%s: %s: %w: %w", name, op, ErrCorrupt, err)
}

// ours tells whether err wraps one of this package's errors.
func ours(err error) bool {
	for _, e := range []error{ErrTooLarge, ErrTooDeep, ErrTooMany, ErrCorrupt, ErrNoReport, ErrUnknown} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
