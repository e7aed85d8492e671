package trend

import (
	"bytes"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/anomaly"
	"github.com/parse-dmarc/parse-dmarc/internal/golden"
)

func TestWriteText(t *testing.T) {
	t.Parallel()
	d := func(day int) time.Time { return time.Date(2026, 12, day, 0, 0, 0, 0, time.UTC) }
	change := 184.2
	rep := &Report{Domain: "example.com",
		Period:   Period{Start: d(1), End: d(8), ReportsAnalyzed: 35},
		Previous: Period{Start: d(1).AddDate(0, 0, -7), End: d(1), ReportsAnalyzed: 34},
		Trends: Trends{
			TotalVolume: Volume{Current: 14210, Previous: 5002, ChangePercent: &change},
			PassRate:    PassRate{Current: 71.25, Previous: 97.5, ChangePoints: -26.25, Direction: Declining},
			NewSources: []NewSource{{IP: "203.0.113.7", FirstSeen: d(4), Classification: Suspicious, Volume: 8000, PassRate: 0},
				{IP: "2001:db8::25", FirstSeen: d(2), Classification: Legitimate, Volume: 1, PassRate: 100}},
			NewSourcesTotal:         5,
			DisappearedSources:      []GoneSource{{IP: "198.51.100.9", LastSeen: d(1).AddDate(0, 0, -2), WasClassified: Legitimate, Volume: 40}},
			DisappearedSourcesTotal: 1,
			Anomalies: []Anomaly{
				{Type: "new_unauthorized", Severity: "high", Description: "203.0.113.7 is new and failed DKIM and SPF for 8,000 messages", Day: anomaly.Date{Time: d(4)}, Score: 92, Alert: true},
				{Type: "volume_spike", Severity: "medium", Description: "Friday volume 9,410 messages is 12.0 MADs above the usual 2,010", Day: anomaly.Date{Time: d(4)}, Score: 70, Alert: true, Expected: true},
				{Type: "new_unauthorized", Severity: "low", Description: "198.18.0.1 is new and failed DKIM and SPF for 2 messages", Day: anomaly.Date{Time: d(5)}, Score: 20},
			},
		},
		Detection: Detection{Skipped: []string{"geographic_shift: no country data (make ipdb)"}},
	}
	var b bytes.Buffer
	if err := WriteText(&b, rep); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/trend.txt", b.Bytes())
}
