// Package tlsrpt reads SMTP TLS reports (RFC 8460): the JSON a sending
// mail system publishes once a day about the TLS sessions it tried with a
// domain's MX hosts, under the policies it found (MTA-STS, RFC 8461, or
// DANE, RFC 7672), and the sessions that failed, with why.
//
// Parse decodes one report (the JSON itself: the gzip of
// application/tlsrpt+gzip and the mails carrying reports are unpacked by
// package ingest) into a Report and checks it against RFC 8460 section
// 4.4: the required fields, the policy types of section 4.4 and the
// result types of section 4.3, counts that are whole and not negative,
// and a date range that ends after it starts. Like the aggregate parser,
// it refuses only what cannot be a report (not JSON, no report-id, no
// policies) with a ParseError naming the problem; everything else it
// keeps, with Messages saying what was wrong. Real reporters differ from
// the RFC in small ways it accepts and says so: mx-host as a list rather
// than a string (section 4.4's errata), failed-session-counts that do not
// add up to the summary (Mail.ru), unknown result types (kept as they
// are, explained as unknown).
//
// Explain tells what a result type means and what to fix, in plain
// English, for the dashboard and alerts.
//
// Limits: a report over MaxSize (20 MiB of JSON, about 100,000 failure
// details) is refused with ErrTooLarge; strings are kept as sent, up to
// 1,000 characters each (longer ones are cut and said to be).
package tlsrpt
