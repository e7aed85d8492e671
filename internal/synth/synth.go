// Package synth writes realistic synthetic DMARC aggregate reports, for
// benchmarks, tests and demonstrations. The output is deterministic for a
// given Options value, so measurements are repeatable.
//
// It also holds the encoding/xml reference decoder the benchmarks compare the
// streaming decoder against.
package synth

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

// Options shape a synthetic report. Zero fields take the defaults.
type Options struct {
	Records int    // default 1000
	Sources int    // distinct source IPs; default Records/20, at least 1
	Domain  string // default example.com
	OrgName string // default google.com
	ID      string // report_id; default "synthetic-<seed>"
	Begin   time.Time
	Seed    uint64
}

// Write writes one aggregate report in the RFC 7489 schema to w.
func Write(w io.Writer, o Options) error {
	if o.Records <= 0 {
		o.Records = 1000
	}
	if o.Sources <= 0 {
		o.Sources = max(1, o.Records/20)
	}
	if o.Domain == "" {
		o.Domain = "example.com"
	}
	if o.OrgName == "" {
		o.OrgName = "google.com"
	}
	if o.ID == "" {
		o.ID = fmt.Sprintf("synthetic-%d", o.Seed)
	}
	if o.Begin.IsZero() {
		o.Begin = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	bw := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8" ?>
<feedback>
  <report_metadata>
    <org_name>%s</org_name>
    <email>noreply-dmarc-support@%s</email>
    <extra_contact_info>https://support.%s/a/answer/2466580</extra_contact_info>
    <report_id>%s</report_id>
    <date_range>
      <begin>%d</begin>
      <end>%d</end>
    </date_range>
  </report_metadata>
  <policy_published>
    <domain>%s</domain>
    <adkim>r</adkim>
    <aspf>r</aspf>
    <p>none</p>
    <sp>none</sp>
    <pct>100</pct>
  </policy_published>
`, o.OrgName, o.OrgName, o.OrgName, o.ID, o.Begin.Unix(), o.Begin.Add(24*time.Hour-time.Second).Unix(), o.Domain)
	for i := 0; i < o.Records; i++ {
		src := rng.IntN(o.Sources)
		writeRecord(bw, rng, o.Domain, src)
	}
	bw.WriteString("</feedback>\n")
	return bw.Flush()
}

// Sender kinds, chosen per source so each source behaves consistently.
func writeRecord(w *bufio.Writer, rng *rand.Rand, domain string, src int) {
	ip := fmt.Sprintf("%d.%d.%d.%d", 10+src>>16&0x7f, src>>8&0xff, src&0xff, 1+src%250)
	if src%17 == 0 {
		ip = fmt.Sprintf("2001:db8:%x::%x", src>>16, src&0xffff)
	}
	count := 1 + rng.IntN(50)
	dkim, spf, disp := "pass", "pass", "none"
	dkimDomain, spfDomain, selector := domain, domain, "google"
	dkimResult, spfResult := "pass", "pass"
	switch src % 10 {
	case 0, 1, 2, 3, 4, 5: // the domain's own mail service
	case 6: // an ESP with DKIM but a foreign envelope
		spf, spfDomain, selector = "fail", "bounces.esp.example", "s1"
	case 7: // forwarding: DKIM survives, SPF does not
		spf, spfDomain, spfResult = "fail", "forwarder.example.org", "fail"
	default: // spoofing
		dkim, spf, disp = "fail", "fail", "none"
		dkimDomain, dkimResult, spfDomain, spfResult = "spoof.example.net", "fail", "spoof.example.net", "softfail"
	}
	fmt.Fprintf(w, `  <record>
    <row>
      <source_ip>%s</source_ip>
      <count>%d</count>
      <policy_evaluated>
        <disposition>%s</disposition>
        <dkim>%s</dkim>
        <spf>%s</spf>
      </policy_evaluated>
    </row>
    <identifiers>
      <header_from>%s</header_from>
      <envelope_from>%s</envelope_from>
    </identifiers>
    <auth_results>
      <dkim>
        <domain>%s</domain>
        <selector>%s</selector>
        <result>%s</result>
      </dkim>
      <spf>
        <domain>%s</domain>
        <scope>mfrom</scope>
        <result>%s</result>
      </spf>
    </auth_results>
  </record>
`, ip, count, disp, dkim, spf, domain, spfDomain, dkimDomain, selector, dkimResult, spfDomain, spfResult)
}
