// Package webhook defines the events Parse DMARC sends to webhook
// endpoints (roadmap 2.8) and how they are signed, for the sending side
// (package notify) and for receivers, who may copy Verify.
//
// An event is a JSON object {"id", "event", "timestamp", "data"}: the
// type, such as "compliance.changed", when it happened (RFC 3339, UTC, to
// the second) and the type's data (ReportReceived, ComplianceChanged,
// SourceNew, AlertTriggered). The id is the same on every delivery
// attempt of the event, so a receiver can drop repeats.
//
// Signing. An endpoint with a secret gets two headers with every
// request: X-Parse-DMARC-Timestamp, the Unix time of the attempt in
// seconds, and X-Parse-DMARC-Signature, "sha256=" and the hex HMAC-SHA256
// (RFC 2104) under the secret of the timestamp, a ".", and the body as
// sent. The timestamp is signed with the body so that a captured request
// cannot be replayed later with a fresh timestamp: a receiver recomputes
// the HMAC over the raw body (before parsing it), compares in constant
// time, refuses timestamps more than a few minutes from its clock (Verify,
// DefaultTolerance), and, to refuse replays within that window too,
// remembers the event ids it accepted for as long.
//
// Limits: retried deliveries are signed again with their own timestamp,
// the body being the same. An endpoint whose secret changes gets
// signatures of the new secret only; receivers accept either secret
// during the change by trying both.
package webhook
