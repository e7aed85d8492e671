package enrich

import (
	"context"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// realDir is where `make ipdb` installs the data, seen from this package.
const realDir = "../../data/ipdb"

var real struct {
	once sync.Once
	e    *Enricher
	err  error
}

// realEnricher returns an Enricher over the installed data, loaded once for
// all tests and benchmarks, or skips when the data is absent.
func realEnricher(tb testing.TB) *Enricher {
	tb.Helper()
	if _, err := os.Stat(filepath.Join(realDir, SourceFile)); err != nil {
		tb.Skipf("no installed IP data (run `make ipdb`): %v", err)
	}
	real.once.Do(func() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		t0 := time.Now()
		real.e, real.err = New(Config{Dir: realDir})
		if real.err == nil {
			real.err = real.e.Load(context.Background())
		}
		d := time.Since(t0)
		runtime.GC()
		runtime.ReadMemStats(&after)
		tb.Logf("loaded %s in %v: heap %+.1f MiB (total allocated during load %.1f MiB)", realDir, d,
			float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20),
			float64(after.TotalAlloc-before.TotalAlloc)/(1<<20))
	})
	if real.err != nil {
		tb.Fatal(real.err)
	}
	return real.e
}

func TestRealData(t *testing.T) {
	e := realEnricher(t)
	st := e.Status()
	if st.ASN.State != StateReady || st.Country.State != StateReady || st.Message != "" {
		t.Fatalf("status %+v", st)
	}
	t.Logf("status %+v", st)
	for _, tc := range []struct {
		ip   string
		want Info
	}{
		{"8.8.8.8", Info{ASN: 15169, Org: "Google LLC", Country: "US"}},
		{"2001:4860:4860::8888", Info{ASN: 15169, Org: "Google LLC", Country: "US"}},
		{"::ffff:8.8.8.8", Info{ASN: 15169, Org: "Google LLC", Country: "US"}},
		{"1.1.1.1", Info{ASN: 13335, Org: "Cloudflare, Inc.", Country: "AU"}},
		{"193.0.6.139", Info{ASN: 3333, Org: "Reseaux IP Europeens Network Coordination Centre (RIPE NCC)", Country: "NL"}},
		{"10.1.2.3", Info{}},
		{"127.0.0.1", Info{}},
		{"::1", Info{}},
	} {
		got := e.Lookup(context.Background(), netip.MustParseAddr(tc.ip))
		if got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.ip, got, tc.want)
		}
	}
}

// BenchmarkLookupReal measures Lookup on the installed data, and its two
// halves: the binary search of the ASN table and the country MMDB.

func BenchmarkLookupReal(b *testing.B) {
	e := realEnricher(b)
	// 4096 pseudo-random addresses, one in eight IPv6 (in 2000::/4), so
	// caches are cold as with a real report's sources.
	rng := rand.New(rand.NewPCG(1, 2))
	ips := make([]netip.Addr, 4096)
	for i := range ips {
		var b [16]byte
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		if i%8 == 0 {
			b[0] = 0x20 | b[0]&0x0f
			ips[i] = netip.AddrFrom16(b)
		} else {
			ips[i] = netip.AddrFrom4([4]byte(b[:4]))
		}
	}
	ctx := context.Background()
	b.Run("Lookup", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			e.Lookup(ctx, ips[i%len(ips)])
		}
	})
	b.Run("asn-table", func(b *testing.B) {
		t := e.asnTable.Load()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			t.lookup(ips[i%len(ips)])
		}
	})
	b.Run("country-mmdb", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			e.countryDB.lookupCountry(ips[i%len(ips)])
		}
	})
}

// BenchmarkLoadReal measures Load of the installed CSVs.
func BenchmarkLoadReal(b *testing.B) {
	if _, err := os.Stat(filepath.Join(realDir, SourceFile)); err != nil {
		b.Skipf("no installed IP data (run `make ipdb`): %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		e, err := New(Config{Dir: realDir})
		if err != nil {
			b.Fatal(err)
		}
		if err := e.Load(context.Background()); err != nil {
			b.Fatal(err)
		}
		e.Close()
	}
}
