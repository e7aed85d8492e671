package analysis_test

import (
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
)

func TestRisk(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		recs []*aggregate.Record
		want analysis.RiskIndicators
	}{
		{name: "no records"},
		{
			name: "mixed report",
			recs: []*aggregate.Record{
				own("192.0.2.10", 100),
				rec("192.0.2.10", 10, "pass", "pass", "quarantine", reason("sampled_out")),
				spoofed("203.0.113.5", 40, "none"),
				spoofed("203.0.113.6", 8, "reject"),
				forwarded("209.85.220.41", 30),
				viaESP("198.51.100.7", 25, "none"),
				rec("198.51.100.10", 4, "", "", "none"),
			},
			want: analysis.RiskIndicators{
				UnauthorizedSenders:    2,                // 203.0.113.5 and .6
				AuthenticationFailures: 40 + 8 + 30 + 25, // not the 4 without verdict
				PolicyOverrides:        10 + 30,          // sampled_out and forwarded
				SpoofingAttempts:       40 + 8,
			},
		},
		{
			// A source that mostly passes is not suspicious, though its
			// failures count.
			name: "partly spoofed source",
			recs: []*aggregate.Record{own("192.0.2.1", 50), spoofed("192.0.2.1", 50, "none")},
			want: analysis.RiskIndicators{AuthenticationFailures: 50},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := accumulate(header("none", "none", 100), tt.recs...).Risk(); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
