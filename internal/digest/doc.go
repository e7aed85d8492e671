// Package digest makes the scheduled reports of roadmap 3.5: a daily
// summary, a weekly digest or a monthly executive report about a set of
// domains, for people who do not open the dashboard, and sends them on
// schedules.
//
// Builder.Build reads a Digest from the store for the last complete
// period before a time: the headline numbers against the previous period
// of the same kind, the compliance trend (per day, per week for a monthly
// report), each domain's compliance, health score (package analysis) and
// direction, the notable events (anomalies that alerted and new sources,
// from package trend; DNS record changes, from the stored check history
// through package dnswatch), the top issues to act on (the legitimate
// sources failing the most, each with its fix in one line, from the
// policy advisor of package remedy) and the DNS status of each domain. A
// Digest renders as plain text and HTML (an email body, styles inline),
// as a short chat message (notice.Message) and as a PDF drawn with
// codeberg.org/go-pdf/fpdf in the Go fonts (golang.org/x/image/font/gofont),
// which hold Latin, Greek and Cyrillic letters: other scripts (domain
// names are A-labels) show as "?".
//
// A Scheduler sends the stored schedules (store.ReportSchedule) when they
// are due, in their time zone: a schedule missed while the server was down
// is sent once when it comes back, for the newest due time only, and each
// due time is claimed in the store first (store.ClaimScheduleRun), so
// replicas sharing a PostgreSQL store send it once. Every sending is
// recorded as a run.
//
// Limits: periods are whole UTC days, as the store's days are; reports
// arrive one or two days after the day they cover, so the last day of a
// period that just ended may still grow, and the digest says so when its
// period ended less than two days before it was made. The trend,
// anomalies and issues are read for the MaxDetailed domains with the most
// mail; the others are in the domain table and the totals only. The
// issues of a daily summary are judged on its day and the day before
// (the advisor needs whole days before the last).
package digest
