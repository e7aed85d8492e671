package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// badgeSetting is the answer of the badge settings routes: whether the
// domain's badge is enabled, and how to embed it.
type badgeSetting struct {
	Domain  string `json:"domain"`
	Enabled bool   `json:"enabled"`
	// URL is the badge's path on this server, /badge/DOMAIN.svg.
	URL string `json:"url"`
	// Markdown embeds the badge by its absolute URL.
	Markdown string `json:"markdown"`
}

// maxSettingBody bounds the body of PUT /api/v1/domains/{domain}/badge.
const maxSettingBody = 1 << 10

// getSetting answers GET /api/v1/domains/{domain}/badge: 404 for a domain
// without reports.
func (b *badges) getSetting(w http.ResponseWriter, r *http.Request) {
	domain, ok := b.knownDomain(w, r)
	if !ok {
		return
	}
	ds, err := b.s.Store.DomainSettings(r.Context(), domain)
	if err != nil {
		b.s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, settingOf(r, ds))
}

// putSetting answers PUT /api/v1/domains/{domain}/badge with a body
// {"enabled": bool}: it enables or disables the domain's public badge and
// drops the badges of the domain this process cached. 404 for a domain
// without reports: settings are made for domains seen, not for names
// typed in.
func (b *badges) putSetting(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Enabled *bool `json:"enabled"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSettingBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || body.Enabled == nil {
		msg := `the body is {"enabled": true} or {"enabled": false}`
		if err != nil && !errors.Is(err, io.EOF) {
			msg += ": " + err.Error()
		}
		writeError(w, http.StatusBadRequest, "bad_request", msg)
		return
	}
	domain, ok := b.knownDomain(w, r)
	if !ok {
		return
	}
	ds := store.DomainSettings{Domain: domain, Badge: *body.Enabled}
	if err := b.s.Store.SetDomainSettings(r.Context(), ds); err != nil {
		b.s.storeError(w, r, err)
		return
	}
	b.cache.invalidate(domain)
	b.s.log().Info("badge setting changed", "domain", domain, "enabled", ds.Badge)
	writeJSON(w, http.StatusOK, settingOf(r, ds))
}

// knownDomain returns the domain of the path, lower case, or answers 404
// when it has no reports.
func (b *badges) knownDomain(w http.ResponseWriter, r *http.Request) (string, bool) {
	domain := strings.ToLower(r.PathValue("domain"))
	reps, err := b.s.Store.Reports(r.Context(), store.ReportFilter{Domain: domain, Limit: 1})
	if err != nil {
		b.s.storeError(w, r, err)
		return "", false
	}
	if len(reps) == 0 {
		writeError(w, http.StatusNotFound, "not_found", "no reports for domain "+domain)
		return "", false
	}
	return domain, true
}

// settingOf is the answer for ds. The Markdown's absolute URL is built
// from the request's Host and scheme: https when the connection is TLS or
// a proxy says so in X-Forwarded-Proto. The header is trusted here only
// because the snippet is shown to the authenticated user who asked;
// behind a proxy that rewrites Host, the dashboard knows its own origin
// better.
func settingOf(r *http.Request, ds store.DomainSettings) badgeSetting {
	path := "/badge/" + url.PathEscape(ds.Domain) + ".svg"
	return badgeSetting{
		Domain:   ds.Domain,
		Enabled:  ds.Badge,
		URL:      path,
		Markdown: "![DMARC](" + requestOrigin(r) + path + ")",
	}
}

// requestOrigin is the scheme and host the request was made to, as its
// Host and, behind a proxy, X-Forwarded-Proto say: for what is shown to
// the authenticated user who asked, not for anything trusted.
func requestOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
