package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// benchRecords are n records with realistic variety: 500 source IPs, one or
// two DKIM results, some reasons.
func benchRecords(n int) []*aggregate.Record {
	base := testRecords()
	recs := make([]*aggregate.Record, n)
	for i := range recs {
		r := *base[i%len(base)]
		r.SourceIP = fmt.Sprintf("192.0.%d.%d", i%500/250, i%250)
		recs[i] = &r
	}
	return recs
}

// BenchmarkImport stores reports of 10,000 records through
// BeginReport/Add/Commit, for several batch sizes, on each backend
// (Postgres when PARSE_DMARC_TEST_POSTGRES is set); cmd/storebench runs the
// full-size SQLite comparison with the sqlite3 shell.
func BenchmarkImport(b *testing.B) {
	const n = 10_000
	recs := benchRecords(n)
	batches := map[string][]int{
		"sqlite":   {1, 32, 64, 128, 256, 512},
		"postgres": {128, 1000, 5000},
	}
	for _, be := range backends() {
		for _, batch := range batches[be.name] {
			b.Run(fmt.Sprint(be.name, "/batch=", batch), func(b *testing.B) {
				s := be.newDB(b)(b, batch)
				ctx := context.Background()
				i := 0
				for b.Loop() {
					i++
					tx, err := s.BeginReport(ctx, Incoming{Header: testHeader("google.com", fmt.Sprint(i), "example.com")})
					if err != nil {
						b.Fatal(err)
					}
					for _, r := range recs {
						if err := tx.Add(ctx, r); err != nil {
							b.Fatal(err)
						}
					}
					if _, err := tx.Commit(ctx, Summary{Status: StatusValid}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
			})
		}
	}
}
