package store

import (
	"context"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// expectTotals computes Totals of recs the plain way, times n.
func expectTotals(recs []*aggregate.Record, n int64) Totals {
	var t Totals
	ips := map[string]bool{}
	for _, r := range recs {
		c := r.Count * n
		pe := r.PolicyEvaluated
		t.Messages += c
		if r.Passed() {
			t.DMARCPass += c
		}
		add := func(cond bool, v *int64) {
			if cond {
				*v += c
			}
		}
		add(pe.DKIM == "pass", &t.DKIMPass)
		add(pe.DKIM == "fail", &t.DKIMFail)
		add(pe.SPF == "pass", &t.SPFPass)
		add(pe.SPF == "fail", &t.SPFFail)
		add(pe.DKIM == "pass" && pe.SPF == "pass", &t.FullyAligned)
		add(pe.DKIM == "fail" && pe.SPF == "fail", &t.FullyFailed)
		add(pe.Disposition == "none" || pe.Disposition == "pass", &t.DispositionNone)
		add(pe.Disposition == "quarantine", &t.DispositionQuarantine)
		add(pe.Disposition == "reject", &t.DispositionReject)
		ips[r.SourceIP] = true
	}
	t.UniqueSources = int64(len(ips))
	return t
}

func TestAggregates(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		ctx := context.Background()
		recs := testRecords()
		later := testHeader("google.com", "later", "example.com")
		later.Metadata.DateRange.Begin = testBegin.AddDate(0, 0, 8).Add(time.Hour)
		store(t, s, Incoming{Header: testHeader("google.com", "first", "example.com"), SourceName: "a"}, recs, Summary{})
		store(t, s, Incoming{Header: later, SourceName: "b"}, recs, Summary{})
		store(t, s, Incoming{Header: testHeader("yahoo.com", "other", "other.org"), SourceName: "c"}, recs[:1], Summary{})

		dom := AggregateFilter{Domain: "example.com"}
		got, err := s.Summary(ctx, dom)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "summary", got, expectTotals(recs, 2))
		one, _ := s.Summary(ctx, AggregateFilter{Domain: "example.com", Since: testBegin.AddDate(0, 0, 1)})
		equal(t, "summary since", one, expectTotals(recs, 1))
		all, _ := s.Summary(ctx, AggregateFilter{})
		if all.Messages != got.Messages+recs[0].Count {
			t.Errorf("all domains: %d messages", all.Messages)
		}

		daily, err := s.Timeline(ctx, dom, false)
		if err != nil || len(daily) != 2 || !daily[0].Start.Equal(testBegin) || !daily[1].Start.Equal(testBegin.AddDate(0, 0, 8)) {
			t.Fatalf("daily %+v %v", daily, err)
		}
		equal(t, "first day", daily[0].Totals, expectTotals(recs, 1))
		weekly, err := s.Timeline(ctx, dom, true)
		if err != nil || len(weekly) != 2 || weekly[0].Start.Weekday() != time.Monday || weekly[0].Start.After(testBegin) ||
			testBegin.Sub(weekly[0].Start) >= 7*24*time.Hour {
			t.Fatalf("weekly %+v %v", weekly, err)
		}

		top, err := s.TopSources(ctx, dom, 2)
		if err != nil || len(top) != 2 || top[0].Messages < top[1].Messages || top[0].UniqueSources != 1 ||
			!top[0].FirstSeen.Equal(testBegin) || !top[0].LastSeen.Equal(testBegin.AddDate(0, 0, 8)) {
			t.Fatalf("top %+v %v", top, err)
		}

		doms, err := s.Domains(ctx)
		if err != nil || len(doms) != 2 || doms[0].Domain != "example.com" || doms[0].Reports != 2 || doms[0].Messages != got.Messages || doms[0].DMARCPass != got.DMARCPass {
			t.Fatalf("domains %+v %v", doms, err)
		}
		reps, err := s.Reporters(ctx, AggregateFilter{})
		if err != nil || len(reps) != 2 || reps[0].OrgName != "google.com" || reps[0].Reports != 2 {
			t.Fatalf("reporters %+v %v", reps, err)
		}
	})
}

// TestTotalsAdd: Totals.Add counts as the aggregate queries do.
func TestTotalsAdd(t *testing.T) {
	t.Parallel()
	recs := testRecords()
	var got Totals
	for _, r := range recs {
		got.Add(r)
	}
	want := expectTotals(recs, 1)
	want.UniqueSources = 0 // Add leaves it alone
	equal(t, "totals", got, want)
}
