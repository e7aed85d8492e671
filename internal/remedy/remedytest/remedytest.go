// Package remedytest fills a store with a month of reports of one domain
// whose senders are the cases the remedy guide and the policy advisor
// tell apart, and holds the DNS data (for dnstest) and IP data they need,
// so the tests of package remedy, of the API and of the CLI judge the
// same world:
//
//   - Google Workspace (209.85.220.41) sending example.com's mail, DKIM and
//     SPF aligned;
//   - Twilio SendGrid (167.89.100.10) sending as example.com without
//     domain authentication: DKIM and SPF pass for sendgrid.net only;
//   - an office server (198.51.100.25) that example.com's SPF record
//     authorizes, sending with a hosting company's envelope and a DKIM
//     selector ("mail") whose key is not published;
//   - Cloudflare Email Routing (104.30.0.5) forwarding example.com's mail:
//     most passes on the surviving DKIM signature, some fails;
//   - a spoofer (203.0.113.66) in the last days, authenticating as nothing.
//
// The reports come from two receivers (google.com and outlook.com) each
// day, through store.BeginReport, the ingest path.
package remedytest

import (
	"context"
	"fmt"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// The domain and its sources.
const (
	Domain      = "example.com"
	GoogleIP    = "209.85.220.41"
	SendGridIP  = "167.89.100.10"
	OfficeIP    = "198.51.100.25"
	ForwarderIP = "104.30.0.5"
	SpooferIP   = "203.0.113.66"
	// FullDomain's SPF record needs 10 DNS lookups already.
	FullDomain = "full.example"
)

// Daily volumes: each source's messages a day, split 60/40 between the
// two reporters.
const (
	GoogleDaily    = 1000
	SendGridDaily  = 40
	OfficeDaily    = 10
	ForwardedDaily = 20 // 12 passing, 8 failing (4 of them overridden)
	SpoofedDaily   = 30
	SpoofDays      = 5 // the spoofer's days, the last of the period
)

// Options shape the world.
type Options struct {
	// Now is the clock of the test: the reports cover the Days days
	// before Now's day. Zero is time.Now.
	Now  time.Time
	Days int // default 30
	// FixedSendGrid: SendGrid is set up (DKIM s1 of example.com, a
	// return-path under example.com), so its mail passes.
	FixedSendGrid bool
}

// Zone is the DNS data of the world, for dnstest.NewServer: example.com's
// SPF (2 lookups), DMARC and Google DKIM records, the SPF records its
// includes reach, and full.example, whose SPF record is at the limit of
// 10 lookups.
const Zone = `
example.com.                    TXT "v=spf1 ip4:198.51.100.25 include:_spf.google.com ~all"
_spf.google.com.                TXT "v=spf1 include:_netblocks.google.com ~all"
_netblocks.google.com.          TXT "v=spf1 ip4:209.85.128.0/17 ~all"
sendgrid.net.                   TXT "v=spf1 ip4:167.89.0.0/17 ~all"
_dmarc.example.com.             TXT "v=DMARC1; p=none; rua=mailto:dmarc@example.com; ruf=mailto:forensic@example.com; fo=1"
google._domainkey.example.com.  TXT "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAq6W/TAp+unO0rYs3RtzQSgyTawpIItiWJ5JytdL63ZG3EqtR6JJd+wq4qolwv9Y3bIh1ZGNzF4cBCXGh9AdrZBRvdLMoClQ59PzxUvsD6HUsWkRVyqlAJXPDrXgVCYvZy/GyjtE/rOvDG3rJbgp98TmNcRA7P6roE/geGpne/lUQ1sLPQlbIug8gXYIIgW/lEbotbRXhtjwLAd822YF28qermeCjQYAAhhMvndW6qPdfW4WZvO4HOgyxYybaj3I9qZiUaRzP/eBvSH5sWSGndzr5uM/oJcL7lr/8OaBIf5a82crPKKEaxPCjkhDpLCfyyE4+iE3/OGEJnomNrbxTAwIDAQAB"

full.example.                   TXT "v=spf1 a mx include:_a.full.example include:_b.full.example include:_c.full.example -all"
full.example.                   A   192.0.2.1
full.example.                   MX  10 mx.full.example.
mx.full.example.                A   192.0.2.2
_a.full.example.                TXT "v=spf1 include:_d.full.example a:x.full.example -all"
_b.full.example.                TXT "v=spf1 a:y.full.example mx:y.full.example -all"
_c.full.example.                TXT "v=spf1 ip4:192.0.2.0/24 -all"
_d.full.example.                TXT "v=spf1 a:z.full.example -all"
x.full.example.                 A   192.0.2.3
y.full.example.                 A   192.0.2.4
y.full.example.                 MX  10 mx.full.example.
z.full.example.                 A   192.0.2.5
_dmarc.full.example.            TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@full.example"
`

// hosts is the IP data of the sources.
var hosts = map[string]analysis.IPInfo{
	GoogleIP:    {PTR: "mail-sor-f41.google.com", ASN: 15169, ASOrg: "Google LLC"},
	SendGridIP:  {PTR: "o1.ptr2625.sendgrid.net", ASN: 11377, ASOrg: "SENDGRID"},
	OfficeIP:    {PTR: "office.example.com", ASN: 64500, ASOrg: "Example Hosting"},
	ForwarderIP: {PTR: "a1-7.smtp-out.cloudflare-email.net", ASN: 13335, ASOrg: "Cloudflare, Inc."},
	SpooferIP:   {ASN: 4134, ASOrg: "Chinanet"},
}

// IPInfo tells the IP data of the world's sources (a Guide's IPs).
func IPInfo(_ context.Context, ip string) analysis.IPInfo { return hosts[ip] }

// rec is a record of n messages from ip.
type rec struct {
	ip        string
	n         int64
	dkim, spf string // policy_evaluated
	reason    string
	dkimRes   []aggregate.DKIMResult
	spfRes    []aggregate.SPFResult
}

// day returns the records of one day (d counts from the first) for all
// receivers together.
func day(o Options, d int) []rec {
	recs := []rec{
		{ip: GoogleIP, n: GoogleDaily, dkim: "pass", spf: "pass",
			dkimRes: []aggregate.DKIMResult{{Domain: Domain, Selector: "google", Result: "pass"}},
			spfRes:  []aggregate.SPFResult{{Domain: Domain, Scope: "mfrom", Result: "pass"}}},
		{ip: OfficeIP, n: OfficeDaily, dkim: "fail", spf: "fail",
			dkimRes: []aggregate.DKIMResult{{Domain: Domain, Selector: "mail", Result: "fail"}},
			spfRes:  []aggregate.SPFResult{{Domain: "vps.hosting.example", Scope: "mfrom", Result: "none"}}},
		{ip: ForwarderIP, n: 12, dkim: "pass", spf: "fail",
			dkimRes: []aggregate.DKIMResult{{Domain: Domain, Selector: "google", Result: "pass"}},
			spfRes:  []aggregate.SPFResult{{Domain: Domain, Scope: "mfrom", Result: "softfail"}}},
		{ip: ForwarderIP, n: 4, dkim: "fail", spf: "fail",
			dkimRes: []aggregate.DKIMResult{{Domain: Domain, Selector: "google", Result: "fail"}},
			spfRes:  []aggregate.SPFResult{{Domain: Domain, Scope: "mfrom", Result: "softfail"}}},
		{ip: ForwarderIP, n: 4, dkim: "fail", spf: "fail", reason: "forwarded",
			dkimRes: []aggregate.DKIMResult{{Domain: Domain, Selector: "google", Result: "fail"}},
			spfRes:  []aggregate.SPFResult{{Domain: Domain, Scope: "mfrom", Result: "softfail"}}},
	}
	if o.FixedSendGrid {
		recs = append(recs, rec{ip: SendGridIP, n: SendGridDaily, dkim: "pass", spf: "pass",
			dkimRes: []aggregate.DKIMResult{{Domain: Domain, Selector: "s1", Result: "pass"}},
			spfRes:  []aggregate.SPFResult{{Domain: "em123." + Domain, Scope: "mfrom", Result: "pass"}}})
	} else {
		recs = append(recs, rec{ip: SendGridIP, n: SendGridDaily, dkim: "fail", spf: "fail",
			dkimRes: []aggregate.DKIMResult{{Domain: "sendgrid.net", Selector: "smtpapi", Result: "pass"}},
			spfRes:  []aggregate.SPFResult{{Domain: "sendgrid.net", Scope: "mfrom", Result: "pass"}}})
	}
	if d >= o.Days-SpoofDays {
		recs = append(recs, rec{ip: SpooferIP, n: SpoofedDaily, dkim: "fail", spf: "fail",
			spfRes: []aggregate.SPFResult{{Domain: "spam.example.net", Scope: "mfrom", Result: "softfail"}}})
	}
	return recs
}

// receivers split each day's mail.
var receivers = []struct {
	org   string
	share int64 // percent
}{{"google.com", 60}, {"outlook.com", 40}}

// Fill stores the world's reports in st and returns the first day they
// cover.
func Fill(ctx context.Context, st store.Store, o Options) (time.Time, error) {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Days <= 0 {
		o.Days = 30
	}
	first := o.Now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -o.Days)
	for d := range o.Days {
		begin := first.AddDate(0, 0, d)
		for i, rc := range receivers {
			h := &aggregate.Header{
				Metadata: aggregate.Metadata{Reporter: aggregate.Reporter{OrgName: rc.org, Email: "noreply-dmarc@" + rc.org},
					ReportID:  fmt.Sprintf("%s-%s", rc.org, begin.Format("20060102")),
					DateRange: aggregate.DateRange{Begin: begin, End: begin.Add(24*time.Hour - time.Second), DurationHours: 24}},
				Policy: aggregate.PolicyPublished{Domain: Domain, ADKIM: "r", ASPF: "r", Policy: "none", SubdomainPolicy: "none", Percentage: 100},
			}
			tx, err := st.BeginReport(ctx, store.Incoming{Header: h, SourceName: "remedytest", ReceivedAt: begin.Add(30 * time.Hour)})
			if err != nil {
				return first, fmt.Errorf("begin report %s: %w", h.Metadata.ReportID, err)
			}
			for _, r := range day(o, d) {
				n := r.n * rc.share / 100
				if i == len(receivers)-1 {
					n = r.n - r.n*receivers[0].share/100
				}
				if n == 0 {
					continue
				}
				ar := &aggregate.Record{SourceIP: r.ip, Count: n,
					PolicyEvaluated: aggregate.PolicyEvaluated{Disposition: "none", DKIM: r.dkim, SPF: r.spf},
					Identifiers:     aggregate.Identifiers{HeaderFrom: Domain},
					AuthResults:     aggregate.AuthResults{DKIM: r.dkimRes, SPF: r.spfRes}}
				if r.reason != "" {
					ar.PolicyEvaluated.Reasons = []aggregate.Reason{{Type: r.reason}}
				}
				if err := tx.Add(ctx, ar); err != nil {
					tx.Rollback()
					return first, fmt.Errorf("add a record: %w", err)
				}
			}
			if _, err := tx.Commit(ctx, store.Summary{Status: store.StatusValid}); err != nil {
				tx.Rollback()
				return first, fmt.Errorf("commit report %s: %w", h.Metadata.ReportID, err)
			}
		}
	}
	return first, nil
}
