package anomaly

import (
	"fmt"
	"math"
	"strconv"
)

// Thresholds of the day rules beyond Options.
const (
	// protocolSpike is the protocol's volume spike: above 200% of the
	// 7-day average.
	protocolSpike = 2.0
	// protocolDrop is the protocol's pass rate drop: more than 10 points
	// below the baseline.
	protocolDrop = 0.10
	// minRateDrop is the least drop of a pass rate, in points, that the
	// learned baseline flags: a domain passing 99.9% every day deviates
	// at 99.5%, which no one needs to hear about.
	minRateDrop = 0.02
	// completeShare: a provisional day whose volume already reached this
	// share of its usual volume counts as complete for its pass rate.
	completeShare = 0.8
	// spikeRatio and dropRatio are the least change of a volume that
	// alerts, beside its deviation: a day 30% above a steady baseline is
	// unusual but not worth anyone's time, and gradual growth makes such
	// days.
	spikeRatio = 1.5
	dropRatio  = 0.6
	// holidayShare: a day with at least this share of the other class's
	// usual volume may be a holiday, not an outage: it is listed with at
	// most holidayScore, and alerts only as the third such day in a row.
	holidayShare = 0.6
	holidayScore = 45
	// minNewSources is the least excess of new source IPs over the usual
	// number that alerts.
	minNewSources = 5
)

// dayUsual is what the day rules learned that the source rules reuse:
// the usual volume of the day's class.
type dayUsual struct {
	vol  baseline
	ok   bool
	conf string
}

// judgeDay applies the day rules to slot i: volume spike and drop, pass
// rate drop, failing volume, new sources.
func (d *detector) judgeDay(i int) dayUsual {
	s, o := d.s, d.o
	dd := s.dayAt(i)
	wk := dd.weekend()
	vb, ok := d.volumeBaseline(i, wk)
	if !ok {
		return dayUsual{}
	}
	u := dayUsual{vol: vb, ok: true, conf: confidenceOf(vb.n, d.fullDays(wk))}
	d.judgeVolume(i, u)
	d.judgePassRate(i, u)
	// More mail fails when more mail is sent: the failing baseline grows
	// with the day's volume above its usual one.
	scale := 1.0
	if vb.median > 0 {
		scale = max(1, s.vol[i]/vb.median)
	}
	d.judgeCount(i, u, KindFailingVolume, s.fail, featFailing, nil, float64(o.MinMessages), scale)
	if dd >= s.srcKnown {
		d.judgeCount(i, u, KindNewSources, s.newCount, featNew, d.novel, minNewSources, 1)
	}
	return u
}

// judgeVolume applies the volume rules to slot i.
func (d *detector) judgeVolume(i int, u dayUsual) {
	s, o := d.s, d.o
	dd, vb, vol := s.dayAt(i), u.vol, s.vol[i]
	minMsgs, t := float64(o.MinMessages), o.Threshold
	dev := vb.deviation(vol)
	what := fmt.Sprintf("%s volume %s", dd.weekday(), messages(int64(vol)))
	usual := fmt.Sprintf("the usual %s for %s of %s", numf(vb.median), dd.className(), window(o.BaselineDays))
	evidence := []string{d.baselineLine(vb, dd, "messages")}

	avg, ok7 := d.average7(i)
	rule := ok7 && vol > protocolSpike*avg && vol-avg >= minMsgs
	learned := dev >= t && vol-vb.median >= minMsgs && vol >= spikeRatio*vb.median
	if learned || rule {
		a := Anomaly{Kind: KindVolumeSpike, Key: dd.String(), Score: deviationScore(dev, t), Confidence: u.conf,
			Explanation: fmt.Sprintf("%s is %s above %s", what, mads(dev), usual),
			Value:       vol, Baseline: vb.median, Deviation: round1(dev), Messages: int64(vol - vb.median)}
		if rule {
			a.Rule = "volume above 200% of the 7-day average"
			a.Score = max(a.Score, ruleFloor(learned))
			evidence = append(evidence, fmt.Sprintf("%s the 7-day average of %s: above the protocol's 200%%",
				times(vol/avg), numf(avg)))
			if dev < t {
				a.Explanation = fmt.Sprintf("%s is %s the 7-day average of %s (%s from %s)", what, times(vol/avg), numf(avg), mads(dev), usual)
			}
		}
		if !learned {
			a.Score = min(a.Score, alertScore-1)
		}
		a.Evidence = d.provisionalNote(i, evidence)
		d.add(a, i)
	}
	drop, holiday, other := d.drop(i, vb)
	if !drop {
		return
	}
	a := Anomaly{Kind: KindVolumeDrop, Key: dd.String(), Score: deviationScore(-dev, t), Confidence: u.conf,
		Explanation: fmt.Sprintf("%s is %s below %s", what, mads(dev), usual),
		Value:       vol, Baseline: vb.median, Deviation: round1(dev), Messages: int64(vb.median - vol)}
	if other.n > 0 {
		evidence = append(evidence, fmt.Sprintf("the usual %s of %s: %s", numf(other.median), dd.otherClassName(), mads(other.deviation(vol))))
	}
	if holiday && !(d.holiday(i-1) && d.holiday(i-2)) {
		a.Score = min(a.Score, holidayScore)
		a.Explanation += fmt.Sprintf(", but at the level of %s: a holiday?", dd.otherClassName())
	}
	a.Evidence = evidence
	d.add(a, i)
}

