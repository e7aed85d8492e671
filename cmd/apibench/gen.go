package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// dataset describes the generated reports: every reporter sends one report a
// day for every domain, as the large receivers do, and the records are
// spread evenly over the reports.
type dataset struct {
	records   int
	domains   []string
	reporters []string
	first     time.Time // the first day
	days      int
	ips       int // distinct source IPs drawn from
}

func newDataset(records int) dataset {
	d := dataset{
		records:   records,
		reporters: []string{"google.com", "outlook.com", "Yahoo", "Mail.Ru", "comcast.net"},
		first:     time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		days:      365,
		ips:       200_000,
	}
	for i := range 50 {
		d.domains = append(d.domains, fmt.Sprintf("brand%02d.example", i))
	}
	return d
}

func (d dataset) reports() int { return d.days * len(d.domains) * len(d.reporters) }

// last is the day after the last day.
func (d dataset) last() time.Time { return d.first.AddDate(0, 0, d.days) }

// report returns the header and the records of report i (0 ≤ i <
// reports()), ordered by day as they would arrive. Each report has its own
// random source, seeded by i, so any report can be generated alone (a
// resumed load skips those stored).
func (d dataset) report(i int) (*aggregate.Header, []*aggregate.Record) {
	perDay := len(d.domains) * len(d.reporters)
	day, dom, org := i/perDay, i%perDay/len(d.reporters), d.reporters[i%len(d.reporters)]
	domain := d.domains[dom]
	begin := d.first.AddDate(0, 0, day)
	policy := []string{"none", "quarantine", "reject"}[dom%3]
	h := &aggregate.Header{
		Metadata: aggregate.Metadata{
			Reporter:  aggregate.Reporter{OrgName: org, Email: "noreply-dmarc@" + org},
			ReportID:  fmt.Sprintf("apibench-%d-%d", d.records, i),
			DateRange: aggregate.DateRange{Begin: begin, End: begin.Add(24*time.Hour - time.Second), DurationHours: 24},
		},
		Policy: aggregate.PolicyPublished{Domain: domain, ADKIM: "r", ASPF: "r", Policy: policy, SubdomainPolicy: policy, Percentage: 100},
	}
	n := d.records / d.reports()
	if i < d.records%d.reports() {
		n++
	}
	rng := rand.New(rand.NewPCG(uint64(i), 0xa91))
	// A Zipf-like choice of senders: a few big ones (the domain's mail
	// service, its ESP) in most reports, a long tail of forwarders and
	// spoofers seen once.
	zipf := rand.NewZipf(rng, 1.2, 8, uint64(d.ips-1))
	recs := make([]*aggregate.Record, n)
	for j := range recs {
		recs[j] = record(rng, domain, policy, int(zipf.Uint64()))
	}
	return h, recs
}

// record is one record of source src: the lower its number the more mail
// it sends; its number also fixes what kind of sender it is.
func record(rng *rand.Rand, domain, policy string, src int) *aggregate.Record {
	ip := fmt.Sprintf("%d.%d.%d.%d", 20+src>>16&0x7f, src>>8&0xff, src&0xff, 1+src%250)
	if src%17 == 0 {
		ip = fmt.Sprintf("2001:db8:%x::%x", src>>16, src&0xffff)
	}
	count := int64(1 + rng.IntN(3))
	if src < 100 {
		count = int64(1 + rng.IntN(2000/(src+1)+10))
	}
	r := &aggregate.Record{
		SourceIP:        ip,
		Count:           count,
		PolicyEvaluated: aggregate.PolicyEvaluated{Disposition: "none", DKIM: "pass", SPF: "pass"},
		Identifiers:     aggregate.Identifiers{HeaderFrom: domain, EnvelopeFrom: domain},
		AuthResults: aggregate.AuthResults{
			DKIM: []aggregate.DKIMResult{{Domain: domain, Selector: "google", Result: "pass"}},
			SPF:  []aggregate.SPFResult{{Domain: domain, Scope: "mfrom", Result: "pass"}},
		},
	}
	pe, ar := &r.PolicyEvaluated, &r.AuthResults
	kind := src % 10
	if src < 20 {
		kind = 0 // the big senders are the domain's own
	}
	switch kind {
	case 0, 1, 2, 3, 4: // the domain's own mail service
	case 5: // an ESP with DKIM but a foreign envelope
		pe.SPF = "fail"
		r.Identifiers.EnvelopeFrom = "bounces.esp.example"
		ar.SPF[0].Domain = "bounces.esp.example"
	case 6, 7: // forwarding: DKIM usually survives, SPF does not
		pe.SPF = "fail"
		pe.Reasons = []aggregate.Reason{{Type: "forwarded"}}
		r.Identifiers.EnvelopeFrom = "forwarder.example.org"
		ar.SPF[0] = aggregate.SPFResult{Domain: "forwarder.example.org", Scope: "mfrom", Result: "fail"}
		if rng.IntN(4) == 0 {
			pe.DKIM = "fail"
			ar.DKIM[0].Result = "fail"
			pe.Disposition = policy
		}
	default: // spoofing: the domain's policy applies
		pe.DKIM, pe.SPF, pe.Disposition = "fail", "fail", policy
		r.Identifiers.EnvelopeFrom = "spoof.example.net"
		ar.DKIM[0] = aggregate.DKIMResult{Domain: "spoof.example.net", Selector: "x", Result: "fail"}
		ar.SPF[0] = aggregate.SPFResult{Domain: "spoof.example.net", Scope: "mfrom", Result: "softfail"}
	}
	return r
}
