package remedy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// Advice is the policy advisor's answer for a domain over a period.
type Advice struct {
	Domain string `json:"domain"`
	Days   int    `json:"days"`
	// Since and Until are the period's first day and the day after its
	// last (YYYY-MM-DD, UTC).
	Since string `json:"since"`
	Until string `json:"until"`
	// Verdict is ready, ready_with_caution, not_yet or complete; Reasons
	// say why, the blocking ones first.
	Verdict string   `json:"verdict"`
	Reasons []string `json:"reasons"`
	// Blocking are the legitimate sources whose failures keep the verdict
	// from ready, the most failing first.
	Blocking []AdviceSource `json:"blocking"`
	Current  CurrentPolicy  `json:"current"`
	// Next is the step to take (to publish now unless the verdict is
	// not_yet); nil when the verdict is complete.
	Next   *NextPolicy `json:"next,omitempty"`
	Totals Totals      `json:"totals"`
	// LegitimateFailingShare is the percentage of the legitimate mail
	// failing DMARC, the share the thresholds apply to.
	LegitimateFailingShare float64 `json:"legitimate_failing_share"`
	// The mail of the classified sources by what they are: legitimate
	// (classified legitimate, or a known service not set up), forwarding,
	// spoofing (suspicious) and unclassified (unknown); Other is the mail
	// of the sources beyond the largest MaxAdviceSources.
	Legitimate   Group `json:"legitimate"`
	Forwarding   Group `json:"forwarding"`
	Spoofing     Group `json:"spoofing"`
	Unclassified Group `json:"unclassified"`
	Other        Group `json:"other"`
	// Subdomains are the failing messages of legitimate sources with a
	// From domain under the domain (not the domain itself), which a
	// stricter sp= would hit.
	SubdomainFailing int64       `json:"subdomain_failing"`
	Data             Sufficiency `json:"data"`
	Thresholds       Thresholds  `json:"thresholds"`
	DNS              DNSState    `json:"dns"`
}

// Totals are a period's message totals.
type Totals struct {
	Messages int64 `json:"messages"`
	Passing  int64 `json:"passing"`
	Failing  int64 `json:"failing"`
	// PassRate is the percentage passing DMARC, rounded to 2 decimals.
	PassRate float64 `json:"pass_rate"`
}

// Group is the mail of a kind of source.
type Group struct {
	// Messages counts all their mail; Failing the part failing DMARC;
	// ShareOfAll is Failing as a percentage of all mail.
	Messages   int64   `json:"messages"`
	Failing    int64   `json:"failing"`
	ShareOfAll float64 `json:"share_of_all"`
	// Overridden counts failing messages a receiver delivered anyway for
	// a stated reason (forwarded, trusted_forwarder, mailing_list,
	// local_policy: ARC or a local allow-list).
	Overridden int64 `json:"overridden,omitempty"`
	// SourceCount counts the sources; Sources lists the failing ones,
	// the most failing first.
	SourceCount int            `json:"source_count"`
	Sources     []AdviceSource `json:"sources"`
	Note        string         `json:"note,omitempty"`
}

// AdviceSource is a failing source of an advice.
type AdviceSource struct {
	SourceIP       string `json:"source_ip"`
	Messages       int64  `json:"messages"`
	Failing        int64  `json:"failing"`
	Classification string `json:"classification"`
	Confidence     string `json:"confidence"`
	Service        string `json:"service,omitempty"`
	Misconfigured  bool   `json:"misconfigured,omitempty"`
	// Fix says in short what the source needs; its fix (Guide.Fix) says
	// it in full.
	Fix string `json:"fix,omitempty"`
}

