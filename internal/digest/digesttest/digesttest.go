// Package digesttest fills a store with the world the tests of package
// digest, of the API and of the CLI read digests from:
//
//   - example.com, the month of package remedytest: Google Workspace
//     passing, SendGrid and an office server failing (the issues to act
//     on), a forwarder, and a spoofer in the last five days;
//   - with Many, two more domains from synthetic histories (package
//     synth) of two months up to the same day: example.org with incidents
//     (the anomaly detector's events), example.net quiet;
//   - DNS checks of example.com: three in the last two weeks (12, 8 and 4 days before Now), the newest
//     with its SPF record changed and a warning added (a regression).
//
// Everything is deterministic for a given Now.
package digesttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/remedy/remedytest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/synth"
)

// Now is the clock of the world: Wednesday 25 November 2026, 09:00 UTC,
// so the weekly digest is of 16 to 22 November and the monthly of
// October (which the world covers from its 26th).
var Now = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// The domains of the world.
const (
	Domain      = remedytest.Domain
	OrgDomain   = "example.org"
	QuietDomain = "example.net"
)

// Options shape the world.
type Options struct {
	// Now is the world's clock; zero is Now.
	Now time.Time
	// Many adds the synthetic domains.
	Many bool
	// NoDNS leaves out the DNS checks.
	NoDNS bool
}

// Fill stores the world in st.
func Fill(ctx context.Context, st store.Store, o Options) error {
	if o.Now.IsZero() {
		o.Now = Now
	}
	if _, err := remedytest.Fill(ctx, st, remedytest.Options{Now: o.Now}); err != nil {
		return err
	}
	if o.Many {
		start := o.Now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -60)
		for _, h := range []*synth.History{
			synth.NewHistory(synth.HistoryOptions{Domain: OrgDomain, Start: start, Days: 60, Seed: 7, Volume: 4000}),
			synth.NewHistory(synth.HistoryOptions{Domain: QuietDomain, Start: start, Days: 60, Seed: 3, Volume: 300, Quiet: true}),
		} {
			if err := importHistory(ctx, st, h); err != nil {
				return err
			}
		}
	}
	if o.NoDNS {
		return nil
	}
	return addChecks(ctx, st, o.Now)
}

// importHistory stores the reports of h through the ingest path, as they
// arrived.
func importHistory(ctx context.Context, st store.Store, h *synth.History) error {
	im := &ingest.Importer{Store: st}
	for i := range h.Reports {
		r := &h.Reports[i]
		var b bytes.Buffer
		if err := synth.WriteReport(&b, r); err != nil {
			return err
		}
		im.Now = func() time.Time { return r.Arrival }
		sum, err := im.ImportReader(ctx, r.Header.Metadata.ReportID+".xml", &b)
		if err != nil {
			return fmt.Errorf("import %s: %w", r.Header.Metadata.ReportID, err)
		}
		if sum.Imported != 1 {
			return fmt.Errorf("import %s: %+v", r.Header.Metadata.ReportID, sum)
		}
	}
	return nil
}

// SPF records of example.com before and after the change of the newest
// check.
const (
	SPFBefore = "v=spf1 ip4:198.51.100.25 include:_spf.google.com ~all"
	SPFAfter  = "v=spf1 ip4:198.51.100.25 include:_spf.google.com include:sendgrid.net ?all"
)

// addChecks stores three checks of example.com: 12, 8 and 4 days before
// now, the last with the SPF record changed to a neutral ?all (a warning).
func addChecks(ctx context.Context, st store.Store, now time.Time) error {
	for i, ago := range []int{12, 8, 4} {
		spf := dnscheck.RecordCheck{Kind: dnscheck.KindSPF, Name: Domain, Status: dnscheck.StatusOK,
			Records: []string{SPFBefore}, Summary: "2/10 DNS lookups", Findings: []dnscheck.Finding{}}
		status := dnscheck.StatusOK
		if i == 2 {
			spf.Records = []string{SPFAfter}
			spf.Status, status = dnscheck.StatusWarning, dnscheck.StatusWarning
			spf.Findings = []dnscheck.Finding{{Severity: dnscheck.SeverityWarning, Code: "spf.neutral_all",
				Message: "The record ends in ?all: mail from anywhere is neutral, not failing.", Fix: "End the record with ~all or -all."}}
		}
		r := dnscheck.Result{Domain: Domain, Status: status,
			DMARC: dnscheck.DMARCCheck{RecordCheck: dnscheck.RecordCheck{Kind: dnscheck.KindDMARC, Name: "_dmarc." + Domain,
				Status: dnscheck.StatusOK, Records: []string{"v=DMARC1; p=none; rua=mailto:dmarc@example.com"}, Findings: []dnscheck.Finding{}},
				OrgDomain: Domain},
			SPF: dnscheck.SPFCheck{RecordCheck: spf, Lookups: 2, LookupLimit: 10},
			DKIM: []dnscheck.DKIMCheck{{RecordCheck: dnscheck.RecordCheck{Kind: dnscheck.KindDKIM, Name: "google._domainkey." + Domain,
				Status: dnscheck.StatusOK, Records: []string{"v=DKIM1; k=rsa; p=MIIB"}, Findings: []dnscheck.Finding{}}, Selector: "google"}},
			MTASTS: dnscheck.MTASTSCheck{RecordCheck: dnscheck.RecordCheck{Kind: dnscheck.KindMTASTS, Name: "_mta-sts." + Domain,
				Status: dnscheck.StatusMissing, Records: []string{}, Findings: []dnscheck.Finding{}}},
			TLSRPT: dnscheck.TLSRPTCheck{RecordCheck: dnscheck.RecordCheck{Kind: dnscheck.KindTLSRPT, Name: "_smtp._tls." + Domain,
				Status: dnscheck.StatusMissing, Records: []string{}, Findings: []dnscheck.Finding{}}},
			BIMI: dnscheck.BIMICheck{RecordCheck: dnscheck.RecordCheck{Kind: dnscheck.KindBIMI, Name: "default._bimi." + Domain,
				Status: dnscheck.StatusMissing, Records: []string{}, Findings: []dnscheck.Finding{}}},
		}
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		at := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -ago).Add(4 * time.Hour)
		if _, err := st.AddDNSCheck(ctx, store.DNSCheck{Domain: Domain, CheckedAt: at, Origin: "schedule",
			Status: string(status), Result: b}, 0); err != nil {
			return err
		}
	}
	return nil
}
