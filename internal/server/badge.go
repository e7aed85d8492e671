package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
	"github.com/parse-dmarc/parse-dmarc/internal/badge"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// The compliance badge (roadmap 1.7): GET /badge/{domain}.svg, public (no
// credentials: badges are embedded in READMEs), for the domains whose
// owner enabled it (store.DomainSettings.Badge).
const (
	// badgeDays is the period a badge covers: the reports that began in
	// the last badgeDays whole UTC days and today.
	badgeDays = 30
	// badgeTTL is how long a rendered badge is cached, here and by
	// clients (Cache-Control).
	badgeTTL = 5 * time.Minute
	// badgeCacheSize bounds the badges cached.
	badgeCacheSize = 1000
	// badgeRate and badgeBurst limit the badge requests of a client, and
	// badgeClients the clients tracked (see rateLimiter).
	badgeRate, badgeBurst, badgeClients = 60, 20, 10000
	// maxBadgeLabel is the longest label, in characters; longer ones are
	// cut.
	maxBadgeLabel = 32
	// maxDomainLength is the longest domain name (RFC 1035, in its text
	// form without the final dot).
	maxDomainLength = 253
	// defaultBadgeLabel is the label when the URL names none.
	defaultBadgeLabel = "DMARC"
	// messageNotEnabled is the message of the badge of a domain that has
	// no enabled badge.
	messageNotEnabled = "not enabled"
)

// Values of the show parameter.
const (
	showPercent = "percent"
	showGrade   = "grade"
	showBoth    = "both"
)

// badgeCSP is the Content-Security-Policy of a badge: an SVG opened on its
// own is a document, and this one needs nothing but its inline styles.
const badgeCSP = "default-src 'none'; style-src 'unsafe-inline'"

// badges serves the badges and their settings: Handler makes one, holding
// the cache and the rate limiter, which the settings routes invalidate.
type badges struct {
	s     *Server
	cache *badgeCache
	limit *rateLimiter
	now   func() time.Time
}

func newBadges(s *Server) *badges {
	return &badges{
		s:     s,
		cache: newBadgeCache(badgeTTL, badgeCacheSize),
		limit: newRateLimiter(badgeRate, badgeBurst, badgeClients),
		now:   time.Now,
	}
}

// serve answers GET /badge/{file}, file being DOMAIN.svg, with query
// parameters style (flat, flat-square or for-the-badge), show (percent,
// grade or both) and label. A badge URL sits in a README where nobody sees
// an error, so unknown parameter values fall back to their defaults
// rather than fail.
//
// A domain whose badge is enabled gets 200 and a badge of its DMARC pass
// rate and health-score grade over the last 30 days ("no data" when it had
// no mail). Any other name, a domain without reports included, gets 404
// and the same grey "not enabled" badge, so that badges do not tell which
// domains the store knows.
func (b *badges) serve(w http.ResponseWriter, r *http.Request) {
	now := b.now()
	if ok, wait := b.limit.allow(clientKey(r.RemoteAddr), now); !ok {
		secs := int64((wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
		http.Error(w, "too many badge requests; try again later", http.StatusTooManyRequests)
		return
	}
	k := badgeKeyOf(r)
	a, ok, gen := b.cache.get(k, now)
	if !ok {
		var err error
		a, err = b.render(r.Context(), k, now)
		if err != nil {
			b.s.storeError(w, r, err)
			return
		}
		b.cache.put(k, a, gen, now)
	}
	h := w.Header()
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(badgeTTL/time.Second)))
	h.Set("ETag", a.etag)
	// Conditional requests apply to successful answers only (RFC 9110
	// section 13.2.1): a 404 is sent whole.
	if a.status == http.StatusOK && etagMatch(r.Header.Get("If-None-Match"), a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "image/svg+xml")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", badgeCSP)
	h.Set("Content-Length", strconv.Itoa(len(a.svg)))
	w.WriteHeader(a.status)
	w.Write(a.svg)
}

