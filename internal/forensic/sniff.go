package forensic

import "bytes"

// sniffLen is how much of a mail Sniff looks at: enough for the header and
// the first parts of a failure report, whose feedback-report part comes
// after a short text.
const sniffLen = 64 << 10

// Sniff tells whether a mail looks like a failure report, for a caller
// deciding where a mail without an aggregate report goes: it mentions
// feedback-report (the report-type of RFC 5965 section 2, or the media type
// of the part) or starts Exim's plain-text report. It is a guess from the
// first 64 KiB: Parse decides, and may still refuse the mail (an ARF abuse
// report is no failure report).
func Sniff(mail []byte) bool {
	head := mail[:min(len(mail), sniffLen)]
	if bytes.Contains(bytes.ToLower(head), []byte("feedback-report")) {
		return true
	}
	// Exim's first sentence, however its lines are wrapped.
	i := bytes.Index(head, []byte("A message claiming"))
	return i >= 0 && hasEximIntro(head[i:])
}
