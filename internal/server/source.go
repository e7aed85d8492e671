package server

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
	"github.com/parse-dmarc/parse-dmarc/internal/enrich"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// IPData tells what is known of an IP address from offline data and
// reverse DNS (roadmap 1.6); *enrich.Enricher implements it.
type IPData interface {
	Lookup(ctx context.Context, addr netip.Addr) enrich.Info
	Reverse(ctx context.Context, addr netip.Addr) string
	Status() enrich.Status
}

// Limits of classifying sources, which reads their records.
const (
	// classifyRecords is how many of a source's newest records one read
	// takes: enough to see its patterns, bounded however much it sends.
	// A classification reads the records of the requested range, and,
	// when the range is bounded, those of the source's whole history too:
	// at most twice this.
	classifyRecords = 2000
	// maxClassified bounds the sources one listing classifies.
	maxClassified = 200
	// sourcePageRecords is how many records the source page lists.
	sourcePageRecords = 100
	// maxClassifiedDomains bounds the domains whose SPF record the source
	// page consults (a DNS lookup each), those with most of the source's
	// mail; the others are classified without it.
	maxClassifiedDomains = 20
)

// sourceView is a source IP with its totals and what is known of it.
type sourceView struct {
	SourceIP  string `json:"source_ip"`
	FirstSeen string `json:"first_seen"`
	LastSeen  string `json:"last_seen"`
	statistics
	enrich.Info
	Classification *analysis.HistoryClassification `json:"classification,omitempty"`
}

// ipDataView says whether IP data is available, and why not.
type ipDataView struct {
	Available   bool   `json:"available"`
	Reason      string `json:"reason,omitempty"`
	Attribution string `json:"attribution,omitempty"`
}

func (s *Server) ipData() ipDataView {
	if s.IPs == nil {
		return ipDataView{Reason: enrich.NoDataMessage}
	}
	st := s.IPs.Status()
	var attr []string
	for _, src := range []enrich.Source{st.ASN, st.Country} {
		if src.State == enrich.StateReady && src.Attribution != "" {
			attr = append(attr, src.Attribution)
		}
	}
	return ipDataView{Available: st.Message == "", Reason: st.Message, Attribution: strings.Join(attr, "; ")}
}

// describeConcurrency bounds the sources described at once: reverse DNS
// waits up to a second per cold address and classification reads up to
// classifyRecords records, so a page of 100 sources is worked on in
// parallel rather than one after the other.
const describeConcurrency = 8

