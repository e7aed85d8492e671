package synth

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
)

// WriteReport writes r as an aggregate report in the RFC 7489 schema, so
// that a history can go through the real ingest path (ingest.Importer).
// It writes what a history's reports hold: metadata, the published
// policy, and per record the source IP, count, verdicts and header_from.
func WriteReport(w io.Writer, r *HistoryReport) error {
	var f stdFeedback
	m, p := &r.Header.Metadata, &r.Header.Policy
	f.Metadata.OrgName, f.Metadata.Email, f.Metadata.ReportID = m.Reporter.OrgName, m.Reporter.Email, m.ReportID
	f.Metadata.DateRange.Begin, f.Metadata.DateRange.End = m.DateRange.Begin.Unix(), m.DateRange.End.Unix()
	f.Policy.Domain, f.Policy.ADKIM, f.Policy.ASPF = p.Domain, p.ADKIM, p.ASPF
	f.Policy.P, f.Policy.SP, f.Policy.Pct = p.Policy, p.SubdomainPolicy, p.Percentage
	f.Records = slices.Grow(f.Records, len(r.Records))[:len(r.Records)]
	for i, rec := range r.Records {
		row := &f.Records[i].Row
		row.SourceIP, row.Count = rec.SourceIP, rec.Count
		pe := &row.PolicyEvaluated
		pe.Disposition, pe.DKIM, pe.SPF = rec.PolicyEvaluated.Disposition, rec.PolicyEvaluated.DKIM, rec.PolicyEvaluated.SPF
		f.Records[i].Identifiers.HeaderFrom = rec.Identifiers.HeaderFrom
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write report %s: %w", m.ReportID, err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	if err := enc.Encode(&f); err != nil {
		return fmt.Errorf("write report %s: %w", m.ReportID, err)
	}
	return nil
}
