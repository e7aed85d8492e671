package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/forensic"
)

// ForensicIncoming is a failure (forensic) report to store. The report is
// kept as package forensic left it, after its Redaction policy: the store
// never sees a message body or a recipient address, and adds nothing but
// the columns it is searched by, all taken from the report.
type ForensicIncoming struct {
	Report *forensic.Report
	// DedupeKey identifies the report mail, so that the same report read
	// twice (a mailbox read again after a crash, a file imported again)
	// is stored once; ingest chooses it. Required.
	DedupeKey string
	// SourceName locates the input it came from, as ingest names it.
	SourceName string
	// ReceivedAt is when it was read.
	ReceivedAt time.Time
}

// StoredForensicReport is a stored failure report.
type StoredForensicReport struct {
	ID         int64
	SourceName string
	ReceivedAt time.Time
	// Arrival is when the reported message arrived: the report's
	// Arrival-Date, else the report mail's Date, else ReceivedAt. Day is
	// its UTC day, the day of the aggregate records it relates to.
	Arrival, Day time.Time
	// Status is "valid" or "warnings"; the warnings are in
	// Report.Messages.
	Status string
	// Report is the report as parsed and redacted, Messages included.
	Report forensic.Report
}

// ForensicFilter selects stored failure reports: the zero value selects
// all. Text is compared exactly (domains and addresses in lower case).
type ForensicFilter struct {
	// Domain is the reported domain.
	Domain string
	// SourceIP is the IP address the reported message came from.
	SourceIP string
	// MessageID is the reported message's Message-ID, with or without
	// angle brackets (a digest under the full redaction policy).
	MessageID string
	// Sender is a domain, matched against the domains of the reported
	// message's From and MAIL FROM, or an address, matched against the
	// MAIL FROM as stored (the local part is *** unless the policy was
	// off).
	Sender string
	// Since and Until bound the arrival, Until excluded.
	Since, Until time.Time
}

// ForensicCount counts the failure reports of one domain, source IP and
// day: the key of the aggregate rollups (rollup_sources), so that an
// aggregate source row can link to its failure reports.
type ForensicCount struct {
	Domain   string
	SourceIP string
	Day      time.Time
	Reports  int64
}

// ForensicRetention is how long the failure reports of one domain are
// kept, overriding the default the caller of PruneForensicReports gives.
type ForensicRetention struct {
	Domain string
	// Days is the retention in days; 0 keeps them until deleted by hand.
	Days      int
	UpdatedAt time.Time
}

// ForensicStore keeps failure (forensic) reports, part of Store. They
// hold personal data: callers decide who may read them.
type ForensicStore interface {
	// AddForensicReport stores a report and returns its id; ErrDuplicate
	// (wrapped) when a report with the same DedupeKey is stored.
	AddForensicReport(ctx context.Context, in ForensicIncoming) (int64, error)
	// ForensicReports lists the reports matching f, the last stored
	// first, at most limit; with before not 0, those stored before the
	// report of that id (the next page).
	ForensicReports(ctx context.Context, f ForensicFilter, before int64, limit int) ([]StoredForensicReport, error)
	// ForensicReport returns one report; ErrNotFound when none has id.
	ForensicReport(ctx context.Context, id int64) (*StoredForensicReport, error)
	// DeleteForensicReport deletes one report; ErrNotFound when none has
	// id.
	DeleteForensicReport(ctx context.Context, id int64) error
	// ForensicCounts counts the reports matching f per domain, source IP
	// and day, the newest day first, at most limit rows.
	ForensicCounts(ctx context.Context, f ForensicFilter, limit int) ([]ForensicCount, error)
	// SourceDayTotals returns the aggregate totals of one source IP of
	// a domain on one UTC day (the link from a failure report to the
	// aggregate data); found is false when the aggregate reports have no
	// such row.
	SourceDayTotals(ctx context.Context, domain, ip string, day time.Time) (t Totals, found bool, err error)
	// PruneForensicReports deletes the reports older than their domain's
	// retention and returns how many: a domain's ForensicRetention, or
	// def for a domain without one (0 keeps them). A report is as old as
	// the earlier of its arrival and its receipt, so that a date in the
	// future does not keep it.
	PruneForensicReports(ctx context.Context, now time.Time, def time.Duration) (int64, error)
	// ForensicRetentions lists the per-domain retentions, by domain.
	ForensicRetentions(ctx context.Context) ([]ForensicRetention, error)
	// SetForensicRetention stores the retention of r.Domain, replacing
	// any stored before (UpdatedAt is set to now).
	SetForensicRetention(ctx context.Context, r ForensicRetention) error
	// DeleteForensicRetention deletes the retention of a domain, which
	// then has the default; ErrNotFound when it had none.
	DeleteForensicRetention(ctx context.Context, domain string) error
}

