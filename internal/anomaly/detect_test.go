package anomaly

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// start is the first day of the test histories, a Monday.
var start = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// src is one source IP's mail on a day.
type src struct {
	ip                 string
	n, pass, bothFails int64
	dkim, spf          int64
}

// world makes a domain's days: day d (0 is start) gets the sources it
// returns.
type world func(d int, date time.Time) []src

// steady is a domain of about weekday messages a weekday and 30% of that
// on weekend days, with 5% noise, from five servers passing 98%, and
// whatever extra adds.
func steady(weekday float64, seed uint64, extra func(d int, date time.Time) []src) world {
	rng := rand.New(rand.NewPCG(seed, 1))
	return func(d int, date time.Time) []src {
		v := weekday
		if wd := date.Weekday(); wd == time.Saturday || wd == time.Sunday {
			v *= 0.3
		}
		v *= math.Exp(0.05 * rng.NormFloat64())
		var out []src
		for k := range 5 {
			n := int64(v / 5)
			p := n * 98 / 100
			out = append(out, src{ip: fmt.Sprintf("192.0.2.%d", k+1), n: n, pass: p, dkim: p, spf: p, bothFails: n - p})
		}
		if extra != nil {
			out = append(out, extra(d, date)...)
		}
		return out
	}
}

// scale multiplies the mail of the servers on the given days.
func scale(w world, factor float64, days ...int) world {
	return func(d int, date time.Time) []src {
		out := w(d, date)
		if slices.Contains(days, d) {
			for i := range out {
				if strings.HasPrefix(out[i].ip, "192.0.2.") {
					out[i].n, out[i].pass = int64(float64(out[i].n)*factor), int64(float64(out[i].pass)*factor)
					out[i].dkim, out[i].spf, out[i].bothFails = out[i].pass, out[i].pass, out[i].n-out[i].pass
				}
			}
		}
		return out
	}
}

// history builds the History of days days of w, with no data on the days
// listed in missing.
func history(w world, days int, missing ...int) *History {
	h := &History{Domain: "example.com", From: start}
	for d := range days {
		date := start.AddDate(0, 0, d)
		srcs := w(d, date)
		if slices.Contains(missing, d) {
			continue
		}
		var day store.Totals
		for _, s := range srcs {
			t := store.Totals{Messages: s.n, DMARCPass: s.pass, DKIMPass: s.dkim, SPFPass: s.spf, FullyFailed: s.bothFails, UniqueSources: 1}
			h.Sources = append(h.Sources, store.SourceDayTotals{Day: date, SourceIP: s.ip, Totals: t})
			day.Messages += t.Messages
			day.DMARCPass += t.DMARCPass
			day.FullyFailed += t.FullyFailed
		}
		h.Days = append(h.Days, store.TimelinePoint{Start: date, Totals: day})
	}
	return h
}

// judge runs Detect on the last n days of h, as of a day after its end.
func judge(h *History, days, n int, o Options) *Result {
	o.Until = start.AddDate(0, 0, days)
	o.Since = o.Until.AddDate(0, 0, -n)
	if o.AsOf.IsZero() {
		o.AsOf = o.Until.AddDate(0, 0, 30)
	}
	return Detect(h, o)
}

// alerts lists the alerts of r as "kind key".
func alerts(r *Result) []string {
	var out []string
	for _, a := range r.Anomalies {
		if a.Alert {
			out = append(out, a.Kind+" "+a.Key)
		}
	}
	slices.Sort(out)
	return out
}

func dayKey(d int) string { return start.AddDate(0, 0, d).Format(time.DateOnly) }

