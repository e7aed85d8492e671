package server

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// exportColumns are the CSV columns of a records export: the report's
// identity, then the record flattened. Multiple DKIM and SPF results are
// joined with spaces, in order, so columns line up.
var exportColumns = []string{
	"report", "org_name", "report_id", "domain", "begin", "end",
	"source_ip", "count", "disposition", "dkim", "spf", "header_from", "envelope_from", "envelope_to",
	"dkim_domains", "dkim_selectors", "dkim_results", "spf_domains", "spf_scopes", "spf_results", "reasons",
}

// exportRecords answers GET /api/v1/export/records.csv and
// /api/v1/export/records.ndjson with every record of the reports matching
// the same filters as the report list. It streams report by report, so an
// export of millions of records uses constant memory. The export time and
// the filters are in X-Export-* headers, and in the first NDJSON line.
// report=ID exports one report instead; columns= picks and orders the CSV's
// columns.
func (s *Server) exportRecords(w http.ResponseWriter, r *http.Request) {
	format, _ := strings.CutPrefix(r.PathValue("file"), "records.")
	if format != "csv" && format != "ndjson" {
		writeError(w, http.StatusNotFound, "not_found", "export formats: records.csv, records.ndjson")
		return
	}
	cols, ok := exportColumnsOf(w, r)
	if !ok {
		return
	}
	var reps []store.StoredReport
	if v := r.URL.Query().Get("report"); v != "" {
		// One report's records (the report page's export).
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 1 {
			writeError(w, http.StatusBadRequest, "bad_request", "report: a report id")
			return
		}
		rep, err := s.Store.Report(r.Context(), id)
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		reps = []store.StoredReport{*rep}
	} else {
		f, ok := reportFilter(w, r)
		if !ok {
			return
		}
		f.Limit, f.BeforeID = 0, 0 // an export is never paged
		var err error
		if reps, err = s.Store.Reports(r.Context(), f); err != nil {
			s.storeError(w, r, err)
			return
		}
	}
	now := time.Now().UTC().Truncate(time.Second)
	filters := map[string]string{}
	for k, v := range r.URL.Query() {
		if k != "limit" && k != "cursor" && len(v) > 0 {
			filters[k] = v[0]
		}
	}
	h := w.Header()
	h.Set("X-Export-Time", now.Format(time.RFC3339))
	h.Set("X-Export-Reports", strconv.Itoa(len(reps)))
	if q := r.URL.Query(); len(q) > 0 {
		h.Set("X-Export-Filters", q.Encode())
	}
	name := "parse-dmarc-records-" + now.Format("20060102-150405") + "." + format
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	bw := bufio.NewWriterSize(w, 64<<10)
	defer bw.Flush()
	if format == "csv" {
		h.Set("Content-Type", "text/csv; charset=utf-8")
		cw := csv.NewWriter(bw)
		cw.Write(project(exportColumns, cols))
		for i := range reps {
			rep := &reps[i]
			err := s.Store.Records(r.Context(), rep.ID, func(rec *aggregate.Record) error {
				return cw.Write(project(csvRow(rep, rec), cols))
			})
			if err != nil {
				s.log().Warn("export", "err", err)
				return
			}
		}
		cw.Flush()
		return
	}
	h.Set("Content-Type", "application/x-ndjson")
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	enc.Encode(map[string]any{"export": map[string]any{"exported_at": now, "filters": filters, "reports": len(reps)}})
	type line struct {
		Report   int64  `json:"report"`
		OrgName  string `json:"org_name"`
		ReportID string `json:"report_id"`
		Domain   string `json:"domain"`
		*aggregate.Record
	}
	for i := range reps {
		rep := &reps[i]
		err := s.Store.Records(r.Context(), rep.ID, func(rec *aggregate.Record) error {
			return enc.Encode(line{rep.ID, rep.Header.Metadata.Reporter.OrgName, rep.Header.Metadata.ReportID, rep.Header.Policy.Domain, rec})
		})
		if err != nil {
			s.log().Warn("export", "err", err)
			return
		}
	}
}

// exportColumnsOf reads the columns parameter of a CSV export: a comma
// separated subset of exportColumns, kept in the order given; nil (every
// column) when absent.
func exportColumnsOf(w http.ResponseWriter, r *http.Request) ([]int, bool) {
	v := r.URL.Query().Get("columns")
	if v == "" {
		return nil, true
	}
	var idx []int
	for name := range strings.SplitSeq(v, ",") {
		i := slices.Index(exportColumns, strings.TrimSpace(name))
		if i < 0 {
			writeError(w, http.StatusBadRequest, "bad_request", "columns: no column "+strconv.Quote(name)+"; columns: "+strings.Join(exportColumns, ","))
			return nil, false
		}
		idx = append(idx, i)
	}
	return idx, true
}

// project picks the columns idx of row, all of them when idx is nil.
func project(row []string, idx []int) []string {
	if idx == nil {
		return row
	}
	out := make([]string, len(idx))
	for j, i := range idx {
		out[j] = row[i]
	}
	return out
}

func csvRow(rep *store.StoredReport, rec *aggregate.Record) []string {
	m := rep.Header.Metadata
	var dd, ds, dr, sd, ss, sr, rs []string
	for _, d := range rec.AuthResults.DKIM {
		dd, ds, dr = append(dd, orDash(d.Domain)), append(ds, orDash(d.Selector)), append(dr, orDash(d.Result))
	}
	for _, x := range rec.AuthResults.SPF {
		sd, ss, sr = append(sd, orDash(x.Domain)), append(ss, orDash(x.Scope)), append(sr, orDash(x.Result))
	}
	for _, x := range rec.PolicyEvaluated.Reasons {
		rs = append(rs, x.Type)
	}
	return []string{
		strconv.FormatInt(rep.ID, 10), m.Reporter.OrgName, m.ReportID, rep.Header.Policy.Domain,
		m.DateRange.Begin.Format(time.RFC3339), m.DateRange.End.Format(time.RFC3339),
		rec.SourceIP, strconv.FormatInt(rec.Count, 10), rec.PolicyEvaluated.Disposition, rec.PolicyEvaluated.DKIM, rec.PolicyEvaluated.SPF,
		rec.Identifiers.HeaderFrom, rec.Identifiers.EnvelopeFrom, rec.Identifiers.EnvelopeTo,
		strings.Join(dd, " "), strings.Join(ds, " "), strings.Join(dr, " "),
		strings.Join(sd, " "), strings.Join(ss, " "), strings.Join(sr, " "), strings.Join(rs, " "),
	}
}

// orDash keeps space-joined columns aligned when a value is empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