// describeSources describes src in order; the first classify of them are
// also classified (by the domain with most of their mail) and their reverse
// DNS names looked up.
func (s *Server) describeSources(ctx context.Context, src []store.SourceTotals, f store.AggregateFilter, classify int) ([]sourceView, error) {
	out := make([]sourceView, len(src))
	for i, x := range src[min(classify, len(src)):] {
		out[classify+i] = s.sourceView(ctx, x, false)
	}
	errs := make([]error, len(src))
	sem := make(chan struct{}, describeConcurrency)
	var wg sync.WaitGroup
	for i, x := range src[:min(classify, len(src))] {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			info := s.lookupIP(ctx, x.SourceIP, true)
			v := sourceViewOf(x, info)
			classes, err := s.classify(ctx, x.SourceIP, info, f, nil, 1)
			if len(classes) > 0 {
				v.Classification = classes[0].Classification
			}
			out[i], errs[i] = v, err
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// lookupIP tells what is known of ip from IP data; reverse adds its
// reverse DNS name (a network lookup, cached).
func (s *Server) lookupIP(ctx context.Context, ip string, reverse bool) enrich.Info {
	addr, err := netip.ParseAddr(ip)
	if err != nil || s.IPs == nil {
		return enrich.Info{}
	}
	info := s.IPs.Lookup(ctx, addr)
	if reverse {
		info.Hostname = s.IPs.Reverse(ctx, addr)
	}
	return info
}

// sourceView describes x; reverse adds its reverse DNS name.
func (s *Server) sourceView(ctx context.Context, x store.SourceTotals, reverse bool) sourceView {
	return sourceViewOf(x, s.lookupIP(ctx, x.SourceIP, reverse))
}

// sourceViewOf describes x with what is known of its IP.
func sourceViewOf(x store.SourceTotals, info enrich.Info) sourceView {
	return sourceView{SourceIP: x.SourceIP, FirstSeen: x.FirstSeen.Format("2006-01-02"),
		LastSeen: x.LastSeen.Format("2006-01-02"), statistics: statsOf(x.Totals), Info: info}
}

// domainClass is a source's classification for one policy domain.
type domainClass struct {
	Domain         string                          `json:"domain"`
	Classification *analysis.HistoryClassification `json:"classification"`
	Statistics     statistics                      `json:"statistics"`
}

// sourceRead is what one read of a source's records gives, per policy
// domain in the order first seen: totals and histories.
type sourceRead struct {
	order   []string
	totals  map[string]*store.Totals
	history map[string]*analysis.SourceHistory
}

// readSource reads the newest classifyRecords records of source ip in f,
// passing each to each when it is not nil.
func (s *Server) readSource(ctx context.Context, ip string, f store.AggregateFilter, each func(*store.SourceRecord)) (*sourceRead, error) {
	rd := &sourceRead{totals: map[string]*store.Totals{}, history: map[string]*analysis.SourceHistory{}}
	n := 0
	err := s.Store.SourceRecords(ctx, ip, f, classifyRecords, func(sr *store.SourceRecord) error {
		n++
		d := sr.Domain
		if rd.totals[d] == nil {
			rd.totals[d], rd.history[d] = &store.Totals{}, analysis.NewSourceHistory(ip, d)
			rd.order = append(rd.order, d)
		}
		rd.totals[d].Add(&sr.Record)
		rd.history[d].Add(sr.Begin, &sr.Record)
		if each != nil {
			each(sr)
		}
		return nil
	})
	for _, h := range rd.history {
		h.Partial = n == classifyRecords
	}
	return rd, err
}

// classify judges source ip per policy domain of its records in f, the
// domain with most of them in f first (the protocol's source
// classification, analysis.HistoryClassifier): from the source's whole
// history for the domain, its newest classifyRecords records whatever f's
// range, with the service its IP data identifies and the domain's SPF
// verdict, which is asked for the first most domains only (a DNS lookup
// each). Each record of f is passed to each too.
func (s *Server) classify(ctx context.Context, ip string, info enrich.Info, f store.AggregateFilter, each func(*store.SourceRecord), most int) ([]domainClass, error) {
	inRange, err := s.readSource(ctx, ip, f, each)
	if err != nil {
		return nil, err
	}
	history := inRange
	if !f.Since.IsZero() || !f.Until.IsZero() {
		if history, err = s.readSource(ctx, ip, store.AggregateFilter{Domain: f.Domain}, nil); err != nil {
			return nil, err
		}
	}
	out := make([]domainClass, 0, len(inRange.order))
	for _, d := range inRange.order {
		t := inRange.totals[d]
		t.UniqueSources = 1
		out = append(out, domainClass{Domain: d, Statistics: statsOf(*t)})
	}
	// The domain with the most of the source's mail first.
	slices.SortStableFunc(out, func(a, b domainClass) int { return cmp.Compare(b.Statistics.Messages, a.Statistics.Messages) })
	withSPF := &analysis.HistoryClassifier{Senders: s.Senders, SPF: s.SPF}
	without := &analysis.HistoryClassifier{Senders: s.Senders}
	ipInfo := analysis.IPInfo{PTR: info.Hostname, ASN: info.ASN, ASOrg: info.Org}
	for i := range out {
		c := withSPF
		if i >= most {
			c = without
		}
		h := history.history[out[i].Domain]
		if h == nil { // all in the range is older than the newest records read
			h = inRange.history[out[i].Domain]
		}
		hc := c.Classify(ctx, h, ipInfo)
		out[i].Classification = &hc
	}
	return out, nil
}

// sourceRecordView is one record on the source page.
type sourceRecordView struct {
	Report       int64  `json:"report"`
	OrgName      string `json:"org_name"`
	Domain       string `json:"domain"`
	Begin        string `json:"begin"`
	Count        int64  `json:"count"`
	Disposition  string `json:"disposition"`
	DKIM         string `json:"dkim"`
	SPF          string `json:"spf"`
	HeaderFrom   string `json:"header_from"`
	EnvelopeFrom string `json:"envelope_from,omitempty"`
	Auth         string `json:"auth"`
}

// authSummary is a record's auth_results in one line.
func authSummary(r *aggregate.Record) string {
	var parts []string
	for _, d := range r.AuthResults.DKIM {
		p := "DKIM " + d.Result + " " + d.Domain
		if d.Selector != "" {
			p += " (s=" + d.Selector + ")"
		}
		parts = append(parts, p)
	}
	for _, sp := range r.AuthResults.SPF {
		parts = append(parts, "SPF "+sp.Result+" "+sp.Domain)
	}
	return strings.Join(parts, "; ")
}

// source answers GET /api/v1/sources/{ip}?domain=&since=&until=: one
// source IP with what is known of it, its classification per domain, its
// daily volume, the reporters who saw it and its newest records. All of it
// comes from the source's newest 2,000 records in the filter ("partial"
// says when there were more), so the page stays quick for the largest
// senders.
func (s *Server) source(w http.ResponseWriter, r *http.Request) {
	addr, err := netip.ParseAddr(r.PathValue("ip"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "not an IP address: "+strconv.Quote(r.PathValue("ip")))
		return
	}
	ip := addr.Unmap().String()
	f, ok := aggregateFilter(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	info := s.lookupIP(ctx, ip, true)
	var recs []sourceRecordView
	var total store.Totals
	read := 0
	first, last := "", ""
	reporters := map[string]*store.ReporterTotals{}
	seenReport := map[int64]bool{}
	days := map[string]*store.Totals{}
	var dayOrder []string
	classes, err := s.classify(ctx, ip, info, f, func(sr *store.SourceRecord) {
		rec := &sr.Record
		read++
		total.Add(rec)
		day := sr.Begin.Format("2006-01-02")
		if last == "" {
			last = day
		}
		first = day
		if days[day] == nil {
			days[day] = &store.Totals{}
			dayOrder = append(dayOrder, day)
		}
		days[day].Add(rec)
		rt := reporters[sr.OrgName]
		if rt == nil {
			rt = &store.ReporterTotals{OrgName: sr.OrgName}
			reporters[sr.OrgName] = rt
		}
		if !seenReport[sr.ReportID] {
			seenReport[sr.ReportID] = true
			rt.Reports++
		}
		rt.Messages += rec.Count
		if len(recs) < sourcePageRecords {
			recs = append(recs, sourceRecordView{Report: sr.ReportID, OrgName: sr.OrgName, Domain: sr.Domain, Begin: day,
				Count: rec.Count, Disposition: rec.PolicyEvaluated.Disposition, DKIM: rec.PolicyEvaluated.DKIM,
				SPF: rec.PolicyEvaluated.SPF, HeaderFrom: rec.Identifiers.HeaderFrom,
				EnvelopeFrom: rec.Identifiers.EnvelopeFrom, Auth: authSummary(rec)})
		}
	}, maxClassifiedDomains)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	if total.Messages == 0 && len(classes) == 0 {
		writeError(w, http.StatusNotFound, "not_found", "no records of "+ip+" match the filter")
		return
	}
	total.UniqueSources = 1
	st := store.SourceTotals{SourceIP: ip, Totals: total}
	st.FirstSeen, _ = parseDay(first)
	st.LastSeen, _ = parseDay(last)
	rep := make([]store.ReporterTotals, 0, len(reporters))
	for _, rt := range reporters {
		rep = append(rep, *rt)
	}
	sortReporters(rep)
	type point struct {
		Start string `json:"start"`
		statistics
	}
	timeline := make([]point, 0, len(dayOrder))
	for i := len(dayOrder) - 1; i >= 0; i-- {
		timeline = append(timeline, point{dayOrder[i], statsOf(*days[dayOrder[i]])})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"source":    sourceViewOf(st, info),
		"ip_data":   s.ipData(),
		"domains":   classes,
		"reporters": rep,
		"timeline":  timeline,
		"records":   recs,
		// partial: only the newest classifyRecords records were read.
		"partial": read == classifyRecords,
		// reputation: null without a Reputation (see reputationOf).
		"reputation": s.reputationOf(ctx, addr.Unmap()),
	})
}

// parseDay reads a YYYY-MM-DD day; the zero time for "".
func parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse("2006-01-02", s)
}

// sortReporters orders reporters the most messages first, then by name.
func sortReporters(rs []store.ReporterTotals) {
	slices.SortFunc(rs, func(a, b store.ReporterTotals) int {
		if c := cmp.Compare(b.Messages, a.Messages); c != 0 {
			return c
		}
		return cmp.Compare(a.OrgName, b.OrgName)
	})
}
