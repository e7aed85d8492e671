package analysis

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// SPFAuthorizer tells whether a domain's published SPF record authorizes an
// IP (RFC 7208 section 4: check_host with the domain as MAIL FROM would
// give pass). known is false when that cannot be told (no record, a DNS
// error, a permerror or a result other than pass or fail), and then
// authorized means nothing. Implementations make DNS queries; they are
// expected to bound and cache them.
type SPFAuthorizer interface {
	AuthorizedBySPF(ctx context.Context, domain string, ip netip.Addr) (authorized bool, known bool)
}

// maxAuthDomains bounds the passing DKIM and SPF domains a SourceHistory
// keeps for identification: the first distinct ones seen.
const maxAuthDomains = 8

// SourceHistory gathers the records of one source IP for one policy
// domain across reports, as many as its caller reads: its message totals,
// the days it was seen on, the domains its mail authenticated as, and the
// per-record patterns the report classification judges (forwarding,
// authentication as another domain, none at all). Its memory grows with
// the number of distinct days, not of records.
//
// A SourceHistory is not safe for concurrent use.
type SourceHistory struct {
	ip, domain  string
	src         source
	first, last time.Time
	days        map[int64]struct{}
	records     int
	// dkimDomains and spfDomains are the d= domains of verified DKIM
	// signatures and the MAIL FROM domains that passed SPF.
	dkimDomains, spfDomains []string
	// Partial says the records were cut at a limit: the newest ones were
	// read, older ones not.
	Partial bool
}

// NewSourceHistory returns an empty history of source ip for the policy
// domain.
func NewSourceHistory(ip, domain string) *SourceHistory {
	return &SourceHistory{ip: ip, domain: domain, src: source{ip: ip}, days: map[int64]struct{}{}}
}

// Add counts record r of a report that began on day (UTC). A nil record is
// ignored, a negative count taken as 0. Add keeps no reference to r.
func (h *SourceHistory) Add(day time.Time, r *aggregate.Record) {
	if r == nil {
		return
	}
	h.src.add(r, max(r.Count, 0))
	h.records++
	d := day.UTC().Truncate(24 * time.Hour)
	h.days[d.Unix()/86400] = struct{}{}
	if h.first.IsZero() || d.Before(h.first) {
		h.first = d
	}
	if d.After(h.last) {
		h.last = d
	}
	for _, k := range r.AuthResults.DKIM {
		if k.Result == resultPass {
			h.dkimDomains = addDomain(h.dkimDomains, k.Domain)
		}
	}
	for _, p := range r.AuthResults.SPF {
		if p.Result == resultPass && p.Scope != "helo" {
			h.spfDomains = addDomain(h.spfDomains, p.Domain)
		}
	}
}

// addDomain adds d, lower case, to ds unless present or ds is full.
func addDomain(ds []string, d string) []string {
	d = strings.ToLower(strings.TrimSuffix(d, "."))
	if d == "" || len(ds) >= maxAuthDomains || slices.Contains(ds, d) {
		return ds
	}
	return append(ds, d)
}

// Messages is the number of messages counted.
func (h *SourceHistory) Messages() int64 { return h.src.all.messages }

// ActiveDays is the number of distinct days the source was seen on.
func (h *SourceHistory) ActiveDays() int { return len(h.days) }
