package server

import (
	"bytes"
	"context"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/enrich"
	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/synth"
)

// fakeIPs places IPv4 addresses by their first octet: below 128 in the
// US with AS 64500, others unknown.
type fakeIPs struct{}

func (fakeIPs) Lookup(_ context.Context, a netip.Addr) enrich.Info {
	if a.Is4() && a.As4()[0] < 128 {
		return enrich.Info{ASN: 64500, Org: "Example Net", Country: "US"}
	}
	return enrich.Info{}
}
func (fakeIPs) Reverse(_ context.Context, a netip.Addr) string {
	return "host-" + a.String() + ".example.net"
}
func (fakeIPs) Status() enrich.Status { return enrich.Status{} }

func newDashboardServer(t *testing.T, ips IPData) *httptest.Server {
	t.Helper()
	st := openTestStore(t)
	s := &Server{Store: st, Importer: &ingest.Importer{Store: st}, IPs: ips, Version: "test", MaxUpload: 4 << 20}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	var a, b bytes.Buffer
	synth.Write(&a, synth.Options{Records: 200, Sources: 20, Seed: 41})
	synth.Write(&b, synth.Options{Records: 100, Sources: 12, Seed: 42, OrgName: "outlook.com"})
	upload(t, ts.URL, map[string][]byte{"a.xml": a.Bytes(), "b.xml": b.Bytes()})
	return ts
}

func TestScores(t *testing.T) {
	t.Parallel()
	ts := newDashboardServer(t, fakeIPs{})
	var sum struct{ Statistics map[string]float64 }
	get(t, ts.URL+"/api/v1/stats/summary?domain=example.com", &sum)
	var res struct {
		Domains []struct {
			Domain   string
			Messages float64
			PassRate float64 `json:"pass_rate"`
			Score    struct {
				Score   int
				Grade   string
				Zone    string
				Policy  string
				Factors []struct{ Name string }
			}
			Trend   struct{ Direction string }
			History []struct{ Score int }
			Failing []struct {
				SourceIP  string  `json:"source_ip"`
				Total     float64 `json:"total_messages"`
				DMARCPass float64 `json:"dmarc_pass"`
				Org       string
			}
		}
	}
	get(t, ts.URL+"/api/v1/scores", &res)
	if len(res.Domains) != 1 {
		t.Fatalf("scores %+v", res)
	}
	d := res.Domains[0]
	if d.Domain != "example.com" || d.Messages != sum.Statistics["total_messages"] || d.PassRate != sum.Statistics["pass_rate_overall"] {
		t.Errorf("domain %+v, summary %v", d, sum.Statistics)
	}
	if d.Score.Score < 0 || d.Score.Score > 100 || d.Score.Grade == "" || d.Score.Zone == "" || len(d.Score.Factors) != 4 || d.Score.Policy == "" {
		t.Errorf("score %+v", d.Score)
	}
	if d.Trend.Direction == "" || len(d.History) == 0 {
		t.Errorf("trend %+v, history %+v", d.Trend, d.History)
	}
	if len(d.Failing) == 0 || len(d.Failing) > 3 {
		t.Fatalf("failing %+v", d.Failing)
	}
	for i, f := range d.Failing {
		if f.DMARCPass >= f.Total {
			t.Errorf("failing source %+v passes", f)
		}
		if i > 0 && f.Total-f.DMARCPass > d.Failing[i-1].Total-d.Failing[i-1].DMARCPass {
			t.Errorf("failing not ordered by failures: %+v", d.Failing)
		}
	}
	var none struct{ Domains []any }
	get(t, ts.URL+"/api/v1/scores?domain=nothing.example", &none)
	if none.Domains == nil || len(none.Domains) != 0 {
		t.Errorf("unknown domain: %+v", none)
	}
}

