package digest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
	"github.com/parse-dmarc/parse-dmarc/internal/anomaly"
	"github.com/parse-dmarc/parse-dmarc/internal/remedy"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/textfmt"
	"github.com/parse-dmarc/parse-dmarc/internal/trend"
)

// Builder reads digests from a store. Store is required, the rest
// optional. Its fields are set before first use and not changed after;
// it is safe for concurrent use.
type Builder struct {
	Store store.Store
	// Guide finds the issues to act on (its policy advisor); nil: the
	// digest has no issues. Its Now is replaced per digest.
	Guide *remedy.Guide
	// Countries enables the anomaly detector's geographic rule.
	Countries func(ctx context.Context) anomaly.Countries
	// URL is the dashboard's address, for links; empty: none.
	URL string
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	Log *slog.Logger
}

// Request selects a digest.
type Request struct {
	Kind Kind
	// At: the digest is of the last complete period before At; zero is
	// now.
	At time.Time
	// Domains are the domains reported on, compared exactly; none is
	// every domain with reports.
	Domains []string
	// Sections are included; none is all.
	Sections []string
}

func (b *Builder) now() time.Time {
	if b.Now != nil {
		return b.Now().UTC()
	}
	return time.Now().UTC()
}

func (b *Builder) log() *slog.Logger {
	if b.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return b.Log
}

// An issue is a legitimate source failing at least minIssueFailing
// messages and minIssueShare percent of its mail.
const (
	minIssueFailing = 5
	minIssueShare   = 2
)

// lateDays is how long after a day its reports may still arrive: real
// reporters send one to two days late.
const lateDays = 2

// Build reads the digest of req.
func (b *Builder) Build(ctx context.Context, req Request) (*Digest, error) {
	if _, err := ParseKind(string(req.Kind)); err != nil {
		return nil, err
	}
	sections, err := ParseSections(req.Sections)
	if err != nil {
		return nil, err
	}
	made := b.now()
	at := req.At
	if at.IsZero() {
		at = made
	}
	cur, prev := PeriodOf(req.Kind, at)
	d := &Digest{Kind: req.Kind, Title: req.Kind.Title(), Period: cur, Previous: prev, Made: made,
		Sections: sections, AllDomains: len(req.Domains) == 0, URL: b.URL,
		Domains: []string{}, DomainRows: []DomainRow{}, Events: []Event{}, Issues: []Issue{},
		TopSources: []Source{}, NewSources: []Source{}, DNS: []DomainDNS{}, Notes: []string{}}
	domains, err := b.domains(ctx, d, req.Domains)
	if err != nil {
		return nil, err
	}
	if err := b.readDomains(ctx, d, domains); err != nil {
		return nil, err
	}
	if err := b.readChart(ctx, d, domains); err != nil {
		return nil, err
	}
	if err := b.readDetails(ctx, d); err != nil {
		return nil, err
	}
	if d.has(SectionSources) {
		if err := b.readSources(ctx, d); err != nil {
			return nil, err
		}
	}
	if d.has(SectionDNS) || d.has(SectionSummary) {
		if err := b.readDNS(ctx, d); err != nil {
			return nil, err
		}
	}
	d.finish(made)
	return d, nil
}

// has reports whether the digest includes section.
func (d *Digest) has(section string) bool { return slices.Contains(d.Sections, section) }

// domains lists the domains of the digest by name: those asked for, or
// every domain with reports.
func (b *Builder) domains(ctx context.Context, d *Digest, asked []string) ([]string, error) {
	all, err := b.Store.Domains(ctx)
	if err != nil {
		return nil, fmt.Errorf("digest: domains: %w", err)
	}
	var out []string
	for _, dt := range all {
		if len(asked) == 0 || slices.Contains(asked, dt.Domain) {
			out = append(out, dt.Domain)
		}
	}
	for _, a := range asked {
		if !slices.Contains(out, a) {
			d.Notes = append(d.Notes, "No reports of "+a+" are stored.")
		}
	}
	slices.Sort(out)
	d.Domains = append(d.Domains, slices.Compact(out)...)
	return d.Domains, nil
}