// addForensicSQL inserts a report unless one with the same dedupe key is
// stored: no row is returned then.
const addForensicSQL = `INSERT INTO forensic_reports (dedupe_key, received_at, arrival_at, day, domain, source_ip, message_id,
	mail_from, mail_from_domain, from_domain, feedback_type, auth_failure, delivery_result, user_agent, reporter, redaction,
	status, messages, source_name, report)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`

const forensicColumns = `id, source_name, received_at, arrival_at, status, messages, report`

// forensicArrival is when the reported message arrived, for the arrival
// column: see StoredForensicReport.Arrival.
func forensicArrival(r *forensic.Report, received time.Time) time.Time {
	switch {
	case r.ArrivalDate != nil && !r.ArrivalDate.IsZero():
		return r.ArrivalDate.UTC()
	case r.Reporter.Date != nil && !r.Reporter.Date.IsZero():
		return r.Reporter.Date.UTC()
	}
	return received.UTC()
}

// addressDomain is the lower-case domain of an address ("" without @).
func addressDomain(addr string) string {
	_, d, ok := strings.Cut(addr, "@")
	if !ok {
		return ""
	}
	return strings.ToLower(strings.Trim(d, "<> "))
}

// addForensic stores in through run, which may write; ErrDuplicate when
// the report is stored already.
func addForensic(ctx context.Context, run rowSource, in ForensicIncoming, text func(string) string) (int64, error) {
	r := in.Report
	if r == nil || in.DedupeKey == "" {
		return 0, errors.New("store failure report: no report or no dedupe key")
	}
	doc, err := json.Marshal(r)
	if err != nil {
		return 0, fmt.Errorf("store failure report: encode: %w", err)
	}
	var msgs any // NULL when none
	if len(r.Messages) > 0 {
		b, err := json.Marshal(r.Messages)
		if err != nil {
			return 0, fmt.Errorf("store failure report: encode messages: %w", err)
		}
		msgs = text(string(b))
	}
	arrival := forensicArrival(r, in.ReceivedAt)
	day := arrival.Truncate(24 * time.Hour)
	mailFrom := strings.ToLower(r.OriginalMailFrom)
	var id int64
	found, err := scanOne(ctx, run, addForensicSQL, []any{text(in.DedupeKey), in.ReceivedAt.Unix(), arrival.Unix(), day.Unix(),
		text(strings.ToLower(r.ReportedDomain)), text(r.SourceIP), text(r.Message.MessageID), text(mailFrom),
		text(addressDomain(mailFrom)), text(strings.ToLower(r.Message.FromDomain)), text(r.FeedbackType), text(r.AuthFailure),
		text(r.DeliveryResult), text(r.UserAgent), text(r.Reporter.From), text(r.Privacy.Redaction), r.Status(), msgs,
		text(in.SourceName), text(string(doc))}, &id)
	if err != nil {
		return 0, fmt.Errorf("store failure report of %s: %w", r.ReportedDomain, err)
	}
	if !found {
		return 0, fmt.Errorf("failure report of %s from %s: %w", r.ReportedDomain, r.SourceIP, ErrDuplicate)
	}
	return id, nil
}

