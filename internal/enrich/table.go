package enrich

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
)

// table maps IP ranges to an ASN and organisation, from ip-location-db's
// CSVs. Ranges are sorted by start and disjoint, so a lookup is one binary
// search. Organisation names are interned: 515k ranges share 91k names.
type table struct {
	v4   []range4
	v6   []range6
	orgs []string
}

// range4 is an inclusive IPv4 range: 16 bytes.
type range4 struct {
	start, end uint32
	asn        uint32
	org        uint32 // index into table.orgs
}

// range6 is an inclusive IPv6 range as two big-endian halves each: 40 bytes.
type range6 struct {
	start, end u128
	asn        uint32
	org        uint32
}

type u128 struct{ hi, lo uint64 }

func (a u128) less(b u128) bool { return a.hi < b.hi || a.hi == b.hi && a.lo < b.lo }

func (a u128) next() u128 {
	if a.lo == ^uint64(0) {
		return u128{a.hi + 1, 0}
	}
	return u128{a.hi, a.lo + 1}
}

func (a u128) prev() u128 {
	if a.lo == 0 {
		return u128{a.hi - 1, ^uint64(0)}
	}
	return u128{a.hi, a.lo - 1}
}

func addr4(a netip.Addr) uint32 {
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}

func addr6(a netip.Addr) u128 {
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

// lookup returns the ASN and organisation of a, or zero values. a must be
// unmapped (an IPv4 address is looked up among the IPv4 ranges).
func (t *table) lookup(a netip.Addr) (uint32, string, bool) {
	if a.Is4() {
		ip := addr4(a)
		// Find the last range starting at or before ip.
		lo, hi := 0, len(t.v4)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if t.v4[m].start <= ip {
				lo = m + 1
			} else {
				hi = m
			}
		}
		if lo > 0 && ip <= t.v4[lo-1].end {
			r := &t.v4[lo-1]
			return r.asn, t.orgs[r.org], true
		}
		return 0, "", false
	}
	ip := addr6(a)
	lo, hi := 0, len(t.v6)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if !ip.less(t.v6[m].start) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo > 0 && !t.v6[lo-1].end.less(ip) {
		r := &t.v6[lo-1]
		return r.asn, t.orgs[r.org], true
	}
	return 0, "", false
}

// tableBuilder interns organisation names while files are read.
type tableBuilder struct {
	t        table
	orgs     map[string]uint32
	overlaps int // ranges laid over the previous one
}

func newTableBuilder() *tableBuilder {
	return &tableBuilder{orgs: map[string]uint32{}}
}

func (b *tableBuilder) org(name []byte) uint32 {
	if i, ok := b.orgs[string(name)]; ok { // no allocation for the lookup
		return i
	}
	i := uint32(len(b.t.orgs))
	s := string(name)
	b.t.orgs = append(b.t.orgs, s)
	b.orgs[s] = i
	return i
}

// maxLine bounds a CSV line; real lines are under 200 bytes.
const maxLine = 64 << 10

// loadFile reads one CSV file (IPv4 or IPv6 ranges, by v6) into b.
func (b *tableBuilder) loadFile(ctx context.Context, path string, v6 bool) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("enrich: %w", err)
	}
	defer f.Close()
	// Reserve for the lines the file's size suggests (the real files
	// average 58 and 85 bytes a line), which halves what loading allocates.
	if fi, err := f.Stat(); err == nil {
		if v6 {
			b.t.v6 = slices.Grow(b.t.v6, int(fi.Size()/80))
		} else {
			b.t.v4 = slices.Grow(b.t.v4, int(fi.Size()/54))
		}
	}
	return b.read(ctx, f, filepath.Base(path), v6)
}

