package remedy

import (
	"cmp"
	"slices"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
)

// Results of one mechanism (DKIM or SPF) for DMARC.
const (
	// ResultAligned: it passed for a domain aligned with the From domain.
	ResultAligned = "pass"
	// ResultNotAligned: it passed, but only for domains not aligned with
	// the From domain (a service's own domain).
	ResultNotAligned = "not_aligned"
	// ResultFail: it was evaluated and did not pass (a signature that did
	// not verify; SPF fail, softfail, neutral, none or an error).
	ResultFail = "fail"
	// ResultNone: the report shows no result at all (no DKIM signature, no
	// SPF result for MAIL FROM).
	ResultNone = "none"
)

// Failure types. DMARC passes when DKIM or SPF passes aligned (RFC 7489
// section 4.2), so mail failing DMARC always has both not aligned: its
// type is TypeBoth, and its DKIM and SPF results say how each failed.
// The other types are mail that passed on one mechanism while the other
// failed: it passes now, but depends on one mechanism alone (forwarding
// breaks SPF, a changed message breaks DKIM).
const (
	TypeBoth           = "both"
	TypeSPFNotAligned  = "spf_not_aligned"
	TypeSPFFail        = "spf_fail"
	TypeDKIMNotAligned = "dkim_not_aligned"
	TypeDKIMFail       = "dkim_fail"
)

// maxAuthResults bounds the distinct authentication results a Mechanism
// keeps: the first ones seen.
const maxAuthResults = 3

// maxFailures bounds the failure patterns a fix lists, the most messages
// first.
const maxFailures = 5

// AuthResult is one raw result of auth_results.
type AuthResult struct {
	Domain string `json:"domain"`
	// Selector is the DKIM selector (s=), empty for SPF.
	Selector string `json:"selector,omitempty"`
	// Result is the raw result: pass, fail, softfail, permerror, ...
	Result string `json:"result"`
}

// Mechanism is how DKIM or SPF did for DMARC on a pattern's records.
type Mechanism struct {
	// Result is pass (aligned), not_aligned, fail or none.
	Result string `json:"result"`
	// Results are the raw results behind it (at most 3 distinct).
	Results []AuthResult `json:"results,omitempty"`
	// RelaxedWouldAlign: the domain is not aligned only because the
	// published alignment mode is strict (adkim=s or aspf=s); relaxed
	// alignment would have passed it.
	RelaxedWouldAlign bool `json:"relaxed_would_align,omitempty"`
}

// Failure is one pattern of failure of a source's mail: its type, how
// DKIM and SPF did, and how many messages showed it.
type Failure struct {
	Type string `json:"type"`
	// Title says it in a few words: "DKIM and SPF not aligned".
	Title string    `json:"title"`
	DKIM  Mechanism `json:"dkim"`
	SPF   Mechanism `json:"spf"`
	// HeaderFrom is the From domain of the records.
	HeaderFrom string `json:"header_from"`
	// ADKIM and ASPF are the alignment modes published when the records
	// were reported: "r" (relaxed) or "s" (strict).
	ADKIM    string `json:"adkim"`
	ASPF     string `json:"aspf"`
	Messages int64  `json:"messages"`
	Records  int    `json:"records"`
}

// Aligned reports whether the authenticated domain aligns with the From
// domain under mode (RFC 7489 section 3.1): the same domain, or in relaxed
// mode ("r" or empty) the same organizational domain. Domains compare
// case-insensitively, a trailing dot ignored.
func Aligned(authDomain, fromDomain, mode string) bool {
	a, f := normDomain(authDomain), normDomain(fromDomain)
	if a == "" || f == "" {
		return false
	}
	if a == f {
		return true
	}
	return mode != "s" && dnscheck.OrgDomain(a) == dnscheck.OrgDomain(f)
}

func normDomain(d string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
}

// judgeRecord returns the failure of one record under the published
// alignment modes, and false when the record passed DMARC with both
// mechanisms aligned or has no verdict. The receiver's verdicts
// (policy_evaluated) say what passed aligned; the raw results say why
// the rest did not.
func judgeRecord(r *aggregate.Record, pp aggregate.PolicyPublished) (Failure, bool) {
	pe := &r.PolicyEvaluated
	from := r.Identifiers.HeaderFrom
	if from == "" {
		from = pp.Domain
	}
	f := Failure{HeaderFrom: normDomain(from), ADKIM: modeOf(pp.ADKIM), ASPF: modeOf(pp.ASPF)}
	f.DKIM = dkimMechanism(r, f.HeaderFrom, f.ADKIM)
	f.SPF = spfMechanism(r, f.HeaderFrom, f.ASPF)
	dkimOK, spfOK := pe.DKIM == ResultAligned, pe.SPF == ResultAligned
	switch {
	case dkimOK && spfOK:
		return Failure{}, false
	case !dkimOK && !spfOK && pe.DKIM != "fail" && pe.SPF != "fail":
		return Failure{}, false // no verdict to judge
	case !dkimOK && !spfOK:
		f.Type = TypeBoth
	case dkimOK: // SPF did not align
		f.DKIM.Result = ResultAligned
		f.Type = choose(f.SPF.Result == ResultNotAligned, TypeSPFNotAligned, TypeSPFFail)
	default:
		f.SPF.Result = ResultAligned
		f.Type = choose(f.DKIM.Result == ResultNotAligned, TypeDKIMNotAligned, TypeDKIMFail)
	}
	f.Title = failureTitle(f)
	return f, true
}

