package digest

import (
	"bytes"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/digest/digesttest"
	"github.com/parse-dmarc/parse-dmarc/internal/golden"
	"github.com/parse-dmarc/parse-dmarc/internal/remedy/remedytest"
)

func TestPeriodOf(t *testing.T) {
	t.Parallel()
	day := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	for _, tc := range []struct {
		kind                 Kind
		at                   time.Time
		start, end, prevFrom string
		label                string
	}{
		{Daily, digesttest.Now, "2026-11-24", "2026-11-25", "2026-11-23", "Tuesday 24 November 2026"},
		{Weekly, digesttest.Now, "2026-11-16", "2026-11-23", "2026-11-09", "Week of 16 to 22 November 2026"},
		// On a Monday the week just ended is the one reported.
		{Weekly, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), "2026-11-23", "2026-11-30", "2026-11-16", "Week of 23 to 29 November 2026"},
		{Weekly, time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC), "2026-11-23", "2026-11-30", "2026-11-16", "Week of 23 to 29 November 2026"},
		{Weekly, time.Date(2026, 12, 9, 8, 0, 0, 0, time.UTC), "2026-11-30", "2026-12-07", "2026-11-23", "Week of 30 November to 6 December 2026"},
		{Monthly, digesttest.Now, "2026-10-01", "2026-11-01", "2026-09-01", "October 2026"},
		{Monthly, time.Date(2027, 1, 1, 7, 0, 0, 0, time.UTC), "2026-12-01", "2027-01-01", "2026-11-01", "December 2026"},
		// A time zone ahead of UTC: the UTC day decides.
		{Daily, time.Date(2026, 11, 25, 0, 30, 0, 0, time.FixedZone("CET", 3600)), "2026-11-23", "2026-11-24", "2026-11-22", "Monday 23 November 2026"},
	} {
		cur, prev := PeriodOf(tc.kind, tc.at)
		if !cur.Start.Equal(day(tc.start)) || !cur.End.Equal(day(tc.end)) || !prev.Start.Equal(day(tc.prevFrom)) || !prev.End.Equal(cur.Start) {
			t.Errorf("%s at %v: %v, previous %v", tc.kind, tc.at, cur, prev)
		}
		if got := tc.kind.Label(cur); got != tc.label {
			t.Errorf("%s at %v: label %q, want %q", tc.kind, tc.at, got, tc.label)
		}
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Kind{"week": Weekly, "Daily": Daily, "month": Monthly, "monthly": Monthly} {
		if k, err := ParseKind(in); k != want || err != nil {
			t.Errorf("ParseKind(%q) = %q, %v", in, k, err)
		}
	}
	if _, err := ParseKind("yearly"); !errors.Is(err, ErrKind) {
		t.Errorf("yearly: %v", err)
	}
	got, err := ParseSections([]string{"dns", "summary", "dns"})
	if err != nil || !slices.Equal(got, []string{"summary", "dns"}) {
		t.Errorf("sections: %v %v", got, err)
	}
	if got, _ := ParseSections(nil); !slices.Equal(got, AllSections) {
		t.Errorf("no sections: %v", got)
	}
	if _, err := ParseSections([]string{"charts"}); !errors.Is(err, ErrSection) {
		t.Errorf("charts: %v", err)
	}
}

// TestBuild reads the weekly digest of the one-domain world: the week's
// totals against the week before, the spoofer's first days as an event,
// SendGrid as the issue with its fix, the DNS regression of the week.
func TestBuild(t *testing.T) {
	t.Parallel()
	b := newBuilder(t, &digesttest.Options{})
	d, err := b.Build(t.Context(), Request{Kind: Weekly})
	if err != nil {
		t.Fatal(err)
	}
	day := int64(remedytest.GoogleDaily + remedytest.SendGridDaily + remedytest.OfficeDaily + remedytest.ForwardedDaily)
	passing := int64(remedytest.GoogleDaily + 12)
	h := d.Headline
	// The spoofer's five last days of the month: 20 to 24 November, three
	// of them in the week.
	if h.Messages != 7*day+3*remedytest.SpoofedDaily || h.Passing != 7*passing || h.PrevMessages != 7*day || h.Domains != 1 {
		t.Errorf("headline %+v", h)
	}
	if h.VolumeChange == nil || *h.VolumeChange != 1.2 || h.Direction != "stable" && h.Direction != "declining" {
		t.Errorf("comparison %+v", h)
	}
	if len(d.DomainRows) != 1 || d.DomainRows[0].Policy != "none" || d.DomainRows[0].Grade == "" || !d.DomainRows[0].Detailed {
		t.Errorf("rows %+v", d.DomainRows)
	}
	if len(d.Issues) == 0 || d.Issues[0].SourceIP != remedytest.SendGridIP || d.Issues[0].Failing != 7*remedytest.SendGridDaily ||
		!strings.Contains(d.Issues[0].Fix, "include:sendgrid.net") {
		t.Errorf("issues %+v", d.Issues)
	}
	kinds := map[string]bool{}
	for _, e := range d.Events {
		kinds[e.Kind] = true
	}
	if !kinds[EventNewSource] || !kinds[EventDNS] {
		t.Errorf("events %+v", d.Events)
	}
	if len(d.DNS) != 1 || d.DNS[0].Status != "warning" || len(d.DNS[0].Changes) == 0 {
		t.Errorf("dns %+v", d.DNS)
	}
	if n := len(d.Chart.Points); n != 28 || !d.Chart.Points[n-1].InPeriod || d.Chart.Points[n-8].InPeriod {
		t.Errorf("chart of %d points", n)
	}

	// Sections left out are not read.
	d, err = b.Build(t.Context(), Request{Kind: Weekly, Sections: []string{SectionDomains}, Domains: []string{digesttest.Domain, "nowhere.example"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.DNS) != 0 || len(d.TopSources) != 0 || len(d.Notes) == 0 || !strings.Contains(d.Notes[0], "nowhere.example") {
		t.Errorf("domains only: %+v", d)
	}
	if _, err := b.Build(t.Context(), Request{Kind: "hourly"}); !errors.Is(err, ErrKind) {
		t.Errorf("hourly: %v", err)
	}
}

// TestGolden compares the text and HTML of the one-domain world's weekly
// digest and of an empty store's daily summary with testdata/.
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		o    *digesttest.Options
		kind Kind
	}{
		{"weekly", &digesttest.Options{}, Weekly},
		{"empty", nil, Daily},
	} {
		d, err := newBuilder(t, tc.o).Build(t.Context(), Request{Kind: tc.kind})
		if err != nil {
			t.Fatal(err)
		}
		for ext, write := range map[string]func(*bytes.Buffer) error{
			"txt":  func(b *bytes.Buffer) error { return WriteText(b, d) },
			"html": func(b *bytes.Buffer) error { return WriteHTML(b, d) },
		} {
			var b bytes.Buffer
			if err := write(&b); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", tc.name+"."+ext), b.Bytes())
		}
	}
}