// forensicWhere is the condition of f and its arguments.
func forensicWhere(f ForensicFilter) (string, []any) {
	where, args := "1 = 1", []any{}
	if f.Domain != "" {
		where, args = where+" AND domain = ?", append(args, strings.ToLower(f.Domain))
	}
	if f.SourceIP != "" {
		where, args = where+" AND source_ip = ?", append(args, f.SourceIP)
	}
	if f.MessageID != "" {
		where, args = where+" AND message_id = ?", append(args, strings.Trim(strings.TrimSpace(f.MessageID), "<>"))
	}
	if s := strings.ToLower(strings.TrimSpace(f.Sender)); s != "" {
		if strings.Contains(s, "@") {
			where, args = where+" AND mail_from = ?", append(args, strings.Trim(s, "<>"))
		} else {
			where, args = where+" AND (from_domain = ? OR mail_from_domain = ?)", append(args, s, s)
		}
	}
	if !f.Since.IsZero() {
		where, args = where+" AND arrival_at >= ?", append(args, f.Since.Unix())
	}
	if !f.Until.IsZero() {
		where, args = where+" AND arrival_at < ?", append(args, f.Until.Unix())
	}
	return where, args
}

// forensicReports lists the reports of f, the last stored first, at most
// limit, stored before the report of id before when it is not 0.
func forensicReports(ctx context.Context, run rowSource, f ForensicFilter, before int64, limit int) ([]StoredForensicReport, error) {
	where, args := forensicWhere(f)
	if before > 0 {
		where, args = where+" AND id < ?", append(args, before)
	}
	q := `SELECT ` + forensicColumns + ` FROM forensic_reports WHERE ` + where + ` ORDER BY id DESC LIMIT ?`
	out, err := readForensic(ctx, run, q, append(args, max(limit, 1))...)
	if err != nil {
		return nil, fmt.Errorf("read failure reports: %w", err)
	}
	return out, nil
}

// forensicReport reads one report; ErrNotFound when none has id.
func forensicReport(ctx context.Context, run rowSource, id int64) (*StoredForensicReport, error) {
	list, err := readForensic(ctx, run, `SELECT `+forensicColumns+` FROM forensic_reports WHERE id = ?`, id)
	r, err := only(list, err, fmt.Sprintf("failure report %d", id))
	if err != nil {
		return nil, err
	}
	return &r, nil
}

func readForensic(ctx context.Context, run rowSource, q string, args ...any) ([]StoredForensicReport, error) {
	out := []StoredForensicReport{}
	err := run(ctx, q, args, func(scan func(...any) error) error {
		var s StoredForensicReport
		var received, arrival int64
		var msgs *string
		var doc string
		if err := scan(&s.ID, &s.SourceName, &received, &arrival, &s.Status, &msgs, &doc); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(doc), &s.Report); err != nil {
			return fmt.Errorf("report %d: decode: %w", s.ID, err)
		}
		if msgs != nil {
			if err := json.Unmarshal([]byte(*msgs), &s.Report.Messages); err != nil {
				return fmt.Errorf("report %d: decode messages: %w", s.ID, err)
			}
		}
		s.ReceivedAt, s.Arrival = time.Unix(received, 0).UTC(), time.Unix(arrival, 0).UTC()
		s.Day = s.Arrival.Truncate(24 * time.Hour)
		out = append(out, s)
		return nil
	})
	return out, err
}

// deleteForensic deletes report id through run; ErrNotFound when there
// is none.
func deleteForensic(ctx context.Context, run rowSource, id int64) error {
	var got int64
	found, err := scanOne(ctx, run, `DELETE FROM forensic_reports WHERE id = ? RETURNING id`, []any{id}, &got)
	if err != nil {
		return fmt.Errorf("delete failure report %d: %w", id, err)
	}
	if !found {
		return fmt.Errorf("failure report %d: %w", id, ErrNotFound)
	}
	return nil
}