// readDomains reads the totals and score of each domain and sums the
// headline.
func (b *Builder) readDomains(ctx context.Context, d *Digest, domains []string) error {
	var cur, prev store.Totals
	for _, name := range domains {
		f := store.AggregateFilter{Domain: name, Since: d.Period.Start, Until: d.Period.End}
		t, err := b.Store.Summary(ctx, f)
		if err != nil {
			return fmt.Errorf("digest: totals of %s: %w", name, err)
		}
		f.Since, f.Until = d.Previous.Start, d.Previous.End
		p, err := b.Store.Summary(ctx, f)
		if err != nil {
			return fmt.Errorf("digest: totals of %s: %w", name, err)
		}
		addTotals(&cur, t)
		addTotals(&prev, p)
		if t.Messages == 0 && p.Messages == 0 {
			continue
		}
		row, err := b.domainRow(ctx, name, t, p)
		if err != nil {
			return err
		}
		d.DomainRows = append(d.DomainRows, row)
	}
	slices.SortStableFunc(d.DomainRows, func(x, y DomainRow) int {
		return cmp.Or(cmp.Compare(y.Messages, x.Messages), cmp.Compare(x.Domain, y.Domain))
	})
	h := &d.Headline
	h.Messages, h.Passing, h.Failing = cur.Messages, cur.DMARCPass, cur.Messages-cur.DMARCPass
	h.PassRate, h.PrevMessages, h.PrevPassRate = rate(cur), prev.Messages, rate(prev)
	h.Sources, h.Rejected, h.Quarantined = cur.UniqueSources, cur.DispositionReject, cur.DispositionQuarantine
	h.Direction = trend.ComparePassRates(cur, prev).Direction
	if cur.Messages > 0 && prev.Messages > 0 {
		h.PassRateChange = round1(h.PassRate - h.PrevPassRate)
	}
	if prev.Messages > 0 {
		v := round1(float64(cur.Messages-prev.Messages) * 100 / float64(prev.Messages))
		h.VolumeChange = &v
	}
	for _, r := range d.DomainRows {
		if r.Messages > 0 {
			h.Domains++
		}
	}
	return nil
}

// domainRow is the row of a domain with totals t and, in the previous
// period, p.
func (b *Builder) domainRow(ctx context.Context, name string, t, p store.Totals) (DomainRow, error) {
	row := DomainRow{Domain: name, Messages: t.Messages, Failing: t.Messages - t.DMARCPass,
		PassRate: rate(t), PrevPassRate: rate(p), Direction: trend.ComparePassRates(t, p).Direction}
	if t.Messages > 0 && p.Messages > 0 {
		row.Change = round1(row.PassRate - row.PrevPassRate)
	}
	reps, err := b.Store.Reports(ctx, store.ReportFilter{Domain: name, Limit: 1})
	if err != nil {
		return row, fmt.Errorf("digest: policy of %s: %w", name, err)
	}
	pol := analysis.ScorePolicy{Pct: 100}
	if len(reps) > 0 {
		pp := reps[0].Header.Policy
		pol = analysis.ScorePolicy{Policy: pp.Policy, Pct: pp.Percentage, Testing: pp.Testing == "y"}
		row.Policy = pp.Policy
	}
	if s, ok := analysis.ComputeScore(analysis.ScoreInput{Counts: counts(t), Policy: pol}); ok {
		row.Score, row.Grade = s.Score, s.Grade
		row.ScoreChange = analysis.CompareScores(analysis.ScoreInput{Counts: counts(t), Policy: pol},
			analysis.ScoreInput{Counts: counts(p), Policy: pol}).Delta
	}
	return row, nil
}

func counts(t store.Totals) analysis.MessageCounts {
	return analysis.MessageCounts{Messages: t.Messages, DMARCPass: t.DMARCPass, SPFPass: t.SPFPass, DKIMPass: t.DKIMPass}
}

// readChart reads the compliance trend of the domains: all of them in one
// query when the digest is of every domain.
func (b *Builder) readChart(ctx context.Context, d *Digest, domains []string) error {
	start, weekly := chartWindow(d.Kind, d.Period)
	d.Chart.Bucket = map[bool]string{false: "day", true: "week"}[weekly]
	filters := []string{""}
	if !d.AllDomains {
		filters = domains
	}
	byStart := map[int64]*ChartPoint{}
	for _, name := range filters {
		pts, err := b.Store.Timeline(ctx, store.AggregateFilter{Domain: name, Since: start, Until: d.Period.End}, weekly)
		if err != nil {
			return fmt.Errorf("digest: timeline: %w", err)
		}
		for _, p := range pts {
			cp := byStart[p.Start.Unix()]
			if cp == nil {
				cp = &ChartPoint{}
				byStart[p.Start.Unix()] = cp
			}
			cp.Passing += p.DMARCPass
			cp.Failing += p.Messages - p.DMARCPass
		}
	}
	step := 1
	if weekly {
		step = 7
	}
	for t := start; t.Before(d.Period.End); t = t.AddDate(0, 0, step) {
		p := ChartPoint{Start: t}
		if cp := byStart[t.Unix()]; cp != nil {
			p.Passing, p.Failing = cp.Passing, cp.Failing
		}
		if n := p.Passing + p.Failing; n > 0 {
			p.PassRate = round1(float64(p.Passing) * 100 / float64(n))
		}
		// A week is in a month's period when it ends in it.
		last := t.AddDate(0, 0, step-1)
		p.InPeriod = !last.Before(d.Period.Start) && last.Before(d.Period.End)
		d.Chart.Points = append(d.Chart.Points, p)
	}
	return nil
}

