package forensic

import "fmt"

// Redaction is how much personal data Parse removes beyond what it always
// removes (the body, recipient addresses; see the package documentation).
// The zero value is RedactAddresses, the default.
type Redaction int

const (
	// RedactAddresses (the default) replaces the local part of every
	// address with *** (From, Return-Path, Original-Mail-From, addresses
	// inside Subject or Authentication-Results ..., message IDs excepted),
	// drops the display names of recipient fields, reduces Received fields
	// to their from host and IP, by host and date (dropping the "for",
	// "id" and "with" clauses and the comments), and strips the signature
	// values (b=, bh=) and copied headers (z=) of DKIM and ARC signatures.
	RedactAddresses Redaction = iota
	// RedactFull keeps only what identifies the failure: the header of the
	// reported message is reduced to its field names, except From, reduced
	// to ***@domain; every address in the report is ***@domain; the
	// subject and message ID are replaced by a digest (see
	// Message.Subject); recipient domains are removed too.
	RedactFull
	// RedactOff keeps the header as found, except for what is always
	// removed: recipient addresses become ***@domain wherever they appear
	// (a spoofed From that repeats the recipient included), bodies are
	// never kept. For an operator investigating mail of their own domain.
	RedactOff
)

// String returns "addresses", "full" or "off".
func (r Redaction) String() string {
	switch r {
	case RedactFull:
		return "full"
	case RedactOff:
		return "off"
	}
	return "addresses"
}

// ParseRedaction reads a policy name: "off", "addresses" or "full" (""
// is the default, addresses).
func ParseRedaction(s string) (Redaction, error) {
	switch s {
	case "", "addresses":
		return RedactAddresses, nil
	case "full":
		return RedactFull, nil
	case "off":
		return RedactOff, nil
	}
	return RedactAddresses, fmt.Errorf("redaction %q: want off, addresses or full", s)
}
