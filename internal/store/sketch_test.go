package store

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// randomIPs are n distinct random IPv4 and IPv6 addresses as stored.
func randomIPs(rng *rand.Rand, n int) []string {
	seen := make(map[string]bool, n)
	out := make([]string, 0, n)
	for len(out) < n {
		var ip netip.Addr
		if rng.IntN(4) == 0 {
			var b [16]byte
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			ip = netip.AddrFrom16(b)
		} else {
			ip = netip.AddrFrom4([4]byte{byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32())})
		}
		s := ip.String()
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func sketchOf(ips []string) *sourceSketch {
	s := new(sourceSketch)
	for _, ip := range ips {
		s.add(sourceHash(ip))
	}
	return s
}

// TestSketchExact checks that a sketch counts exactly up to sketchExactMax
// IPs, however they are added and merged, and estimates beyond.
func TestSketchExact(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 100, sketchExactMax - 1, sketchExactMax, sketchExactMax + 1} {
		ips := randomIPs(rng, n)
		s := sketchOf(append(ips, ips...)) // each twice
		// The same IPs over three sketches, overlapping.
		var m sourceSketch
		for _, part := range [][]string{ips[:n/2], ips[n/3:], ips[:n/4]} {
			m.merge(sketchOf(part))
		}
		for name, s := range map[string]*sourceSketch{"added": s, "merged": &m} {
			got := s.count()
			if n <= sketchExactMax {
				if got != int64(n) || s.hll != nil {
					t.Errorf("%d IPs, %s: count %d, HyperLogLog %t", n, name, got, s.hll != nil)
				}
			} else if s.hll == nil || math.Abs(float64(got-int64(n))) > 0.05*float64(n) {
				t.Errorf("%d IPs, %s: count %d, HyperLogLog %t", n, name, got, s.hll != nil)
			}
		}
	}
}

// TestSketchError checks the HyperLogLog's estimate within 3 standard
// errors (1.04/sqrt(4096) each) of the truth, counting each set as one
// sketch and as the merge of 100 parts, as a year of days would be.
func TestSketchError(t *testing.T) {
	t.Parallel()
	sizes := []int{10_000, 100_000, 1_000_000}
	if testing.Short() {
		sizes = sizes[:2]
	}
	sigma := 1.04 / math.Sqrt(sketchRegisters)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range sizes {
		ips := randomIPs(rng, n)
		whole := sketchOf(ips)
		var merged sourceSketch
		for i := range 100 {
			merged.merge(sketchOf(ips[i*n/100 : (i+1)*n/100]))
		}
		for name, s := range map[string]*sourceSketch{"one": whole, "merged": &merged} {
			got := s.count()
			rel := float64(got-int64(n)) / float64(n)
			t.Logf("%d IPs, %s sketch: %d (%+.2f%%, %.1f sigma)", n, name, got, 100*rel, rel/sigma)
			if math.Abs(rel) > 3*sigma {
				t.Errorf("%d IPs, %s sketch: %d, off by %.2f%%, over 3 sigma (%.2f%%)", n, name, got, 100*rel, 300*sigma)
			}
		}
		equal(t, fmt.Sprint(n, " merged registers"), merged.hll, whole.hll)
	}
}

// TestSketchMerge checks that merging is associative and commutative in
// every combination of forms, and idempotent.
func TestSketchMerge(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	sizes := map[string]int{"empty": 0, "small": 50, "full": sketchExactMax, "large": 5000}
	for an, a := range sizes {
		for bn, b := range sizes {
			for cn, c := range sizes {
				sa, sb, sc := sketchOf(randomIPs(rng, a)), sketchOf(randomIPs(rng, b)), sketchOf(randomIPs(rng, c))
				// (a ∪ b) ∪ c
				var left sourceSketch
				left.merge(sa)
				left.merge(sb)
				left.merge(sc)
				// a ∪ (c ∪ b)
				var cb, right sourceSketch
				cb.merge(sc)
				cb.merge(sb)
				right.merge(sa)
				right.merge(&cb)
				name := fmt.Sprintf("%s, %s, %s", an, bn, cn)
				equal(t, name, string(right.appendBinary(nil)), string(left.appendBinary(nil)))
				before := left.appendBinary(nil)
				left.merge(sb)
				equal(t, name+" merged again", string(left.appendBinary(nil)), string(before))
			}
		}
	}
}

// TestSketchBinary checks the stored form's round trip and that damaged
// forms are refused.
func TestSketchBinary(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 300, sketchExactMax, 10_000} {
		s := sketchOf(randomIPs(rng, n))
		b := s.appendBinary(nil)
		var got sourceSketch
		if err := got.unmarshal(b); err != nil {
			t.Fatalf("%d IPs: %v", n, err)
		}
		equal(t, fmt.Sprint(n, " IPs count"), got.count(), s.count())
		equal(t, fmt.Sprint(n, " IPs form"), string(got.appendBinary(nil)), string(b))
	}
	var empty sourceSketch
	if err := empty.unmarshal(nil); err != nil || empty.count() != 0 {
		t.Errorf("NULL: count %d, %v", empty.count(), err)
	}

	exact := sketchOf(randomIPs(rng, 3)).appendBinary(nil)
	hll := sketchOf(randomIPs(rng, 1000)).appendBinary(nil)
	swapped := append([]byte{sketchExact}, exact[9:17]...)
	swapped = append(swapped, exact[1:9]...)
	badRegister := append([]byte(nil), hll...)
	badRegister[100] = sketchMaxRank + 1
	badPrecision := append([]byte(nil), hll...)
	badPrecision[1] = 11
	tooMany := []byte{sketchExact}
	for i := range sketchExactMax + 1 {
		tooMany = append(tooMany, 0, 0, 0, 0, 0, 0, byte(i>>8), byte(i))
	}
	for name, b := range map[string][]byte{
		"unknown format":   {9, 1, 2},
		"exact cut":        exact[:len(exact)-1],
		"exact unsorted":   swapped,
		"exact duplicate":  append(exact[:9:9], exact[1:9]...),
		"exact too many":   tooMany,
		"HLL cut":          hll[:len(hll)-1],
		"HLL long":         append(hll, 0),
		"HLL register":     badRegister,
		"HLL precision":    badPrecision,
		"HLL without body": {sketchHLL},
	} {
		var s sourceSketch
		if err := s.unmarshal(b); !errors.Is(err, errSketch) {
			t.Errorf("%s: %v, want errSketch", name, err)
		}
	}
}

// BenchmarkSketchMerge measures merging a day's sketch of each form into a
// running union, as Summary does for each day of a range.
func BenchmarkSketchMerge(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{300, 5000} {
		day := sketchOf(randomIPs(rng, n)).appendBinary(nil)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var u, d sourceSketch
			for b.Loop() {
				if err := d.unmarshal(day); err != nil {
					b.Fatal(err)
				}
				u.merge(&d)
			}
		})
	}
}