// readDetails reads the trend, anomalies and issues of the MaxDetailed
// domains with the most mail.
func (b *Builder) readDetails(ctx context.Context, d *Digest) error {
	wantEvents := d.has(SectionSummary) || d.has(SectionDomains)
	for i := range d.DomainRows {
		row := &d.DomainRows[i]
		if i >= MaxDetailed || row.Messages == 0 {
			continue
		}
		row.Detailed = true
		if wantEvents || d.has(SectionSources) {
			if err := b.readTrend(ctx, d, row); err != nil {
				return err
			}
		}
		if b.Guide != nil && (d.has(SectionIssues) || d.has(SectionDomains) || d.has(SectionSummary)) {
			if err := b.readIssues(ctx, d, row); err != nil {
				return err
			}
		}
	}
	if n := len(d.DomainRows); n > MaxDetailed {
		d.Notes = append(d.Notes, fmt.Sprintf("Trends, events and issues are shown for the %d domains with the most mail; %d more are in the totals and the domain table.",
			MaxDetailed, n-MaxDetailed))
	}
	return nil
}

// readTrend reads the trend of a domain's period: its anomalies that
// alerted and its new sources become events.
func (b *Builder) readTrend(ctx context.Context, d *Digest, row *DomainRow) error {
	q := trend.Query{Domain: row.Domain, Since: d.Period.Start, Until: d.Period.End, Now: d.Made}
	if b.Countries != nil {
		q.Countries = b.Countries(ctx)
	}
	rep, err := trend.Compute(ctx, b.Store, q)
	if errors.Is(err, trend.ErrNoMail) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	for _, a := range rep.Trends.Anomalies {
		if !a.Alert || a.Expected {
			continue
		}
		row.Alerts++
		d.Headline.Alerts++
		d.Events = append(d.Events, Event{Day: a.Day.Time, Domain: row.Domain, Kind: EventAnomaly,
			Severity: a.Severity, Text: a.Description, Messages: a.AffectedRecords})
	}
	var spoofers, spoofed int64
	var firstSpoof time.Time
	for _, s := range rep.Trends.NewSources {
		d.NewSources = append(d.NewSources, Source{Domain: row.Domain, IP: s.IP, Messages: s.Volume, PassRate: s.PassRate, Class: s.Classification})
		if s.Classification == trend.Suspicious {
			spoofers++
			spoofed += s.Volume
			if firstSpoof.IsZero() || s.FirstSeen.Before(firstSpoof) {
				firstSpoof = s.FirstSeen
			}
			continue
		}
		// A new source is an event of its own when it sent a share of
		// the domain's mail worth a look.
		if s.Volume*100 >= row.Messages {
			d.Events = append(d.Events, Event{Day: s.FirstSeen, Domain: row.Domain, Kind: EventNewSource, Severity: "low",
				Text: fmt.Sprintf("New source %s sent %s, %s passing DMARC (%s).", s.IP,
					textfmt.Count(s.Volume, "message", "messages"), pct(s.PassRate), classWords(s.Classification)),
				Messages: s.Volume})
		}
	}
	// New sources failing DKIM and SPF are told together: spoofing comes
	// from ever new addresses.
	if spoofers > 0 {
		d.Events = append(d.Events, Event{Day: firstSpoof, Domain: row.Domain, Kind: EventNewSource, Severity: "medium",
			Text: fmt.Sprintf("%s failing both DKIM and SPF sent %s as %s: likely spoofing, which an enforced policy stops.",
				textfmt.Count(spoofers, "new source", "new sources"), textfmt.Count(spoofed, "message", "messages"), row.Domain),
			Messages: spoofed})
	}
	return nil
}

// classWords says a trend classification in words.
func classWords(c string) string {
	switch c {
	case trend.Legitimate:
		return "looks legitimate"
	case trend.Suspicious:
		return "suspicious: fails DKIM and SPF"
	}
	return "unclear"
}