// modeOf is an alignment mode, relaxed when absent (RFC 7489 section 6.3).
func modeOf(m string) string {
	if strings.EqualFold(m, "s") {
		return "s"
	}
	return "r"
}

// dkimMechanism judges the DKIM results of r for a receiver that did not
// find an aligned pass: not_aligned when some signature verified, fail
// when signatures were there but none verified, none without any.
func dkimMechanism(r *aggregate.Record, from, mode string) Mechanism {
	m := Mechanism{Result: ResultNone}
	for _, d := range r.AuthResults.DKIM {
		if d.Result == "" || d.Result == "none" {
			continue
		}
		m.add(AuthResult{Domain: normDomain(d.Domain), Selector: strings.ToLower(d.Selector), Result: d.Result})
		switch {
		case d.Result == "pass":
			m.Result = ResultNotAligned
			if mode == "s" && !Aligned(d.Domain, from, "s") && Aligned(d.Domain, from, "r") {
				m.RelaxedWouldAlign = true
			}
		case m.Result == ResultNone:
			m.Result = ResultFail
		}
	}
	return m
}

// spfMechanism judges the SPF results of r for MAIL FROM (RFC 7489
// section 3.1.2: DMARC does not use the HELO identity).
func spfMechanism(r *aggregate.Record, from, mode string) Mechanism {
	m := Mechanism{Result: ResultNone}
	for _, p := range r.AuthResults.SPF {
		if p.Result == "" || p.Scope == "helo" {
			continue
		}
		m.add(AuthResult{Domain: normDomain(p.Domain), Result: p.Result})
		switch {
		case p.Result == "pass":
			m.Result = ResultNotAligned
			if mode == "s" && !Aligned(p.Domain, from, "s") && Aligned(p.Domain, from, "r") {
				m.RelaxedWouldAlign = true
			}
		case m.Result == ResultNone:
			m.Result = ResultFail
		}
	}
	return m
}

// add keeps a raw result unless present or the list is full.
func (m *Mechanism) add(a AuthResult) {
	if len(m.Results) < maxAuthResults && !slices.Contains(m.Results, a) {
		m.Results = append(m.Results, a)
	}
}

// failureTitle says what failed in a few words.
func failureTitle(f Failure) string {
	switch f.Type {
	case TypeSPFNotAligned:
		return "SPF not aligned (DMARC passed on DKIM)"
	case TypeSPFFail:
		return "SPF " + mechanismWords(f.SPF) + " (DMARC passed on DKIM)"
	case TypeDKIMNotAligned:
		return "DKIM not aligned (DMARC passed on SPF)"
	case TypeDKIMFail:
		return "DKIM " + mechanismWords(f.DKIM) + " (DMARC passed on SPF)"
	}
	d, s := mechanismWords(f.DKIM), mechanismWords(f.SPF)
	if d == s {
		return "DKIM and SPF " + d
	}
	return "DKIM " + d + ", SPF " + s
}

// mechanismWords says how a mechanism failed: "not aligned", "failed",
// "missing".
func mechanismWords(m Mechanism) string {
	switch m.Result {
	case ResultNotAligned:
		return "not aligned"
	case ResultFail:
		return "failed"
	case ResultNone:
		return "missing"
	}
	return "passed"
}

// failureTally groups the failing records of a source into patterns.
type failureTally struct {
	byKey map[string]*Failure
	order []string
	// failing counts the messages failing DMARC; fragile those passing on
	// one mechanism only.
	failing, fragile int64
}

// add counts r, whose report published pp.
func (t *failureTally) add(r *aggregate.Record, pp aggregate.PolicyPublished) {
	f, ok := judgeRecord(r, pp)
	if !ok {
		return
	}
	n := max(r.Count, 0)
	if f.Type == TypeBoth {
		t.failing += n
	} else {
		t.fragile += n
	}
	key := patternKey(f)
	p := t.byKey[key]
	if p == nil {
		if t.byKey == nil {
			t.byKey = map[string]*Failure{}
		}
		p = &f
		t.byKey[key] = p
		t.order = append(t.order, key)
	} else {
		for _, a := range f.DKIM.Results {
			p.DKIM.add(a)
		}
		for _, a := range f.SPF.Results {
			p.SPF.add(a)
		}
	}
	p.Messages += n
	p.Records++
}

// patternKey groups records failing the same way: the type, each
// mechanism's result and first domain, the From domain.
func patternKey(f Failure) string {
	first := func(m Mechanism) string {
		if len(m.Results) == 0 {
			return ""
		}
		return m.Results[0].Domain
	}
	return strings.Join([]string{f.Type, f.DKIM.Result, first(f.DKIM), f.SPF.Result, first(f.SPF), f.HeaderFrom, f.ADKIM + f.ASPF}, "|")
}

// list returns the patterns, DMARC failures first, then the most
// messages, at most maxFailures.
func (t *failureTally) list() []Failure {
	out := make([]Failure, 0, len(t.order))
	for _, k := range t.order {
		out = append(out, *t.byKey[k])
	}
	slices.SortStableFunc(out, func(a, b Failure) int {
		if (a.Type == TypeBoth) != (b.Type == TypeBoth) {
			return choose(a.Type == TypeBoth, -1, 1)
		}
		return cmp.Compare(b.Messages, a.Messages)
	})
	return out[:min(len(out), maxFailures)]
}

// choose returns a when cond holds, else b.
func choose[T any](cond bool, a, b T) T {
	if cond {
		return a
	}
	return b
}
