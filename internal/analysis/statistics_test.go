package analysis_test

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
)

func TestStatistics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		recs []*aggregate.Record
		want analysis.Statistics
	}{
		{name: "no records"},
		{
			name: "zero counts",
			recs: []*aggregate.Record{rec("192.0.2.1", 0, "pass", "pass", "none")},
			want: analysis.Statistics{UniqueSources: 1},
		},
		{
			// Hand-computed: 28 messages from 5 IPs.
			name: "weighted",
			recs: []*aggregate.Record{
				rec("192.0.2.1", 10, "pass", "pass", "none"),
				rec("192.0.2.1", 5, "pass", "fail", "none"),
				rec("192.0.2.2", 3, "fail", "pass", "pass"), // DMARCbis: no policy applied
				rec("198.51.100.7", 7, "fail", "fail", "reject"),
				rec("198.51.100.8", 2, "fail", "fail", "quarantine"),
				rec("2001:db8::1", 1, "", "fail", ""), // verdict and disposition missing
			},
			want: analysis.Statistics{
				TotalMessages: 28,
				DKIMPass:      15, DKIMFail: 12,
				SPFPass: 13, SPFFail: 15,
				FullyAligned: 10, FullyFailed: 9,
				DispositionNone: 18, DispositionQuarantine: 2, DispositionReject: 7,
				UniqueSources:   5,
				PassRateDKIM:    53.57, // 15/28
				PassRateSPF:     46.43, // 13/28
				PassRateOverall: 64.29, // 18/28
			},
		},
		{
			name: "rounding",
			recs: []*aggregate.Record{
				rec("192.0.2.1", 1, "pass", "fail", "none"),
				rec("192.0.2.1", 2, "fail", "fail", "none"),
			},
			want: analysis.Statistics{
				TotalMessages: 3, DKIMPass: 1, DKIMFail: 2, SPFFail: 3, FullyFailed: 2,
				DispositionNone: 3, UniqueSources: 1,
				PassRateDKIM: 33.33, PassRateOverall: 33.33,
			},
		},
		{
			name: "all pass",
			recs: []*aggregate.Record{
				rec("192.0.2.1", 2, "pass", "pass", "pass"),
				rec("192.0.2.2", 1, "pass", "pass", "none"),
			},
			want: analysis.Statistics{
				TotalMessages: 3, DKIMPass: 3, SPFPass: 3, FullyAligned: 3, DispositionNone: 3, UniqueSources: 2,
				PassRateDKIM: 100, PassRateSPF: 100, PassRateOverall: 100,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := accumulate(nil, tt.recs...).Statistics()
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestStatisticsKeys checks the JSON object has exactly the protocol's
// keys.
func TestStatisticsKeys(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(analysis.Statistics{})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := []string{"disposition_none", "disposition_quarantine", "disposition_reject", "dkim_fail", "dkim_pass",
		"fully_aligned", "fully_failed", "pass_rate_dkim", "pass_rate_overall", "pass_rate_spf", "spf_fail", "spf_pass",
		"total_messages", "unique_sources"}
	if got := slices.Sorted(maps.Keys(m)); !slices.Equal(got, want) {
		t.Errorf("keys %v, want %v", got, want)
	}
}

// TestZeroAccumulator checks the zero value and nil records are safe.
func TestZeroAccumulator(t *testing.T) {
	t.Parallel()
	var a analysis.Accumulator
	a.Add(nil)
	a.Add(rec("192.0.2.1", -5, "pass", "pass", "none"))
	if s := a.Statistics(); s.TotalMessages != 0 || s.UniqueSources != 1 {
		t.Errorf("%+v", s)
	}
	if len(a.Sources()) != 1 || len(a.Recommendations()) != 1 {
		t.Errorf("sources %v recommendations %v", a.Sources(), a.Recommendations())
	}
}
