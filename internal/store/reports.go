package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// insertReportSQL claims the dedupe key: the UNIQUE constraint decides
// between concurrent imports of the same report, and the loser gets no row
// back. The final state is written by finishReportSQL at Commit.
const insertReportSQL = `INSERT INTO reports (
	org_name, email, extra_contact_info, report_id, report_key, domain,
	adkim, aspf, policy, subdomain_policy, percentage,
	nonexistent_subdomain_policy, failure_options, testing, discovery_method,
	date_begin, date_end, duration_hours, generator, version, namespace, metadata_errors,
	source_name, sha256, received_at, status,
	record_count, message_count, pass_count, dkim_pass_count, spf_pass_count
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0, 0, 0, 0, 0)
ON CONFLICT (org_name, report_key, domain) DO NOTHING
RETURNING id`

// finishReportSQL writes a report's final state at Commit, taking the
// arguments of finishReportArgs.
const finishReportSQL = `UPDATE reports SET
	status = ?, messages = ?, raw_gzip = ?, sha256 = ?,
	record_count = ?, message_count = ?, pass_count = ?, dkim_pass_count = ?, spf_pass_count = ?
WHERE id = ?`

// reportColumns are the columns scanReport reads, in its order.
const reportColumns = `id, org_name, email, extra_contact_info, report_id, domain,
	adkim, aspf, policy, subdomain_policy, percentage,
	nonexistent_subdomain_policy, failure_options, testing, discovery_method,
	date_begin, date_end, duration_hours, generator, version, namespace, metadata_errors,
	source_name, sha256, received_at, status, messages,
	record_count, message_count, pass_count, dkim_pass_count, spf_pass_count`

// BeginReport implements Store. The transaction holds the single writing
// connection until it ends: other writes of this store wait for it.
func (s *SQLite) BeginReport(ctx context.Context, in Incoming) (ReportTx, error) {
	if in.Header == nil {
		return nil, errors.New("begin report: no header")
	}
	key, err := reportKey(in)
	if err != nil {
		return nil, fmt.Errorf("begin report: %w", err)
	}
	h := in.Header
	md, pp := &h.Metadata, &h.Policy
	metaErrs, err := jsonColumn(md.Errors, len(md.Errors))
	if err != nil {
		return nil, fmt.Errorf("begin report: encode metadata errors: %w", err)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin report: %w", err)
	}
	var id int64
	err = tx.StmtContext(ctx, s.insertReport).QueryRowContext(ctx,
		md.Reporter.OrgName, md.Reporter.Email, md.Reporter.ExtraContactInfo, md.ReportID, key, pp.Domain,
		pp.ADKIM, pp.ASPF, pp.Policy, pp.SubdomainPolicy, pp.Percentage,
		pp.NonexistentSubdomainPolicy, pp.FailureOptions, pp.Testing, pp.DiscoveryMethod,
		md.DateRange.Begin.Unix(), md.DateRange.End.Unix(), md.DateRange.DurationHours,
		md.Generator, h.Version, h.Namespace, metaErrs,
		in.SourceName, in.SHA256, in.ReceivedAt.Unix(),
	).Scan(&id)
	if err != nil {
		rbErr := tx.Rollback()
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("report %q of %q for %q: %w", key, md.Reporter.OrgName, pp.Domain, ErrDuplicate)
		}
		return nil, errors.Join(fmt.Errorf("insert report: %w", err), ignoreTxDone(rbErr))
	}
	day := md.DateRange.Begin.UTC().Truncate(24 * time.Hour).Unix()
	return &sqliteReportTx{
		s:      s,
		tx:     tx,
		id:     id,
		domain: pp.Domain,
		day:    day,
		sha:    in.SHA256,
		args:   make([]any, 0, s.batch*recordColumnCount),
		roll:   newRollups(pp.Domain, day, sqlTxExec(tx), sqlRows(tx)),
	}, nil
}

// sqliteReportTx is the ReportTx of SQLite. Records are buffered as bound
// arguments and written batch rows per statement.
type sqliteReportTx struct {
	s      *SQLite
	tx     *sql.Tx
	id     int64
	domain string
	day    int64
	sha    string

	batch   *sql.Stmt // s.insertBatch bound to tx, on first use
	args    []any     // arguments of the pending rows
	pending int       // rows in args
	buf     []byte    // scratch for JSON columns
	tally   tally
	roll    *rollups

	err  error // the first failure: the transaction is unusable after it
	done bool
}

// Commit implements ReportTx. On failure the transaction is rolled back.
func (t *sqliteReportTx) Commit(ctx context.Context, sum Summary) (int64, error) {
	if t.done {
		return 0, fmt.Errorf("commit report: %w", sql.ErrTxDone)
	}
	if err := t.commit(ctx, sum); err != nil {
		t.done = true
		return 0, errors.Join(err, ignoreTxDone(t.tx.Rollback()))
	}
	t.done = true
	return t.id, nil
}

