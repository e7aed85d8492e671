package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// Source sketches: the set of distinct source IPs of a domain and day,
// kept in rollup_days so that the UniqueSources of Summary and Timeline
// merge a few sketches per day instead of counting the distinct IPs of
// every rollup_sources row. A sketch is exact while small and a
// HyperLogLog beyond:
//
//   - exact: the sorted, distinct 64-bit hashes (sourceHash) of at most
//     sketchExactMax IPs. A union of exact sketches stays exact while it has
//     at most sketchExactMax hashes. Two IPs with the same hash count once:
//     with 64-bit hashes that is unlikely below billions of IPs.
//   - HyperLogLog: 2^sketchPrecision one-byte registers (4 KiB, the size of
//     a full exact sketch), read with Ertl's improved estimator ("New
//     cardinality estimation algorithms for HyperLogLog sketches", 2017),
//     which needs no empirical bias tables and holds from a few IPs to
//     billions. Its standard error is 1.04/sqrt(4096), about 1.6%.
//
// Both forms merge associatively, commutatively and idempotently (set
// union, register maximum), so a day's sketch can be merged at ingest in any
// order of reports and re-merging a report changes nothing.
//
// The stored form (appendBinary) is a format byte, then for sketchExact the
// hashes as big-endian uint64 in increasing order, for sketchHLL the
// precision byte and the registers.

const (
	sketchExactMax  = 512 // hashes of an exact sketch
	sketchPrecision = 12  // index bits of the HyperLogLog: 4,096 registers
	sketchRegisters = 1 << sketchPrecision
	sketchMaxRank   = 64 - sketchPrecision + 1 // a register's largest value

	sketchExact byte = 1 // format byte of an exact sketch
	sketchHLL   byte = 2 // format byte of a HyperLogLog
)

// errSketch is the error of a stored sketch that does not decode.
var errSketch = errors.New("corrupt source sketch")

// sourceSketch is a set of source IPs, by hash. The zero value is empty.
type sourceSketch struct {
	exact []uint64 // sorted, distinct; unused once hll is set
	hll   []byte   // sketchRegisters registers, nil while exact
}

// sourceHash is the 64-bit hash of an IP as stored: FNV-1a, whose low
// bits are poorly mixed, followed by the finalizer of MurmurHash3, so that
// every bit depends on every input byte as the HyperLogLog needs. It is
// stored, so it never changes.
func sourceHash(ip string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(ip); i++ {
		h ^= uint64(ip[i])
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// reset empties s, keeping its memory.
func (s *sourceSketch) reset() {
	s.exact = s.exact[:0]
	s.hll = nil
}

// add adds the IP of hash h.
func (s *sourceSketch) add(h uint64) {
	if s.hll != nil {
		s.addHLL(h)
		return
	}
	i, found := slices.BinarySearch(s.exact, h)
	if found {
		return
	}
	s.exact = slices.Insert(s.exact, i, h)
	if len(s.exact) > sketchExactMax {
		s.toHLL()
	}
}

func (s *sourceSketch) addHLL(h uint64) {
	rank := byte(min(bits.LeadingZeros64(h<<sketchPrecision), sketchMaxRank-1) + 1)
	i := h >> (64 - sketchPrecision)
	if rank > s.hll[i] {
		s.hll[i] = rank
	}
}

// toHLL turns an exact s into a HyperLogLog of its hashes.
func (s *sourceSketch) toHLL() {
	s.hll = make([]byte, sketchRegisters)
	for _, h := range s.exact {
		s.addHLL(h)
	}
	s.exact = s.exact[:0]
}

// merge adds the IPs of o to s.
func (s *sourceSketch) merge(o *sourceSketch) {
	switch {
	case o.hll != nil:
		if s.hll == nil {
			s.toHLL()
		}
		for i, r := range o.hll {
			if r > s.hll[i] {
				s.hll[i] = r
			}
		}
	case s.hll != nil:
		for _, h := range o.exact {
			s.addHLL(h)
		}
	default:
		s.exact = unionSorted(s.exact, o.exact)
		if len(s.exact) > sketchExactMax {
			s.toHLL()
		}
	}
}

// unionSorted is the union of the sorted, distinct a and b, reusing a's
// memory when it can.
func unionSorted(a, b []uint64) []uint64 {
	if len(b) == 0 {
		return a
	}
	out := make([]uint64, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// count is the number of distinct IPs: exact for an exact sketch, an
// estimate for a HyperLogLog.
func (s *sourceSketch) count() int64 {
	if s.hll == nil {
		return int64(len(s.exact))
	}
	var c [sketchMaxRank + 1]int // registers by value
	for _, r := range s.hll {
		c[r]++
	}
	const m = float64(sketchRegisters)
	z := m * hllTau(1-float64(c[sketchMaxRank])/m)
	for k := sketchMaxRank - 1; k >= 1; k-- {
		z = 0.5 * (z + float64(c[k]))
	}
	z += m * hllSigma(float64(c[0])/m)
	return int64(math.Round(m * m / (2 * math.Ln2) / z))
}

// hllSigma and hllTau are the functions σ and τ of Ertl's estimator.
func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		prev := z
		z += x * y
		y += y
		if z == prev {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		prev := z
		y *= 0.5
		z -= (1 - x) * (1 - x) * y
		if z == prev {
			return z / 3
		}
	}
}

// appendBinary appends the stored form of s to b.
func (s *sourceSketch) appendBinary(b []byte) []byte {
	if s.hll != nil {
		b = append(b, sketchHLL, sketchPrecision)
		return append(b, s.hll...)
	}
	b = append(b, sketchExact)
	for _, h := range s.exact {
		b = binary.BigEndian.AppendUint64(b, h)
	}
	return b
}

// unmarshal sets s to the sketch stored as b; an empty b (a NULL column)
// is the empty sketch. It refuses what appendBinary cannot have written.
func (s *sourceSketch) unmarshal(b []byte) error {
	s.reset()
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case sketchExact:
		b = b[1:]
		if len(b)%8 != 0 || len(b)/8 > sketchExactMax {
			return fmt.Errorf("%w: exact form of %d bytes", errSketch, len(b))
		}
		for i := 0; i < len(b); i += 8 {
			h := binary.BigEndian.Uint64(b[i:])
			if n := len(s.exact); n > 0 && h <= s.exact[n-1] {
				return fmt.Errorf("%w: hashes out of order", errSketch)
			}
			s.exact = append(s.exact, h)
		}
		return nil
	case sketchHLL:
		if len(b) != 2+sketchRegisters || b[1] != sketchPrecision {
			return fmt.Errorf("%w: HyperLogLog of %d bytes", errSketch, len(b))
		}
		for _, r := range b[2:] {
			if r > sketchMaxRank {
				return fmt.Errorf("%w: register value %d", errSketch, r)
			}
		}
		s.hll = append(make([]byte, 0, sketchRegisters), b[2:]...)
		return nil
	}
	return fmt.Errorf("%w: format %d", errSketch, b[0])
}
