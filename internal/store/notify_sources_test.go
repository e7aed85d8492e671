package store

import (
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// TestNewSources: the IPs of a report that no other report of its
// domain has, the most messages first; an IP another domain saw is new.
func TestNewSources(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		rec := func(ip string, n int64, dkim string) *aggregate.Record {
			return &aggregate.Record{SourceIP: ip, Count: n, PolicyEvaluated: aggregate.PolicyEvaluated{Disposition: "none", DKIM: dkim, SPF: "fail"},
				Identifiers: aggregate.Identifiers{HeaderFrom: "example.com"}}
		}
		first := store(t, s, Incoming{Header: testHeader("google.com", "1", "example.com")},
			[]*aggregate.Record{rec("192.0.2.1", 10, "pass")}, Summary{})
		store(t, s, Incoming{Header: testHeader("google.com", "2", "example.org")},
			[]*aggregate.Record{rec("192.0.2.2", 10, "pass")}, Summary{})
		second := store(t, s, Incoming{Header: testHeader("yahoo.com", "3", "example.com")}, []*aggregate.Record{
			rec("192.0.2.1", 5, "pass"), rec("192.0.2.2", 3, "fail"), rec("192.0.2.3", 7, "fail"), rec("192.0.2.3", 2, "pass")}, Summary{})
		got, err := s.NewSources(t.Context(), second, 10)
		if err != nil {
			t.Fatal(err)
		}
		day := testBegin
		equal(t, "new sources", got, []NewSource{
			{Domain: "example.com", SourceIP: "192.0.2.3", Day: day, Messages: 9, DMARCPass: 2},
			{Domain: "example.com", SourceIP: "192.0.2.2", Day: day, Messages: 3, DMARCPass: 0},
		})
		if got, err := s.NewSources(t.Context(), second, 1); err != nil || len(got) != 1 {
			t.Errorf("limit 1: %+v, %v", got, err)
		}
		if got, err := s.NewSources(t.Context(), first, 10); err != nil || len(got) != 0 {
			t.Errorf("first report, its IP seen again later: %+v, %v", got, err)
		}
	})
}
