package store

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// topListSize is how many source IPs a day row's top list holds: the IPs
// with the most messages that domain and day, with all their counters.
// TopSources answers from these lists when it can prove the answer exact
// (topsources.go). Larger lists prove more and cost every report's day row
// update about 40 bytes an entry.
const topListSize = 32

// errTopList means a stored top list is malformed.
var errTopList = errors.New("malformed top list")

// topEntry is one source IP of a top list with its counters that day.
type topEntry struct {
	ip string
	c  counters
}

// topList is the top list of one (domain, day) row of rollup_days: its
// entries, the most messages first (ties by IP), each with the IP's exact
// counters that day, and a bound on every IP of the day not listed.
type topList struct {
	entries []topEntry
	// more says the day has source IPs not listed; rest is then an upper
	// bound of their messages (the most any of them has). Without more
	// the list is the whole day.
	more bool
	rest int64
}

// byMessages orders entries the most messages first, then by IP, as
// TopSources ranks.
func byMessages(a, b topEntry) int {
	if c := cmp.Compare(b.c.messages, a.c.messages); c != 0 {
		return c
	}
	return cmp.Compare(a.ip, b.ip)
}

// exceed records that an IP of messages messages is not listed.
func (l *topList) exceed(messages int64) {
	if !l.more || messages > l.rest {
		l.rest = messages
	}
	l.more = true
}

// merge updates the list with the new totals of the IPs a report touched
// (each IP at most once, its counters the day's totals after the report).
// The list stays exact for what it lists and rest stays a bound: an IP not
// in touched keeps its counters, and an IP dropped from the list raises
// rest to its messages.
func (l *topList) merge(touched []topEntry, size int) {
	at := make(map[string]int, len(l.entries))
	for i, e := range l.entries {
		at[e.ip] = i
	}
	for _, t := range touched {
		if i, ok := at[t.ip]; ok {
			l.entries[i].c = t.c
		} else {
			l.entries = append(l.entries, t)
		}
	}
	l.truncate(size)
}

// truncate sorts the entries and keeps the first size, counting the others
// in rest.
func (l *topList) truncate(size int) {
	slices.SortFunc(l.entries, byMessages)
	if len(l.entries) <= size {
		return
	}
	for _, e := range l.entries[size:] {
		l.exceed(e.c.messages)
	}
	clear(l.entries[size:])
	l.entries = l.entries[:size]
}

// topListVersion is the first byte of the encoding.
const topListVersion = 1

// appendBinary appends the encoding of l to b: the version, rest+1 (0 when
// nothing more), the entry count, then per entry the IP's length and bytes
// and the eleven counters, all unsigned varints.
func (l *topList) appendBinary(b []byte) []byte {
	b = append(b, topListVersion)
	rest := uint64(0)
	if l.more {
		rest = uint64(l.rest) + 1
	}
	b = binary.AppendUvarint(b, rest)
	b = binary.AppendUvarint(b, uint64(len(l.entries)))
	for _, e := range l.entries {
		b = binary.AppendUvarint(b, uint64(len(e.ip)))
		b = append(b, e.ip...)
		for _, v := range e.c.pointers() {
			b = binary.AppendUvarint(b, uint64(*v))
		}
	}
	return b
}

// unmarshal decodes b, an encoding of appendBinary, into l.
func (l *topList) unmarshal(b []byte) error {
	if len(b) == 0 || b[0] != topListVersion {
		return fmt.Errorf("%w: unknown version", errTopList)
	}
	b = b[1:]
	next := func() (uint64, error) {
		v, n := binary.Uvarint(b)
		if n <= 0 || v > 1<<62 {
			return 0, fmt.Errorf("%w: bad number", errTopList)
		}
		b = b[n:]
		return v, nil
	}
	rest, err := next()
	if err != nil {
		return err
	}
	l.more, l.rest = rest > 0, int64(rest)-1
	if !l.more {
		l.rest = 0
	}
	n, err := next()
	if err != nil {
		return err
	}
	if n > uint64(len(b)) { // every entry takes more than a byte
		return fmt.Errorf("%w: %d entries in %d bytes", errTopList, n, len(b))
	}
	l.entries = slices.Grow(l.entries[:0], int(n))
	for range n {
		size, err := next()
		if err != nil {
			return err
		}
		if size > uint64(len(b)) {
			return fmt.Errorf("%w: IP beyond the end", errTopList)
		}
		e := topEntry{ip: string(b[:size])}
		b = b[size:]
		for _, p := range e.c.pointers() {
			v, err := next()
			if err != nil {
				return err
			}
			*p = int64(v)
		}
		l.entries = append(l.entries, e)
	}
	if len(b) != 0 {
		return fmt.Errorf("%w: %d bytes after the entries", errTopList, len(b))
	}
	return nil
}
