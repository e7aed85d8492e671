package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// recordColumns are the columns of a records row as inserted, in the order
// of the arguments appendRecordArgs appends.
const recordColumns = `report_id, domain, day, source_ip, count, disposition, dkim, spf,
	header_from, envelope_from, envelope_to, reasons, dkim_results, spf_results`

// recordColumnCount is the number of recordColumns.
const recordColumnCount = 14

// insertRecordsSQL is a multi-row INSERT of n records. One statement per
// batch divides the per-statement cost of the driver (and the round trip of
// a server database) by n.
//
// OR FAIL is SQLite's, and the one place this package's SQL is not
// portable (a PostgreSQL store would use COPY): a multi-row INSERT whose
// constraints abort the statement makes SQLite copy every page it touches
// into a statement journal first, so that it can undo only that
// statement; that cost 9% of the import time. FAIL stops at the failing row
// without undoing the statement, which is enough here because any failure
// makes the whole report's transaction roll back (sqliteReportTx.err). The
// foreign key of records is deferred for the same reason.
func insertRecordsSQL(n int) string {
	row := "(" + strings.Repeat("?, ", recordColumnCount-1) + "?)"
	var b strings.Builder
	b.Grow(len(recordColumns) + 40 + n*(len(row)+2))
	b.WriteString("INSERT OR FAIL INTO records (" + recordColumns + ") VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

// Add implements ReportTx. The record is encoded at once and not kept.
func (t *sqliteReportTx) Add(ctx context.Context, r *aggregate.Record) error {
	if t.done {
		return fmt.Errorf("add record: %w", sql.ErrTxDone)
	}
	if t.err != nil {
		return t.err
	}
	t.args = t.appendRecordArgs(t.args, r)
	t.pending++
	t.tally.add(r)
	if err := t.roll.add(ctx, r.SourceIP, r); err != nil {
		t.err = err
		return err
	}
	if t.pending < t.s.batch {
		return nil
	}
	if t.batch == nil {
		t.batch = t.tx.StmtContext(ctx, t.s.insertBatch)
	}
	if _, err := t.batch.ExecContext(ctx, t.args...); err != nil {
		t.err = fmt.Errorf("insert records: %w", err)
		return t.err
	}
	t.args = t.args[:0]
	t.pending = 0
	return nil
}

// flush writes the rows of an incomplete batch, with a statement made for
// their number: once per report.
func (t *sqliteReportTx) flush(ctx context.Context) error {
	if t.pending == 0 {
		return nil
	}
	if _, err := t.tx.ExecContext(ctx, insertRecordsSQL(t.pending), t.args...); err != nil {
		t.err = fmt.Errorf("insert records: %w", err)
		return t.err
	}
	t.args = t.args[:0]
	t.pending = 0
	return nil
}

// appendRecordArgs appends the arguments of one records row. The JSON
// columns are encoded by hand (json.go): encoding/json's reflection was the
// largest cost of an insert after SQLite itself.
func (t *sqliteReportTx) appendRecordArgs(args []any, r *aggregate.Record) []any {
	pe, id := &r.PolicyEvaluated, &r.Identifiers
	args = append(args, t.id, t.domain, t.day, r.SourceIP, r.Count, pe.Disposition, pe.DKIM, pe.SPF,
		id.HeaderFrom, id.EnvelopeFrom, id.EnvelopeTo)
	args, t.buf = appendRecordJSON(args, t.buf, r)
	return args
}

// appendRecordJSON appends the arguments of the JSON columns of r
// (reasons, dkim_results, spf_results), NULL when empty, encoded in buf.
// The appenders already replace invalid UTF-8 and escape NUL, so the text is
// storable in PostgreSQL too.
func appendRecordJSON(args []any, buf []byte, r *aggregate.Record) ([]any, []byte) {
	if len(r.PolicyEvaluated.Reasons) == 0 {
		args = append(args, nil)
	} else {
		buf = appendReasons(buf[:0], r.PolicyEvaluated.Reasons)
		args = append(args, string(buf))
	}
	if len(r.AuthResults.DKIM) == 0 {
		args = append(args, nil)
	} else {
		buf = appendDKIM(buf[:0], r.AuthResults.DKIM)
		args = append(args, string(buf))
	}
	if len(r.AuthResults.SPF) == 0 {
		args = append(args, nil)
	} else {
		buf = appendSPF(buf[:0], r.AuthResults.SPF)
		args = append(args, string(buf))
	}
	return args, buf
}

// decodeRecordJSON decodes the JSON columns of a records row into r.
func decodeRecordJSON(r *aggregate.Record, reasons, dkim, spf []byte) error {
	if err := decodeJSONColumn(reasons, &r.PolicyEvaluated.Reasons); err != nil {
		return fmt.Errorf("decode reasons: %w", err)
	}
	if err := decodeJSONColumn(dkim, &r.AuthResults.DKIM); err != nil {
		return fmt.Errorf("decode dkim results: %w", err)
	}
	if err := decodeJSONColumn(spf, &r.AuthResults.SPF); err != nil {
		return fmt.Errorf("decode spf results: %w", err)
	}
	return nil
}

// decodeJSONColumn decodes a nullable JSON column; NULL leaves v nil.
func decodeJSONColumn(b []byte, v any) error {
	if b == nil {
		return nil
	}
	return json.Unmarshal(b, v)
}
