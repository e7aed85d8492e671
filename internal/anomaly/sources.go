package anomaly

import (
	"fmt"
	"net/netip"
	"sort"
)

// Thresholds of the source rules beyond Options.
const (
	// minSourceDayMessages is the least messages of a source's day for
	// its pass rate to enter the source's own baseline.
	minSourceDayMessages = 10
	// minSourceDrop is the least drop of a known source's pass rate that
	// flags it: 20 points.
	minSourceDrop = 0.20
	// minSourceDays is the fewest days of its own a source's pass rate
	// baseline needs: a source seen on a few days may be one whose mail
	// goes every way.
	minSourceDays = 7
	// minSourcePass: only a source that usually passes (half its mail or
	// more) can stop passing.
	minSourcePass = 0.5
	// ownShare scales the score of a new source that passes both DKIM and
	// SPF aligned: most likely a new server of the domain's own.
	ownShare = 0.7
)

// judgeSources applies the source rules to slot i: new sources failing
// both DKIM and SPF, new sources with notable volume (on each of their
// first newDays days), known sources that stopped passing.
func (d *detector) judgeSources(i int, u dayUsual) {
	s, o := d.s, d.o
	dd := s.dayAt(i)
	burst, burstDev, nb := false, 0.0, baseline{}
	if b, ok := d.baseline(i, s.newFailing, featNew, dd.weekend(), d.novel, countFloor); ok {
		nb, burstDev = b, b.deviation(s.newFailing[i])
		burst = burstDev >= o.Threshold && s.newFailing[i]-b.median >= float64(o.MinMessages)
	}
	conf := u.conf
	if !u.ok {
		conf = "low"
	}
	nets := newNetworks(s.news[dd])
	for _, e := range s.news[dd] {
		m := e.t.Messages
		net := nets[network(e.ip)]
		a := Anomaly{Key: e.ip, Confidence: conf, Value: float64(m),
			Evidence: []string{authLine(e.t.Messages, e.t.DKIMPass, e.t.SPFPass, e.t.FullyFailed)}}
		intro := fmt.Sprintf("%s sent mail on %s %s after none in the previous %d days: %s", e.ip, dd.weekday(), dd, o.LookbackDays, messages(m))
		if e.first != dd {
			intro = fmt.Sprintf("%s, new since %s %s after none in the previous %d days, sent %s on %s", e.ip, e.first.weekday(), e.first, o.LookbackDays, messages(m), dd.weekday())
		}
		if net.sources > 1 {
			a.Evidence = append(a.Evidence, fmt.Sprintf("one of %d new sources in %s that sent %s together", net.sources, network(e.ip), messages(net.messages)))
		}
		share := d.share(net.messages, u) // a provider's new pool counts as one
		if u.ok {
			a.Evidence = append(a.Evidence, fmt.Sprintf("%s of a usual %s's volume (%s)", pct(share), dd.classSingular(), numf(u.vol.median)))
		}
		if failsBoth(&e.t) {
			a.Kind, a.Rule, a.Messages, a.Score = KindNewUnauthorized, "new source failing both DKIM and SPF", e.t.FullyFailed, listedScore
			if net.messages >= o.MinMessages {
				a.Score = max(a.Score, shareScore(share))
			}
			if burst {
				a.Score = max(a.Score, deviationScore(burstDev, o.Threshold))
				a.Evidence = append(a.Evidence, fmt.Sprintf("one of %s new sources failing both that day, with %s: %s above the usual %s",
					numf(s.newFailCount[i]), messages(int64(s.newFailing[i])), mads(burstDev), numf(nb.median)))
			}
			a.Explanation = intro + ", " + pct(float64(e.t.FullyFailed)/float64(m)) + " failing both DKIM and SPF"
		} else {
			if net.messages < o.MinMessages {
				continue
			}
			a.Kind, a.Messages, a.Score = KindNewSource, m, shareScore(share)
			if 2*e.t.DMARCPass > m {
				// Passing DMARC, it is a configuration matter, not a
				// threat: it alerts from twice the share.
				a.Score = shareScore(share / 2)
			}
			if 2*e.t.FullyAligned > m {
				a.Score = int(float64(a.Score) * ownShare)
			}
			if a.Score < listedScore {
				continue
			}
			a.Explanation = intro + " (" + pct(share) + " of a usual day), " + newSourceVerdict(e.t.Messages, e.t.DKIMPass, e.t.SPFPass)
		}
		a.Evidence = d.provisionalNote(i, a.Evidence)
		d.add(a, i)
	}
	for _, ip := range s.present[dd] {
		d.judgeSourceRate(i, ip)
	}
}

// newNetwork sums the new sources of a day in one network.
type newNetwork struct {
	sources  int
	messages int64
}

// newNetworks sums the new sources of a day per network: a provider adds
// a pool of addresses, each of which may send little.
func newNetworks(events []sourceEvent) map[string]newNetwork {
	nets := map[string]newNetwork{}
	for _, e := range events {
		n := nets[network(e.ip)]
		n.sources++
		n.messages += e.t.Messages
		nets[network(e.ip)] = n
	}
	return nets
}

// network is the /24 of an IPv4 address or the /48 of an IPv6 one, the
// usual size of a provider's pool; ip itself when it is not an address.
func network(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	bits := 48
	if a.Unmap().Is4() {
		a, bits = a.Unmap(), 24
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return ip
	}
	return p.String()
}

