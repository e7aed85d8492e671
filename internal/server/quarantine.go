package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// quarantineView is a quarantine entry as the API shows it.
type quarantineView struct {
	ID         int64     `json:"id"`
	Source     string    `json:"source"`
	Reason     string    `json:"reason"`
	ErrorType  string    `json:"error_type"`
	ReceivedAt time.Time `json:"received_at"`
	Size       int64     `json:"size"`
	SHA256     string    `json:"sha256"`
	Truncated  bool      `json:"truncated"`
}

// listQuarantine answers GET /api/v1/quarantine: the inputs that could not
// be parsed, newest first.
func (s *Server) listQuarantine(w http.ResponseWriter, r *http.Request) {
	qs, err := s.Store.Quarantined(r.Context())
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	out := struct {
		Entries []quarantineView `json:"entries"`
	}{Entries: []quarantineView{}}
	for _, q := range qs {
		out.Entries = append(out.Entries, quarantineView{q.ID, q.SourceName, q.Reason, q.ErrorType, q.ReceivedAt.UTC(), q.Size, q.SHA256, q.Truncated})
	}
	writeJSON(w, http.StatusOK, out)
}

// rawQuarantine answers GET /api/v1/quarantine/{id}/raw with the bytes
// kept, as an attachment.
func (s *Server) rawQuarantine(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	raw, err := s.Store.QuarantinedRaw(r.Context(), id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="quarantine-`+strconv.FormatInt(id, 10)+`"`)
	w.Write(raw)
}

// acceptsGzip reports whether the client takes a gzip Content-Encoding.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}