// readIssues asks the policy advisor about a domain's period: its failing
// legitimate sources are issues, and its next policy step, when it can be
// taken now, goes into the domain's row.
func (b *Builder) readIssues(ctx context.Context, d *Digest, row *DomainRow) error {
	g := *b.Guide
	end := d.Period.End.Add(-time.Second)
	g.Now = func() time.Time { return end }
	a, err := g.Advise(ctx, row.Domain, max(d.Period.Days()-1, 1))
	if errors.Is(err, remedy.ErrNoReports) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	if a.Next != nil && (a.Verdict == remedy.VerdictReady || a.Verdict == remedy.VerdictCaution) {
		row.NextStep = a.Next.Step
	}
	for _, s := range a.Legitimate.Sources {
		// A few failures of a sender passing otherwise are noise: a
		// forwarded copy, a retry.
		if s.Failing < minIssueFailing || s.Failing*100 < s.Messages*minIssueShare {
			continue
		}
		fix := s.Fix
		if fix == "" {
			fix = "Find out what sends from " + s.SourceIP + " and set up DKIM signing for " + row.Domain + "."
		}
		d.Issues = append(d.Issues, Issue{Domain: row.Domain, SourceIP: s.SourceIP, Service: s.Service,
			Messages: s.Messages, Failing: s.Failing, Fix: fix})
	}
	return nil
}

// readSources reads the top sources of the period: of each domain, merged.
func (b *Builder) readSources(ctx context.Context, d *Digest) error {
	for _, row := range d.DomainRows {
		if row.Messages == 0 {
			continue
		}
		top, err := b.Store.TopSources(ctx, store.AggregateFilter{Domain: row.Domain, Since: d.Period.Start, Until: d.Period.End}, MaxSources)
		if err != nil {
			return fmt.Errorf("digest: sources of %s: %w", row.Domain, err)
		}
		for _, s := range top {
			d.TopSources = append(d.TopSources, Source{Domain: row.Domain, IP: s.SourceIP, Messages: s.Messages, PassRate: rate(s.Totals)})
		}
	}
	return nil
}

// finish sorts and cuts the lists and adds the notes.
func (d *Digest) finish(made time.Time) {
	bySize := func(x, y Source) int {
		return cmp.Or(cmp.Compare(y.Messages, x.Messages), cmp.Compare(x.Domain, y.Domain), cmp.Compare(x.IP, y.IP))
	}
	slices.SortStableFunc(d.TopSources, bySize)
	slices.SortStableFunc(d.NewSources, bySize)
	d.TopSources = d.TopSources[:min(len(d.TopSources), MaxSources)]
	if len(d.NewSources) > MaxSources {
		d.Notes = append(d.Notes, fmt.Sprintf("%d new sources in all; the %d largest are listed.", len(d.NewSources), MaxSources))
		d.NewSources = d.NewSources[:MaxSources]
	}
	slices.SortStableFunc(d.Issues, func(x, y Issue) int {
		return cmp.Or(cmp.Compare(y.Failing, x.Failing), cmp.Compare(x.Domain, y.Domain), cmp.Compare(x.SourceIP, y.SourceIP))
	})
	d.Headline.Issues = len(d.Issues)
	d.Issues = d.Issues[:min(len(d.Issues), MaxIssues)]
	sev := map[string]int{"high": 0, "medium": 1, "low": 2}
	slices.SortStableFunc(d.Events, func(x, y Event) int {
		return cmp.Or(cmp.Compare(sev[x.Severity], sev[y.Severity]), cmp.Compare(y.Messages, x.Messages),
			x.Day.Compare(y.Day), cmp.Compare(x.Domain, y.Domain))
	})
	d.Events = d.Events[:min(len(d.Events), MaxEvents)]
	if made.Sub(d.Period.End) < lateDays*24*time.Hour {
		d.Notes = append(d.Notes, "Reports arrive one to two days after the day they cover: the last days' figures may still grow.")
	}
}

// addTotals adds the counters a digest uses.
func addTotals(a *store.Totals, b store.Totals) {
	a.Messages += b.Messages
	a.DMARCPass += b.DMARCPass
	a.SPFPass += b.SPFPass
	a.DKIMPass += b.DKIMPass
	a.DispositionReject += b.DispositionReject
	a.DispositionQuarantine += b.DispositionQuarantine
	a.UniqueSources += b.UniqueSources
}

// rate is the DMARC pass rate of t in percent, to one decimal; 0 without
// mail.
func rate(t store.Totals) float64 {
	if t.Messages == 0 {
		return 0
	}
	return round1(float64(t.DMARCPass) * 100 / float64(t.Messages))
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// pct writes a percentage to one decimal: "97.3%", "100%".
func pct(p float64) string {
	s := strconv.FormatFloat(round1(p), 'f', 1, 64)
	return strings.TrimSuffix(s, ".0") + "%"
}
