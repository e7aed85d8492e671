package store

import (
	"context"
	"fmt"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// reads implements the reading methods of Store for both stores, which
// embed it with their own rowSource: the queries are portable, and only
// the driver call differs. Row values are scanned into types both drivers
// fill alike (int64, string, []byte, bool).
type reads struct{ run rowSource }

// eachRow calls each with the scan function of every row of rows, a
// *sql.Rows or pgx.Rows, which the caller closes.
func eachRow(rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}, each func(scan func(dest ...any) error) error) error {
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// scanOne scans the one row of q into dest; found is false when q returns
// no row.
func scanOne(ctx context.Context, run rowSource, q string, args []any, dest ...any) (found bool, err error) {
	err = run(ctx, q, args, func(scan func(...any) error) error {
		found = true
		return scan(dest...)
	})
	return found, err
}

// Report implements Store.
func (r reads) Report(ctx context.Context, id int64) (*StoredReport, error) {
	var rep *StoredReport
	found := false
	err := r.run(ctx, `SELECT `+reportColumns+` FROM reports WHERE id = ?`, []any{id}, func(scan func(...any) error) error {
		found = true
		var err error
		rep, err = scanReport(scan)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read report %d: %w", id, err)
	}
	if !found {
		return nil, fmt.Errorf("report %d: %w", id, ErrNotFound)
	}
	return rep, nil
}

// ReportRaw implements Store.
func (r reads) ReportRaw(ctx context.Context, id int64) ([]byte, error) {
	var raw []byte
	found, err := scanOne(ctx, r.run, `SELECT raw_gzip FROM reports WHERE id = ?`, []any{id}, &raw)
	if err != nil {
		return nil, fmt.Errorf("read raw report %d: %w", id, err)
	}
	if !found {
		return nil, fmt.Errorf("report %d: %w", id, ErrNotFound)
	}
	return raw, nil
}

// Reports implements Store. BeforeID pages by (begin, id), so a page
// boundary inside reports with the same begin loses or repeats nothing.
func (r reads) Reports(ctx context.Context, f ReportFilter) ([]StoredReport, error) {
	var begin int64
	if f.BeforeID > 0 {
		found, err := scanOne(ctx, r.run, `SELECT date_begin FROM reports WHERE id = ?`, []any{f.BeforeID}, &begin)
		if err != nil {
			return nil, fmt.Errorf("list reports before %d: %w", f.BeforeID, err)
		}
		if !found {
			return nil, fmt.Errorf("list reports before %d: %w", f.BeforeID, ErrNotFound)
		}
	}
	q, args := reportsQuery(f, begin)
	var list []StoredReport
	err := r.run(ctx, q, args, func(scan func(...any) error) error {
		rep, err := scanReport(scan)
		if err != nil {
			return err
		}
		list = append(list, *rep)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list reports: %w", err)
	}
	return list, nil
}

// Counts implements Store. Records and messages are summed from the
// reports' counters, so counting never scans the records table.
func (r reads) Counts(ctx context.Context) (Counts, error) {
	var c Counts
	_, err := scanOne(ctx, r.run, `SELECT
	(SELECT COUNT(*) FROM reports),
	(SELECT CAST(COALESCE(SUM(record_count), 0) AS BIGINT) FROM reports),
	(SELECT CAST(COALESCE(SUM(message_count), 0) AS BIGINT) FROM reports),
	(SELECT COUNT(*) FROM quarantine)`, nil, &c.Reports, &c.Records, &c.Messages, &c.Quarantined)
	if err != nil {
		return Counts{}, fmt.Errorf("count: %w", err)
	}
	return c, nil
}

// Records implements Store. Each Record passed to fn is new: fn may keep
// it. A report without records and a missing report are told apart: the
// latter returns ErrNotFound. The rows are read on one connection, held
// until fn has seen the last record; methods fn calls use other
// connections.
func (r reads) Records(ctx context.Context, reportID int64, fn func(*aggregate.Record) error) error {
	n := 0
	var reasons, dkim, spf []byte // decoded at once
	var fnErr error
	err := r.run(ctx, `SELECT source_ip, count, disposition, dkim, spf,
	header_from, envelope_from, envelope_to, reasons, dkim_results, spf_results
FROM records WHERE report_id = ? ORDER BY id`, []any{reportID}, func(scan func(...any) error) error {
		rec := new(aggregate.Record)
		pe, id := &rec.PolicyEvaluated, &rec.Identifiers
		if err := scan(&rec.SourceIP, &rec.Count, &pe.Disposition, &pe.DKIM, &pe.SPF,
			&id.HeaderFrom, &id.EnvelopeFrom, &id.EnvelopeTo, &reasons, &dkim, &spf); err != nil {
			return err
		}
		if err := decodeRecordJSON(rec, reasons, dkim, spf); err != nil {
			return err
		}
		n++
		fnErr = fn(rec)
		return fnErr
	})
	if fnErr != nil {
		return fnErr // as is, as Store.Records promises
	}
	if err != nil {
		return fmt.Errorf("read records of report %d: %w", reportID, err)
	}
	if n == 0 {
		var one int64
		found, err := scanOne(ctx, r.run, `SELECT 1 FROM reports WHERE id = ?`, []any{reportID}, &one)
		if err != nil {
			return fmt.Errorf("read report %d: %w", reportID, err)
		}
		if !found {
			return fmt.Errorf("report %d: %w", reportID, ErrNotFound)
		}
	}
	return nil
}

// Quarantined implements Store. It lists every entry: the quarantine is
// meant to be emptied by fixing and re-importing, not to grow.
func (r reads) Quarantined(ctx context.Context) ([]Quarantined, error) {
	var list []Quarantined
	err := r.run(ctx, `SELECT id, source_name, reason, error_type, received_at, size, sha256, truncated
FROM quarantine ORDER BY received_at DESC, id DESC`, nil, func(scan func(...any) error) error {
		var q Quarantined
		var received int64
		if err := scan(&q.ID, &q.SourceName, &q.Reason, &q.ErrorType, &received, &q.Size, &q.SHA256, &q.Truncated); err != nil {
			return err
		}
		q.ReceivedAt = time.Unix(received, 0).UTC()
		list = append(list, q)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list quarantine: %w", err)
	}
	return list, nil
}

// QuarantinedRaw implements Store.
func (r reads) QuarantinedRaw(ctx context.Context, id int64) ([]byte, error) {
	var raw []byte
	found, err := scanOne(ctx, r.run, `SELECT raw FROM quarantine WHERE id = ?`, []any{id}, &raw)
	if err != nil {
		return nil, fmt.Errorf("read quarantine entry %d: %w", id, err)
	}
	if !found {
		return nil, fmt.Errorf("quarantine entry %d: %w", id, ErrNotFound)
	}
	return raw, nil
}

// only returns the one row of a read by id, what names it in errors
// ("alert 7"): the read's error wrapped, or ErrNotFound when it found no
// row.
func only[T any](list []T, err error, what string) (T, error) {
	var zero T
	if err != nil {
		return zero, fmt.Errorf("read %s: %w", what, err)
	}
	if len(list) == 0 {
		return zero, fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return list[0], nil
}