// share is m as a share of the usual volume of the day's class, 0 when
// there is none.
func (d *detector) share(m int64, u dayUsual) float64 {
	if !u.ok || u.vol.median <= 0 {
		return 0
	}
	return float64(m) / u.vol.median
}

// judgeSourceRate flags source ip when its pass rate on slot i fell far
// below its own baseline: the days it sent at least minSourceDayMessages
// in the window before.
func (d *detector) judgeSourceRate(i int, ip string) {
	s, o := d.s, d.o
	dd := s.dayAt(i)
	days := s.ips[ip]
	k := sort.Search(len(days), func(k int) bool { return days[k].d >= dd })
	if k == len(days) || days[k].d != dd {
		return
	}
	today := days[k].t
	m := today.Messages
	if m < o.MinMessages {
		return
	}
	var rates []float64
	var bm, bdkim, bspf int64
	for _, x := range days[:k] {
		j, ok := s.index(x.d)
		if !ok || x.d < dd-day(o.BaselineDays) || s.provisional[j] || x.t.Messages < minSourceDayMessages {
			continue
		}
		rates = append(rates, float64(x.t.DMARCPass)/float64(x.t.Messages))
		bm, bdkim, bspf = bm+x.t.Messages, bdkim+x.t.DKIMPass, bspf+x.t.SPFPass
	}
	b, ok := learn(rates, func(med float64) float64 { return max(0.02, binomialMAD(med, m)) })
	if !ok || b.n < minSourceDays || b.median < minSourcePass {
		return
	}
	p := float64(today.DMARCPass) / float64(m)
	dev, drop := b.deviation(p), b.median-p
	if drop < minSourceDrop || dev > -o.Threshold {
		return
	}
	a := Anomaly{Kind: KindSourceAuthDrop, Key: ip, Score: deviationScore(-dev, o.Threshold),
		Confidence: confidenceOf(b.n, o.BaselineDays/2),
		Explanation: fmt.Sprintf("%s passed DMARC for a usual %s of its mail on %d days of %s; on %s %s only %s of %s",
			ip, pct(b.median), b.n, window(o.BaselineDays), dd.weekday(), dd, pct(p), messages(m)),
		Evidence: []string{
			fmt.Sprintf("DKIM pass %s before, %s now", pct(float64(bdkim)/float64(bm)), pct(float64(today.DKIMPass)/float64(m))),
			fmt.Sprintf("SPF pass %s before, %s now", pct(float64(bspf)/float64(bm)), pct(float64(today.SPFPass)/float64(m))),
		},
		Value: round1(p * 100), Baseline: round1(b.median * 100), Deviation: round1(dev), Messages: m - today.DMARCPass}
	a.Evidence = d.provisionalNote(i, a.Evidence)
	d.add(a, i)
}

// judgeCountries applies the protocol's geographic rule to slot i: a
// country none of the domain's sources was in over the lookback.
func (d *detector) judgeCountries(i int, u dayUsual) {
	s, o := d.s, d.o
	if s.countryOf == nil {
		return
	}
	dd := s.dayAt(i)
	conf := u.conf
	if !u.ok {
		conf = "low"
	}
	for _, c := range s.countries[dd] {
		share := d.share(c.messages, u)
		failing := 2*c.fullyFail > c.messages
		a := Anomaly{Kind: KindGeographicShift, Key: c.cc, Confidence: conf, Score: listedScore,
			Rule:  fmt.Sprintf("source country not seen in the prior %d days", o.LookbackDays),
			Value: float64(c.messages), Messages: c.messages,
			Explanation: fmt.Sprintf("first mail from %s in %d days on %s %s: %s from %d source IPs, %s failing both DKIM and SPF",
				c.cc, o.LookbackDays, dd.weekday(), dd, messages(c.messages), c.sources, pct(float64(c.fullyFail)/float64(max(c.messages, 1)))),
			Evidence: []string{fmt.Sprintf("%s of it passed DMARC", pct(float64(c.pass)/float64(max(c.messages, 1))))}}
		if c.messages >= o.MinMessages {
			sc := shareScore(share)
			if !failing {
				sc = int(float64(sc) * ownShare)
			}
			a.Score = max(a.Score, sc)
		}
		if u.ok {
			a.Evidence = append(a.Evidence, fmt.Sprintf("%s of a usual day's volume", pct(share)))
		}
		a.Evidence = d.provisionalNote(i, a.Evidence)
		d.add(a, i)
	}
}

// authLine describes the authentication of a source's messages.
func authLine(m, dkim, spf, both int64) string {
	return fmt.Sprintf("%s: DKIM pass %s, SPF pass %s, both failing %s", messages(m),
		pct(float64(dkim)/float64(max(m, 1))), pct(float64(spf)/float64(max(m, 1))), pct(float64(both)/float64(max(m, 1))))
}

// newSourceVerdict says what a new source's results suggest.
func newSourceVerdict(m, dkim, spf int64) string {
	switch half := m / 2; {
	case dkim > half && spf > half:
		return "passing DKIM and SPF: a new server of the domain's own?"
	case dkim > half:
		return "passing DKIM but not SPF: a new sender whose servers SPF does not cover?"
	case spf > half:
		return "passing SPF but not DKIM: a new sender that does not sign for the domain?"
	}
	return "mostly failing DMARC"
}