// CurrentPolicy is the policy published now, as the reports and DNS tell.
type CurrentPolicy struct {
	// Reports is the newest report's policy_published, of ReportDate.
	Reports    *PolicyState `json:"reports,omitempty"`
	ReportDate string       `json:"report_date,omitempty"`
	// DNS is the record in DNS now, Record its text at RecordName; nil
	// and empty when DNS was not asked or has none.
	DNS        *PolicyState `json:"dns,omitempty"`
	Record     string       `json:"record,omitempty"`
	RecordName string       `json:"record_name,omitempty"`
	// Inherited: the domain has no record of its own; the organizational
	// domain's applies (RFC 7489 section 6.6.3).
	Inherited bool `json:"inherited,omitempty"`
	// Effective is DNS's when known, else the reports'.
	Effective PolicyState `json:"effective"`
}

// NextPolicy is the policy to publish next.
type NextPolicy struct {
	PolicyState
	// Step says it in short: "p=none → p=quarantine pct=25".
	Step string `json:"step"`
	// Name and Record are the TXT record to publish: the current record
	// with p, pct, sp, np and t changed, its other tags (rua=, ruf=, fo=)
	// kept.
	Name   string   `json:"name"`
	Record string   `json:"record"`
	Notes  []string `json:"notes,omitempty"`
}

// Sufficiency says whether the period has enough data to judge.
type Sufficiency struct {
	Days         int   `json:"days"`
	MinDays      int   `json:"min_days"`
	Messages     int64 `json:"messages"`
	MinMessages  int64 `json:"min_messages"`
	Reporters    int   `json:"reporters"`
	MinReporters int   `json:"min_reporters"`
	Sufficient   bool  `json:"sufficient"`
}

// Thresholds are the thresholds an advice applied (percentages).
type Thresholds struct {
	// Target is the policy of the next step; MaxLegitimateFailing its
	// threshold.
	Target               string  `json:"target,omitempty"`
	MaxLegitimateFailing float64 `json:"max_legitimate_failing"`
	NoiseLegitimate      float64 `json:"noise_legitimate_failing"`
	MaxForwardingFailing float64 `json:"max_forwarding_failing"`
}

// judgedSource is a failing source read and classified.
type judgedSource struct {
	st    store.SourceTotals
	class analysis.HistoryClassification
	// overridden counts failing messages delivered for a stated reason;
	// subFailing failing messages of a subdomain of the domain.
	overridden, subFailing int64
	failures               []Failure
}

// overrideReasons are the policy override reasons (RFC 7489 Appendix C)
// by which a receiver delivers failing mail it trusts for another cause.
var overrideReasons = []string{"forwarded", "trusted_forwarder", "mailing_list", "local_policy"}

// Advise tells whether domain can tighten its DMARC policy, from the
// reports of the last days before today (DefaultDays when days <= 0) and
// of today. It returns ErrNoReports
// when the store has no mail of the domain in the period.
func (g *Guide) Advise(ctx context.Context, domain string, days int) (*Advice, error) {
	domain = normDomain(domain)
	if domain == "" {
		return nil, errors.New("advise: no domain")
	}
	if days <= 0 {
		days = DefaultDays
	}
	// The days before today and today, whose reports may not be in yet.
	today := g.now().Truncate(24 * time.Hour)
	since, until := today.AddDate(0, 0, -days), today.AddDate(0, 0, 1)
	f := store.AggregateFilter{Domain: domain, Since: since, Until: until}
	a := &Advice{Domain: domain, Days: days, Since: since.Format(time.DateOnly), Until: until.Format(time.DateOnly),
		Blocking: []AdviceSource{}, Reasons: []string{}}
	tot, err := g.Store.Summary(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("advise %s: %w", domain, err)
	}
	if tot.Messages == 0 {
		return nil, fmt.Errorf("%s since %s: %w", domain, a.Since, ErrNoReports)
	}
	a.Totals = Totals{Messages: tot.Messages, Passing: tot.DMARCPass, Failing: tot.Messages - tot.DMARCPass, PassRate: round2(share(tot.DMARCPass, tot.Messages))}
	if err := g.readData(ctx, a, f); err != nil {
		return nil, err
	}
	srcs, err := g.judgeSources(ctx, f, a)
	if err != nil {
		return nil, err
	}
	res, dnsErr := g.check(ctx, domain, nil)
	a.DNS = DNSState{Checked: dnsErr == nil}
	if dnsErr != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		a.DNS.Error = dnsErr.Error()
	}
	a.setCurrent(res)
	a.group(srcs)
	a.decide(res)
	return a, nil
}