// forensicCounts counts the reports of f per domain, source IP and day,
// the newest day first, at most limit rows.
func forensicCounts(ctx context.Context, run rowSource, f ForensicFilter, limit int) ([]ForensicCount, error) {
	where, args := forensicWhere(f)
	q := `SELECT domain, source_ip, day, COUNT(*) FROM forensic_reports WHERE ` + where + `
	GROUP BY domain, source_ip, day ORDER BY day DESC, domain, source_ip LIMIT ?`
	out := []ForensicCount{}
	err := run(ctx, q, append(args, max(limit, 1)), func(scan func(...any) error) error {
		var c ForensicCount
		var day int64
		if err := scan(&c.Domain, &c.SourceIP, &day, &c.Reports); err != nil {
			return err
		}
		c.Day = time.Unix(day, 0).UTC()
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count failure reports: %w", err)
	}
	return out, nil
}

// sourceDayTotals reads the rollup of one source IP of a domain on one
// day: one row of rollup_sources, by its primary key.
func sourceDayTotals(ctx context.Context, run rowSource, domain, ip string, day time.Time) (Totals, bool, error) {
	var t Totals
	q := "SELECT " + strings.Join(counterColumns, ", ") + " FROM rollup_sources WHERE domain = ? AND day = ? AND source_ip = ?"
	found, err := scanOne(ctx, run, q, []any{domain, day.UTC().Truncate(24 * time.Hour).Unix(), ip}, t.dest()[:len(counterColumns)]...)
	if err != nil {
		return Totals{}, false, fmt.Errorf("totals of %s for %s on %s: %w", ip, domain, day.Format(time.DateOnly), err)
	}
	if found {
		t.UniqueSources = 1
	}
	return t, found, nil
}

// pruneForensic deletes, in the transaction of run, the reports older
// than their domain's retention; see PruneForensicReports.
func pruneForensic(ctx context.Context, run rowSource, now time.Time, def time.Duration) (int64, error) {
	var n int64
	count := func(q string, args ...any) error {
		return run(ctx, q, args, func(scan func(...any) error) error {
			var id int64
			n++
			return scan(&id)
		})
	}
	const older = ` AND (arrival_at < ? OR received_at < ?) RETURNING id`
	if def > 0 {
		cut := now.Add(-def).Unix()
		if err := count(`DELETE FROM forensic_reports WHERE domain NOT IN (SELECT domain FROM forensic_retention)`+older, cut, cut); err != nil {
			return n, fmt.Errorf("prune failure reports: %w", err)
		}
	}
	rets, err := forensicRetentions(ctx, run)
	if err != nil {
		return n, err
	}
	for _, r := range rets {
		if r.Days <= 0 {
			continue
		}
		cut := now.AddDate(0, 0, -r.Days).Unix()
		if err := count(`DELETE FROM forensic_reports WHERE domain = ?`+older, r.Domain, cut, cut); err != nil {
			return n, fmt.Errorf("prune failure reports of %s: %w", r.Domain, err)
		}
	}
	return n, nil
}

// forensicRetentions reads the per-domain retentions, by domain.
func forensicRetentions(ctx context.Context, run rowSource) ([]ForensicRetention, error) {
	out := []ForensicRetention{}
	err := run(ctx, `SELECT domain, days, updated_at FROM forensic_retention ORDER BY domain`, nil, func(scan func(...any) error) error {
		var r ForensicRetention
		var at int64
		if err := scan(&r.Domain, &r.Days, &at); err != nil {
			return err
		}
		r.UpdatedAt = time.Unix(at, 0).UTC()
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read failure report retentions: %w", err)
	}
	return out, nil
}

// setForensicRetention stores r through exec.
func setForensicRetention(ctx context.Context, exec execer, r ForensicRetention, text func(string) string) error {
	d := strings.ToLower(strings.TrimSpace(r.Domain))
	if d == "" || r.Days < 0 {
		return fmt.Errorf("store failure report retention: domain %q, %d days: a domain and 0 days or more are required", r.Domain, r.Days)
	}
	err := exec(ctx, `INSERT INTO forensic_retention (domain, days, updated_at) VALUES (?, ?, ?)
	ON CONFLICT (domain) DO UPDATE SET days = excluded.days, updated_at = excluded.updated_at`, text(d), r.Days, time.Now().Unix())
	if err != nil {
		return fmt.Errorf("store failure report retention of %s: %w", d, err)
	}
	return nil
}

// deleteForensicRetention deletes the retention of domain through run;
// ErrNotFound when there is none.
func deleteForensicRetention(ctx context.Context, run rowSource, domain string) error {
	var got string
	found, err := scanOne(ctx, run, `DELETE FROM forensic_retention WHERE domain = ? RETURNING domain`,
		[]any{strings.ToLower(strings.TrimSpace(domain))}, &got)
	if err != nil {
		return fmt.Errorf("delete failure report retention of %s: %w", domain, err)
	}
	if !found {
		return fmt.Errorf("failure report retention of %s: %w", domain, ErrNotFound)
	}
	return nil
}
