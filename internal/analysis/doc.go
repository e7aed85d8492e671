// Package analysis turns the records of a DMARC aggregate report into
// answers: the protocol's per-report statistics, a classification of every
// source IP (who sends mail as the domain), risk indicators and prioritized
// recommendations (what fails, what to fix). The output types have the shapes
// of the parsing protocol's "Data Aggregation Logic" and "Output Standards"
// (shared/spec/parsing-protocol.md).
//
// An Accumulator is fed one record at a time, as a streaming decoder
// produces them, and keeps only fixed-size counters per source IP plus a few
// evidence facts, so its memory grows with the number of distinct source
// IPs, never with the number of records. Results can be read at any time;
// each read derives them from the counters.
//
// Everything is judged from the report's own data: the DMARC-aligned
// verdicts of policy_evaluated (RFC 7489 section 4.2) say what passed, the
// raw DKIM and SPF results of auth_results say why something failed. No DNS
// lookups are made and no history is consulted. The accumulator has no
// per-report state beyond the published policy it was created with, so
// records of several reports of one domain can be fed to the same
// accumulator to judge a period.
//
// Without the public suffix list, identifier alignment (RFC 7489 section
// 3.1) cannot be computed exactly; where the raw results need it, a domain
// counts as related to the From domain when it is that domain, a parent or
// a subdomain of it. The receiver's aligned verdicts stay authoritative for
// pass and fail.
//
// HistoryClassifier classifies a source from its history across reports
// instead (a SourceHistory the caller fills from the store): the same
// per-record patterns, plus its pass rate and activity over time, the
// sending service it is (package senders) and, through an SPFAuthorizer
// the caller may give, whether the domain's published SPF record
// authorizes it; that interface is the package's only way to DNS.
//
// Beside the per-report analysis, ComputeScore turns the message totals of
// a domain over a period into its compliance health score (roadmap 1.3): a
// score 0-100 with grade, colour zone, confidence and a breakdown with
// hints; CompareScores and ScoreHistory give its trend and daily history.
// They take plain counts, so this package does not depend on the store.
package analysis
