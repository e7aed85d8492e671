package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/tlsrpt"
)

// TLSIncoming is an SMTP TLS report (RFC 8460) to store.
type TLSIncoming struct {
	Report *tlsrpt.Report
	// SourceName locates the input it came from, as ingest names it.
	SourceName string
	// ReceivedAt is when it was read.
	ReceivedAt time.Time
	// RawGzip is the gzip of the report's JSON as sent, kept for
	// download; nil keeps none.
	RawGzip []byte
}

// StoredTLSReport is a stored SMTP TLS report.
type StoredTLSReport struct {
	ID         int64
	SourceName string
	ReceivedAt time.Time
	// Report is the report as parsed, Messages included.
	Report tlsrpt.Report
	// Domains are the policy domains of its policies, Successful and
	// Failed the sessions of all of them.
	Domains            []string
	Successful, Failed int64
}

// TLSFilter selects stored TLS reports and their sessions: the zero
// value selects all.
type TLSFilter struct {
	// Domain is a policy domain, compared exactly.
	Domain string
	// Since and Until bound the reports' begin, Until excluded.
	Since, Until time.Time
}

// TLSDay is one day of a domain's sessions, by report begin (UTC).
type TLSDay struct {
	Day                time.Time
	Successful, Failed int64
	Reports            int64
}

// TLSFailureTotals sums the failed sessions of one result type at one
// receiving MX host.
type TLSFailureTotals struct {
	Domain              string
	ResultType          string
	ReceivingMXHostname string
	// ReasonCodes are the reporters' reason codes seen, at most 5.
	ReasonCodes []string
	Sessions    int64
	// Reporters counts the reporting organizations that saw it.
	Reporters int64
	// FirstSeen and LastSeen are the begin of the first and last
	// reports with it.
	FirstSeen, LastSeen time.Time
}

// TLSReportStore keeps SMTP TLS reports (RFC 8460), part of Store.
type TLSReportStore interface {
	// AddTLSReport stores a report with its policies and failure details
	// in one transaction and returns its id; ErrDuplicate (wrapped) when
	// a report of the same organization and report id is stored.
	AddTLSReport(ctx context.Context, in TLSIncoming) (int64, error)
	// TLSReports lists the reports with a policy of f, the last stored
	// first, at most limit; with before not 0, those stored before the
	// report of that id (the next page).
	TLSReports(ctx context.Context, f TLSFilter, before int64, limit int) ([]StoredTLSReport, error)
	// TLSReport returns one report; ErrNotFound when none has id.
	TLSReport(ctx context.Context, id int64) (*StoredTLSReport, error)
	// TLSReportRaw returns the gzip of a report's JSON as sent, nil when
	// none was kept; ErrNotFound when no report has id.
	TLSReportRaw(ctx context.Context, id int64) ([]byte, error)
	// TLSDays totals the sessions of f per day of the reports' begin.
	TLSDays(ctx context.Context, f TLSFilter) ([]TLSDay, error)
	// TLSFailures totals the failed sessions of f per domain, result type
	// and receiving MX host, the most first, at most limit.
	TLSFailures(ctx context.Context, f TLSFilter, limit int) ([]TLSFailureTotals, error)
	// TLSDomains lists the policy domains with TLS reports.
	TLSDomains(ctx context.Context) ([]TLSDomain, error)
}

// TLSDomain is a policy domain with TLS reports.
type TLSDomain struct {
	Domain             string
	Reports            int64
	Successful, Failed int64
	LastSeen           time.Time
}

// addTLSReportSQL inserts a report unless one with the same reporter and
// id is stored: no row is returned then.
const addTLSReportSQL = `INSERT INTO tls_reports (org_name, report_id, contact_info, begin_at, end_at, received_at,
	source_name, report, raw_gzip, successful, failed)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (org_name, report_id) DO NOTHING RETURNING id`

const addTLSPolicySQL = `INSERT INTO tls_policies (tls_report_id, policy_domain, policy_type, begin_at, successful, failed)
VALUES (?, ?, ?, ?, ?, ?) RETURNING id`

