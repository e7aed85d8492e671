package remedy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/senders"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// ErrInvalidIP: the source is not an IP address.
var ErrInvalidIP = errors.New("not an IP address")

// Fix is the "Fix this" answer for one source IP and policy domain.
type Fix struct {
	SourceIP string `json:"source_ip"`
	Domain   string `json:"domain"`
	Host     Host   `json:"host"`
	// Classification is the source page's classification of the source
	// for the domain, from the same records.
	Classification analysis.HistoryClassification `json:"classification"`
	// Service is the sending service identified (medium or high
	// confidence), with what setting it up takes; nil when none.
	Service *Service `json:"service,omitempty"`
	// Messages counts the source's messages read; Failing those failing
	// DMARC; OneMechanism those passing on DKIM or SPF alone.
	Messages     int64 `json:"messages"`
	Failing      int64 `json:"failing"`
	OneMechanism int64 `json:"passing_on_one_mechanism"`
	// Failures are the patterns of failure, DMARC failures first, then
	// the most messages (at most 5); the first is the main one.
	Failures      []Failure `json:"failures"`
	Category      string    `json:"category"`
	CategoryTitle string    `json:"category_title"`
	// Summary says the issue in a sentence; Explanation in a few.
	Summary     string   `json:"summary"`
	Explanation []string `json:"explanation"`
	// Steps are what to do, in order; Records every DNS record the steps
	// name.
	Steps   []Step      `json:"steps"`
	Records []DNSRecord `json:"records"`
	// SPFChange is the change of the SPF record proposed, if any.
	SPFChange *SPFChange `json:"spf_change,omitempty"`
	// Docs is the provider's setup documentation.
	Docs         string       `json:"docs,omitempty"`
	Verification Verification `json:"verification"`
	// Policy says, for potential spoofing, whether the domain can enforce
	// its policy yet (the policy advisor's verdict).
	Policy *PolicyOutlook `json:"policy,omitempty"`
	DNS    DNSState       `json:"dns"`
	// Partial: the source has more records than were read (the newest
	// FixRecords).
	Partial bool `json:"partial,omitempty"`
}

// Host is what is known of the source IP.
type Host struct {
	Hostname string `json:"hostname,omitempty"`
	ASN      uint32 `json:"asn,omitempty"`
	ASOrg    string `json:"as_org,omitempty"`
}

// Service is an identified sending service with its setup data.
type Service struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Kind       string            `json:"kind"`
	Confidence string            `json:"confidence"`
	SPFInclude string            `json:"spf_include,omitempty"`
	DKIM       senders.DKIMSetup `json:"dkim"`
	Docs       string            `json:"docs,omitempty"`
}

// Step is one thing to do.
type Step struct {
	Title  string `json:"title"`
	Detail string `json:"detail,omitempty"`
	// Records are the DNS records the step publishes or checks.
	Records []DNSRecord `json:"records,omitempty"`
}

// Verification says how to tell the fix worked.
type Verification struct {
	// Command is the DNS check to run after publishing.
	Command string   `json:"command,omitempty"`
	Steps   []string `json:"steps"`
}

// DNSState says whether the domain's records were read from DNS.
type DNSState struct {
	Checked bool   `json:"checked"`
	Error   string `json:"error,omitempty"`
}

// PolicyOutlook is the policy advisor's verdict, in short.
type PolicyOutlook struct {
	Verdict string   `json:"verdict"`
	Current string   `json:"current"`
	Next    string   `json:"next,omitempty"`
	Reasons []string `json:"reasons"`
}

// sourceRead is what a fix reads of a source's records.
type sourceRead struct {
	history  *analysis.SourceHistory
	tally    failureTally
	messages int64
	records  int
}