// TestDetectDays runs the day rules on histories with one change each.
// Day 70 is a Monday, 72 a Wednesday, 75 a Saturday.
func TestDetectDays(t *testing.T) {
	t.Parallel()
	quiet := steady(5000, 1, nil)
	tests := []struct {
		name    string
		w       world
		days    int
		missing []int
		want    []string
	}{
		{"steady", quiet, 84, nil, nil},
		{"weekday spike", scale(quiet, 3, 72), 84, nil, []string{"volume_spike " + dayKey(72)}},
		{"weekend at a weekday's level", scale(quiet, 3.3, 75), 84, nil, []string{"volume_spike " + dayKey(75)}},
		{"outage", scale(quiet, 0.1, 72), 84, nil, []string{"volume_drop " + dayKey(72)}},
		{"a day without reports is a day without mail", quiet, 84, []int{72}, []string{"volume_drop " + dayKey(72)}},
		{"holiday: a weekday at the weekend's level", scale(quiet, 0.3, 72), 84, nil, nil},
		{"holidays: two weekdays", scale(quiet, 0.3, 71, 72), 84, nil, nil},
		{"the third weekday at the weekend's level is no holiday", scale(quiet, 0.3, 70, 71, 72), 84, nil, []string{"volume_drop " + dayKey(72)}},
		{"outage of days: one alert", scale(quiet, 0.05, 71, 72, 73), 84, nil, []string{"volume_drop " + dayKey(71)}},
		{"level shift up: one alert", scale(quiet, 2.5, 71, 72, 73, 74, 75, 76, 77, 78, 79), 84, nil, []string{"volume_spike " + dayKey(71)}},
		{"gradual growth", func(d int, date time.Time) []src {
			return scale(quiet, math.Pow(1.015, float64(max(0, d-40))), d)(d, date)
		}, 84, nil, nil},
		{"tiny domain", steady(20, 2, nil), 84, nil, nil},
		{"tiny domain's big day", scale(steady(20, 2, nil), 10, 72), 84, nil, []string{"volume_spike " + dayKey(72)}},
		{"failing DKIM of the servers", func(d int, date time.Time) []src {
			out := quiet(d, date)
			if d == 72 {
				for i := range out[:3] {
					out[i].pass, out[i].dkim, out[i].spf, out[i].bothFails = 0, 0, 0, out[i].n
				}
			}
			return out
		}, 84, nil, []string{"failing_volume " + dayKey(72), "pass_rate_drop " + dayKey(72),
			"source_auth_drop 192.0.2.1", "source_auth_drop 192.0.2.2", "source_auth_drop 192.0.2.3"}},
	}
	for _, tc := range tests {
		r := judge(history(tc.w, tc.days, tc.missing...), tc.days, 30, Options{})
		if got := alerts(r); !slices.Equal(got, tc.want) {
			t.Errorf("%s: alerts %q, want %q", tc.name, got, tc.want)
			for _, a := range r.Anomalies {
				t.Logf("  %s %s score %d: %s", a.Kind, a.Key, a.Score, a.Explanation)
			}
		}
	}
}

// TestExplanation checks the words of a volume spike.
func TestExplanation(t *testing.T) {
	t.Parallel()
	r := judge(history(scale(steady(1000, 3, nil), 4, 72), 84), 84, 30, Options{})
	if len(r.Anomalies) != 1 {
		t.Fatalf("anomalies %+v", r.Anomalies)
	}
	a := r.Anomalies[0]
	want := regexp.MustCompile(`^Wednesday volume \d,\d{3} messages is \d+\.\d MADs above the usual [\d,]{3,5} for weekdays of the last 4 weeks$`)
	if !want.MatchString(a.Explanation) || a.ID != ID("example.com", KindVolumeSpike, dayKey(72)) || a.Confidence != "high" ||
		a.Severity != "high" || !a.Alert || a.Day.Format(time.DateOnly) != dayKey(72) || a.Deviation < 8 || a.Messages < 2000 {
		t.Errorf("anomaly %+v", a)
	}
	if r.Weekdays.Days != 20 || math.Abs(r.Weekdays.Volume-1000) > 50 || r.Weekdays.PassRate < 97 || r.Weekend.Days != 6 {
		t.Errorf("usual %+v %+v", r.Weekdays, r.Weekend)
	}
}

// TestLateReports checks that the newest days, whose reports are still
// arriving, are no drop, and become one once they are complete.
func TestLateReports(t *testing.T) {
	t.Parallel()
	// Days 82 and 83 have half their mail: the other reports are late.
	late := scale(steady(5000, 4, nil), 0.5, 82, 83)
	h := history(late, 84)
	r := judge(h, 84, 7, Options{AsOf: start.AddDate(0, 0, 84).Add(6 * time.Hour)})
	if got := alerts(r); len(got) != 0 {
		t.Errorf("late days flagged: %q", got)
	}
	if len(r.Provisional) != 2 || r.Provisional[0].Format(time.DateOnly) != dayKey(82) {
		t.Errorf("provisional %v", r.Provisional)
	}
	// The same data read long after the last day: the data's own end
	// keeps them provisional (History.Last).
	r = judge(h, 84, 7, Options{AsOf: start.AddDate(0, 0, 200)})
	if got := alerts(r); len(got) != 0 || len(r.Provisional) != 2 {
		t.Errorf("late days read later: %q, provisional %v", got, r.Provisional)
	}
	// Complete (two more days arrived): a drop.
	r = judge(history(scale(steady(5000, 4, nil), 0.1, 79), 84), 84, 7, Options{})
	if got := alerts(r); !slices.Equal(got, []string{"volume_drop " + dayKey(79)}) {
		t.Errorf("complete drop: %q", got)
	}
	// A provisional spike is reported, marked so.
	r = judge(history(scale(steady(5000, 4, nil), 3, 83), 84), 84, 7, Options{})
	if len(r.Anomalies) != 1 || !r.Anomalies[0].Provisional || !r.Anomalies[0].Alert ||
		!strings.Contains(strings.Join(r.Anomalies[0].Evidence, "\n"), "may still arrive") {
		t.Errorf("provisional spike: %+v", r.Anomalies)
	}
}

