package analysis_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
)

// benchRecords are 100k records over 5k source IPs, of every kind the
// classification tells apart.
var benchRecords = sync.OnceValue(func() []*aggregate.Record {
	const ips = 5000
	addrs := make([]string, ips)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
	}
	recs := make([]*aggregate.Record, 100_000)
	for i := range recs {
		ip := addrs[i%ips]
		n := int64(i%7 + 1)
		switch i % ips % 5 {
		case 0, 1:
			recs[i] = own(ip, n)
		case 2:
			recs[i] = spoofed(ip, n, "none")
		case 3:
			recs[i] = viaESP(ip, n, "none")
		default:
			recs[i] = forwarded(ip, n)
		}
	}
	return recs
})

// BenchmarkAccumulator feeds 100k records over 5k IPs to an accumulator:
// "add" only feeds them (allocations come from new sources only), "all"
// also reads every result.
func BenchmarkAccumulator(b *testing.B) {
	recs := benchRecords()
	h := header("none", "none", 100)
	feed := func() *analysis.Accumulator {
		a := analysis.NewAccumulator(h)
		for _, r := range recs {
			a.Add(r)
		}
		return a
	}
	b.Run("add", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if feed().Statistics().UniqueSources != 5000 {
				b.Fatal("sources lost")
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
	})
	b.Run("all", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			a := feed()
			if len(a.Sources()) != 5000 || a.Risk().UnauthorizedSenders != 1000 || len(a.Recommendations()) == 0 {
				b.Fatal("incomplete analysis")
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
	})
}
