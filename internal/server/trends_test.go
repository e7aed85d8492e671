package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/enrich"
	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/synth"
)

// synthDays is the length of the histories of these tests.
const synthDays = 75

// spoofedHistory is the first synthetic history of the seeds 1, 2, ...
// with a spoofing burst it can detect: after the learning period and a
// few weeks of baseline, before the history's last days.
func spoofedHistory(t *testing.T) (*synth.History, synth.Incident) {
	t.Helper()
	for seed := uint64(1); seed < 500; seed++ {
		h := newSynth(seed)
		for _, inc := range h.Incidents {
			if inc.Kind == synth.IncidentSpoofing && inc.End.Before(h.Start.AddDate(0, 0, synthDays-5)) {
				return h, inc
			}
		}
	}
	t.Fatal("no history with a spoofing burst")
	return nil, synth.Incident{}
}

// countryIPs is IP data with countries: the synthetic history's own.
type countryIPs map[string]string

func (c countryIPs) Lookup(_ context.Context, a netip.Addr) enrich.Info {
	return enrich.Info{Country: c[a.String()]}
}
func (countryIPs) Reverse(context.Context, netip.Addr) string { return "" }
func (countryIPs) Status() enrich.Status {
	return enrich.Status{Country: enrich.Source{State: enrich.StateReady}}
}

// historyServer serves a store holding the reports of h, imported through
// the ingest path as they arrived.
func historyServer(t *testing.T, h *synth.History, ips IPData) *httptest.Server {
	t.Helper()
	st := openTestStore(t)
	im := &ingest.Importer{Store: st}
	for i := range h.Reports {
		r := &h.Reports[i]
		var b bytes.Buffer
		if err := synth.WriteReport(&b, r); err != nil {
			t.Fatal(err)
		}
		im.Now = func() time.Time { return r.Arrival }
		sum, err := im.ImportReader(t.Context(), r.Header.Metadata.ReportID+".xml", &b)
		if err != nil || sum.Imported != 1 {
			t.Fatalf("import %s: %+v, %v", r.Header.Metadata.ReportID, sum, err)
		}
	}
	s := &Server{Store: st, Importer: im, IPs: ips, Version: "test"}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// TestTrends reads the trend of the week of a spoofing burst, and checks
// the errors of the route.
func TestTrends(t *testing.T) {
	t.Parallel()
	h, burst := spoofedHistory(t)
	ts := historyServer(t, h, nil)
	since := burst.Start.AddDate(0, 0, -2)
	until := since.AddDate(0, 0, 7)
	var rep struct {
		Domain string
		Period struct {
			Start, End      time.Time
			ReportsAnalyzed int64 `json:"reports_analyzed"`
		}
		PreviousPeriod struct{ Start time.Time } `json:"previous_period"`
		Trends         struct {
			TotalVolume struct {
				Current, Previous int64
				ChangePercent     *float64 `json:"change_percent"`
			} `json:"total_volume"`
			PassRate struct {
				Current, Previous float64
				Direction         string
			} `json:"pass_rate"`
			NewSources []struct {
				IP             string
				Classification string
				Volume         int64
			} `json:"new_sources"`
			NewSourcesTotal int `json:"new_sources_total"`
			Anomalies       []trendAnomaly
		}
		Detection struct{ Skipped []string }
	}
	url := fmt.Sprintf("%s/api/v1/trends?domain=%s&since=%s&until=%s", ts.URL, h.Domain, since.Format(time.DateOnly), until.Format(time.DateOnly))
	if r := get(t, url, &rep); r.StatusCode != http.StatusOK {
		t.Fatalf("status %d", r.StatusCode)
	}
	if rep.Domain != h.Domain || !rep.Period.Start.Equal(since) || !rep.Period.End.Equal(until) ||
		!rep.PreviousPeriod.Start.Equal(since.AddDate(0, 0, -7)) || rep.Period.ReportsAnalyzed < 20 {
		t.Errorf("periods: %+v", rep)
	}
	tr := rep.Trends
	if tr.TotalVolume.Current <= 0 || tr.TotalVolume.Previous <= 0 || tr.TotalVolume.ChangePercent == nil ||
		tr.PassRate.Current >= tr.PassRate.Previous || tr.PassRate.Direction != "declining" {
		t.Errorf("volume %+v, pass rate %+v", tr.TotalVolume, tr.PassRate)
	}
	spoofers := 0
	for _, s := range tr.NewSources {
		if slices.Contains(burst.IPs, s.IP) {
			spoofers++
			if s.Classification != "suspicious" || s.Volume <= 0 {
				t.Errorf("new source %+v", s)
			}
		}
	}
	if spoofers < min(len(burst.IPs), 100)/2 || tr.NewSourcesTotal < spoofers {
		t.Errorf("%d of the burst's %d IPs among %d new sources", spoofers, len(burst.IPs), tr.NewSourcesTotal)
	}
	if !slices.ContainsFunc(tr.Anomalies, func(a trendAnomaly) bool {
		return a.Alert && a.Type == "new_unauthorized" && slices.Contains(burst.IPs, a.Key) && a.Description != ""
	}) {
		t.Errorf("no alert of the burst among %+v", tr.Anomalies)
	}
	if !slices.ContainsFunc(rep.Detection.Skipped, func(s string) bool { return strings.HasPrefix(s, "geographic_shift") }) {
		t.Errorf("without IP data the geographic rule is not said to be skipped: %q", rep.Detection.Skipped)
	}

	// The default period: the last week with mail.
	var def struct{ Period struct{ End time.Time } }
	get(t, ts.URL+"/api/v1/trends?domain="+h.Domain, &def)
	if want := h.Start.AddDate(0, 0, synthDays); !def.Period.End.Equal(want) {
		t.Errorf("default period ends %v, want %v", def.Period.End, want)
	}

	for _, tc := range []struct {
		query string
		code  int
	}{
		{"", http.StatusBadRequest},
		{"domain=" + h.Domain + "&since=yesterday", http.StatusBadRequest},
		{"domain=" + h.Domain + "&since=2026-03-10&until=2026-03-01", http.StatusBadRequest},
		{"domain=unknown.example", http.StatusNotFound},
	} {
		var e apiError
		if r := get(t, ts.URL+"/api/v1/trends?"+tc.query, &e); r.StatusCode != tc.code || e.Error.Code == "" {
			t.Errorf("%q: status %d, %+v", tc.query, r.StatusCode, e)
		}
	}
}

// trendAnomaly is an anomaly of a trend.
type trendAnomaly struct {
	Type, Key, Severity, Description string
	Alert                            bool
}

// synthHistory is a synthetic history and a day of it.
type synthHistory struct {
	*synth.History
	day string
}

// newSynth is the history of seed used by these tests.
func newSynth(seed uint64) *synth.History {
	return synth.NewHistory(synth.HistoryOptions{Seed: seed, Days: synthDays, Volume: 3000})
}
