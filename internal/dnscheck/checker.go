package dnscheck

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Defaults of a Checker's zero fields.
const (
	DefaultTimeout      = 5 * time.Second  // one DNS query attempt
	DefaultHTTPTimeout  = 20 * time.Second // the MTA-STS policy fetch
	DefaultMaxQueries   = 300              // DNS questions per check
	DefaultCheckTimeout = 2 * time.Minute  // a whole Check
	DefaultResolvConf   = "/etc/resolv.conf"
)

// Checker checks a domain's records. The zero value uses the servers of
// /etc/resolv.conf; a Checker is safe for concurrent use.
type Checker struct {
	// Servers are the DNS servers to ask, as host:port, in order; a server
	// that times out or fails is followed by the next. Empty means the
	// nameservers of ResolvConf.
	Servers []string
	// ResolvConf is the resolv.conf read when Servers is empty
	// (DefaultResolvConf when empty).
	ResolvConf string
	// Timeout bounds one DNS query attempt (DefaultTimeout when zero).
	Timeout time.Duration
	// HTTPClient fetches the MTA-STS policy. When nil, a client with
	// DefaultHTTPTimeout that resolves host names through Servers is used.
	// Redirects are never followed (RFC 8461 §3.3), whatever the client's
	// CheckRedirect says.
	HTTPClient *http.Client
	// MaxQueries bounds the DNS questions of one Check, EvaluateSPF or
	// CheckSPFRecord (DefaultMaxQueries when zero); past it, lookups fail
	// with ErrQueryBudget.
	MaxQueries int
	// CheckTimeout bounds a whole Check (DefaultCheckTimeout when zero):
	// lookups still unanswered then fail, as findings.
	CheckTimeout time.Duration
}

// Options say what to check besides the records found by name alone.
type Options struct {
	// DKIMSelectors are the DKIM selectors to check: they cannot be
	// discovered from DNS (RFC 6376 §3.1), so each sender's must be given.
	DKIMSelectors []string
}

func (c *Checker) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

// servers returns the DNS servers to ask.
func (c *Checker) servers() ([]string, error) {
	if len(c.Servers) > 0 {
		return c.Servers, nil
	}
	path := c.ResolvConf
	if path == "" {
		path = DefaultResolvConf
	}
	conf, err := dns.ClientConfigFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the DNS servers: %w", err)
	}
	var out []string
	for _, s := range conf.Servers {
		out = append(out, net.JoinHostPort(s, conf.Port))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("read the DNS servers: no nameserver in %s", path)
	}
	return out, nil
}

// Check checks domain's DMARC, SPF, MTA-STS, TLS-RPT and BIMI records and
// the DKIM keys of opts.DKIMSelectors. The kinds are checked concurrently,
// sharing one cache of DNS answers. Problems with the records are findings
// in the result; the error is for an invalid domain, no DNS servers, or
// ctx ending.
func (c *Checker) Check(ctx context.Context, domain string, opts Options) (*Result, error) {
	d, err := NormalizeDomain(domain)
	if err != nil {
		return nil, err
	}
	s, err := c.newSession()
	if err != nil {
		return nil, err
	}
	parent := ctx
	timeout := c.CheckTimeout
	if timeout <= 0 {
		timeout = DefaultCheckTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r := &Result{Domain: d}
	var wg sync.WaitGroup
	wg.Go(func() {
		r.DMARC = s.checkDMARC(ctx, d)
		r.BIMI = s.checkBIMI(ctx, d, &r.DMARC)
	})
	wg.Go(func() { r.SPF = s.checkSPFDomain(ctx, d) })
	wg.Go(func() { r.DKIM = s.checkDKIM(ctx, d, opts.DKIMSelectors) })
	wg.Go(func() {
		r.MTASTS = s.checkMTASTS(ctx, d)
		r.TLSRPT = s.checkTLSRPT(ctx, d, r.MTASTS.Status != StatusMissing)
	})
	wg.Wait()
	if err := parent.Err(); err != nil {
		return nil, err
	}
	r.Status = overall(r.Checks())
	r.Queries = s.count()
	return r, nil
}

// NormalizeDomain returns domain in the form the checks use: lower case,
// A-labels for internationalized names (RFC 5891), no trailing dot. It
// fails for what cannot be a mail domain: an IP address, a single label,
// a label longer than 63 bytes or a name longer than 253.
func NormalizeDomain(domain string) (string, error) {
	d := strings.TrimSuffix(strings.TrimSpace(domain), ".")
	a, err := idna.Lookup.ToASCII(d)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %v", ErrInvalidDomain, domain, err)
	}
	a = strings.ToLower(a)
	if !validDomain(a) {
		return "", fmt.Errorf("%w: %q", ErrInvalidDomain, domain)
	}
	return a, nil
}

// validDomain reports whether d (lower case, no trailing dot) is a
// host name of at least two labels: letters, digits, hyphens and, as
// DNS TXT owners use them, underscores.
func validDomain(d string) bool {
	if len(d) == 0 || len(d) > 253 || net.ParseIP(d) != nil {
		return false
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// OrgDomain returns the organizational domain of domain (RFC 7489 §3.2):
// the registrable domain under its public suffix, from the Public Suffix
// List; domain itself when it is a public suffix or has no registrable part.
func OrgDomain(domain string) string {
	org, err := publicsuffix.EffectiveTLDPlusOne(domain)
	if err != nil {
		return domain
	}
	return org
}

// versionRecord reads the one record at rc.Name whose first tag is
// v=version, as MTA-STS, TLS-RPT and BIMI records are found among other
// TXT records. When the lookup fails, finds none (missing is then added)
// or finds several (which each of those specifications treats as none),
// it finishes rc and returns false.
func (s *session) versionRecord(ctx context.Context, rc *RecordCheck, version string, missing Finding, multiple string) (string, bool) {
	recs, a := s.txt(ctx, rc.Name)
	for _, r := range recs {
		if versionIs(r.text, version) {
			rc.Records = append(rc.Records, r.text)
		}
	}
	switch {
	case a.err != nil:
		rc.lookupFailed(rc.Name, a.err)
	case len(rc.Records) == 0:
		rc.Findings = append(rc.Findings, missing)
	case len(rc.Records) > 1:
		rc.add(SeverityError, strings.ReplaceAll(string(rc.Kind), "-", "")+".multiple", fmt.Sprintf("%d %s records at %s: %s.", len(rc.Records), kindLabel[rc.Kind], rc.Name, multiple), "Keep one record.")
	default:
		return rc.Records[0], true
	}
	rc.finish(len(rc.Records) > 0)
	return "", false
}
