package store

import (
	"context"
	"errors"
	"testing"
)

func TestSourceRecords(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		ctx := context.Background()
		recs := testRecords()
		ip := recs[0].SourceIP
		later := testHeader("google.com", "later", "example.com")
		later.Metadata.DateRange.Begin = testBegin.AddDate(0, 0, 8)
		store(t, s, Incoming{Header: testHeader("google.com", "first", "example.com"), SourceName: "a"}, recs, Summary{})
		store(t, s, Incoming{Header: later, SourceName: "b"}, recs, Summary{})
		store(t, s, Incoming{Header: testHeader("yahoo.com", "other", "other.org"), SourceName: "c"}, recs[:1], Summary{})

		want := 0
		for _, r := range recs {
			if r.SourceIP == ip {
				want++
			}
		}
		collect := func(f AggregateFilter, limit int) []*SourceRecord {
			t.Helper()
			var out []*SourceRecord
			if err := s.SourceRecords(ctx, ip, f, limit, func(r *SourceRecord) error { out = append(out, r); return nil }); err != nil {
				t.Fatal(err)
			}
			return out
		}
		all := collect(AggregateFilter{}, 100)
		if len(all) != 2*want+1 {
			t.Fatalf("%d records of %s, want %d", len(all), ip, 2*want+1)
		}
		if !all[0].Begin.Equal(later.Metadata.DateRange.Begin) || all[0].OrgName != "google.com" || all[0].Domain != "example.com" {
			t.Errorf("newest first: %+v", all[0])
		}
		for _, r := range all {
			if r.Record.SourceIP != ip || r.ReportID == 0 || r.Policy == "" {
				t.Errorf("record %+v", r)
			}
		}
		if got := collect(AggregateFilter{Domain: "other.org"}, 100); len(got) != 1 || got[0].OrgName != "yahoo.com" {
			t.Errorf("domain filter: %+v", got)
		}
		if got := collect(AggregateFilter{Domain: "example.com", Since: testBegin.AddDate(0, 0, 1)}, 100); len(got) != want {
			t.Errorf("since: %d records, want %d", len(got), want)
		}
		if got := collect(AggregateFilter{}, 1); len(got) != 1 {
			t.Errorf("limit 1: %d records", len(got))
		}
		stop := errors.New("stop")
		if err := s.SourceRecords(ctx, ip, AggregateFilter{}, 100, func(*SourceRecord) error { return stop }); !errors.Is(err, stop) {
			t.Errorf("fn's error: %v", err)
		}
	})
}