func TestSourcesWithIPData(t *testing.T) {
	t.Parallel()
	ts := newDashboardServer(t, fakeIPs{})
	var list struct {
		Sources []struct {
			SourceIP       string `json:"source_ip"`
			Total          int64  `json:"total_messages"`
			Org, Country   string
			ASN            int
			Hostname       string
			Classification *struct {
				Classification, Confidence string
				Evidence                   []string
			}
		}
		IPData struct{ Available bool } `json:"ip_data"`
	}
	get(t, ts.URL+"/api/v1/stats/sources?limit=50&classify=5", &list)
	if len(list.Sources) < 6 || !list.IPData.Available {
		t.Fatalf("sources %+v", list)
	}
	for i, s := range list.Sources {
		a := netip.MustParseAddr(s.SourceIP)
		wantOrg := a.Is4() && a.As4()[0] < 128
		if (s.Org == "Example Net") != wantOrg || (s.Country == "US") != wantOrg {
			t.Errorf("%s: org %q country %q", s.SourceIP, s.Org, s.Country)
		}
		if classified := s.Classification != nil; classified != (i < 5) {
			t.Errorf("source %d classified %v", i, classified)
		} else if classified && (s.Classification.Classification == "" || len(s.Classification.Evidence) == 0) {
			t.Errorf("classification %+v", s.Classification)
		}
		if (s.Hostname != "") != (i < 5) {
			t.Errorf("source %d hostname %q", i, s.Hostname)
		}
	}

	ip := list.Sources[0].SourceIP
	var one struct {
		Source struct {
			SourceIP string `json:"source_ip"`
			Total    int64  `json:"total_messages"`
			Hostname string
		}
		Domains []struct {
			Domain         string
			Classification struct{ Classification string }
		}
		Reporters []struct {
			OrgName string `json:"org_name"`
			Reports int
		}
		Timeline []struct{ Start string }
		Records  []struct {
			Report int64
			Count  int64
			Auth   string
		}
	}
	get(t, ts.URL+"/api/v1/sources/"+ip, &one)
	if one.Source.SourceIP != ip || one.Source.Total != list.Sources[0].Total || one.Source.Hostname == "" {
		t.Errorf("source %+v, want %d messages", one.Source, list.Sources[0].Total)
	}
	if len(one.Domains) != 1 || one.Domains[0].Domain != "example.com" || one.Domains[0].Classification.Classification != list.Sources[0].Classification.Classification {
		t.Errorf("domains %+v", one.Domains)
	}
	var n int64
	for _, r := range one.Records {
		n += r.Count
		if r.Report == 0 {
			t.Errorf("record %+v", r)
		}
	}
	if n != one.Source.Total || len(one.Reporters) == 0 || len(one.Timeline) == 0 {
		t.Errorf("records hold %d of %d messages; reporters %+v timeline %+v", n, one.Source.Total, one.Reporters, one.Timeline)
	}
	if r := get(t, ts.URL+"/api/v1/sources/not-an-ip", nil); r.StatusCode != 400 {
		t.Errorf("bad ip: %d", r.StatusCode)
	}
	if r := get(t, ts.URL+"/api/v1/sources/192.0.2.254", nil); r.StatusCode != 404 {
		t.Errorf("unknown ip: %d", r.StatusCode)
	}
}

func TestCountries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ips  IPData
	}{{"with data", fakeIPs{}}, {"without", nil}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newDashboardServer(t, tc.ips)
			var sum struct{ Statistics map[string]float64 }
			get(t, ts.URL+"/api/v1/stats/summary", &sum)
			var res struct {
				Countries []struct {
					Country           string
					Messages, Sources float64
					DMARCPass         float64 `json:"dmarc_pass"`
				}
				Unknown struct{ Messages, Sources float64 }
				IPData  struct {
					Available bool
					Reason    string
				} `json:"ip_data"`
			}
			get(t, ts.URL+"/api/v1/stats/countries", &res)
			total := res.Unknown.Messages
			for _, c := range res.Countries {
				total += c.Messages
			}
			if total != sum.Statistics["total_messages"] {
				t.Errorf("countries hold %v of %v messages", total, sum.Statistics["total_messages"])
			}
			if tc.ips == nil {
				if len(res.Countries) != 0 || res.IPData.Available || !strings.Contains(res.IPData.Reason, "make ipdb") {
					t.Errorf("without IP data: %+v", res)
				}
				return
			}
			if len(res.Countries) != 1 || res.Countries[0].Country != "US" || res.Countries[0].DMARCPass > res.Countries[0].Messages {
				t.Errorf("countries %+v", res.Countries)
			}
		})
	}
}

func TestTrendPeriods(t *testing.T) {
	t.Parallel()
	day := func(s string) time.Time { v, _ := time.Parse("2006-01-02", s); return v }
	last := day("2024-06-13").Add(12 * time.Hour)
	tests := []struct {
		name                       string
		f                          store.AggregateFilter
		recentSince, recentUntil   time.Time
		earlierSince, earlierUntil time.Time
	}{
		{"closed range", store.AggregateFilter{Since: day("2024-06-01"), Until: day("2024-06-11")},
			day("2024-06-01"), day("2024-06-11"), day("2024-05-22"), day("2024-06-01")},
		{"no start: last week of reports", store.AggregateFilter{},
			day("2024-06-07"), day("2024-06-14"), day("2024-05-31"), day("2024-06-07")},
		{"open end counts as ending today", store.AggregateFilter{Since: time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -9)},
			time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -9), time.Time{},
			time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -19), time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -9)},
	}
	for _, tc := range tests {
		recent, earlier := trendPeriods(tc.f, last)
		if !recent.Since.Equal(tc.recentSince) || !recent.Until.Equal(tc.recentUntil) ||
			!earlier.Since.Equal(tc.earlierSince) || !earlier.Until.Equal(tc.earlierUntil) {
			t.Errorf("%s: recent %v–%v, earlier %v–%v", tc.name, recent.Since, recent.Until, earlier.Since, earlier.Until)
		}
		if tc.f.Since.IsZero() == (recent == tc.f) {
			t.Errorf("%s: recent == filter is %v", tc.name, recent == tc.f)
		}
	}
}
