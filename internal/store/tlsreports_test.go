package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/tlsrpt"
)

// tlsCorpus holds parsedmarc's SMTP TLS report samples, read in place.
const tlsCorpus = "../../../shared/corpus/parsedmarc/samples/smtp_tls"

func readTLSReport(t *testing.T, name string) *tlsrpt.Report {
	t.Helper()
	f, err := os.Open(filepath.Join(tlsCorpus, name))
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	r, err := tlsrpt.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestTLSReports stores the RFC's example, Mail.ru's report and one of
// another domain, refuses a repeat, and reads them back: the list, a
// report, the days and the failures by result type and MX.
func TestTLSReports(t *testing.T) {
	t.Parallel()
	rfc := readTLSReport(t, "rfc8460.json")
	mailru := readTLSReport(t, "mail.ru.json")
	other := readTLSReport(t, "smtp_tls.json")
	// Mail.ru's report is of example.com as smtp_tls.json's is: one
	// domain with reports of two days and two reporters.
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		ctx := t.Context()
		at := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
		var ids []int64
		for _, r := range []*tlsrpt.Report{rfc, mailru, other} {
			id, err := s.AddTLSReport(ctx, TLSIncoming{Report: r, SourceName: r.ReportID + ".json", ReceivedAt: at, RawGzip: []byte{0x1f, 0x8b}})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		if _, err := s.AddTLSReport(ctx, TLSIncoming{Report: mailru, ReceivedAt: at}); !errors.Is(err, ErrDuplicate) {
			t.Errorf("repeat: %v, want ErrDuplicate", err)
		}

		list, err := s.TLSReports(ctx, TLSFilter{Domain: "example.com"}, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != ids[2] || list[1].ID != ids[1] {
			t.Fatalf("example.com's reports: %+v", list)
		}
		if page, err := s.TLSReports(ctx, TLSFilter{Domain: "example.com"}, ids[2], 10); err != nil || len(page) != 1 || page[0].ID != ids[1] {
			t.Errorf("next page: %+v, %v", page, err)
		}
		if all, err := s.TLSReports(ctx, TLSFilter{}, 0, 2); err != nil || len(all) != 2 {
			t.Errorf("limit: %d, %v", len(all), err)
		}

		got, err := s.TLSReport(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if got.Report.ReportID != rfc.ReportID || len(got.Report.Policies[0].Failures) != 3 || got.Successful != 5326 ||
			got.Failed != 303 || len(got.Domains) != 1 || got.Domains[0] != "company-y.example" || !got.ReceivedAt.Equal(at) {
			t.Errorf("report: %+v", got)
		}
		if _, err := s.TLSReport(ctx, 999); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing: %v", err)
		}
		if raw, err := s.TLSReportRaw(ctx, ids[0]); err != nil || len(raw) != 2 {
			t.Errorf("raw: %v, %v", raw, err)
		}

		days, err := s.TLSDays(ctx, TLSFilter{Domain: "example.com"})
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "days", days, []TLSDay{
			{Day: time.Date(2024, 1, 9, 0, 0, 0, 0, time.UTC), Successful: 0, Failed: 3, Reports: 1},
			{Day: time.Date(2024, 2, 22, 0, 0, 0, 0, time.UTC), Successful: 0, Failed: 1, Reports: 1},
		})
		if d, err := s.TLSDays(ctx, TLSFilter{Domain: "example.com", Since: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)}); err != nil || len(d) != 1 {
			t.Errorf("since: %+v, %v", d, err)
		}

		fails, err := s.TLSFailures(ctx, TLSFilter{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(fails) != 5 {
			t.Fatalf("failures: %+v", fails)
		}
		top := fails[0]
		if top.Domain != "company-y.example" || top.ResultType != "starttls-not-supported" || top.Sessions != 200 ||
			top.ReceivingMXHostname != "mx2.mail.company-y.example" || top.Reporters != 1 {
			t.Errorf("top failure: %+v", top)
		}
		var fetch *TLSFailureTotals
		for i := range fails {
			if fails[i].ResultType == "sts-policy-fetch-error" {
				fetch = &fails[i]
			}
		}
		if fetch == nil || fetch.Sessions != 2 || len(fetch.ReasonCodes) != 2 || fetch.ReasonCodes[0] != "bad https response code: 404" {
			t.Errorf("Mail.ru's failures, summed with their reasons: %+v", fetch)
		}

		domains, err := s.TLSDomains(ctx)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "domains", domains, []TLSDomain{
			{Domain: "company-y.example", Reports: 1, Successful: 5326, Failed: 303, LastSeen: rfc.Begin},
			{Domain: "example.com", Reports: 2, Successful: 0, Failed: 4, LastSeen: mailru.Begin},
		})
	})
}