// Fix explains why the mail of source ip fails for domain and how to fix
// it. An empty domain means the domain with most of the source's mail.
// It returns ErrInvalidIP for a bad ip and ErrNoRecords when the store
// has no records of the source (for the domain).
func (g *Guide) Fix(ctx context.Context, ip, domain string) (*Fix, error) {
	addr, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil {
		return nil, fmt.Errorf("%w: %q", ErrInvalidIP, ip)
	}
	ip = addr.Unmap().String()
	domain = normDomain(domain)
	if domain == "" {
		if domain, err = g.mainDomain(ctx, ip); err != nil {
			return nil, err
		}
	}
	rd, err := g.readSource(ctx, ip, domain)
	if err != nil {
		return nil, err
	}
	info := g.ipInfo(ctx, ip)
	f := &Fix{SourceIP: ip, Domain: domain, Host: Host{Hostname: info.PTR, ASN: info.ASN, ASOrg: info.ASOrg},
		Classification: g.classifier(g.spfAuthorizer()).Classify(ctx, rd.history, info),
		Messages:       rd.messages, Failing: rd.tally.failing, OneMechanism: rd.tally.fragile,
		Failures: rd.tally.list(), Partial: rd.records == FixRecords, Records: []DNSRecord{}, Steps: []Step{}}
	svc := g.service(f.Classification)
	if svc != nil {
		f.Service = &Service{ID: svc.ID, Name: svc.Name, Kind: svc.Kind, Confidence: f.Classification.Service.Confidence,
			SPFInclude: svc.SPFInclude, DKIM: svc.DKIM, Docs: svc.Docs}
	}
	var res *dnscheck.Result
	if len(f.Failures) > 0 && f.Classification.Classification != analysis.ClassForwarding {
		var selectors []string
		if svc != nil && svc.DKIM.Custom {
			selectors = append(selectors, svc.DKIM.Selectors...)
		}
		for _, s := range signedSelectors(f.Failures, domain) {
			if !slices.Contains(selectors, s) {
				selectors = append(selectors, s)
			}
		}
		res, err = g.check(ctx, domain, selectors)
		f.DNS = DNSState{Checked: err == nil}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			f.DNS.Error = err.Error()
		}
	}
	issues := dnsIssues(domain, f.Failures, res)
	f.Category = categorize(situation{class: f.Classification, service: svc, failing: len(f.Failures) > 0,
		authenticated: len(f.Failures) > 0 && (f.Failures[0].DKIM.Result == ResultNotAligned || f.Failures[0].SPF.Result == ResultNotAligned),
		dnsIssues:     len(issues)})
	f.CategoryTitle = CategoryTitles[f.Category]
	p := &planner{g: g, f: f, svc: svc, res: res, issues: issues}
	if err := p.plan(ctx); err != nil {
		return nil, err
	}
	return f, nil
}

// service returns the catalogue entry of the service the classification
// identified with medium or high confidence.
func (g *Guide) service(c analysis.HistoryClassification) *senders.Service {
	if c.Service == nil || c.Service.Confidence == senders.ConfidenceLow || g.Senders == nil {
		return nil
	}
	s, ok := g.Senders.Service(c.Service.ID)
	if !ok {
		return nil
	}
	return &s
}

// mainDomain returns the policy domain with most of the newest records
// of ip.
func (g *Guide) mainDomain(ctx context.Context, ip string) (string, error) {
	count := map[string]int64{}
	err := g.Store.SourceRecords(ctx, ip, store.AggregateFilter{}, FixRecords, func(sr *store.SourceRecord) error {
		count[sr.Domain] += max(sr.Record.Count, 0)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("read the records of %s: %w", ip, err)
	}
	if len(count) == 0 {
		return "", fmt.Errorf("%s: %w", ip, ErrNoRecords)
	}
	domains := make([]string, 0, len(count))
	for d := range count {
		domains = append(domains, d)
	}
	slices.SortFunc(domains, func(a, b string) int {
		if c := cmp.Compare(count[b], count[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return domains[0], nil
}

// buffered is a record read, kept until the policies of its report are
// read (the store's reads may hold their connection while they call back).
type buffered struct {
	report int64
	begin  time.Time
	rec    aggregate.Record
}

// readSource reads the newest FixRecords records of ip for domain, with
// the alignment modes their reports published.
func (g *Guide) readSource(ctx context.Context, ip, domain string) (*sourceRead, error) {
	var recs []buffered
	err := g.Store.SourceRecords(ctx, ip, store.AggregateFilter{Domain: domain}, FixRecords, func(sr *store.SourceRecord) error {
		recs = append(recs, buffered{sr.ReportID, sr.Begin, sr.Record})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the records of %s: %w", ip, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s for %s: %w", ip, domain, ErrNoRecords)
	}
	policies, err := g.policies(ctx, recs)
	if err != nil {
		return nil, err
	}
	rd := &sourceRead{history: analysis.NewSourceHistory(ip, domain), records: len(recs)}
	for i := range recs {
		b := &recs[i]
		rd.history.Add(b.begin, &b.rec)
		rd.messages += max(b.rec.Count, 0)
		rd.tally.add(&b.rec, policies[i])
	}
	rd.history.Partial = len(recs) == FixRecords
	return rd, nil
}

// policies returns the published policy of each record's report, reading
// at most maxPolicyReads reports (the newest first); older records take
// the last one read.
func (g *Guide) policies(ctx context.Context, recs []buffered) ([]aggregate.PolicyPublished, error) {
	out := make([]aggregate.PolicyPublished, len(recs))
	read := map[int64]aggregate.PolicyPublished{}
	var last aggregate.PolicyPublished
	for i, b := range recs {
		pp, ok := read[b.report]
		if !ok && len(read) < maxPolicyReads {
			rep, err := g.Store.Report(ctx, b.report)
			if err != nil {
				return nil, fmt.Errorf("read report %d: %w", b.report, err)
			}
			pp, ok = rep.Header.Policy, true
			read[b.report] = pp
		}
		if ok {
			last = pp
		}
		out[i] = last
	}
	return out, nil
}
