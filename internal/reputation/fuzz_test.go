package reputation

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// fuzzDecode checks p's decoder on any bytes: it never panics, and what it
// accepts is assessed with a score in range and reasons, and survives the
// round trip through the cache's JSON with the same assessment.
func fuzzDecode(f *testing.F, p provider) {
	files, _ := filepath.Glob(filepath.Join("testdata", p.id(), "*.json"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"data":null}`))
	f.Add([]byte(`{"data":{"abuseConfidenceScore":101}}`))
	f.Add([]byte(`{"data":{"attributes":{"last_analysis_stats":{"malicious":-1}}}}`))
	f.Add([]byte(`{"data":{"attributes":{"last_analysis_stats":{"malicious":4611686018427387904}}}}`))
	f.Add([]byte(`{"data":{"attributes":{"last_analysis_stats":{},"last_analysis_date":9223372036854775807}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p.problem(body)
		r := Result{Status: StatusOK}
		if err := p.decode(body, &r); err != nil {
			return
		}
		a := p.assess(&r)
		if a == nil || a.Score < 0 || a.Score > 100 || len(a.Reasons) == 0 || a.Color != a.Verdict.Color() {
			t.Fatalf("assessment %+v of %q", a, body)
		}
		js, err := json.Marshal(Result{Status: r.Status, AbuseIPDBData: r.AbuseIPDBData, VirusTotalData: r.VirusTotalData})
		if err != nil {
			t.Fatal(err)
		}
		var back Result
		if err := json.Unmarshal(js, &back); err != nil {
			t.Fatalf("cached %s: %v", js, err)
		}
		if b := p.assess(&back); !reflect.DeepEqual(a, b) {
			t.Fatalf("assessment %+v, from the cache %+v", a, b)
		}
	})
}

func FuzzDecodeAbuseIPDB(f *testing.F)  { fuzzDecode(f, abuseIPDB{}) }
func FuzzDecodeVirusTotal(f *testing.F) { fuzzDecode(f, virusTotal{}) }
