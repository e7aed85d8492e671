package analysis

import "strings"

// maxFacts is how many distinct evidence facts of each kind (e.g. DKIM
// signatures that verified) are kept per source: the first ones seen. A
// fixed bound keeps a source's memory constant however many records it has.
const maxFacts = 3

// facts is a bounded set: the first maxFacts distinct values added.
type facts[T comparable] struct {
	v [maxFacts]T
	n uint8
}

// add adds v unless it is already present or the set is full.
func (f *facts[T]) add(v T) {
	for _, x := range f.v[:f.n] {
		if x == v {
			return
		}
	}
	if int(f.n) < maxFacts {
		f.v[f.n] = v
		f.n++
	}
}

// list returns the values in the order they were added.
func (f *facts[T]) list() []T {
	return f.v[:f.n]
}

// authFact is one authentication result of auth_results: the domain, the
// DKIM selector (empty for SPF) and the result.
type authFact struct {
	domain, selector, result string
}

// tally counts messages (weighted by Record.Count) and records (rows).
type tally struct {
	messages, records int64
}

// add counts one record of n messages.
func (t *tally) add(n int64) {
	t.messages += n
	t.records++
}

// merge adds the counts of u.
func (t *tally) merge(u tally) {
	t.messages += u.messages
	t.records += u.records
}

// related reports whether domains a and b are the same, or one is a
// subdomain of the other: the approximation of relaxed alignment (RFC 7489
// section 3.1) used without the public suffix list. Domains compare
// case-insensitively (RFC 4343).
func related(a, b string) bool {
	a = strings.TrimSuffix(a, ".")
	b = strings.TrimSuffix(b, ".")
	if a == "" || b == "" {
		return false
	}
	if len(a) < len(b) {
		a, b = b, a
	}
	if len(a) == len(b) {
		return strings.EqualFold(a, b)
	}
	return a[len(a)-len(b)-1] == '.' && strings.EqualFold(a[len(a)-len(b):], b)
}

// relatedAny reports whether domain is related to any of the domains.
func relatedAny(domain string, domains []string) bool {
	for _, d := range domains {
		if related(domain, d) {
			return true
		}
	}
	return false
}