const addTLSFailureSQL = `INSERT INTO tls_failures (policy_id, policy_domain, begin_at, org_name, result_type,
	receiving_mx_hostname, receiving_ip, sending_mta_ip, reason_code, sessions)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// addTLSReport stores in through run and exec, which belong to one
// transaction; ErrDuplicate when the report is stored already.
func addTLSReport(ctx context.Context, run rowSource, exec execer, in TLSIncoming, text func(string) string) (int64, error) {
	r := in.Report
	if r == nil || r.ReportID == "" {
		return 0, errors.New("store TLS report: no report id")
	}
	doc, err := json.Marshal(r)
	if err != nil {
		return 0, fmt.Errorf("store TLS report %s: encode: %w", r.ReportID, err)
	}
	var ok, failed int64
	for _, p := range r.Policies {
		ok, failed = ok+p.Successful, failed+p.Failed
	}
	var id int64
	found, err := scanOne(ctx, run, addTLSReportSQL, []any{text(r.OrganizationName), text(r.ReportID), text(r.ContactInfo),
		r.Begin.Unix(), r.End.Unix(), in.ReceivedAt.Unix(), text(in.SourceName), text(string(doc)), in.RawGzip, ok, failed}, &id)
	if err != nil {
		return 0, fmt.Errorf("store TLS report %s: %w", r.ReportID, err)
	}
	if !found {
		return 0, fmt.Errorf("TLS report %s of %s: %w", r.ReportID, r.OrganizationName, ErrDuplicate)
	}
	for _, p := range r.Policies {
		var pid int64
		if _, err := scanOne(ctx, run, addTLSPolicySQL, []any{id, text(p.Domain), text(p.Type), r.Begin.Unix(), p.Successful, p.Failed}, &pid); err != nil {
			return 0, fmt.Errorf("store TLS report %s: policy of %s: %w", r.ReportID, p.Domain, err)
		}
		for _, f := range p.Failures {
			if err := exec(ctx, addTLSFailureSQL, pid, text(p.Domain), r.Begin.Unix(), text(r.OrganizationName), text(f.ResultType),
				text(f.ReceivingMXHostname), text(f.ReceivingIP), text(f.SendingMTAIP), text(f.ReasonCode), f.Sessions); err != nil {
				return 0, fmt.Errorf("store TLS report %s: failure of %s: %w", r.ReportID, p.Domain, err)
			}
		}
	}
	return id, nil
}

// tlsWhere is the condition of f on a table with policy_domain and
// begin_at, and its arguments.
func tlsWhere(f TLSFilter) (string, []any) {
	where, args := "1 = 1", []any{}
	if f.Domain != "" {
		where, args = where+" AND policy_domain = ?", append(args, f.Domain)
	}
	if !f.Since.IsZero() {
		where, args = where+" AND begin_at >= ?", append(args, f.Since.Unix())
	}
	if !f.Until.IsZero() {
		where, args = where+" AND begin_at < ?", append(args, f.Until.Unix())
	}
	return where, args
}

// tlsReports lists the reports with a policy of f, the last stored
// first, at most limit, stored before the report of id before when it is
// not 0 (the cursor of the next page).
func tlsReports(ctx context.Context, run rowSource, f TLSFilter, before int64, limit int) ([]StoredTLSReport, error) {
	where, args := tlsWhere(f)
	if before > 0 {
		where, args = where+" AND tls_report_id < ?", append(args, before)
	}
	q := `SELECT id, source_name, received_at, report FROM tls_reports WHERE id IN
	(SELECT tls_report_id FROM tls_policies WHERE ` + where + `) ORDER BY id DESC LIMIT ?`
	out, err := readTLSReports(ctx, run, q, append(args, max(limit, 1))...)
	if err != nil {
		return nil, fmt.Errorf("read TLS reports: %w", err)
	}
	return out, nil
}

// tlsReport reads one report; ErrNotFound when none has id.
func tlsReport(ctx context.Context, run rowSource, id int64) (*StoredTLSReport, error) {
	list, err := readTLSReports(ctx, run, `SELECT id, source_name, received_at, report FROM tls_reports WHERE id = ?`, id)
	r, err := only(list, err, fmt.Sprintf("TLS report %d", id))
	if err != nil {
		return nil, err
	}
	return &r, nil
}

func readTLSReports(ctx context.Context, run rowSource, q string, args ...any) ([]StoredTLSReport, error) {
	out := []StoredTLSReport{}
	err := run(ctx, q, args, func(scan func(...any) error) error {
		var s StoredTLSReport
		var at int64
		var doc string
		if err := scan(&s.ID, &s.SourceName, &at, &doc); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(doc), &s.Report); err != nil {
			return fmt.Errorf("report %d: decode: %w", s.ID, err)
		}
		s.ReceivedAt = time.Unix(at, 0).UTC()
		seen := map[string]bool{}
		for _, p := range s.Report.Policies {
			s.Successful, s.Failed = s.Successful+p.Successful, s.Failed+p.Failed
			if !seen[p.Domain] {
				seen[p.Domain] = true
				s.Domains = append(s.Domains, p.Domain)
			}
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

// tlsDays totals the sessions of f per day of the reports' begin, the
// oldest first.
func tlsDays(ctx context.Context, run rowSource, f TLSFilter) ([]TLSDay, error) {
	where, args := tlsWhere(f)
	q := `SELECT begin_at - begin_at % 86400 AS day, SUM(successful), SUM(failed), COUNT(DISTINCT tls_report_id)
	FROM tls_policies WHERE ` + where + ` GROUP BY day ORDER BY day`
	out := []TLSDay{}
	err := run(ctx, q, args, func(scan func(...any) error) error {
		var d TLSDay
		var day int64
		if err := scan(&day, &d.Successful, &d.Failed, &d.Reports); err != nil {
			return err
		}
		d.Day = time.Unix(day, 0).UTC()
		out = append(out, d)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read TLS sessions per day: %w", err)
	}
	return out, nil
}

// tlsFailures totals the failed sessions of f per domain, result type
// and receiving MX host, the most sessions first, at most limit.
func tlsFailures(ctx context.Context, run rowSource, f TLSFilter, limit int) ([]TLSFailureTotals, error) {
	where, args := tlsWhere(f)
	q := `SELECT policy_domain, result_type, receiving_mx_hostname, SUM(sessions), COUNT(DISTINCT org_name), MIN(begin_at), MAX(begin_at)
	FROM tls_failures WHERE ` + where + ` GROUP BY policy_domain, result_type, receiving_mx_hostname
	ORDER BY SUM(sessions) DESC, policy_domain, result_type, receiving_mx_hostname LIMIT ?`
	out := []TLSFailureTotals{}
	err := run(ctx, q, append(args, max(limit, 1)), func(scan func(...any) error) error {
		var t TLSFailureTotals
		var first, last int64
		if err := scan(&t.Domain, &t.ResultType, &t.ReceivingMXHostname, &t.Sessions, &t.Reporters, &first, &last); err != nil {
			return err
		}
		t.FirstSeen, t.LastSeen = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC()
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read TLS failures: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	// The reasons of all groups in one read, the first 5 of each by name.
	group := make(map[[3]string]*TLSFailureTotals, len(out))
	for i := range out {
		group[[3]string{out[i].Domain, out[i].ResultType, out[i].ReceivingMXHostname}] = &out[i]
	}
	err = run(ctx, `SELECT DISTINCT policy_domain, result_type, receiving_mx_hostname, reason_code FROM tls_failures
	WHERE `+where+` AND reason_code <> '' ORDER BY policy_domain, result_type, receiving_mx_hostname, reason_code`, args,
		func(scan func(...any) error) error {
			var k [3]string
			var code string
			if err := scan(&k[0], &k[1], &k[2], &code); err != nil {
				return err
			}
			if t := group[k]; t != nil && len(t.ReasonCodes) < 5 {
				t.ReasonCodes = append(t.ReasonCodes, code)
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("read TLS failure reasons: %w", err)
	}
	return out, nil
}

// tlsDomains lists the policy domains with TLS reports, by name.
func tlsDomains(ctx context.Context, run rowSource) ([]TLSDomain, error) {
	out := []TLSDomain{}
	err := run(ctx, `SELECT policy_domain, COUNT(DISTINCT tls_report_id), SUM(successful), SUM(failed), MAX(begin_at)
	FROM tls_policies GROUP BY policy_domain ORDER BY policy_domain`, nil, func(scan func(...any) error) error {
		var d TLSDomain
		var last int64
		if err := scan(&d.Domain, &d.Reports, &d.Successful, &d.Failed, &last); err != nil {
			return err
		}
		d.LastSeen = time.Unix(last, 0).UTC()
		out = append(out, d)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read TLS report domains: %w", err)
	}
	return out, nil
}

// tlsReportRaw reads the raw gzip of report id.
func tlsReportRaw(ctx context.Context, run rowSource, id int64) ([]byte, error) {
	var raw []byte
	found, err := scanOne(ctx, run, `SELECT raw_gzip FROM tls_reports WHERE id = ?`, []any{id}, &raw)
	if err != nil {
		return nil, fmt.Errorf("read TLS report %d: %w", id, err)
	}
	if !found {
		return nil, fmt.Errorf("TLS report %d: %w", id, ErrNotFound)
	}
	return raw, nil
}
