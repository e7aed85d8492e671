package store

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// TestDNSChecks stores checks of two domains, reads them back newest
// first, keeps the newest few per domain and finds each domain's latest.
func TestDNSChecks(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		ctx := t.Context()
		at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
		add := func(domain string, minute int, status string, keep int) int64 {
			t.Helper()
			id, err := s.AddDNSCheck(ctx, DNSCheck{Domain: domain, CheckedAt: at.Add(time.Duration(minute) * time.Minute),
				Origin: "schedule", Status: status, Result: fmt.Appendf(nil, `{"domain":%q,"n":%d}`, domain, minute)}, keep)
			if err != nil {
				t.Fatalf("add %s %d: %v", domain, minute, err)
			}
			return id
		}
		var ids []int64
		for i := range 5 {
			ids = append(ids, add("example.com", i, []string{"ok", "warning"}[i%2], 3))
		}
		other := add("example.org", 2, "error", 3)
		// Two checks in the same second: the later stored is the newer.
		same := add("example.org", 2, "ok", 3)

		got, err := s.DNSChecks(ctx, "example.com", 10)
		if err != nil {
			t.Fatal(err)
		}
		var gotIDs []int64
		for _, c := range got {
			gotIDs = append(gotIDs, c.ID)
		}
		equal(t, "kept, newest first", gotIDs, []int64{ids[4], ids[3], ids[2]})
		equal(t, "newest", got[0], DNSCheck{ID: ids[4], Domain: "example.com", CheckedAt: at.Add(4 * time.Minute),
			Origin: "schedule", Status: "ok", Result: []byte(`{"domain":"example.com","n":4}`)})

		got, err = s.DNSChecks(ctx, "example.com", 1)
		if err != nil || len(got) != 1 || got[0].ID != ids[4] {
			t.Errorf("limit 1: %+v, %v", got, err)
		}
		if got, err := s.DNSChecks(ctx, "EXAMPLE.COM", 10); err != nil || len(got) != 0 {
			t.Errorf("compared exactly: %+v, %v", got, err)
		}

		latest, err := s.LatestDNSChecks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(latest) != 2 || latest[0].ID != ids[4] || latest[1].ID != same || latest[1].Status != "ok" {
			t.Errorf("latest: %+v (org checks %d, %d)", latest, other, same)
		}

		// Keeping fewer prunes the older ones of that domain only.
		add("example.com", 9, "ok", 1)
		var n int
		if err := queryRow(t, s, `SELECT COUNT(*) FROM dns_checks`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		equal(t, "rows after keeping 1", n, 3)

		if _, err := s.AddDNSCheck(ctx, DNSCheck{Status: "ok"}, 0); err == nil || !strings.Contains(err.Error(), "domain and status") {
			t.Errorf("empty domain: %v", err)
		}
		if _, err := s.AddDNSCheck(ctx, DNSCheck{Domain: "bad\xff.example", Status: "ok", Result: []byte("{}")}, 0); err != nil {
			t.Errorf("invalid UTF-8: %v", err)
		}
	})
}

// TestDNSChecksKeepDefault: without a number, DNSChecksKept checks stay.
func TestDNSChecksKeepDefault(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	for i := range DNSChecksKept + 5 {
		if _, err := s.AddDNSCheck(t.Context(), DNSCheck{Domain: "example.com", CheckedAt: time.Unix(int64(i), 0),
			Origin: "api", Status: "ok", Result: []byte("{}")}, 0); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.DNSChecks(t.Context(), "example.com", 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != DNSChecksKept || got[len(got)-1].CheckedAt.Unix() != 5 {
		t.Errorf("%d kept, oldest at %v", len(got), got[len(got)-1].CheckedAt)
	}
}

// TestDKIMSelectors learns a domain's selectors from its records: its own
// signatures only, without case, the most messages first.
func TestDKIMSelectors(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		store(t, s, Incoming{Header: testHeader("google.com", "1", "example.com")}, testRecords(), Summary{})
		more := []*aggregate.Record{{
			SourceIP: "192.0.2.9", Count: 2000,
			PolicyEvaluated: aggregate.PolicyEvaluated{Disposition: "none", DKIM: "pass", SPF: "pass"},
			Identifiers:     aggregate.Identifiers{HeaderFrom: "example.com"},
			AuthResults: aggregate.AuthResults{DKIM: []aggregate.DKIMResult{
				{Domain: "EXAMPLE.COM.", Selector: "S1", Result: "pass"},
				{Domain: "sub.example.com", Selector: "sub", Result: "pass"},
			}},
		}}
		store(t, s, Incoming{Header: testHeader("yahoo.com", "2", "example.com")}, more, Summary{})
		store(t, s, Incoming{Header: testHeader("yahoo.com", "3", "example.org")}, testRecords(), Summary{})

		got, err := s.DKIMSelectors(t.Context(), "example.com", 100)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "selectors", got, []SelectorCount{{"s1", 2003}, {"2026a", 1200}})
		if got, err := s.DKIMSelectors(t.Context(), "example.net", 100); err != nil || len(got) != 0 {
			t.Errorf("no records: %+v, %v", got, err)
		}
	})
}
