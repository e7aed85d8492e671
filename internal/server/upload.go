package server

import (
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strconv"

	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
)

// uploadResult is what happened to one report found in an uploaded file.
type uploadResult struct {
	Name    string `json:"name"`
	Outcome string `json:"outcome"` // imported | duplicate | quarantined | ignored (a mail without any report)
	// Format is "aggregate", "smtp_tls" (the report_id is then a TLS
	// report's, GET /api/v1/tls/reports/{id}) or "forensic" (a failure
	// report's, GET /api/v1/forensic/{id}); absent when quarantined
	// before the format was known, and when ignored.
	Format   string `json:"format,omitempty"`
	ReportID int64  `json:"report_id,omitempty"`
	// QuarantineID is the quarantine entry of a refused report.
	QuarantineID int64  `json:"quarantine_id,omitempty"`
	Records      int64  `json:"records,omitempty"`
	Status       string `json:"validation_status,omitempty"`
	Reason       string `json:"reason,omitempty"`
}

type uploadFile struct {
	File    string         `json:"file"`
	Results []uploadResult `json:"results"`
}

// upload answers POST /api/v1/reports: a multipart form whose "file" fields
// (repeatable) hold .xml, .gz, .zip, .eml or mbox files. Each file goes
// through the importer, as from any other source, streamed from the request
// body; the answer lists, per file, every report found and what became of
// it. The whole request is limited to Server.MaxUpload bytes.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	max := s.MaxUpload
	if max <= 0 {
		max = DefaultMaxUpload
	}
	r.Body = http.MaxBytesReader(w, r.Body, max)
	mr, err := r.MultipartReader()
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "expected a multipart/form-data body with file fields: "+err.Error())
		return
	}
	var files []uploadFile
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeError(w, http.StatusRequestEntityTooLarge, "too_large", "the upload is larger than the limit of "+humanBytes(max))
				return
			}
			writeError(w, http.StatusBadRequest, "bad_request", "reading the form: "+err.Error())
			return
		}
		if part.FormName() != "file" {
			part.Close()
			continue
		}
		name := filepath.Base(part.FileName())
		if name == "." || name == "/" || name == "" {
			name = "upload"
		}
		f := uploadFile{File: name, Results: []uploadResult{}}
		im := *s.Importer // a copy: Progress is this request's
		im.Progress = func(res ingest.Result) {
			f.Results = append(f.Results, resultView(res))
			s.Metrics.Imported(r.Context(), s.Store, res)
		}
		_, err = im.ImportReader(r.Context(), "upload:"+name, part)
		part.Close()
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeError(w, http.StatusRequestEntityTooLarge, "too_large", "the upload is larger than the limit of "+humanBytes(max))
				return
			}
			s.storeError(w, r, err)
			return
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		writeError(w, http.StatusBadRequest, "bad_request", `no "file" field in the form`)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Files []uploadFile `json:"files"`
	}{files})
}

func resultView(r ingest.Result) uploadResult {
	v := uploadResult{Name: r.Name, Outcome: r.Outcome.String(), Format: r.Format, Records: r.Records, Status: r.Status}
	switch r.Outcome {
	case ingest.Imported:
		v.ReportID = r.ReportID
	case ingest.Quarantined:
		v.QuarantineID = r.ReportID
	}
	if r.Err != nil && r.Outcome != ingest.Imported {
		v.Reason = r.Err.Error()
	}
	return v
}

func humanBytes(n int64) string {
	const mib = 1 << 20
	if n%mib == 0 {
		return strconv.FormatInt(n/mib, 10) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