// TestLearning checks that nothing is reported in a domain's first days,
// and that the result says until when.
func TestLearning(t *testing.T) {
	t.Parallel()
	w := scale(steady(5000, 5, nil), 5, 9)
	r := judge(history(w, 12), 12, 12, Options{})
	if len(r.Anomalies) != 0 || !r.Learning || r.LearningUntil.Format(time.DateOnly) != dayKey(14) {
		t.Errorf("learning: %+v", r)
	}
	// After the learning period, with a baseline of few days: lower
	// confidence.
	r = judge(history(scale(steady(5000, 5, nil), 5, 16), 17), 17, 3, Options{})
	if got := alerts(r); !slices.Equal(got, []string{"volume_spike " + dayKey(16)}) || r.Learning || r.Anomalies[0].Confidence == "high" {
		t.Errorf("after learning: %q %+v", got, r.Anomalies)
	}
}

// TestSources runs the source rules: new sources failing DKIM and SPF,
// new senders, and the geographic rule with and without IP data.
func TestSources(t *testing.T) {
	t.Parallel()
	trickle := func(d int, _ time.Time) []src {
		// A new spoofing IP a day sending 3 messages: listed, quiet.
		return []src{{ip: fmt.Sprintf("203.0.113.%d", d), n: 3, bothFails: 3}}
	}
	spoof := func(d int, date time.Time) []src {
		out := trickle(d, date)
		if d == 72 {
			for k := range 20 {
				out = append(out, src{ip: fmt.Sprintf("198.51.%d.7", k), n: 40, bothFails: 40})
			}
		}
		return out
	}
	esp := func(d int, date time.Time) []src {
		out := trickle(d, date)
		if d >= 72 {
			for k := range 3 { // a pool of one /24, 5% of the mail together
				out = append(out, src{ip: fmt.Sprintf("100.64.1.%d", k), n: 80, pass: 80, dkim: 80})
			}
		}
		return out
	}
	tests := []struct {
		name  string
		extra func(int, time.Time) []src
		want  []string
	}{
		{"trickle", trickle, nil},
		// The day's trickle IP is part of the burst too.
		{"spoofing burst", spoof, append([]string{"failing_volume " + dayKey(72), "new_sources " + dayKey(72),
			"pass_rate_drop " + dayKey(72), "new_unauthorized 203.0.113.72"},
			func() []string {
				var ips []string
				for k := range 20 {
					ips = append(ips, fmt.Sprintf("new_unauthorized 198.51.%d.7", k))
				}
				slices.Sort(ips)
				return ips
			}()...)},
		{"new provider without SPF", esp, []string{"new_source 100.64.1.0", "new_source 100.64.1.1", "new_source 100.64.1.2"}},
	}
	for _, tc := range tests {
		r := judge(history(steady(5000, 6, tc.extra), 84), 84, 30, Options{})
		got := alerts(r)
		slices.Sort(tc.want)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: alerts %q, want %q", tc.name, got, tc.want)
		}
		listed := 0
		for _, a := range r.Anomalies {
			if a.Kind == KindNewUnauthorized && !a.Alert {
				listed++
				if a.Score != listedScore || a.Rule == "" {
					t.Errorf("%s: quiet new source %+v", tc.name, a)
				}
			}
		}
		if listed < 25 {
			t.Errorf("%s: %d quiet new failing sources listed, want one a day", tc.name, listed)
		}
		if !slices.ContainsFunc(r.Skipped, func(s string) bool { return strings.HasPrefix(s, "geographic_shift") }) {
			t.Errorf("%s: skipped %q", tc.name, r.Skipped)
		}
	}

	// With IP data: the burst comes from a country never seen.
	geo := countryFunc(func(ip string) string {
		if strings.HasPrefix(ip, "198.51.") {
			return "BR"
		}
		return "US"
	})
	r := judge(history(steady(5000, 6, spoof), 84), 84, 30, Options{Countries: geo})
	if !slices.Contains(alerts(r), "geographic_shift BR") || len(r.Skipped) != 0 {
		t.Errorf("geographic: %q, skipped %q", alerts(r), r.Skipped)
	}
}

type countryFunc func(string) string

func (f countryFunc) CountryOf(ip string) string { return f(ip) }

