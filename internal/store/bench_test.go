package store

import (
	"context"
	"fmt"
	"path/filepath"
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
// BeginReport/Add/Commit, for several batch sizes; cmd/storebench runs the
// full-size comparison with the sqlite3 shell.
func BenchmarkImport(b *testing.B) {
	const n = 10_000
	recs := benchRecords(n)
	for _, batch := range []int{1, 32, 64, 128, 256, 512} {
		b.Run(fmt.Sprint("batch=", batch), func(b *testing.B) {
			s, err := OpenSQLiteWith(b.Context(), filepath.Join(b.TempDir(), "b.db"), SQLiteOptions{BatchSize: batch})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
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