// readData reads the newest report's policy, the reporters and the days
// with mail.
func (g *Guide) readData(ctx context.Context, a *Advice, f store.AggregateFilter) error {
	reps, err := g.Store.Reports(ctx, store.ReportFilter{Domain: a.Domain, Limit: 1})
	if err != nil {
		return fmt.Errorf("advise %s: reports: %w", a.Domain, err)
	}
	if len(reps) > 0 {
		pp := reps[0].Header.Policy
		st := stateOfPolicy(pp)
		a.Current.Reports, a.Current.ReportDate = &st, reps[0].Header.Metadata.DateRange.Begin.UTC().Format(time.DateOnly)
	}
	reporters, err := g.Store.Reporters(ctx, f)
	if err != nil {
		return fmt.Errorf("advise %s: reporters: %w", a.Domain, err)
	}
	points, err := g.Store.Timeline(ctx, f, false)
	if err != nil {
		return fmt.Errorf("advise %s: timeline: %w", a.Domain, err)
	}
	d := Sufficiency{Messages: a.Totals.Messages, Reporters: len(reporters),
		MinDays: MinAdviceDays, MinMessages: MinAdviceMessages, MinReporters: MinAdviceReporters}
	for _, p := range points {
		if p.Messages > 0 {
			d.Days++
		}
	}
	d.Sufficient = d.Days >= MinAdviceDays && d.Messages >= MinAdviceMessages
	a.Data = d
	return nil
}

// stateOfPolicy is the policy a report says was published.
func stateOfPolicy(pp aggregate.PolicyPublished) PolicyState {
	st := PolicyState{Policy: orNone(pp.Policy), SubdomainPolicy: pp.SubdomainPolicy, NonexistentPolicy: pp.NonexistentSubdomainPolicy,
		Percent: pp.Percentage, ADKIM: modeOf(pp.ADKIM), ASPF: modeOf(pp.ASPF), Testing: pp.Testing}
	if st.SubdomainPolicy == "" {
		st.SubdomainPolicy = st.Policy
	}
	if st.Percent <= 0 || st.Percent > 100 {
		st.Percent = 100
	}
	return st
}

// stateOfRecord is the policy of a DMARC record.
func stateOfRecord(r *dnscheck.DMARCRecord) PolicyState {
	st := PolicyState{Policy: orNone(r.Policy), SubdomainPolicy: r.SubdomainPolicy, Percent: r.Percent,
		ADKIM: modeOf(r.ADKIM), ASPF: modeOf(r.ASPF), Testing: r.Testing}
	if st.SubdomainPolicy == "" {
		st.SubdomainPolicy = st.Policy
	}
	if tagIndex(r.Tags, "np") >= 0 {
		st.NonexistentPolicy = r.NonexistentPolicy
	}
	return st
}

