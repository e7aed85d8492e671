package store

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// storeSkewed stores reports of two domains over six days whose records
// come from 400 IPs with skewed volumes, a few large senders and a long
// tail, as real sources are: each day has more IPs than its top list.
func storeSkewed(t *testing.T, s Store) {
	rng := rand.New(rand.NewPCG(3, 9))
	zipf := rand.NewZipf(rand.New(rand.NewPCG(4, 4)), 1.2, 1, 399)
	for i := range 36 {
		h := testHeader([]string{"google.com", "Yahoo", "outlook.com"}[i%3], fmt.Sprint("z", i),
			[]string{"example.com", "example.org"}[i/3%2])
		h.Metadata.DateRange.Begin = testBegin.AddDate(0, 0, i/6)
		recs := variedRecords(rng, 80)
		for _, r := range recs {
			v := zipf.Uint64()
			r.SourceIP = fmt.Sprintf("10.0.%d.%d", v/256, v%256)
			r.Count = 1 + rng.Int64N(20)
		}
		store(t, s, Incoming{Header: h, SourceName: "skewed"}, recs, Summary{})
	}
}

// TestTopSourcesFromLists checks that the top lists answer TopSources for
// small limits, exactly as grouping the records does, and that TopSources
// falls back to grouping where they cannot prove the answer.
func TestTopSourcesFromLists(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		storeSkewed(t, s)
		ctx := t.Context()
		run := rowsOf(t, s)
		ref := fromRecords{run}
		more := false
		err := run(ctx, "SELECT top FROM rollup_days", nil, func(scan func(...any) error) error {
			var stored []byte
			var l topList
			if err := scan(&stored); err != nil {
				return err
			}
			if err := l.unmarshal(stored); err != nil {
				return err
			}
			more = more || l.more
			return nil
		})
		if err != nil || !more {
			t.Fatalf("no day with IPs beyond its list (%v): the test data is too small", err)
		}
		day := func(n int) time.Time { return testBegin.AddDate(0, 0, n) }
		listed := 0
		for _, f := range []AggregateFilter{{}, {Domain: "example.com"}, {Domain: "example.org", Since: day(2)}, {Since: day(1), Until: day(4)}} {
			for _, limit := range []int{1, 3, 10, 50, 1000} {
				name := fmt.Sprintf("%q [%s, %s) top %d", f.Domain, f.Since.Format(time.DateOnly), f.Until.Format(time.DateOnly), limit)
				want, err := ref.topSources(ctx, f, limit)
				if err != nil {
					t.Fatal(err)
				}
				got, err := s.TopSources(ctx, f, limit)
				if err != nil {
					t.Fatal(err)
				}
				equal(t, name, got, want)
				fromLists, ok, err := topFromLists(ctx, run, f, limit)
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					listed++
					equal(t, name+" from lists", fromLists, want)
				}
				if limit == 1000 && ok {
					t.Errorf("%s: answered from the lists, which cannot prove a long tail", name)
				}
			}
		}
		t.Logf("the lists answered %d of 20 cases", listed)
		if listed < 8 {
			t.Errorf("the lists answered %d of the 16 small limits, want at least 8", listed)
		}
	})
}

// TestTopListMerge checks that merging keeps the listed counters exact
// and rest a bound of the unlisted IPs.
func TestTopListMerge(t *testing.T) {
	t.Parallel()
	e := func(ip string, messages int64) topEntry {
		return topEntry{ip: ip, c: counters{messages: messages, dmarcPass: messages / 2}}
	}
	var l topList
	l.merge([]topEntry{e("a", 5), e("b", 9), e("c", 1)}, 2)
	equal(t, "first", l, topList{entries: []topEntry{e("b", 9), e("a", 5)}, more: true, rest: 1})
	// c grows past a; d arrives small; b is untouched.
	l.merge([]topEntry{e("c", 7), e("d", 2)}, 2)
	equal(t, "second", l, topList{entries: []topEntry{e("b", 9), e("c", 7)}, more: true, rest: 5})
	// Ties rank by IP.
	l.merge([]topEntry{e("a", 9)}, 2)
	equal(t, "tie", l, topList{entries: []topEntry{e("a", 9), e("b", 9)}, more: true, rest: 7})

	b := l.appendBinary(nil)
	var back topList
	if err := back.unmarshal(b); err != nil {
		t.Fatal(err)
	}
	equal(t, "round trip", back, l)
	whole := topList{entries: []topEntry{e("2001:db8::1", math.MaxInt32)}}
	if err := back.unmarshal(whole.appendBinary(nil)); err != nil {
		t.Fatal(err)
	}
	equal(t, "round trip without more", back, whole)
	for _, bad := range [][]byte{nil, {2}, {1}, {1, 0, 5}, {1, 0, 1, 9, 'a'}, append(whole.appendBinary(nil), 0)} {
		if err := back.unmarshal(bad); err == nil {
			t.Errorf("unmarshal(%v) = nil error", bad)
		}
	}
}

// FuzzTopList checks that decoding never panics and that whatever decodes
// encodes to bytes that decode to the same list.
func FuzzTopList(f *testing.F) {
	f.Add((&topList{entries: []topEntry{{ip: "192.0.2.1", c: counters{messages: 3}}}, more: true, rest: 2}).appendBinary(nil))
	f.Add([]byte{1, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var l topList
		if l.unmarshal(b) != nil {
			return
		}
		var back topList
		if err := back.unmarshal(l.appendBinary(nil)); err != nil {
			t.Fatalf("re-encoded %v does not decode: %v", b, err)
		}
		equal(t, "decoded again", back, l)
	})
}
