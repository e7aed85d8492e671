// Package forensic reads DMARC failure (forensic, RUF) reports: the
// Authentication Failure Reporting format of RFC 6591, an extension of the
// Abuse Reporting Format (ARF, RFC 5965) with the fields of RFC 6591
// section 3 (Auth-Failure, Delivery-Result, DKIM-*, SPF-DNS), RFC 6692
// (Source-Port) and the DMARC failure reporting update (Identity-Alignment,
// Auth-Failure "dmarc"). SPF failure reports requested with the modifiers
// of RFC 6652 come in the same format.
//
// A report is a mail of type multipart/report; report-type=feedback-report
// (RFC 6522) with three parts: a human-readable text, the machine-readable
// message/feedback-report part, and the message the report is about
// (message/rfc822, or text/rfc822-headers when the reporter left the body
// out). Parse streams the mail once with go-message and returns a Report
// in the parsing protocol's forensic shape ("Forensic Report Parsing
// Protocol" of shared/spec/parsing-protocol.md).
//
// # Privacy
//
// The protocol forbids storing or outputting message bodies and recipient
// addresses, so Parse never keeps them, whatever the Redaction policy:
//
//   - The body of the reported message is read only to skip it; so are the
//     DKIM-Canonicalized-Body and DKIM-Canonicalized-Header fields (a copy
//     of the body and of the header) and the human-readable part (free text
//     that often quotes the subject and the recipient).
//   - Recipient addresses (Original-Rcpt-To, To, Cc, Bcc, Delivered-To,
//     X-Original-To, Envelope-To and their kin, and the "for" clause of
//     Received fields) are collected first and then redacted wherever they
//     appear in the output, even in a From field that repeats them, as
//     ***@domain (policies off and addresses) or removed (full).
//
// Beyond that, the Redaction policy decides what else is reduced; see
// Redaction.
//
// # Limits
//
// A report larger than MaxSize (20 MiB) is refused with ErrTooLarge; the
// header of the reported message is kept up to MaxHeader (256 KiB) and
// truncated beyond, with a warning; the feedback-report part is read up to
// MaxHeader too. Memory stays within a few times MaxHeader whatever the
// input: bodies and other parts are streamed to io.Discard.
//
// # Reports without an ARF part
//
// Some receivers send failure reports in a format of their own. Exim's
// DMARC support sends a multipart/report whose only part is text: a
// template of its source ("A message claiming to be from you has failed
// the published DMARC policy for your domain.") with the sender domain and
// IP, the arrival date, the alignment results and a copy of the message's
// header. That template does not change from report to report, so its
// fields are extracted (Format "exim-text") with a warning saying where they came from;
// the fields the template does not have stay empty rather than guessed. Any
// other mail without a message/feedback-report part is refused with
// ErrNotARF, naming what was found instead.
package forensic
