package store

import (
	"context"
	"fmt"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// SourceRecord is one stored record of a source IP with the report it
// came from: what the dashboard's source page lists and what classifying
// a source across reports reads.
type SourceRecord struct {
	ReportID int64
	OrgName  string
	// Domain is the report's policy domain, Policy its published p=.
	Domain, Policy string
	Begin          time.Time
	Record         aggregate.Record
}

// sourceRecords calls fn for the records of source IP ip matching f, the
// newest report day first, at most limit (the records_source_ip index
// makes it a lookup however large the store).
func sourceRecords(ctx context.Context, run rowSource, ip string, f AggregateFilter, limit int, fn func(*SourceRecord) error) error {
	q := `SELECT rec.report_id, rep.org_name, rec.domain, rep.policy, rep.date_begin, rec.source_ip, rec.count,
	rec.disposition, rec.dkim, rec.spf, rec.header_from, rec.envelope_from, rec.envelope_to,
	rec.reasons, rec.dkim_results, rec.spf_results
FROM records rec JOIN reports rep ON rep.id = rec.report_id WHERE rec.source_ip = ?`
	args := []any{ip}
	if f.Domain != "" {
		q += " AND rec.domain = ?"
		args = append(args, f.Domain)
	}
	if !f.Since.IsZero() {
		q += " AND rec.day >= ?"
		args = append(args, f.Since.Unix())
	}
	if !f.Until.IsZero() {
		q += " AND rec.day < ?"
		args = append(args, f.Until.Unix())
	}
	q += " ORDER BY rec.day DESC, rec.id DESC LIMIT ?"
	args = append(args, limit)
	err := run(ctx, q, args, func(scan func(...any) error) error {
		var s SourceRecord
		var begin int64
		var reasons, dkim, spf []byte
		r := &s.Record
		pe, id := &r.PolicyEvaluated, &r.Identifiers
		if err := scan(&s.ReportID, &s.OrgName, &s.Domain, &s.Policy, &begin, &r.SourceIP, &r.Count,
			&pe.Disposition, &pe.DKIM, &pe.SPF, &id.HeaderFrom, &id.EnvelopeFrom, &id.EnvelopeTo,
			&reasons, &dkim, &spf); err != nil {
			return err
		}
		if err := decodeRecordJSON(r, reasons, dkim, spf); err != nil {
			return err
		}
		s.Begin = time.Unix(begin, 0).UTC()
		return fn(&s)
	})
	if err != nil {
		return fmt.Errorf("records of source %s: %w", ip, err)
	}
	return nil
}

// SourceRecords implements Store.
func (a aggregates) SourceRecords(ctx context.Context, ip string, f AggregateFilter, limit int, fn func(*SourceRecord) error) error {
	return sourceRecords(ctx, a.run, ip, f, limit, fn)
}