// drop reports whether the volume of slot i, against its baseline vb, is a
// drop, and whether it may be a holiday: a weekday at the weekend's level
// (or the other way round), at least holidayShare of the other class's
// usual volume and not below it by the threshold. A provisional day's low
// volume is never a drop: its reports are more likely still arriving.
func (d *detector) drop(i int, vb baseline) (drop, holiday bool, other baseline) {
	s, o := d.s, d.o
	vol, t := s.vol[i], o.Threshold
	if s.provisional[i] || vb.deviation(vol) > -t || vb.median-vol < float64(o.MinMessages) || vol > dropRatio*vb.median {
		return false, false, other
	}
	other, ok := d.volumeBaseline(i, !s.dayAt(i).weekend())
	return true, ok && vol >= holidayShare*other.median && other.deviation(vol) > -t, other
}

// holiday reports whether slot j is a drop that may be a holiday.
func (d *detector) holiday(j int) bool {
	if j < 0 {
		return false
	}
	vb, ok := d.volumeBaseline(j, d.s.dayAt(j).weekend())
	if !ok {
		return false
	}
	drop, holiday, _ := d.drop(j, vb)
	return drop && holiday
}

// judgePassRate applies the pass rate rules to slot i.
func (d *detector) judgePassRate(i int, u dayUsual) {
	s, o := d.s, d.o
	dd, vol := s.dayAt(i), s.vol[i]
	if vol < float64(o.MinMessages) || s.provisional[i] && vol < completeShare*u.vol.median {
		return
	}
	p := s.rate[i]
	pb, ok := d.baseline(i, s.rate, featPass, dd.weekend(), d.rated, func(m float64) float64 {
		return max(rateFloor(m), binomialMAD(m, int64(vol)))
	})
	if !ok {
		return
	}
	dev, drop, t := pb.deviation(p), pb.median-p, o.Threshold
	lost := vol*pb.median - s.pass[i] // passes missing
	rule := drop > protocolDrop
	if !rule && (dev > -t || drop < minRateDrop || lost < float64(o.MinMessages)) {
		return
	}
	significant := dev <= -t && lost >= float64(o.MinMessages)
	a := Anomaly{Kind: KindPassRateDrop, Key: dd.String(), Score: deviationScore(-dev, t),
		Confidence: confidenceOf(pb.n, d.fullDays(dd.weekend())),
		Explanation: fmt.Sprintf("%s DMARC pass rate %s is %s points below the usual %s for %s of %s (%s)",
			dd.weekday(), pct(p), strconv.FormatFloat(drop*100, 'f', 1, 64), pct(pb.median), dd.className(), window(o.BaselineDays), mads(dev)),
		Value: round1(p * 100), Baseline: round1(pb.median * 100), Deviation: round1(dev),
		Messages: int64(lost + 0.5)}
	a.Evidence = []string{
		fmt.Sprintf("%s of %s passed DMARC", num(int64(s.pass[i])), messages(int64(vol))),
		fmt.Sprintf("usual pass rate %s: median of %d %s, MAD %s points", pct(pb.median), pb.n, dd.className(),
			strconv.FormatFloat(pb.mad*100, 'f', 2, 64)),
	}
	if rule {
		a.Rule = "pass rate more than 10 points below the baseline"
		a.Score = max(a.Score, ruleFloor(significant))
	}
	if !significant {
		a.Score = min(a.Score, alertScore-1)
	}
	a.Evidence = d.provisionalNote(i, a.Evidence)
	d.add(a, i)
}