// judgeSources reads and classifies the failing sources among the
// largest MaxAdviceSources of f, and counts the rest as Other.
func (g *Guide) judgeSources(ctx context.Context, f store.AggregateFilter, a *Advice) ([]judgedSource, error) {
	top, err := g.Store.TopSources(ctx, f, MaxAdviceSources)
	if err != nil {
		return nil, fmt.Errorf("advise %s: sources: %w", a.Domain, err)
	}
	var seen store.Totals
	var failing []store.SourceTotals
	for _, s := range top {
		seen.Messages += s.Messages
		seen.DMARCPass += s.DMARCPass
		if s.Messages > s.DMARCPass {
			failing = append(failing, s)
		}
	}
	a.Other = Group{Messages: max(a.Totals.Messages-seen.Messages, 0), Failing: max(a.Totals.Failing-(seen.Messages-seen.DMARCPass), 0), Sources: []AdviceSource{}}
	if len(top) == MaxAdviceSources {
		a.Other.Note = fmt.Sprintf("The sources beyond the %d largest are not classified.", MaxAdviceSources)
	}
	// The most failing first: they get the SPF checks.
	slices.SortStableFunc(failing, func(x, y store.SourceTotals) int {
		return cmp.Compare(y.Messages-y.DMARCPass, x.Messages-x.DMARCPass)
	})
	policy := aggregate.PolicyPublished{Domain: a.Domain}
	if a.Current.Reports != nil {
		policy.ADKIM, policy.ASPF = a.Current.Reports.ADKIM, a.Current.Reports.ASPF
	}
	withSPF := g.classifier(g.spfAuthorizer())
	without := g.classifier(g.SPF)
	out := make([]judgedSource, len(failing))
	errs := make([]error, len(failing))
	sem := make(chan struct{}, adviceConcurrency)
	var wg sync.WaitGroup
	for i, s := range failing {
		c := withSPF
		if i >= MaxSPFChecks {
			c = without
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i], errs[i] = g.judgeSource(ctx, c, s, f, policy)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("advise %s: %w", a.Domain, err)
	}
	// Sources passing all their mail are counted by their class-less
	// totals as legitimate mail.
	for _, s := range top {
		if s.Messages == s.DMARCPass {
			a.Legitimate.Messages += s.Messages
			a.Legitimate.SourceCount++
		}
	}
	return out, nil
}

// judgeSource reads the records of a failing source in f and classifies
// it.
func (g *Guide) judgeSource(ctx context.Context, c *analysis.HistoryClassifier, s store.SourceTotals, f store.AggregateFilter, pp aggregate.PolicyPublished) (judgedSource, error) {
	j := judgedSource{st: s}
	h := analysis.NewSourceHistory(s.SourceIP, f.Domain)
	var tally failureTally
	n := 0
	err := g.Store.SourceRecords(ctx, s.SourceIP, f, MaxAdviceRecords, func(sr *store.SourceRecord) error {
		r := &sr.Record
		n++
		h.Add(sr.Begin, r)
		tally.add(r, pp)
		if r.Passed() {
			return nil
		}
		cnt := max(r.Count, 0)
		for _, rs := range r.PolicyEvaluated.Reasons {
			if slices.Contains(overrideReasons, rs.Type) {
				j.overridden += cnt
				break
			}
		}
		if from := normDomain(r.Identifiers.HeaderFrom); from != "" && from != f.Domain && strings.HasSuffix(from, "."+f.Domain) {
			j.subFailing += cnt
		}
		return nil
	})
	if err != nil {
		return j, fmt.Errorf("records of %s: %w", s.SourceIP, err)
	}
	h.Partial = n == MaxAdviceRecords
	j.class = c.Classify(ctx, h, g.ipInfo(ctx, s.SourceIP))
	j.failures = tally.list()
	return j, nil
}

// setCurrent fills the current policy from DNS (res, nil when not asked)
// and the reports.
func (a *Advice) setCurrent(res *dnscheck.Result) {
	c := &a.Current
	if res != nil && res.DMARC.Record != nil {
		st := stateOfRecord(res.DMARC.Record)
		c.DNS, c.RecordName, c.Inherited = &st, res.DMARC.Name, res.DMARC.Inherited
		if len(res.DMARC.Records) > 0 {
			c.Record = res.DMARC.Records[0]
		}
	}
	switch {
	case c.DNS != nil && !c.Inherited:
		c.Effective = *c.DNS
	case c.DNS != nil:
		// An inherited record applies its sp= to the domain.
		c.Effective = *c.DNS
		c.Effective.Policy = c.DNS.SubdomainPolicy
	case c.Reports != nil:
		c.Effective = *c.Reports
	default:
		c.Effective = PolicyState{Policy: "none", SubdomainPolicy: "none", Percent: 100, ADKIM: "r", ASPF: "r"}
	}
}

