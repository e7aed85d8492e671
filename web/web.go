// Package web serves the dashboard: a Svelte single-page app built by Vite
// into dist/app and embedded in the binary, so one file is all a user
// deploys.
//
// Hashed assets (dist/app/assets/*, named by content) are served with a
// one-year immutable cache; every other path that is not a file gets
// index.html (never cached), so client-side routes such as /reports/12
// survive a reload. A binary built without the UI (a plain `go build`)
// still compiles and serves a page that says how to build it.
package web

import (
	"bytes"
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed dist
var dist embed.FS

// Handler serves the embedded dashboard.
func Handler() http.Handler {
	app, err := fs.Sub(dist, "dist/app")
	if err != nil {
		return notBuilt{}
	}
	index, err := fs.ReadFile(app, "index.html")
	if err != nil {
		return notBuilt{}
	}
	return &spa{files: app, index: index}
}

// Built reports whether the binary holds a built dashboard.
func Built() bool {
	_, err := fs.Stat(dist, "dist/app/index.html")
	return err == nil
}

type spa struct {
	files fs.FS
	index []byte
}

func (s *spa) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if name != "" && name != "index.html" {
		if b, err := fs.ReadFile(s.files, name); err == nil {
			if strings.HasPrefix(name, "assets/") {
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			} else {
				w.Header().Set("Cache-Control", "public, max-age=3600")
			}
			http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
			return
		}
		// A missing hashed asset is a stale page asking for an old
		// build's file: a 404, not index.html parsed as JavaScript.
		if strings.HasPrefix(name, "assets/") {
			http.NotFound(w, r)
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	w.Write(s.index)
}

// csp allows only this origin: the dashboard loads no third-party script,
// font or map tile, so it leaks nothing about its visitors.
const csp = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

// notBuilt is the page of a binary built without the dashboard.
type notBuilt struct{}

func (notBuilt) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write([]byte(notBuiltPage))
}

const notBuiltPage = `<!doctype html>
<html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Parse DMARC</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}code{background:#eee;padding:.1em .3em}</style>
<h1>Parse DMARC</h1>
<p>The API is running at <a href="/api/v1/openapi.json">/api/v1</a>, but this binary was built without the dashboard.</p>
<p>Build it with <code>make build</code> (it runs <code>npm ci</code> and <code>vite build</code> in <code>web/</code>, then <code>go build</code>), or run <code>make run</code>.</p>
</html>
`
