// Package normalize writes parsed reports in the parsing protocol's
// "Normalized Report Format" (shared/spec/parsing-protocol.md, Output
// Standards): parse metadata with the validation messages, the report with
// its records, statistics, source classifications and trends, the risk
// indicators and the recommendations.
//
// Records are streamed: they are encoded as they are decoded into a spool
// (memory up to 1 MiB, a temporary file beyond), and the analysis is
// accumulated alongside, so a report of any size is written in the
// protocol's key order with memory bounded by its distinct source IPs.
package normalize
