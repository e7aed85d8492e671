package remedy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/senders"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// Limits of reading the store.
const (
	// FixRecords is how many of a source's newest records a fix reads:
	// enough to see its patterns, bounded however much it sends. The
	// classification comes from the same records.
	FixRecords = 2000
	// maxPolicyReads bounds the reports whose published alignment modes
	// a fix reads (one query each); records of older reports take the
	// modes of the oldest report read.
	maxPolicyReads = 64
)

// ErrNoRecords: the store has no records of the source (for the domain).
var ErrNoRecords = errors.New("no records")

// ErrNoReports: the store has no reports of the domain in the period.
var ErrNoReports = errors.New("no reports")

// Guide answers "Fix this" and the policy advice from a store's reports.
// Store is required; the other fields are optional. A Guide is safe for
// concurrent use once its fields are set.
type Guide struct {
	Store store.Store
	// Senders identifies sending services; nil: none is identified.
	Senders *senders.Catalogue
	// DNS fetches the domain's current records and checks proposed ones;
	// nil: no DNS lookups are made.
	DNS *dnscheck.Checker
	// SPF tells whether the domain's SPF record authorizes a source, for
	// the classification (at most MaxSPFChecks sources of an advice are
	// asked about); nil: with DNS, a dnscheck.SPFAuthorizer on DNS.
	SPF analysis.SPFAuthorizer
	// IPs tells the reverse DNS name and network of a source IP, for
	// identifying services; nil: services are identified by the domains
	// their mail authenticated as only.
	IPs func(ctx context.Context, ip string) analysis.IPInfo
	// Now is the clock (the period of an advice ends now, a new source is
	// told by it); nil is time.Now.
	Now func() time.Time
}

func (g *Guide) now() time.Time {
	if g.Now != nil {
		return g.Now().UTC()
	}
	return time.Now().UTC()
}

// ipInfo tells what is known of ip.
func (g *Guide) ipInfo(ctx context.Context, ip string) analysis.IPInfo {
	if g.IPs == nil {
		return analysis.IPInfo{}
	}
	return g.IPs(ctx, ip)
}

// classifier returns the history classifier of the guide, its SPF
// verdicts from spf (which may be nil).
func (g *Guide) classifier(spf analysis.SPFAuthorizer) *analysis.HistoryClassifier {
	return &analysis.HistoryClassifier{Senders: g.Senders, SPF: spf, Now: g.Now}
}

// spfAuthorizer returns the SPF authorizer of one answer: the Guide's
// own, else one on DNS (its cache lives as long as the answer), else nil.
func (g *Guide) spfAuthorizer() analysis.SPFAuthorizer {
	switch {
	case g.SPF != nil:
		return g.SPF
	case g.DNS != nil:
		return &dnscheck.SPFAuthorizer{Checker: g.DNS, Now: g.Now}
	}
	return nil
}

// check runs the DNS check of domain with the DKIM selectors given; nil
// and an error saying why when there is no DNS or it failed.
func (g *Guide) check(ctx context.Context, domain string, selectors []string) (*dnscheck.Result, error) {
	if g.DNS == nil {
		return nil, errors.New("DNS lookups are off")
	}
	res, err := g.DNS.Check(ctx, domain, dnscheck.Options{DKIMSelectors: selectors})
	if err != nil {
		return nil, fmt.Errorf("DNS check of %s: %w", domain, err)
	}
	return res, nil
}