func (t *sqliteReportTx) commit(ctx context.Context, sum Summary) error {
	if t.err != nil {
		return t.err
	}
	if err := validStatus(sum.Status); err != nil {
		return fmt.Errorf("commit report: %w", err)
	}
	if err := t.flush(ctx); err != nil {
		return err
	}
	if err := t.roll.flush(ctx); err != nil {
		return err
	}
	args, err := finishReportArgs(sum, t.sha, t.tally, t.id)
	if err != nil {
		return err
	}
	if _, err := t.tx.StmtContext(ctx, t.s.finishReport).ExecContext(ctx, args...); err != nil {
		return fmt.Errorf("update report: %w", err)
	}
	if err := t.tx.Commit(); err != nil {
		return fmt.Errorf("commit report: %w", err)
	}
	return nil
}

// Rollback implements ReportTx.
func (t *sqliteReportTx) Rollback() error {
	if t.done {
		return nil
	}
	t.done = true
	if err := ignoreTxDone(t.tx.Rollback()); err != nil {
		return fmt.Errorf("roll back report: %w", err)
	}
	return nil
}

// reportsQuery is the query of Reports for f, with ? placeholders, and its
// arguments. begin is the date_begin of the report f.BeforeID names, which
// the caller looked up (it is unused when f.BeforeID is zero).
func reportsQuery(f ReportFilter, begin int64) (string, []any) {
	var where []string
	var args []any
	cond := func(c string, a ...any) {
		where = append(where, c)
		args = append(args, a...)
	}
	if f.Domain != "" {
		cond("domain = ?", f.Domain)
	}
	if f.OrgName != "" {
		cond("org_name = ?", f.OrgName)
	}
	if !f.Since.IsZero() {
		cond("date_begin >= ?", f.Since.Unix())
	}
	if !f.Until.IsZero() {
		cond("date_begin < ?", f.Until.Unix())
	}
	if f.Status != "" {
		cond("status = ?", f.Status)
	}
	if f.BeforeID > 0 {
		cond("(date_begin < ? OR (date_begin = ? AND id < ?))", begin, begin, f.BeforeID)
	}
	var q strings.Builder
	q.WriteString(`SELECT ` + reportColumns + ` FROM reports`)
	if len(where) > 0 {
		q.WriteString(" WHERE " + strings.Join(where, " AND "))
	}
	q.WriteString(" ORDER BY date_begin DESC, id DESC")
	if f.Limit > 0 {
		q.WriteString(" LIMIT ?")
		args = append(args, f.Limit)
	}
	return q.String(), args
}

// scanReport reads a row of reportColumns with scan.
func scanReport(scan func(dest ...any) error) (*StoredReport, error) {
	var r StoredReport
	h := &r.Header
	md, pp := &h.Metadata, &h.Policy
	var begin, end, received int64
	var metaErrs, msgs []byte
	err := scan(&r.ID, &md.Reporter.OrgName, &md.Reporter.Email, &md.Reporter.ExtraContactInfo, &md.ReportID, &pp.Domain,
		&pp.ADKIM, &pp.ASPF, &pp.Policy, &pp.SubdomainPolicy, &pp.Percentage,
		&pp.NonexistentSubdomainPolicy, &pp.FailureOptions, &pp.Testing, &pp.DiscoveryMethod,
		&begin, &end, &md.DateRange.DurationHours, &md.Generator, &h.Version, &h.Namespace, &metaErrs,
		&r.SourceName, &r.SHA256, &received, &r.Status, &msgs,
		&r.RecordCount, &r.MessageCount, &r.PassCount, &r.DKIMPassCount, &r.SPFPassCount)
	if err != nil {
		return nil, err
	}
	md.DateRange.Begin = time.Unix(begin, 0).UTC()
	md.DateRange.End = time.Unix(end, 0).UTC()
	r.ReceivedAt = time.Unix(received, 0).UTC()
	if metaErrs != nil {
		if err := json.Unmarshal(metaErrs, &md.Errors); err != nil {
			return nil, fmt.Errorf("report %d: decode metadata errors: %w", r.ID, err)
		}
	}
	if msgs != nil {
		if err := json.Unmarshal(msgs, &r.Messages); err != nil {
			return nil, fmt.Errorf("report %d: decode messages: %w", r.ID, err)
		}
	}
	return &r, nil
}

// finishReportArgs are the arguments of finishReportSQL: the final state
// of report id from sum and its counters from c. sha is the digest known at
// BeginReport, replaced by sum.SHA256 when that is set.
func finishReportArgs(sum Summary, sha string, c tally, id int64) ([]any, error) {
	msgs, err := jsonColumn(sum.Messages, len(sum.Messages))
	if err != nil {
		return nil, fmt.Errorf("commit report: encode messages: %w", err)
	}
	if sum.SHA256 != "" {
		sha = sum.SHA256
	}
	var raw any // NULL, not an empty BLOB, when none was kept
	if sum.RawGzip != nil {
		raw = sum.RawGzip
	}
	return []any{sum.Status, msgs, raw, sha, c.records, c.messages, c.pass, c.dkimPass, c.spfPass, id}, nil
}

// jsonColumn encodes v for a JSON TEXT column, or returns nil (NULL) when
// it holds no elements.
func jsonColumn(v any, n int) (any, error) {
	if n == 0 {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}
