package store

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// openTest opens a store on a new file in t's temporary directory.
func openTest(t testing.TB) *SQLite {
	t.Helper()
	s, err := OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

var testBegin = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

// testHeader is a DMARCbis header with every field set.
func testHeader(org, id, domain string) *aggregate.Header {
	return &aggregate.Header{
		Version:   "1.0",
		Namespace: aggregate.NamespaceDMARC2,
		Metadata: aggregate.Metadata{
			Reporter:  aggregate.Reporter{OrgName: org, Email: "dmarc@" + org, ExtraContactInfo: "https://" + org + "/dmarc"},
			ReportID:  id,
			DateRange: aggregate.DateRange{Begin: testBegin.Add(3 * time.Hour), End: testBegin.Add(27*time.Hour - time.Second), DurationHours: 24},
			Generator: "Receiver DMARC Reporter 3.1",
			Errors:    []string{"DNS timeout for one record, retried", `quote " and <tag>`},
		},
		Policy: aggregate.PolicyPublished{
			Domain: domain, ADKIM: "s", ASPF: "r", Policy: "quarantine", SubdomainPolicy: "reject", Percentage: 100,
			NonexistentSubdomainPolicy: "reject", FailureOptions: "1", Testing: "n", DiscoveryMethod: "treewalk",
		},
	}
}

// testRecords covers every field of a record.
func testRecords() []*aggregate.Record {
	return []*aggregate.Record{
		{
			SourceIP: "2001:db8::25", Count: 1200,
			PolicyEvaluated: aggregate.PolicyEvaluated{Disposition: "pass", DKIM: "pass", SPF: "pass"},
			Identifiers:     aggregate.Identifiers{HeaderFrom: "example.com", EnvelopeFrom: "example.com", EnvelopeTo: "receiver.example"},
			AuthResults: aggregate.AuthResults{
				DKIM: []aggregate.DKIMResult{
					{Domain: "example.com", Selector: "2026a", Result: "pass", HumanResult: "2048-bit RSA"},
					{Domain: "esp.example", Selector: "esp", Result: "pass"},
				},
				SPF: []aggregate.SPFResult{{Domain: "example.com", Scope: "mfrom", Result: "pass", HumanResult: "ip4 match"}},
			},
		},
		{
			SourceIP: "192.0.2.7", Count: 3,
			PolicyEvaluated: aggregate.PolicyEvaluated{Disposition: "none", DKIM: "pass", SPF: "fail", Reasons: []aggregate.Reason{
				{Type: "forwarded", Comment: "list \"members\"\n\tand more"},
				{Type: "mailing_list"},
			}},
			Identifiers: aggregate.Identifiers{HeaderFrom: "example.com", EnvelopeFrom: "lists.example.org"},
			AuthResults: aggregate.AuthResults{
				DKIM: []aggregate.DKIMResult{{Domain: "example.com", Selector: "s1", Result: "pass"}},
				SPF: []aggregate.SPFResult{
					{Domain: "lists.example.org", Scope: "mfrom", Result: "fail"},
					{Domain: "mx.lists.example.org", Scope: "helo", Result: "pass"},
				},
			},
		},
		{
			SourceIP: "not an ip", Count: 1,
			PolicyEvaluated: aggregate.PolicyEvaluated{Disposition: "reject", DKIM: "fail", SPF: "fail"},
			Identifiers:     aggregate.Identifiers{HeaderFrom: "exämple.com"},
			AuthResults:     aggregate.AuthResults{SPF: []aggregate.SPFResult{{Domain: "spoof.example.net", Result: "softfail"}}},
		},
		{
			SourceIP: "198.51.100.1", Count: 10,
			PolicyEvaluated: aggregate.PolicyEvaluated{Disposition: "quarantine", DKIM: "fail", SPF: "pass"},
			Identifiers:     aggregate.Identifiers{HeaderFrom: "example.com"},
		},
	}
}

// store stores one report with recs and returns its id.
func store(t testing.TB, s Store, in Incoming, recs []*aggregate.Record, sum Summary) int64 {
	t.Helper()
	ctx := context.Background()
	tx, err := s.BeginReport(ctx, in)
	if err != nil {
		t.Fatalf("begin report: %v", err)
	}
	defer tx.Rollback()
	for _, r := range recs {
		if err := tx.Add(ctx, r); err != nil {
			t.Fatalf("add: %v", err)
		}
	}
	if sum.Status == "" {
		sum.Status = StatusValid
	}
	id, err := tx.Commit(ctx, sum)
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
	return id
}

func records(t testing.TB, s Store, id int64) []*aggregate.Record {
	t.Helper()
	var got []*aggregate.Record
	if err := s.Records(t.Context(), id, func(r *aggregate.Record) error {
		got = append(got, r)
		return nil
	}); err != nil {
		t.Fatalf("records: %v", err)
	}
	return got
}

func counts(t testing.TB, s Store) Counts {
	t.Helper()
	c, err := s.Counts(t.Context())
	if err != nil {
		t.Fatalf("counts: %v", err)
	}
	return c
}

func equal[T any](t testing.TB, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}
