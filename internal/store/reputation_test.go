package store

import (
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// TestReputationCache stores, replaces, reads and prunes cached answers:
// each provider and IP has its own entry, the newest replaces the older,
// and pruning deletes by fetch time only.
func TestReputationCache(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		ctx := t.Context()
		at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
		entry := func(provider, ip string, fetched time.Time, status, js string) ReputationEntry {
			return ReputationEntry{Provider: provider, IP: ip, FetchedAt: fetched, Status: status, JSON: []byte(js)}
		}
		read := func(what, provider, ip string, want *ReputationEntry) {
			t.Helper()
			got, found, err := s.CachedReputation(ctx, provider, ip)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if want == nil {
				if found {
					t.Errorf("%s: found %+v, want none", what, got)
				}
				return
			}
			if !found {
				t.Fatalf("%s: not found", what)
			}
			equal(t, what, got, *want)
		}
		read("empty", "abuseipdb", "203.0.113.9", nil)

		a := entry("abuseipdb", "203.0.113.9", at, "ok", `{"abuse_confidence_score":87,"isp":"Ünïcode ✓"}`)
		v := entry("virustotal", "203.0.113.9", at.Add(time.Minute), "error", `{"message":"HTTP 500"}`)
		six := entry("abuseipdb", "2001:db8::25", at.Add(-48*time.Hour), "not_found", `{}`)
		for _, e := range []ReputationEntry{a, v, six} {
			if err := s.CacheReputation(ctx, e); err != nil {
				t.Fatalf("cache %+v: %v", e, err)
			}
		}
		read("abuseipdb", "abuseipdb", "203.0.113.9", &a)
		read("virustotal", "virustotal", "203.0.113.9", &v)
		read("IPv6", "abuseipdb", "2001:db8::25", &six)
		read("other IP", "abuseipdb", "203.0.113.10", nil)

		// A newer answer replaces the entry.
		a2 := entry("abuseipdb", "203.0.113.9", at.Add(time.Hour), "ok", `{"abuse_confidence_score":0}`)
		if err := s.CacheReputation(ctx, a2); err != nil {
			t.Fatal(err)
		}
		read("replaced", "abuseipdb", "203.0.113.9", &a2)
		var n int
		if err := queryRow(t, s, `SELECT COUNT(*) FROM reputation_cache`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		equal(t, "rows", n, 3)

		// Pruning at at deletes the IPv6 entry (two days old) only.
		pruned, err := s.PruneReputation(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "pruned", pruned, int64(1))
		read("pruned", "abuseipdb", "2001:db8::25", nil)
		read("kept", "virustotal", "203.0.113.9", &v)

		for _, bad := range []ReputationEntry{{IP: "203.0.113.9", Status: "ok"}, {Provider: "x", Status: "ok"}, {Provider: "x", IP: "203.0.113.9"}} {
			if err := s.CacheReputation(ctx, bad); err == nil || !strings.Contains(err.Error(), "required") {
				t.Errorf("%+v: got %v", bad, err)
			}
		}
	})
}

// TestSourceHistory totals an IP's records per domain and day across
// domains and reports, newest day first, and bounds what it reads.
func TestSourceHistory(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		ctx := t.Context()
		const ip = "198.51.100.7"
		rec := func(count int64, disposition, dkim, spf string) *aggregate.Record {
			return &aggregate.Record{SourceIP: ip, Count: count,
				PolicyEvaluated: aggregate.PolicyEvaluated{Disposition: disposition, DKIM: dkim, SPF: spf}}
		}
		other := &aggregate.Record{SourceIP: "198.51.100.8", Count: 1000,
			PolicyEvaluated: aggregate.PolicyEvaluated{Disposition: "none", DKIM: "pass", SPF: "pass"}}
		day := 24 * time.Hour
		reports := []struct {
			org, domain string
			begin       time.Time
			recs        []*aggregate.Record
		}{
			{"google.com", "example.com", testBegin, []*aggregate.Record{rec(10, "none", "pass", "pass"), rec(2, "reject", "fail", "fail"), other}},
			{"yahoo.com", "example.com", testBegin, []*aggregate.Record{rec(5, "none", "pass", "fail")}},
			{"google.com", "example.org", testBegin.Add(2 * day), []*aggregate.Record{rec(3, "quarantine", "fail", "fail")}},
			{"google.com", "example.com", testBegin.Add(-day), []*aggregate.Record{other}},
		}
		for i, r := range reports {
			h := testHeader(r.org, "h"+string(rune('a'+i)), r.domain)
			h.Metadata.DateRange.Begin = r.begin
			store(t, s, Incoming{Header: h}, r.recs, Summary{})
		}
		days, partial, err := s.SourceHistory(ctx, ip, 100)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "partial", partial, false)
		equal(t, "days", days, []SourceDay{
			{Domain: "example.org", Day: testBegin.Add(2 * day), Totals: Totals{Messages: 3, DKIMFail: 3, SPFFail: 3, FullyFailed: 3, DispositionQuarantine: 3}},
			{Domain: "example.com", Day: testBegin, Totals: Totals{Messages: 17, DMARCPass: 15, DKIMPass: 15, DKIMFail: 2, SPFPass: 10, SPFFail: 7,
				FullyAligned: 10, FullyFailed: 2, DispositionNone: 15, DispositionReject: 2}},
		})

		// Bounded: the newest two records only (the example.org day and one
		// record of example.com's).
		days, partial, err = s.SourceHistory(ctx, ip, 2)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "partial at 2", partial, true)
		var msgs int64
		for _, d := range days {
			msgs += d.Messages
		}
		if len(days) != 2 || days[0].Messages != 3 || msgs >= 20 {
			t.Errorf("limit 2: %+v", days)
		}

		days, partial, err = s.SourceHistory(ctx, "192.0.2.1", 10)
		if err != nil || partial || len(days) != 0 {
			t.Errorf("unknown IP: %+v %v %v", days, partial, err)
		}
		if _, _, err := s.SourceHistory(ctx, ip, 0); err == nil {
			t.Error("limit 0: no error")
		}
	})
}
