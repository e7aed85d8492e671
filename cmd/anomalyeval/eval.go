package main

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/anomaly"
	"github.com/parse-dmarc/parse-dmarc/internal/synth"
)

// How alerts are judged against the ground truth.
//
// An incident is detected when an alert of a kind that can show it (see
// shows) falls on one of its days, or the day after; a new provider counts
// on its first three days (it stays), and alerts about source IPs or
// countries must name one of the incident's IPs or their countries.
//
// Precision counts alert groups, not alerts: the alerts of one kind on one
// day are one group, since a spoofing burst of 150 IPs raises 150
// new_unauthorized alerts that a person reads as one finding, and
// counting them one by one would let a burst drown the false alarms. A
// group is true when it detects an incident; a false one is charged to
// the incident kind its anomaly kind stands for most (primary). A benign
// change is flagged when a false group of a kind it could cause (see
// misleads) falls on its days (a holiday, the day after) or within a week
// after gradual growth began or ended.

// shows lists the anomaly kinds that can reveal each incident kind.
var shows = map[string][]string{
	synth.IncidentSpoofing: {anomaly.KindNewUnauthorized, anomaly.KindNewSources, anomaly.KindFailingVolume,
		anomaly.KindPassRateDrop, anomaly.KindGeographicShift, anomaly.KindVolumeSpike},
	synth.IncidentBrokenDKIM: {anomaly.KindSourceAuthDrop, anomaly.KindPassRateDrop, anomaly.KindFailingVolume},
	synth.IncidentNewESP: {anomaly.KindNewSource, anomaly.KindNewUnauthorized, anomaly.KindNewSources,
		anomaly.KindFailingVolume, anomaly.KindPassRateDrop, anomaly.KindGeographicShift, anomaly.KindVolumeSpike},
	synth.IncidentSpike: {anomaly.KindVolumeSpike},
	synth.IncidentDrop:  {anomaly.KindVolumeDrop, anomaly.KindPassRateDrop}, // what still arrives is more often spoofed
}

// misleads lists the anomaly kinds each benign change could cause: a
// holiday lowers the volume and so raises the share of spoofing; growth
// raises the volume.
var misleads = map[string][]string{
	synth.BenignHoliday: {anomaly.KindVolumeDrop, anomaly.KindVolumeSpike, anomaly.KindPassRateDrop, anomaly.KindFailingVolume},
	synth.BenignGrowth:  {anomaly.KindVolumeSpike, anomaly.KindFailingVolume},
}

// primary is the incident kind each anomaly kind stands for most.
var primary = map[string]string{
	anomaly.KindVolumeSpike:     synth.IncidentSpike,
	anomaly.KindVolumeDrop:      synth.IncidentDrop,
	anomaly.KindNewUnauthorized: synth.IncidentSpoofing,
	anomaly.KindNewSources:      synth.IncidentSpoofing,
	anomaly.KindFailingVolume:   synth.IncidentSpoofing,
	anomaly.KindGeographicShift: synth.IncidentSpoofing,
	anomaly.KindPassRateDrop:    synth.IncidentBrokenDKIM,
	anomaly.KindSourceAuthDrop:  synth.IncidentBrokenDKIM,
	anomaly.KindNewSource:       synth.IncidentNewESP,
}

// config is one evaluation.
type config struct {
	seed      uint64
	histories int
	days      int
	options   anomaly.Options
	verbose   bool
}

// score counts the outcome of one incident kind, or of all.
type score struct {
	incidents, detected int // recall
	groups, hits        int // precision
}

func (s score) recall() float64    { return ratio(s.detected, s.incidents) }
func (s score) precision() float64 { return ratio(s.hits, s.groups) }
func (s score) f1() float64 {
	p, r := s.precision(), s.recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1 // nothing to find, nothing wrongly found
	}
	return float64(a) / float64(b)
}

// benign counts the benign changes of one kind and those flagged.
type benign struct{ events, flagged int }

// results are an evaluation's measurements.
type results struct {
	kinds   map[string]*score
	overall score
	benign  map[string]*benign
	// falseGroups per 30 days of history, over all histories.
	falseGroups int
	days        int
	elapsed     time.Duration
	// mistakes describe the false groups and missed incidents.
	mistakes []string
}

// evaluate replays cfg.histories synthetic histories, in parallel, and
// judges their alerts.
func evaluate(cfg config) *results {
	start := time.Now()
	res := &results{kinds: map[string]*score{}, benign: map[string]*benign{}}
	for _, k := range synth.IncidentKinds {
		res.kinds[k] = &score{}
	}
	for _, k := range synth.BenignKinds {
		res.benign[k] = &benign{}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range cfg.histories {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			h := synth.NewHistory(synth.HistoryOptions{Domain: fmt.Sprintf("d%d.example", i), Days: cfg.days,
				Seed: cfg.seed*1_000_003 + uint64(i)})
			alerts := replay(h, cfg.options)
			mu.Lock()
			defer mu.Unlock()
			res.judge(h, alerts)
		})
	}
	wg.Wait()
	for _, s := range res.kinds {
		res.overall.incidents += s.incidents
		res.overall.detected += s.detected
		res.overall.groups += s.groups
		res.overall.hits += s.hits
	}
	res.elapsed = time.Since(start)
	return res
}

// group is the alerts of one kind on one day.
type group struct {
	kind  string
	day   time.Time
	keys  []string
	first alert
}

