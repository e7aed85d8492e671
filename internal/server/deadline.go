package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"
)

// Deadlines of requests. A request has two: its context's, which stops the
// handler's store work when it takes too long, and the connection's read
// and write deadlines, which stop a client that stops sending or reading.
const (
	// DefaultTimeout is the default of Server.Timeout.
	DefaultTimeout = 30 * time.Second
	// DefaultStreamTimeout is the default of Server.StreamTimeout.
	DefaultStreamTimeout = time.Hour
	// ioIdle is the longest a request may go without its body being read
	// from or its answer written to: a client that stops sending its
	// upload or reading its export is dropped after it, whatever the
	// route. Each read and write (at most once a second) pushes the
	// deadline back.
	ioIdle = time.Minute
	// maxBody bounds the body of a request to a route that is not an
	// upload: none reads one, so this is only what net/http reads to
	// discard it.
	maxBody = 1 << 20
)

// streamingRoutes are the routes whose answer or body has no size bound
// (an upload, a records export, a report with all its records, raw bytes):
// they run under Server.StreamTimeout instead of Server.Timeout. Their
// real bound is ioIdle, and the client: the context of a request ends when
// its client goes away, and the handlers stop then.
var streamingRoutes = map[string]bool{
	"POST /api/v1/reports":            true,
	"GET /api/v1/reports/{id}":        true,
	"GET /api/v1/reports/{id}/raw":    true,
	"GET /api/v1/export/{file}":       true,
	"GET /api/v1/quarantine/{id}/raw": true,
}

// deadlines runs h, whose API routes are those of api, under the
// deadlines of the request's route. A handler that runs out of time while
// it has sent nothing gets a 503 with a JSON error (its store call fails
// with the context's error, which storeError turns into the same 503).
func (s *Server) deadlines(h http.Handler, api *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := or(s.Timeout, DefaultTimeout)
		if _, pattern := api.Handler(r); streamingRoutes[pattern] {
			limit = or(s.StreamTimeout, DefaultStreamTimeout)
		} else {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		ctx, cancel := context.WithTimeout(r.Context(), limit)
		defer cancel()
		rc := http.NewResponseController(w)
		pw := &progressWriter{ResponseWriter: w, rc: rc}
		pw.extend(time.Now())
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &progressBody{ReadCloser: r.Body, rc: rc}
		}
		h.ServeHTTP(pw, r.WithContext(ctx))
		if !pw.wrote && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			writeTimeout(w)
		}
	})
}

// writeTimeout answers 503 for a request that ran out of time.
func writeTimeout(w http.ResponseWriter) {
	writeError(w, http.StatusServiceUnavailable, "timeout", "the request took too long; try a narrower one (fewer days, one domain)")
}

// progressWriter pushes the write deadline back as the answer is written.
// It also notes whether anything was sent, since an error answer can only
// be given before.
type progressWriter struct {
	http.ResponseWriter
	rc    *http.ResponseController
	last  time.Time
	wrote bool
}

// extend pushes the write deadline ioIdle past now, at most once a second.
// A connection that does not support deadlines keeps none.
func (w *progressWriter) extend(now time.Time) {
	if now.Sub(w.last) >= time.Second {
		w.rc.SetWriteDeadline(now.Add(ioIdle))
		w.last = now
	}
}

func (w *progressWriter) WriteHeader(code int) {
	w.wrote = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *progressWriter) Write(p []byte) (int, error) {
	w.wrote = true
	w.extend(time.Now())
	return w.ResponseWriter.Write(p)
}

// Flush implements http.Flusher for handlers that stream.
func (w *progressWriter) Flush() {
	w.extend(time.Now())
	w.rc.Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (w *progressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// progressBody pushes the read deadline back as the body is read, and
// removes it once the body ends: net/http then reads the connection in the
// background to notice a client going away, and a deadline left behind
// would cancel the request's context in the middle of a long answer.
type progressBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	last time.Time
}

func (b *progressBody) Read(p []byte) (int, error) {
	if now := time.Now(); now.Sub(b.last) >= time.Second {
		b.rc.SetReadDeadline(now.Add(ioIdle))
		b.last = now
	}
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// or returns d, or def when d is not positive.
func or(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
