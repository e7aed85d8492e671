package synth

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// TestHistory checks what NewHistory promises: the same history for the
// same options, reports in order of arrival one to two days after their
// day, incidents after the learning period and apart, with their IPs
// known, and none when quiet.
func TestHistory(t *testing.T) {
	t.Parallel()
	seen := map[string]int{}
	for seed := range uint64(30) {
		o := HistoryOptions{Seed: seed, Days: 120}
		h := NewHistory(o)
		if again := NewHistory(o); !reflect.DeepEqual(h, again) {
			t.Fatalf("seed %d: two histories", seed)
		}
		if h.Volume < 30 || h.Volume > 50000 || h.Weekend < 0.25 || h.Weekend > 0.95 {
			t.Errorf("seed %d: volume %d, weekend %.2f", seed, h.Volume, h.Weekend)
		}
		for i, r := range h.Reports {
			begin := r.Header.Metadata.DateRange.Begin
			late := r.Arrival.Sub(begin.Add(24 * time.Hour))
			if late < time.Hour || late > 47*time.Hour || i > 0 && r.Arrival.Before(h.Reports[i-1].Arrival) {
				t.Fatalf("seed %d: report %s arrived %v after its day", seed, r.Header.Metadata.ReportID, late)
			}
			for _, rec := range r.Records {
				if rec.Count <= 0 || h.Countries[rec.SourceIP] == "" {
					t.Fatalf("seed %d: record %+v", seed, rec)
				}
			}
		}
		var last time.Time
		for _, inc := range h.Incidents {
			seen[inc.Kind]++
			if inc.Start.Before(h.Start.AddDate(0, 0, 45)) || !inc.End.After(inc.Start) || inc.Start.Before(last) {
				t.Errorf("seed %d: incident %s %v..%v", seed, inc.Kind, inc.Start, inc.End)
			}
			last = inc.Start
			for _, ip := range inc.IPs {
				if h.Countries[ip] == "" {
					t.Errorf("seed %d: %s IP %s has no country", seed, inc.Kind, ip)
				}
			}
		}
	}
	for _, k := range append(IncidentKinds, BenignKinds...) {
		if seen[k] == 0 {
			t.Errorf("no %s in 30 histories", k)
		}
	}
	if h := NewHistory(HistoryOptions{Seed: 3, Days: 60, Quiet: true, Volume: 1000}); len(h.Incidents) != 0 || h.Volume != 1000 {
		t.Errorf("quiet: %d incidents, volume %d", len(h.Incidents), h.Volume)
	}
}

// TestWriteReport writes a history's report and reads it back.
func TestWriteReport(t *testing.T) {
	t.Parallel()
	h := NewHistory(HistoryOptions{Seed: 1, Days: 10, Volume: 500})
	r := &h.Reports[0]
	var b bytes.Buffer
	if err := WriteReport(&b, r); err != nil {
		t.Fatal(err)
	}
	n, err := DecodeStd(bytes.NewReader(b.Bytes()))
	if err != nil || n != len(r.Records) {
		t.Fatalf("decoded %d records, %v; want %d", n, err, len(r.Records))
	}
	dec := aggregate.NewDecoder(bytes.NewReader(b.Bytes()), aggregate.Options{})
	hdr, err := dec.Header()
	if err != nil || hdr.Metadata.ReportID != r.Header.Metadata.ReportID || !hdr.Metadata.DateRange.Begin.Equal(r.Header.Metadata.DateRange.Begin) {
		t.Fatalf("header %+v, %v", hdr, err)
	}
}