// TestFeedback checks that feedback is honoured: an expected anomaly is
// listed but does not alert, an expected source is not counted as new,
// and expected days leave the baseline.
func TestFeedback(t *testing.T) {
	t.Parallel()
	spike := history(scale(steady(5000, 7, nil), 3, 72), 84)
	spike.Expected = []store.ExpectedAnomaly{{Domain: "example.com", Kind: KindVolumeSpike, Key: dayKey(72), By: "alice", Note: "campaign"}}
	r := judge(spike, 84, 30, Options{})
	if len(r.Anomalies) != 1 || r.Anomalies[0].Alert || !r.Anomalies[0].Expected || r.Anomalies[0].Feedback.By != "alice" {
		t.Errorf("expected spike: %+v", r.Anomalies)
	}

	esp := func(d int, _ time.Time) []src {
		if d < 72 {
			return nil
		}
		return []src{{ip: "100.64.1.1", n: 400, pass: 400, dkim: 400}}
	}
	h := history(steady(5000, 8, esp), 84)
	h.Expected = []store.ExpectedAnomaly{{Domain: "example.com", Kind: KindNewUnauthorized, Key: "100.64.1.1"}}
	r = judge(h, 84, 30, Options{})
	if got := alerts(r); len(got) != 0 || len(r.Anomalies) != 1 || !r.Anomalies[0].Expected || r.Anomalies[0].Kind != KindNewSource {
		t.Errorf("expected source: %q %+v", got, r.Anomalies)
	}

	// Campaigns on most weekdays of the baseline: marked expected, they
	// leave it, so a campaign day unmarked is a spike again.
	var campaigns []int
	for d := 44; d < 72; d++ {
		if wd := start.AddDate(0, 0, d).Weekday(); wd != time.Saturday && wd != time.Sunday && d%4 != 0 {
			campaigns = append(campaigns, d)
		}
	}
	w := scale(steady(5000, 9, nil), 3, append(campaigns, 73)...)
	h = history(w, 84)
	if got := alerts(judge(h, 84, 12, Options{})); slices.Contains(got, "volume_spike "+dayKey(73)) {
		t.Errorf("campaigns in the baseline: %q", got)
	}
	for _, d := range campaigns {
		h.Expected = append(h.Expected, store.ExpectedAnomaly{Domain: "example.com", Kind: KindVolumeSpike, Key: dayKey(d)})
	}
	if got := alerts(judge(h, 84, 12, Options{})); !slices.Contains(got, "volume_spike "+dayKey(73)) {
		t.Errorf("campaigns left out: %q", got)
	}
}

// TestPartialSources checks that source rules wait for a full lookback
// after a cut read, and say so.
func TestPartialSources(t *testing.T) {
	t.Parallel()
	spoof := func(d int, _ time.Time) []src {
		if d == 72 {
			return []src{{ip: "198.51.100.7", n: 900, bothFails: 900}}
		}
		return nil
	}
	h := history(steady(5000, 10, spoof), 84)
	h.SourcesFrom = start.AddDate(0, 0, 60)
	r := judge(h, 84, 30, Options{})
	if slices.ContainsFunc(r.Anomalies, func(a Anomaly) bool { return KeyKind(a.Kind) == "ip" }) || len(r.Skipped) != 2 {
		t.Errorf("cut sources: %+v, skipped %q", r.Anomalies, r.Skipped)
	}
}

func TestIDAndKinds(t *testing.T) {
	t.Parallel()
	a, b := ID("example.com", KindNewSource, "192.0.2.1"), ID("example.com", KindNewSource, "192.0.2.1")
	if a != b || len(a) != 16 || a == ID("example.org", KindNewSource, "192.0.2.1") || a == ID("example.com", KindNewUnauthorized, "192.0.2.1") {
		t.Errorf("ids %s %s", a, b)
	}
	for _, k := range Kinds {
		if KeyKind(k) == "" {
			t.Errorf("kind %s has no key kind", k)
		}
	}
	if KeyKind("other") != "" {
		t.Error("unknown kind has a key kind")
	}
}

// TestHoliday checks that a weekday at the weekend's level is listed, as
// a possible holiday, without alerting.
func TestHoliday(t *testing.T) {
	t.Parallel()
	r := judge(history(scale(steady(5000, 11, nil), 0.3, 72), 84), 84, 30, Options{})
	if len(r.Anomalies) != 1 || r.Anomalies[0].Kind != KindVolumeDrop || r.Anomalies[0].Alert ||
		r.Anomalies[0].Score > holidayScore || !strings.HasSuffix(r.Anomalies[0].Explanation, "a holiday?") {
		t.Errorf("holiday: %+v", r.Anomalies)
	}
}