// badgeKeyOf reads the badge a request asks for. The domain is empty when
// the file is not a plausible DOMAIN.svg.
func badgeKeyOf(r *http.Request) badgeKey {
	q := r.URL.Query()
	style, err := badge.ParseStyle(q.Get("style"))
	if err != nil {
		style = badge.Flat
	}
	show := q.Get("show")
	if show != showPercent && show != showGrade {
		show = showBoth
	}
	label := defaultBadgeLabel
	if q.Has("label") {
		label = truncateRunes(strings.TrimSpace(q.Get("label")), maxBadgeLabel)
	}
	domain, ok := strings.CutSuffix(strings.ToLower(r.PathValue("file")), ".svg")
	if !ok || len(domain) > maxDomainLength {
		domain = ""
	}
	return badgeKey{domain: domain, style: style, show: show, label: label}
}

// render computes the badge of k.
func (b *badges) render(ctx context.Context, k badgeKey, now time.Time) (badgeAnswer, error) {
	bd := badge.Badge{Label: k.label, Message: messageNotEnabled, Color: badge.ColorGrey, Style: k.style}
	status := http.StatusNotFound
	if k.domain != "" {
		ds, err := b.s.Store.DomainSettings(ctx, k.domain)
		if err != nil {
			return badgeAnswer{}, err
		}
		if ds.Badge {
			counts, pol, err := b.badgeInput(ctx, k.domain, now)
			if err != nil {
				return badgeAnswer{}, err
			}
			bd.Message, bd.Color = badgeMessage(counts, pol, k.show)
			status = http.StatusOK
		}
	}
	var buf bytes.Buffer
	if err := badge.Render(&buf, bd); err != nil {
		return badgeAnswer{}, err
	}
	sum := sha256.Sum256(buf.Bytes())
	return badgeAnswer{status: status, svg: buf.Bytes(), etag: `"` + hex.EncodeToString(sum[:12]) + `"`}, nil
}

// badgeInput reads the message counts of domain over the badge's period
// and the policy of its newest report.
func (b *badges) badgeInput(ctx context.Context, domain string, now time.Time) (analysis.MessageCounts, analysis.ScorePolicy, error) {
	since := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -badgeDays)
	t, err := b.s.Store.Summary(ctx, store.AggregateFilter{Domain: domain, Since: since})
	if err != nil || t.Messages == 0 {
		return analysis.MessageCounts{}, analysis.ScorePolicy{}, err
	}
	pol, err := b.s.policyOf(ctx, domain)
	return countsOf(t), pol, err
}

// badgeMessage is the message and colour of a badge of mail with counts
// under policy pol, for show: "97%", "A" or "97% A". The colour follows
// the roadmap's thresholds (green above 90, yellow above 70, red below,
// 90 and 70 themselves taken to the upper zone as analysis.ScoreZone
// does) applied to the pass rate for show=percent, and to the health
// score otherwise, so that the colour agrees with what the badge says.
// Without mail it is "no data" in grey.
func badgeMessage(counts analysis.MessageCounts, pol analysis.ScorePolicy, show string) (message, color string) {
	score, ok := analysis.ComputeScore(analysis.ScoreInput{Counts: counts, Policy: pol})
	if !ok {
		return badge.MessageNoData, badge.ColorGrey
	}
	pct := passPercent(counts.DMARCPass, counts.Messages)
	switch show {
	case showPercent:
		return strconv.Itoa(pct) + "%", badge.ColorFor(analysis.ScoreZone(pct))
	case showGrade:
		return score.Grade, badge.ColorFor(score.Zone)
	}
	return strconv.Itoa(pct) + "% " + score.Grade, badge.ColorFor(score.Zone)
}

// passPercent is pass of total as a whole percentage, rounded half up,
// except that it is 100 only when all passed and 0 only when none did: a
// public badge saying 100% for 999 of 1000 would claim more than is true.
func passPercent(pass, total int64) int {
	if total <= 0 {
		return 0
	}
	pass = min(max(pass, 0), total)
	switch pass {
	case 0:
		return 0
	case total:
		return 100
	}
	// float64 is exact for counts below 2^53, far above real ones; in
	// integers 100*pass could overflow.
	p := int(math.Floor(float64(pass)*100/float64(total) + 0.5))
	return min(max(p, 1), 99)
}

// etagMatch reports whether an If-None-Match header matches etag: "*", or
// a list holding it, weak or not (RFC 9110 section 13.1.2 compares weakly).
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// truncateRunes cuts s after n characters (runes).
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