// group sorts the judged sources into the groups.
func (a *Advice) group(srcs []judgedSource) {
	for _, g := range []*Group{&a.Legitimate, &a.Forwarding, &a.Spoofing, &a.Unclassified} {
		g.Sources = []AdviceSource{}
	}
	for _, j := range srcs {
		failing := j.st.Messages - j.st.DMARCPass
		src := AdviceSource{SourceIP: j.st.SourceIP, Messages: j.st.Messages, Failing: failing,
			Classification: j.class.Classification, Confidence: j.class.Confidence, Misconfigured: j.class.Misconfigured}
		if j.class.Service != nil && j.class.Service.Confidence != analysis.ConfidenceLow {
			src.Service = j.class.Service.Name
		}
		var g *Group
		switch {
		case j.class.Classification == analysis.ClassLegitimate || j.class.Misconfigured:
			g = &a.Legitimate
			src.Fix = shortFix(j, a.Domain)
			a.SubdomainFailing += j.subFailing
		case j.class.Classification == analysis.ClassForwarding:
			g = &a.Forwarding
			g.Overridden += j.overridden
		case j.class.Classification == analysis.ClassSuspicious:
			g = &a.Spoofing
		default:
			g = &a.Unclassified
			src.Fix = shortFix(j, a.Domain)
		}
		g.Messages += j.st.Messages
		g.Failing += failing
		g.SourceCount++
		g.Sources = append(g.Sources, src)
	}
	for _, g := range []*Group{&a.Legitimate, &a.Forwarding, &a.Spoofing, &a.Unclassified, &a.Other} {
		g.ShareOfAll = round2(share(g.Failing, a.Totals.Messages))
		slices.SortStableFunc(g.Sources, func(x, y AdviceSource) int { return cmp.Compare(y.Failing, x.Failing) })
	}
	if a.Forwarding.Messages > 0 {
		a.Forwarding.Note = fmt.Sprintf("%s of the forwarded mail passed DMARC on DKIM signatures that survived forwarding; receivers delivered %s of the failing part for a stated reason (ARC or a local allow-list).",
			percent(share(a.Forwarding.Messages-a.Forwarding.Failing, a.Forwarding.Messages)), num(a.Forwarding.Overridden))
	}
	if a.Spoofing.Failing > 0 {
		a.Spoofing.Note = "Mail an enforced policy would have receivers quarantine or reject."
	}
}

// shortFix says in a sentence what a source needs: its classification's
// fix when it has one, else one from its main failure.
func shortFix(j judgedSource, domain string) string {
	if j.class.Fix != "" {
		return j.class.Fix
	}
	if len(j.failures) == 0 {
		return ""
	}
	m := j.failures[0]
	var parts []string
	switch m.DKIM.Result {
	case ResultNotAligned:
		parts = append(parts, "sign its mail with DKIM for "+domain+" (it signs as "+m.DKIM.Results[0].Domain+")")
	case ResultFail:
		sel := signedSelectors([]Failure{m}, domain)
		if len(sel) > 0 {
			parts = append(parts, "repair its DKIM signing: the signature of "+domain+" (s="+sel[0]+") fails; check the key at "+dkimName(sel[0], domain))
		} else {
			parts = append(parts, "sign its mail with DKIM for "+domain)
		}
	case ResultNone:
		parts = append(parts, "sign its mail with DKIM for "+domain)
	}
	switch m.SPF.Result {
	case ResultNotAligned:
		parts = append(parts, "send with an envelope sender under "+domain+" (it uses "+m.SPF.Results[0].Domain+")")
	case ResultFail:
		if len(m.SPF.Results) > 0 && Aligned(m.SPF.Results[0].Domain, domain, "r") {
			parts = append(parts, "authorize it in "+domain+"'s SPF record")
		} else {
			parts = append(parts, "send with an envelope sender under "+domain+", authorized by its SPF record")
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return capitalize(joinAnd(parts)) + "."
}