// judge adds the outcome of one history.
func (res *results) judge(h *synth.History, alerts map[string]alert) {
	res.days += h.Days
	byGroup := map[[2]string]*group{}
	for _, a := range alerts {
		k := [2]string{a.kind, a.day.Format(time.DateOnly)}
		g := byGroup[k]
		if g == nil {
			g = &group{kind: a.kind, day: a.day, first: a}
			byGroup[k] = g
		}
		g.keys = append(g.keys, a.key)
	}
	detected := make([]bool, len(h.Incidents))
	for _, g := range byGroup {
		matched := ""
		for i, inc := range h.Incidents {
			if !inc.Benign && reveals(h, g, inc) {
				detected[i] = true
				if matched == "" {
					matched = inc.Kind
				}
			}
		}
		if matched != "" {
			res.kinds[matched].groups++
			res.kinds[matched].hits++
			continue
		}
		res.kinds[primary[g.kind]].groups++
		res.falseGroups++
		res.mistakes = append(res.mistakes, fmt.Sprintf("%s false %s %s (%d): score %d: %s", h.Domain, g.kind, g.day.Format(time.DateOnly), len(g.keys), g.first.score, g.first.explanation))
	}
	for i, inc := range h.Incidents {
		if inc.Benign {
			res.benign[inc.Kind].events++
			for _, g := range byGroup {
				if slices.Contains(misleads[inc.Kind], g.kind) && within(g.day, inc.Start, benignEnd(inc)) && !matchesAny(h, g) {
					res.benign[inc.Kind].flagged++
					break
				}
			}
			continue
		}
		res.kinds[inc.Kind].incidents++
		if detected[i] {
			res.kinds[inc.Kind].detected++
		} else {
			res.mistakes = append(res.mistakes, fmt.Sprintf("%s missed %s %s..%s (volume %d, %d IPs)", h.Domain, inc.Kind,
				inc.Start.Format(time.DateOnly), inc.End.Format(time.DateOnly), h.Volume, len(inc.IPs)))
		}
	}
}

// matchesAny reports whether g reveals an incident of h.
func matchesAny(h *synth.History, g *group) bool {
	for _, inc := range h.Incidents {
		if !inc.Benign && reveals(h, g, inc) {
			return true
		}
	}
	return false
}

// reveals reports whether the alert group g detects incident inc.
func reveals(h *synth.History, g *group, inc synth.Incident) bool {
	if !slices.Contains(shows[inc.Kind], g.kind) || !within(g.day, inc.Start, incidentEnd(inc)) {
		return false
	}
	switch anomaly.KeyKind(g.kind) {
	case "ip":
		return slices.ContainsFunc(g.keys, func(k string) bool { return slices.Contains(inc.IPs, k) })
	case "country":
		return slices.ContainsFunc(g.keys, func(k string) bool {
			return slices.ContainsFunc(inc.IPs, func(ip string) bool { return h.Countries[ip] == k })
		})
	}
	return true
}

// incidentEnd is the end of the days an alert may detect inc on.
func incidentEnd(inc synth.Incident) time.Time {
	if inc.Kind == synth.IncidentNewESP {
		return inc.Start.AddDate(0, 0, 3)
	}
	return inc.End.AddDate(0, 0, 1)
}

// benignEnd is the end of the days an alert counts against a benign
// change.
func benignEnd(inc synth.Incident) time.Time {
	if inc.Kind == synth.BenignGrowth {
		return inc.End.AddDate(0, 0, 7)
	}
	return inc.End.AddDate(0, 0, 1)
}

func within(t, start, end time.Time) bool { return !t.Before(start) && t.Before(end) }

// print writes the table of res.
func (res *results) print(w func(format string, args ...any), cfg config) {
	w("anomalyeval: %d histories of %d days, seed %d, daily runs judging the last %d days (%.1fs)\n\n",
		cfg.histories, cfg.days, cfg.seed, judgedDays, res.elapsed.Seconds())
	w("%-16s %9s %9s %7s %7s %6s %10s %6s\n", "incident", "incidents", "detected", "recall", "groups", "true", "precision", "F1")
	kinds := slices.Clone(synth.IncidentKinds)
	slices.SortStableFunc(kinds, func(a, b string) int { return cmp.Compare(a, b) })
	for _, k := range kinds {
		s := res.kinds[k]
		w("%-16s %9d %9d %7.3f %7d %6d %10.3f %6.3f\n", k, s.incidents, s.detected, s.recall(), s.groups, s.hits, s.precision(), s.f1())
	}
	s := res.overall
	w("%-16s %9d %9d %7.3f %7d %6d %10.3f %6.3f\n\n", "overall", s.incidents, s.detected, s.recall(), s.groups, s.hits, s.precision(), s.f1())
	w("%-16s %9s %9s %7s\n", "benign change", "events", "flagged", "FP rate")
	for _, k := range synth.BenignKinds {
		b := res.benign[k]
		w("%-16s %9d %9d %7.3f\n", k, b.events, b.flagged, ratio(b.flagged, b.events)*boolf(b.events > 0))
	}
	if cfg.verbose {
		slices.Sort(res.mistakes)
		w("\n")
		for _, m := range res.mistakes {
			w("%s\n", m)
		}
	}
	w("\nfalse alert groups: %d, %.2f per domain and 30 days\n", res.falseGroups, float64(res.falseGroups)*30/float64(max(res.days, 1)))
}

func boolf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