// judgeCount applies the rule of a daily count that may only rise
// (failing messages, new sources) to slot i: deviating by Threshold MADs
// and by least above its baseline, scaled by scale.
func (d *detector) judgeCount(i int, u dayUsual, kind string, vals []float64, feature string, valid func(int) bool, least, scale float64) {
	s, o := d.s, d.o
	dd, x := s.dayAt(i), vals[i]
	b, ok := d.baseline(i, vals, feature, dd.weekend(), valid, countFloor)
	if !ok {
		return
	}
	b.median, b.mad = b.median*scale, b.mad*scale
	dev := b.deviation(x)
	if dev < o.Threshold || x-b.median < least {
		return
	}
	a := Anomaly{Kind: kind, Key: dd.String(), Score: deviationScore(dev, o.Threshold),
		Confidence: confidenceOf(b.n, d.fullDays(dd.weekend())),
		Value:      x, Baseline: b.median, Deviation: round1(dev)}
	usual := fmt.Sprintf("%s above the usual %s for %s of %s", mads(dev), numf(b.median), dd.className(), window(o.BaselineDays))
	switch kind {
	case KindFailingVolume:
		a.Messages = int64(x - b.median)
		a.Explanation = fmt.Sprintf("%s %s failed DMARC, %s", dd.weekday(), messages(int64(x)), usual)
		a.Evidence = []string{d.baselineLine(b, dd, "failing messages"),
			fmt.Sprintf("%s failed both DKIM and SPF", messages(int64(s.fully[i])))}
	case KindNewSources:
		a.Messages = d.newMessages(i)
		a.Explanation = fmt.Sprintf("%s %s source IPs sent mail after none in the previous %d days, %s",
			dd.weekday(), numf(x), o.LookbackDays, usual)
		a.Evidence = []string{d.baselineLine(b, dd, "new sources"),
			fmt.Sprintf("%s of them failed both DKIM and SPF, with %s", numf(s.newFailCount[i]), messages(int64(s.newFailing[i])))}
	}
	a.Evidence = d.provisionalNote(i, a.Evidence)
	d.add(a, i)
}

// average7 is the mean volume of the 7 days before slot i, days
// provisional or marked expected left out; ok needs 5 of them.
func (d *detector) average7(i int) (float64, bool) {
	s := d.s
	var sum float64
	n := 0
	for j := max(0, i-7); j < i; j++ {
		if !s.provisional[j] && !s.excluded[featVolume][j] {
			sum += s.vol[j]
			n++
		}
	}
	if n < 5 {
		return 0, false
	}
	return sum / float64(n), true
}

// newMessages is the messages of slot i's new sources.
func (d *detector) newMessages(i int) int64 {
	var n int64
	for _, e := range d.s.news[d.s.dayAt(i)] {
		if !e.expected {
			n += e.t.Messages
		}
	}
	return n
}

// baselineLine describes a baseline as evidence.
func (d *detector) baselineLine(b baseline, dd day, unit string) string {
	return fmt.Sprintf("usual %s %s: median of %d %s of %s, MAD %s", unit, numf(b.median), b.n, dd.className(),
		window(d.o.BaselineDays), strconv.FormatFloat(b.mad, 'f', 1, 64))
}

// provisionalNote adds to evidence that slot i's reports may still arrive.
func (d *detector) provisionalNote(i int, evidence []string) []string {
	if d.s.provisional[i] {
		return append(evidence, "provisional: reports of this day may still arrive")
	}
	return evidence
}

// ruleFloor is the least score of a protocol rule's finding: ruleScore
// when the change is also outside the baseline by the threshold, else
// listedScore. A fixed threshold alone does not alert: a small domain's
// pass rate moves 10 points and its volume doubles on ordinary days.
func ruleFloor(significant bool) int {
	if significant {
		return ruleScore
	}
	return listedScore
}

// times writes a ratio: 3.6×.
func times(r float64) string { return strconv.FormatFloat(r, 'f', 1, 64) + "×" }

// round1 rounds x to one decimal, for the JSON.
func round1(x float64) float64 { return math.Round(x*10) / 10 }
