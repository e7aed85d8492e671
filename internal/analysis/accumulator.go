package analysis

import "github.com/parse-dmarc/parse-dmarc/internal/aggregate"

// Verdicts of policy_evaluated and results of auth_results (RFC 7489
// Appendix C), as the decoder normalizes them.
const (
	resultPass = "pass"
	resultFail = "fail"
)

// Accumulator gathers the analysis of a report as its records stream by.
// Its memory is bounded by the number of distinct source IPs: per source it
// keeps fixed-size counters and at most maxFacts evidence facts of each
// kind. The zero value is ready to use, as an accumulator without a
// published policy.
//
// An Accumulator is not safe for concurrent use.
type Accumulator struct {
	policy   aggregate.PolicyPublished
	reporter string
	// firstFrom is the first header_from seen, the domain named in advice
	// when no policy was published.
	firstFrom string
	counts    counts
	// overrides are the records whose policy_evaluated carries a reason.
	overrides tally
	// subdomain are the records whose header_from is a proper subdomain of
	// the policy domain: the mail the sp tag governs.
	subdomain     tally
	subdomainPass int64
	sources       map[string]*source
}

// NewAccumulator returns an accumulator for a report with header h. The
// published policy of h is what the recommendations judge; h may be nil,
// and then the policy record is not judged (no p, pct, t or sp advice).
func NewAccumulator(h *aggregate.Header) *Accumulator {
	a := &Accumulator{sources: map[string]*source{}}
	if h != nil {
		a.policy = h.Policy
		a.reporter = h.Metadata.Reporter.OrgName
	}
	return a
}

// Add counts one record. A nil record is ignored, a negative count is taken
// as 0. Add keeps no reference to r or its slices.
func (a *Accumulator) Add(r *aggregate.Record) {
	if r == nil {
		return
	}
	n := max(r.Count, 0)
	a.counts.add(r, n)
	if len(r.PolicyEvaluated.Reasons) > 0 {
		a.overrides.add(n)
	}
	from := r.Identifiers.HeaderFrom
	if a.firstFrom == "" {
		a.firstFrom = from
	}
	if d := a.policy.Domain; d != "" && len(from) > len(d) && related(from, d) {
		a.subdomain.add(n)
		if r.Passed() {
			a.subdomainPass += n
		}
	}
	if a.sources == nil {
		a.sources = map[string]*source{}
	}
	s := a.sources[r.SourceIP]
	if s == nil {
		s = &source{ip: r.SourceIP}
		a.sources[r.SourceIP] = s
	}
	s.add(r, n)
}

// domain is the domain the report is about, as named in advice.
func (a *Accumulator) domain() string {
	switch {
	case a.policy.Domain != "":
		return a.policy.Domain
	case a.firstFrom != "":
		return a.firstFrom
	}
	return "the domain"
}
