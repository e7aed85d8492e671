package anomaly

import (
	"math"
	"slices"
)

// madToSigma turns a median absolute deviation into the standard
// deviation of a normal distribution with that MAD.
const madToSigma = 1.4826

// median is the median of xs, NaN when xs is empty. It sorts a copy.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// mad is the median absolute deviation of xs from m.
func mad(xs []float64, m float64) float64 {
	d := make([]float64, len(xs))
	for i, x := range xs {
		d[i] = math.Abs(x - m)
	}
	return median(d)
}

// baseline is the robust centre and spread of a value over earlier days.
type baseline struct {
	n      int     // days it was learned from
	median float64 // their median
	mad    float64 // their MAD, at least the value's floor
}

// learn is the baseline of xs with the MAD raised to at least floor(m):
// a value that hardly varied (or did not at all) would otherwise make any
// change infinitely unusual. Fewer than minBaseline values give none.
func learn(xs []float64, floor func(m float64) float64) (baseline, bool) {
	if len(xs) < minBaseline {
		return baseline{}, false
	}
	m := median(xs)
	return baseline{n: len(xs), median: m, mad: max(mad(xs, m), floor(m))}, true
}

// point is the value of day slot j.
type point struct {
	j int
	x float64
}

func values(ps []point) []float64 {
	xs := make([]float64, len(ps))
	for i, p := range ps {
		xs[i] = p.x
	}
	return xs
}

// Limits of the trend of learnTrended.
const (
	// minTrendPoints is the fewest days a trend is fitted to.
	minTrendPoints = 10
	// maxTrendShift bounds how far a trend moves a median: a factor of
	// 1.5 either way, so a bad fit cannot hide a real change.
	maxTrendShift = 0.405 // ln 1.5
)

// learnTrended is the baseline at slot at of a value with a weekly rhythm
// and a trend, such as a volume: class are the days of the same class
// (weekdays or weekend days) before it, other those of the other class.
//
// Each class is centred on its own median, in logarithms, so the two
// classes line up; the trend is the Theil-Sen slope of those points (the
// median of the slopes between every pair), which ignores a few days of
// an incident in the window as the median ignores them in the level. The
// class median is moved along the trend from the middle of its days to
// slot at, by a factor of 1.5 at most: a volume growing 2% a day is not a
// spike after four weeks. The MAD is the median of the relative
// deviations of both classes from their trend lines, times the moved
// median: a week has only two weekend days, too few for a stable MAD of
// their own, while the day-to-day noise of a volume is about the same
// share of it on every day.
func learnTrended(class, other []point, at int, floor func(m float64) float64) (baseline, bool) {
	if len(class) < minBaseline {
		return baseline{}, false
	}
	mc := median(values(class))
	mo := math.NaN()
	if len(other) >= minBaseline {
		mo = median(values(other))
	}
	var logs []point
	logs = centred(logs, class, mc)
	logs = centred(logs, other, mo)
	slope := 0.0
	if len(logs) >= minTrendPoints {
		slope = theilSen(logs)
	}
	var rel []float64
	rel = detrended(rel, class, mc, slope)
	rel = detrended(rel, other, mo, slope)
	shift := max(-maxTrendShift, min(maxTrendShift, slope*(float64(at)-middle(class))))
	m := mc * math.Exp(shift)
	spread := 0.0
	if len(rel) > 0 {
		spread = median(rel) * m
	}
	return baseline{n: len(class), median: m, mad: max(spread, floor(m))}, true
}

// centred appends log(x/m) of the positive values of ps to logs; none when
// m is not positive (or NaN).
func centred(logs, ps []point, m float64) []point {
	if !(m > 0) {
		return logs
	}
	for _, p := range ps {
		if p.x > 0 {
			logs = append(logs, point{p.j, math.Log(p.x / m)})
		}
	}
	return logs
}

// detrended appends |x / trend - 1| of ps, whose median m lies on a line
// of the given slope through their middle day, to rel.
func detrended(rel []float64, ps []point, m, slope float64) []float64 {
	if !(m > 0) {
		return rel
	}
	c := middle(ps)
	for _, p := range ps {
		rel = append(rel, math.Abs(p.x/(m*math.Exp(slope*(float64(p.j)-c)))-1))
	}
	return rel
}

// middle is the median slot of ps.
func middle(ps []point) float64 {
	js := make([]float64, len(ps))
	for i, p := range ps {
		js[i] = float64(p.j)
	}
	return median(js)
}

// theilSen is the median of the slopes between every pair of points on
// different days.
func theilSen(ps []point) float64 {
	slopes := make([]float64, 0, len(ps)*(len(ps)-1)/2)
	for a := range ps {
		for b := a + 1; b < len(ps); b++ {
			if dj := ps[b].j - ps[a].j; dj != 0 {
				slopes = append(slopes, (ps[b].x-ps[a].x)/float64(dj))
			}
		}
	}
	if len(slopes) == 0 {
		return 0
	}
	return median(slopes)
}

// minBaseline is the fewest days a baseline is learned from: with fewer,
// the median is one day's value.
const minBaseline = 3

// deviation is how many MADs x is from the median: positive above.
func (b baseline) deviation(x float64) float64 {
	return (x - b.median) / b.mad
}

// countFloor is the least MAD of a daily count with median m: 4% of it
// (day-to-day noise of a large domain) or the Poisson noise of a count of
// m (its standard deviation sqrt(m) as a MAD), and at least 1.
func countFloor(m float64) float64 {
	return max(0.04*m, math.Sqrt(m)/madToSigma, 1)
}

// rateFloor is the least MAD of a pass rate: a quarter of a point, so a
// domain passing 100% every day still needs a real drop to deviate.
func rateFloor(float64) float64 { return 0.0025 }

// binomialMAD is the MAD of a rate p measured over n messages from
// sampling alone.
func binomialMAD(p float64, n int64) float64 {
	if n <= 0 {
		return 0
	}
	return math.Sqrt(p*(1-p)/float64(n)) / madToSigma
}
