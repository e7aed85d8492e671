package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestSPA(t *testing.T) {
	t.Parallel()
	files := fstest.MapFS{
		"index.html":        {Data: []byte("<!doctype html>index")},
		"assets/app-abc.js": {Data: []byte("console.log(1)")},
		"favicon.svg":       {Data: []byte("<svg/>")},
	}
	h := &spa{files: files, index: files["index.html"].Data}
	tests := []struct {
		method, path string
		status       int
		body, cache  string
	}{
		{"GET", "/", 200, "index", "no-cache"},
		{"GET", "/reports/12", 200, "index", "no-cache"},
		{"GET", "/assets/app-abc.js", 200, "console.log", "immutable"},
		{"GET", "/assets/gone-old.js", 404, "", ""},
		{"GET", "/favicon.svg", 200, "<svg/>", "max-age=3600"},
		{"GET", "/../../etc/passwd", 200, "index", "no-cache"},
		{"POST", "/reports", 405, "", ""},
	}
	for _, tc := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, rec.Code, tc.status)
			continue
		}
		if !strings.Contains(rec.Body.String(), tc.body) {
			t.Errorf("%s %s: body %q, want %q in it", tc.method, tc.path, rec.Body.String(), tc.body)
		}
		if got := rec.Header().Get("Cache-Control"); !strings.Contains(got, tc.cache) {
			t.Errorf("%s %s: Cache-Control %q, want %q in it", tc.method, tc.path, got, tc.cache)
		}
	}
}

func TestNotBuilt(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	notBuilt{}.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "make build") {
		t.Fatalf("status %d, body %q: want a page saying how to build the UI", rec.Code, rec.Body.String())
	}
}