// read parses lines of start,end,asn,org (org optionally double-quoted with
// "" for a quote; no header) from r, called name in errors. Ranges must
// start in ascending order, as ip-location-db writes them; anything else is
// an error rather than silently sorted. A range overlapping the one before
// it (version 2.3.2026061719 has one, in 215.0.0.0/16) is laid over it:
// the later line wins where they overlap, and b.overlaps counts these. (A
// range laid inside another splits it in two; a next line starting before
// the second part is refused as out of order.)
func (b *tableBuilder) read(ctx context.Context, r io.Reader, name string, v6 bool) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var (
		line   int
		orgBuf []byte
	)
	fail := func(format string, args ...any) error {
		return fmt.Errorf("enrich: %s:%d: %w: %s", name, line, ErrMalformed, fmt.Sprintf(format, args...))
	}
	for sc.Scan() {
		line++
		if line%65536 == 0 && ctx.Err() != nil {
			return fmt.Errorf("enrich: loading %s: %w", name, context.Cause(ctx))
		}
		l := bytes.TrimSuffix(sc.Bytes(), []byte{'\r'})
		if len(l) == 0 {
			continue
		}
		startB, rest, ok1 := bytes.Cut(l, []byte{','})
		endB, rest, ok2 := bytes.Cut(rest, []byte{','})
		asnB, orgB, ok3 := bytes.Cut(rest, []byte{','})
		if !ok1 || !ok2 || !ok3 {
			return fail("want 4 fields start,end,asn,org")
		}
		start, err1 := netip.ParseAddr(string(startB))
		end, err2 := netip.ParseAddr(string(endB))
		if err1 != nil || err2 != nil {
			return fail("bad address in %q", l)
		}
		if start.Is4() != !v6 || end.Is4() != !v6 {
			fam := "IPv4"
			if v6 {
				fam = "IPv6"
			}
			return fail("want %s addresses, got %s,%s", fam, start, end)
		}
		asn, ok := parseUint32(asnB)
		if !ok {
			return fail("bad AS number %q", asnB)
		}
		org, ok := unquote(orgB, &orgBuf)
		if !ok {
			return fail("bad quoting in %q", orgB)
		}
		if end.Less(start) {
			return fail("range end %s before its start %s", end, start)
		}
		if v6 {
			r := range6{start: addr6(start), end: addr6(end), asn: asn, org: b.org(org)}
			if n := len(b.t.v6); n > 0 && !b.t.v6[n-1].end.less(r.start) {
				if r.start.less(b.t.v6[n-1].start) {
					return fail("range starting at %s precedes the previous line's", start)
				}
				b.overlaps++
				b.t.v6 = overlay(b.t.v6, r, func(r range6) (u128, u128) { return r.start, r.end },
					func(r *range6, s, e u128) { r.start, r.end = s, e }, u128.less, u128.prev, u128.next)
				continue
			}
			b.t.v6 = append(b.t.v6, r)
		} else {
			r := range4{start: addr4(start), end: addr4(end), asn: asn, org: b.org(org)}
			if n := len(b.t.v4); n > 0 && r.start <= b.t.v4[n-1].end {
				if r.start < b.t.v4[n-1].start {
					return fail("range starting at %s precedes the previous line's", start)
				}
				b.overlaps++
				b.t.v4 = overlay(b.t.v4, r, func(r range4) (uint32, uint32) { return r.start, r.end },
					func(r *range4, s, e uint32) { r.start, r.end = s, e },
					func(a, b uint32) bool { return a < b },
					func(a uint32) uint32 { return a - 1 }, func(a uint32) uint32 { return a + 1 })
				continue
			}
			b.t.v4 = append(b.t.v4, r)
		}
	}
	if err := sc.Err(); err != nil {
		line++
		return fail("%v", err)
	}
	return nil
}

// build returns the table with its slices trimmed to their length.
func (b *tableBuilder) build() *table {
	t := &table{
		v4:   append([]range4(nil), b.t.v4...),
		v6:   append([]range6(nil), b.t.v6...),
		orgs: append([]string(nil), b.t.orgs...),
	}
	b.t = table{}
	b.orgs = nil
	return t
}

func parseUint32(b []byte) (uint32, bool) {
	if len(b) == 0 || len(b) > 10 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return uint32(n), n <= 1<<32-1
}

// unquote returns the CSV field f without its double quotes, with "" read as
// ". The result may alias f or *buf.
func unquote(f []byte, buf *[]byte) ([]byte, bool) {
	if len(f) == 0 || f[0] != '"' {
		return f, bytes.IndexByte(f, '"') < 0
	}
	if len(f) < 2 || f[len(f)-1] != '"' {
		return nil, false
	}
	f = f[1 : len(f)-1]
	if bytes.IndexByte(f, '"') < 0 {
		return f, true
	}
	out := (*buf)[:0]
	for i := 0; i < len(f); i++ {
		if f[i] == '"' {
			if i+1 >= len(f) || f[i+1] != '"' {
				return nil, false
			}
			i++
		}
		out = append(out, f[i])
	}
	*buf = out
	return out, true
}

// overlay appends r to rs, whose last range overlaps r and starts at or
// before it: the last range keeps what lies before r and, when r ends inside
// it, what lies after r. The generic parameters spare a copy per family.
func overlay[R any, A comparable](rs []R, r R, bounds func(R) (A, A), set func(*R, A, A),
	less func(A, A) bool, prev, next func(A) A) []R {
	last := rs[len(rs)-1]
	ls, le := bounds(last)
	rs2, re := bounds(r)
	rs = rs[:len(rs)-1]
	if less(ls, rs2) {
		head := last
		set(&head, ls, prev(rs2))
		rs = append(rs, head)
	}
	rs = append(rs, r)
	if less(re, le) {
		tail := last
		set(&tail, next(re), le)
		rs = append(rs, tail)
	}
	return rs
}
