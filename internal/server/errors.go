package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// apiError is the body of every error answer.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// writeError answers with status and a JSON error object. code is a short
// machine-readable word ("not_found", "bad_request", ...).
func writeError(w http.ResponseWriter, status int, code, message string) {
	var e apiError
	e.Error.Code, e.Error.Message = code, message
	writeJSON(w, status, e)
}

// storeError answers for an error of the store: 404 for ErrNotFound, 503
// when the request ran out of time, nothing when its client went away, 500
// (logged, not shown) otherwise. The request's context tells the last two
// apart from a failure, since drivers do not all return the context's
// error when it interrupts them.
func (s *Server) storeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "not_found", "no such item")
		return
	}
	switch ctxErr := r.Context().Err(); {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctxErr, context.DeadlineExceeded):
		s.log().Warn("request timed out", "method", r.Method, "path", r.URL.Path, "err", err)
		writeTimeout(w)
		return
	case errors.Is(ctxErr, context.Canceled):
		s.log().Debug("client went away", "method", r.Method, "path", r.URL.Path, "err", err)
		return
	}
	s.log().Error("store", "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "internal", "the store failed; see the server log")
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		slog.Debug("write response", "err", err)
	}
}
