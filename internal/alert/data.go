package alert

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/anomaly"
	"github.com/parse-dmarc/parse-dmarc/internal/enrich"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/trend"
)

// Bounds of what a round reads of a domain.
const (
	// maxSourceRows bounds the source rows read for new sources and for
	// the top failing source (anomaly.Load); a domain with more in the
	// window is not judged for new sources.
	maxSourceRows = anomaly.DefaultMaxSourceRows
	// lateness is how long after a day its reports keep arriving: a day
	// younger than this is not judged for a drop.
	lateness = anomaly.DefaultLateness
)

const day = 24 * time.Hour

// IPData tells the organization, ASN and country of source IPs;
// *enrich.Enricher has it.
type IPData interface {
	Lookup(ctx context.Context, addr netip.Addr) enrich.Info
}

// domainData is what one round reads of one domain, each part once, for
// all the rules that need it.
type domainData struct {
	e      *Engine
	domain string
	now    time.Time

	spanRead    bool
	first, last time.Time // days with mail; zero when none

	tlsRead bool
	tlsLast time.Time // newest day of TLS reports; zero when none

	days              map[time.Time]store.Totals
	daysFrom, daysEnd time.Time // read: [daysFrom, daysEnd)

	sources *anomaly.History
	result  *anomaly.Result
	noMail  bool // trend.Anomalies found none
}

// span returns the domain's first and last day with mail, zero when it
// has none.
func (d *domainData) span(ctx context.Context) (first, last time.Time, err error) {
	if !d.spanRead {
		if d.first, d.last, err = d.e.Store.DomainSpan(ctx, d.domain); err != nil {
			return first, last, err
		}
		d.spanRead = true
	}
	return d.first, d.last, nil
}

// totals sums the domain's days [from, until).
func (d *domainData) totals(ctx context.Context, from, until time.Time) (store.Totals, error) {
	if d.days == nil || from.Before(d.daysFrom) || until.After(d.daysEnd) {
		// Read once what every rule type's windows need: a window and
		// the usual before it, up to both the newest day with mail and
		// today.
		rf, re := from, until
		if d.days != nil {
			rf, re = earliest(rf, d.daysFrom), latest(re, d.daysEnd)
		}
		if _, last, err := d.span(ctx); err == nil && !last.IsZero() {
			rf = earliest(rf, last.AddDate(0, 0, -3*maxWindowDays))
		}
		pts, err := d.e.Store.Timeline(ctx, store.AggregateFilter{Domain: d.domain, Since: rf, Until: re}, false)
		if err != nil {
			return store.Totals{}, err
		}
		d.days, d.daysFrom, d.daysEnd = map[time.Time]store.Totals{}, rf, re
		for _, p := range pts {
			d.days[p.Start.UTC()] = p.Totals
		}
	}
	var sum store.Totals
	for t := from; t.Before(until); t = t.Add(day) {
		v := d.days[t]
		sum.Messages += v.Messages
		sum.DMARCPass += v.DMARCPass
		sum.FullyFailed += v.FullyFailed
	}
	return sum, nil
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// history reads the domain's source rows of [from, until), with its
// feedback.
func (d *domainData) history(ctx context.Context, from, until time.Time) (*anomaly.History, error) {
	if d.sources == nil || !d.sources.From.Equal(from) {
		h, err := anomaly.Load(ctx, d.e.Store, d.domain, from, until, maxSourceRows)
		if err != nil {
			return nil, err
		}
		d.sources = h
	}
	return d.sources, nil
}

// detect runs the anomaly detector on the domain's newest 30 days; nil
// when it has no mail.
func (d *domainData) detect(ctx context.Context) (*anomaly.Result, error) {
	if d.result == nil && !d.noMail {
		q := trend.Query{Domain: d.domain, Now: d.now, MaxSourceRows: maxSourceRows}
		if d.e.IPs != nil {
			q.Countries = countries{ctx, d.e.IPs}
		}
		res, _, err := trend.Anomalies(ctx, d.e.Store, q)
		switch {
		case errors.Is(err, trend.ErrNoMail):
			d.noMail = true
		case err != nil:
			return nil, err
		default:
			d.result = res
		}
	}
	return d.result, nil
}

// topFailing returns the source IP with the most messages failing DMARC
// in [from, until), and that number; "" when none failed.
func (d *domainData) topFailing(ctx context.Context, from, until time.Time) (string, int64, error) {
	rows, _, err := d.e.Store.SourceDays(ctx, store.AggregateFilter{Domain: d.domain, Since: from, Until: until}, maxSourceRows)
	if err != nil {
		return "", 0, fmt.Errorf("failing sources of %s: %w", d.domain, err)
	}
	failing := map[string]int64{}
	for _, r := range rows {
		failing[r.SourceIP] += r.Messages - r.DMARCPass
	}
	var top string
	var most int64
	for ip, n := range failing {
		if n > most || n == most && n > 0 && ip < top {
			top, most = ip, n
		}
	}
	return top, most, nil
}

// describe names the organization and ASN of ip, as the roadmap's example
// alert: "192.0.2.1 (Example Hosting - AS64500)"; the IP alone without IP
// data.
func (e *Engine) describe(ctx context.Context, ip string) string {
	addr, err := netip.ParseAddr(ip)
	if e.IPs == nil || err != nil {
		return ip
	}
	info := e.IPs.Lookup(ctx, addr)
	org := info.Org
	if org == "" {
		org = "Unknown"
	}
	if info.ASN == 0 {
		if info.Org == "" {
			return ip
		}
		return fmt.Sprintf("%s (%s)", ip, org)
	}
	return fmt.Sprintf("%s (%s - AS%d)", ip, org, info.ASN)
}

// countries tells the country of source IPs from IP data, for the
// detector's geographic rule.
type countries struct {
	ctx context.Context
	ips IPData
}

func (c countries) CountryOf(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ""
	}
	return c.ips.Lookup(c.ctx, addr).Country
}
