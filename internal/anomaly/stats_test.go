package anomaly

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestMedianMAD(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		xs        []float64
		med, madv float64
	}{
		{"one", []float64{7}, 7, 0},
		{"odd", []float64{3, 1, 2}, 2, 1},
		{"even", []float64{4, 1, 3, 2}, 2.5, 1},
		{"outlier ignored", []float64{10, 11, 9, 10, 1000}, 10, 1},
		{"constant", []float64{5, 5, 5, 5}, 5, 0},
	}
	for _, tc := range tests {
		m := median(tc.xs)
		if m != tc.med || mad(tc.xs, m) != tc.madv {
			t.Errorf("%s: median %v MAD %v, want %v %v", tc.name, m, mad(tc.xs, m), tc.med, tc.madv)
		}
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median of nothing is not NaN")
	}
	xs := []float64{3, 1, 2}
	median(xs)
	if xs[0] != 3 {
		t.Error("median sorted its argument")
	}
}

// TestLearn checks the floors of a baseline's MAD and the least number of
// days it is learned from.
func TestLearn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		xs       []float64
		floor    func(float64) float64
		ok       bool
		med, mad float64
	}{
		{"too few days", []float64{1, 2}, countFloor, false, 0, 0},
		{"constant count: 4% floor", []float64{1000, 1000, 1000}, countFloor, true, 1000, 40},
		{"small count: Poisson floor", []float64{100, 100, 100}, countFloor, true, 100, 10 / madToSigma},
		{"zero count: floor 1", []float64{0, 0, 0, 0}, countFloor, true, 0, 1},
		{"spread above floor", []float64{100, 200, 300, 400, 500}, countFloor, true, 300, 100},
		{"constant rate: quarter point", []float64{1, 1, 1}, rateFloor, true, 1, 0.0025},
	}
	for _, tc := range tests {
		b, ok := learn(tc.xs, tc.floor)
		if ok != tc.ok || ok && (b.median != tc.med || math.Abs(b.mad-tc.mad) > 1e-9 || b.n != len(tc.xs)) {
			t.Errorf("%s: %+v %v, want median %v MAD %v", tc.name, b, ok, tc.med, tc.mad)
		}
	}
	if got := binomialMAD(0.5, 100); math.Abs(got-0.05/madToSigma) > 1e-12 {
		t.Errorf("binomial MAD %v", got)
	}
}

// TestLearnTrended checks that a trend moves the median to the day judged,
// that a spike in the window moves neither, and that the spread is pooled
// from both classes.
func TestLearnTrended(t *testing.T) {
	t.Parallel()
	var class, other []point
	for j := range 28 {
		x := 1000 * math.Exp(0.01*float64(j)) // 1% a day
		if j%7 >= 5 {
			other = append(other, point{j, 0.3 * x})
		} else {
			class = append(class, point{j, x})
		}
	}
	b, ok := learnTrended(class, other, 28, countFloor)
	want := 1000 * math.Exp(0.28)
	if !ok || math.Abs(b.median-want)/want > 0.01 {
		t.Errorf("trend: median %.0f, want %.0f", b.median, want)
	}
	if b.mad != countFloor(b.median) {
		t.Errorf("trend: MAD %.1f, want the floor: the points lie on the line", b.mad)
	}
	flat := func(spike float64) baseline {
		var c, o []point
		for j := range 28 {
			x := 1000.0 + float64(j%3)*30 // noise of ±3%
			if j == 20 {
				x *= spike
			}
			if j%7 >= 5 {
				o = append(o, point{j, x / 2})
			} else {
				c = append(c, point{j, x})
			}
		}
		b, _ := learnTrended(c, o, 28, countFloor)
		return b
	}
	if a, b := flat(1), flat(10); math.Abs(a.median-b.median) > 31 || math.Abs(a.mad-b.mad) > 5 {
		t.Errorf("a spike moved the baseline: %+v, %+v", a, b)
	}
	// A large shift is bounded.
	class = []point{{0, 100}, {1, 200}, {2, 400}, {3, 800}, {4, 1600}, {5, 3200}, {6, 6400}, {7, 12800}, {8, 25600}, {9, 51200}}
	b, _ = learnTrended(class, nil, 30, countFloor)
	if b.median > 1.5*median(values(class))+1 {
		t.Errorf("trend shift not bounded: %.0f", b.median)
	}
	if _, ok := learnTrended(class[:2], nil, 3, countFloor); ok {
		t.Error("learned from two days")
	}
}

