package enrich

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"os"
	"sort"
	"testing"
)

// This file writes small MaxMind DB files for tests, so the GeoLite2 layouts
// are tested without MaxMind's files (which need an account to download).
// It covers what the tests need of the format
// (https://maxmind.github.io/MaxMind-DB/): an IPv6 tree with 32-bit records,
// IPv4 under ::/96, and strings, unsigned integers, arrays and maps. Prefixes must
// not nest.

type mmdbEntry struct {
	prefix netip.Prefix
	rec    map[string]any // values: string, uint32, uint64, map[string]any
}

type mmdbNode struct {
	child [2]*mmdbNode
	data  [2]int // data section offset + 1; 0: none
}

func writeMMDB(t *testing.T, path, dbType string, entries []mmdbEntry) {
	t.Helper()
	root := &mmdbNode{}
	var data bytes.Buffer
	for _, e := range entries {
		off := data.Len()
		mmdbEncode(&data, e.rec)
		a := e.prefix.Addr().As16()
		bits := e.prefix.Bits()
		if e.prefix.Addr().Is4() { // ::a.b.c.d, not As16's ::ffff:a.b.c.d
			a = [16]byte{}
			v4 := e.prefix.Addr().As4()
			copy(a[12:], v4[:])
			bits += 96
		}
		n := root
		bit := func(i int) int { return int(a[i/8]>>(7-i%8)) & 1 }
		for i := 0; i < bits-1; i++ {
			b := bit(i)
			if n.child[b] == nil {
				n.child[b] = &mmdbNode{}
			}
			n = n.child[b]
		}
		n.data[bit(bits-1)] = off + 1
	}

	// Number the nodes breadth first, root 0.
	var nodes []*mmdbNode
	index := map[*mmdbNode]uint32{}
	for queue := []*mmdbNode{root}; len(queue) > 0; queue = queue[1:] {
		n := queue[0]
		index[n] = uint32(len(nodes))
		nodes = append(nodes, n)
		for _, c := range n.child {
			if c != nil {
				queue = append(queue, c)
			}
		}
	}
	count := uint32(len(nodes))
	var out bytes.Buffer
	for _, n := range nodes {
		for side := range 2 {
			v := count // empty
			switch {
			case n.child[side] != nil:
				v = index[n.child[side]]
			case n.data[side] != 0:
				v = count + 16 + uint32(n.data[side]-1)
			}
			binary.Write(&out, binary.BigEndian, v)
		}
	}
	out.Write(make([]byte, 16))
	out.Write(data.Bytes())
	out.WriteString("\xab\xcd\xefMaxMind.com")
	mmdbEncode(&out, map[string]any{
		"node_count":                  count,
		"record_size":                 uint32(32),
		"ip_version":                  uint32(6),
		"database_type":               dbType,
		"languages":                   []string{"en"},
		"binary_format_major_version": uint32(2),
		"binary_format_minor_version": uint32(0),
		"build_epoch":                 uint64(1781725900),
		"description":                 map[string]any{"en": "test"},
	})
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// mmdbEncode appends v in the MMDB data format; sizes up to 284.
func mmdbEncode(w *bytes.Buffer, v any) {
	ctrl := func(typ, size int) {
		low, extra := size, []byte(nil)
		switch {
		case size >= 29+256:
			panic("mmdbEncode: value too long for this writer")
		case size >= 29:
			low, extra = 29, []byte{byte(size - 29)}
		}
		if typ > 7 {
			w.WriteByte(byte(low))
			w.WriteByte(byte(typ - 7))
		} else {
			w.WriteByte(byte(typ<<5 | low))
		}
		w.Write(extra)
	}
	uint := func(typ int, n uint64, width int) {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], n)
		p := b[8-width:]
		for len(p) > 0 && p[0] == 0 {
			p = p[1:]
		}
		ctrl(typ, len(p))
		w.Write(p)
	}
	switch v := v.(type) {
	case string:
		ctrl(2, len(v))
		w.WriteString(v)
	case uint32:
		uint(6, uint64(v), 4)
	case uint64:
		uint(9, v, 8)
	case []string:
		ctrl(11, len(v))
		for _, s := range v {
			mmdbEncode(w, s)
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		ctrl(7, len(keys))
		for _, k := range keys {
			mmdbEncode(w, k)
			mmdbEncode(w, v[k])
		}
	default:
		panic("mmdbEncode: unsupported type")
	}
}
