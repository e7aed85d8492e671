package analysis_test

import (
	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
)

// option changes a record built by rec.
type option func(*aggregate.Record)

// rec builds a record of n messages from ip with From example.com, the
// aligned verdicts dkim and spf, and disposition disp.
func rec(ip string, n int64, dkim, spf, disp string, opts ...option) *aggregate.Record {
	r := &aggregate.Record{
		SourceIP:        ip,
		Count:           n,
		PolicyEvaluated: aggregate.PolicyEvaluated{Disposition: disp, DKIM: dkim, SPF: spf},
		Identifiers:     aggregate.Identifiers{HeaderFrom: "example.com"},
	}
	for _, o := range opts {
		o(r)
	}
	return r
}

// dkim adds a raw DKIM result.
func dkim(domain, selector, result string) option {
	return func(r *aggregate.Record) {
		r.AuthResults.DKIM = append(r.AuthResults.DKIM, aggregate.DKIMResult{Domain: domain, Selector: selector, Result: result})
	}
}

// spf adds a raw SPF result for MAIL FROM.
func spf(domain, result string) option {
	return func(r *aggregate.Record) {
		r.AuthResults.SPF = append(r.AuthResults.SPF, aggregate.SPFResult{Domain: domain, Scope: "mfrom", Result: result})
	}
}

// reason adds a policy override reason.
func reason(typ string) option {
	return func(r *aggregate.Record) {
		r.PolicyEvaluated.Reasons = append(r.PolicyEvaluated.Reasons, aggregate.Reason{Type: typ})
	}
}

// from sets header_from.
func from(domain string) option {
	return func(r *aggregate.Record) { r.Identifiers.HeaderFrom = domain }
}

// Typical records.

// own is mail of the domain's own server: aligned DKIM and SPF pass.
func own(ip string, n int64) *aggregate.Record {
	return rec(ip, n, "pass", "pass", "none", dkim("example.com", "s1", "pass"), spf("example.com", "pass"))
}

// spoofed is mail with no authentication: no DKIM signature, SPF softfail
// for an unrelated envelope domain.
func spoofed(ip string, n int64, disp string) *aggregate.Record {
	return rec(ip, n, "fail", "fail", disp, spf("spam.example.net", "softfail"))
}

// viaESP is mail of a service authenticating as its own domain only.
func viaESP(ip string, n int64, disp string) *aggregate.Record {
	return rec(ip, n, "fail", "fail", disp, dkim("sendgrid.net", "smtpapi", "pass"), spf("em123.sendgrid.net", "pass"))
}

// forwarded is mail relayed by a forwarder, with a forwarding reason.
func forwarded(ip string, n int64) *aggregate.Record {
	return rec(ip, n, "fail", "fail", "none", reason("forwarded"), dkim("example.com", "s1", "fail"), spf("example.com", "fail"))
}

// header returns a report header publishing p, sp and pct for example.com.
func header(p, sp string, pct int) *aggregate.Header {
	return &aggregate.Header{
		Metadata: aggregate.Metadata{Reporter: aggregate.Reporter{OrgName: "google.com"}},
		Policy:   aggregate.PolicyPublished{Domain: "example.com", ADKIM: "r", ASPF: "r", Policy: p, SubdomainPolicy: sp, Percentage: pct},
	}
}

// accumulate feeds records to a new accumulator.
func accumulate(h *aggregate.Header, recs ...*aggregate.Record) *analysis.Accumulator {
	a := analysis.NewAccumulator(h)
	for _, r := range recs {
		a.Add(r)
	}
	return a
}