func TestDays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		date    string
		weekend bool
		name    string
	}{
		{"2026-11-21", true, "Saturday"},
		{"2026-11-22", true, "Sunday"},
		{"2026-11-23", false, "Monday"},
		{"2026-11-27", false, "Friday"},
		{"1970-01-01", false, "Thursday"},
		{"1969-12-27", true, "Saturday"},
	}
	for _, tc := range tests {
		tm, _ := time.Parse(time.DateOnly, tc.date)
		d := dayOf(tm.Add(13 * time.Hour))
		if d.String() != tc.date || d.weekend() != tc.weekend || d.weekday() != tc.name || !d.time().Equal(tm) {
			t.Errorf("%s: day %s weekend %v %s", tc.date, d, d.weekend(), d.weekday())
		}
		if (d.className() == "weekend days") != tc.weekend || d.otherClassName() == d.className() {
			t.Errorf("%s: classes %q %q", tc.date, d.className(), d.otherClassName())
		}
	}
}

func TestScores(t *testing.T) {
	t.Parallel()
	if deviationScore(8, 8) != 50 || deviationScore(20, 8) != 100 || deviationScore(0, 8) > 1 {
		t.Errorf("deviation scores %d %d %d", deviationScore(8, 8), deviationScore(20, 8), deviationScore(0, 8))
	}
	if shareScore(0.02) != 50 || shareScore(0.2) != 75 || shareScore(0) != 0 || shareScore(100) != 100 {
		t.Errorf("share scores %d %d", shareScore(0.02), shareScore(0.2))
	}
	for _, tc := range []struct {
		n, full int
		want    string
	}{{20, 20, "high"}, {15, 20, "high"}, {8, 20, "medium"}, {3, 20, "low"}, {1, 0, "high"}} {
		if got := confidenceOf(tc.n, tc.full); got != tc.want {
			t.Errorf("confidence %d/%d = %s, want %s", tc.n, tc.full, got, tc.want)
		}
	}
	if severityOf(80) != "high" || severityOf(50) != "medium" || severityOf(49) != "low" {
		t.Error("severities")
	}
	if num(4210) != "4,210" || num(-1234567) != "-1,234,567" || num(12) != "12" || window(28) != "the last 4 weeks" || window(10) != "the last 10 days" {
		t.Errorf("text: %s %s %s %s", num(4210), num(-1234567), window(28), window(10))
	}
}

func TestCanonicalKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind, key, want string
		ok              bool
	}{
		{KindVolumeSpike, "2026-11-18", "2026-11-18", true},
		{KindVolumeSpike, "18.11.2026", "", false},
		{KindNewSource, "2001:DB8::0:1", "2001:db8::1", true},
		{KindNewSource, " 192.0.2.1 ", "192.0.2.1", true},
		{KindNewSource, "not an ip", "not an ip", true}, // as the report had it
		{KindNewSource, "", "", false},
		{KindGeographicShift, "br", "BR", true},
		{KindGeographicShift, "BRA", "", false},
		{KindGeographicShift, "B1", "", false},
		{"other", "x", "", false},
	}
	for _, tc := range tests {
		got, err := CanonicalKey(tc.kind, tc.key)
		if got != tc.want || (err == nil) != tc.ok || err != nil && !errors.Is(err, ErrKey) {
			t.Errorf("%s %q: %q, %v", tc.kind, tc.key, got, err)
		}
	}
}
