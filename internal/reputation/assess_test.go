package reputation

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/golden"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// day is a SourceDay of n messages on day i of domain, of which pass
// passed DMARC, fail failed both DKIM and SPF and acted were rejected.
func day(domain string, i int, n, pass, fail, acted int64) store.SourceDay {
	return store.SourceDay{Domain: domain, Day: day0.AddDate(0, 0, i), Totals: store.Totals{
		Messages: n, DMARCPass: pass, FullyFailed: fail, DispositionReject: acted, DispositionNone: n - acted}}
}

// TestAssessHistory writes the internal verdict of typical histories to a
// golden file, and checks the rules' outcomes here.
func TestAssessHistory(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		days    []store.SourceDay
		partial bool
		want    Verdict
	}{
		{"none", nil, false, Limited},
		{"a few passing", []store.SourceDay{day("example.com", 0, 3, 3, 0, 0)}, false, Limited},
		{"a few failing", []store.SourceDay{day("example.com", 0, 4, 2, 1, 1)}, false, Suspicious},
		{"authorized ESP", []store.SourceDay{day("example.com", 0, 12000, 11990, 3, 0), day("example.com", 1, 9000, 8990, 0, 0),
			day("example.org", 1, 1234, 1234, 0, 0)}, false, Clean},
		{"spoofer", []store.SourceDay{day("example.com", 2, 300, 0, 297, 290), day("example.com", 5, 20, 0, 20, 20)}, false, Bad},
		{"forwarder", []store.SourceDay{day("example.com", 0, 100, 60, 30, 0)}, false, Suspicious},
		{"failing, some pass", []store.SourceDay{day("example.com", 0, 100, 1, 99, 99)}, false, Suspicious},
		{"neither pass nor fail", []store.SourceDay{day("example.com", 0, 50, 0, 0, 0)}, false, Suspicious},
		{"partial history", []store.SourceDay{day("example.com", 3, 10000, 10000, 0, 0)}, true, Clean},
	}
	var out strings.Builder
	for _, tc := range tests {
		in := assessHistory(tc.days, tc.partial)
		if in.Verdict != tc.want || in.Color != tc.want.Color() || in.Score < 0 || in.Score > 100 {
			t.Errorf("%s: %+v, want %s", tc.name, in.Assessment, tc.want)
		}
		js, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&out, "%s\n%s\n\n", tc.name, js)
	}
	golden.Check(t, filepath.Join("testdata", "internal.golden"), []byte(out.String()))
}

// TestProviderAnswers decodes and assesses the stand-ins' answers of both
// providers and writes the results to a golden file.
func TestProviderAnswers(t *testing.T) {
	t.Parallel()
	want := map[string]Verdict{
		"abuseipdb/bad.json": Bad, "abuseipdb/clean.json": Clean, "abuseipdb/low.json": Clean,
		"abuseipdb/tor.json": Suspicious, "abuseipdb/whitelisted.json": Clean,
		"virustotal/bad.json": Bad, "virustotal/clean.json": Clean, "virustotal/one.json": Suspicious,
	}
	var out strings.Builder
	for _, p := range []provider{abuseIPDB{}, virusTotal{}} {
		files, _ := filepath.Glob(filepath.Join("testdata", p.id(), "*.json"))
		for _, f := range files {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			name := p.id() + "/" + filepath.Base(f)
			r := Result{Status: StatusOK}
			err = p.decode(body, &r)
			fmt.Fprintf(&out, "%s\n", name)
			if v, ok := want[name]; ok {
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				r.Assessment = p.assess(&r)
				if r.Verdict != v {
					t.Errorf("%s: %s, want %s", name, r.Verdict, v)
				}
				js, _ := json.Marshal(r)
				fmt.Fprintf(&out, "%s\n\n", js)
				continue
			}
			// An error answer: not data, but its problem is told.
			if err == nil {
				t.Errorf("%s: decoded an error answer: %+v", name, r)
			}
			fmt.Fprintf(&out, "decode: %v\nproblem: %s\n\n", err, p.problem(body))
		}
	}
	golden.Check(t, filepath.Join("testdata", "providers.golden"), []byte(out.String()))
}

func TestCombine(t *testing.T) {
	t.Parallel()
	limited := assessment(Limited, 100, "few")
	clean := assessment(Clean, 97, "clean")
	suspicious := assessment(Suspicious, 60, "odd")
	bad := assessment(Bad, 13, "bad")
	tests := []struct {
		name    string
		in      []*Assessment
		verdict Verdict
		score   int
		reasons []string
	}{
		{"nothing", nil, Limited, 50, []string{"Nothing is known of this address"}},
		{"internal only", []*Assessment{limited, nil, nil}, Limited, 100, []string{"few"}},
		{"clean lifts limited data", []*Assessment{limited, clean, nil}, Clean, 97, []string{"clean", "few"}},
		{"bad wins", []*Assessment{clean, suspicious, bad}, Bad, 13, []string{"bad", "odd", "clean"}},
		{"suspicious over clean", []*Assessment{clean, nil, suspicious}, Suspicious, 60, []string{"odd", "clean"}},
		{"equal verdicts keep their order", []*Assessment{clean, assessment(Clean, 80, "second")}, Clean, 80, []string{"clean", "second"}},
	}
	for _, tc := range tests {
		got := combine(tc.in...)
		equal(t, tc.name, got, Assessment{Verdict: tc.verdict, Color: tc.verdict.Color(), Score: tc.score, Reasons: tc.reasons})
	}
}

func TestPublic(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"8.8.8.8": true, "1.2.3.4": true, "2001:4860:4860::8888": true, "::ffff:8.8.8.8": true, "64:ff9b::808:808": true,
		"192.31.196.1": true, "172.32.0.1": true, "100.128.0.1": true,
		"10.0.0.1": false, "172.16.5.4": false, "192.168.1.1": false, "127.0.0.1": false, "0.1.2.3": false,
		"100.64.0.1": false, "169.254.0.1": false, "192.0.0.9": false, "192.0.2.1": false, "198.18.0.1": false,
		"198.51.100.1": false, "203.0.113.1": false, "224.0.0.1": false, "240.0.0.1": false, "255.255.255.255": false,
		"::": false, "::1": false, "fe80::1": false, "fe80::1%eth0": false, "fc00::1": false, "ff02::1": false,
		"2001:db8::1": false, "2001::1": false, "2002:c000:0204::1": false, "::ffff:192.168.1.1": false, "3fff::1": false,
	} {
		if got := Public(mustAddr(s)); got != want {
			t.Errorf("Public(%s) = %v", s, got)
		}
	}
	if Public(netip.Addr{}) {
		t.Error("the zero Addr is public")
	}
}

// TestBucketWindows: however lookups are timed, no window of a quota's
// length sees more lookups than the quota, and a steady caller gets
// close to all of it.
func TestBucketWindows(t *testing.T) {
	t.Parallel()
	start := newClock().Now()
	for _, q := range []Quota{{4, time.Minute}, {500, 24 * time.Hour}, {1000, 24 * time.Hour}, {1, time.Minute}} {
		l := newLimiter("test", start, q)
		var taken []time.Time
		step := q.Per / time.Duration(q.N*20)
		for now := start; now.Before(start.Add(3 * q.Per)); now = now.Add(step) {
			if l.take(now) == nil {
				taken = append(taken, now)
			}
		}
		for i := range taken {
			n := 0
			for j := i; j < len(taken) && taken[j].Sub(taken[i]) < q.Per; j++ {
				n++
			}
			if n > q.N {
				t.Fatalf("%v: %d lookups in the window from %s", q, n, taken[i].Sub(start))
			}
		}
		// Three windows: the burst plus the refill of three windows.
		if min := (q.N+1)/2 + 3*(q.N/2) - 1; len(taken) < min {
			t.Errorf("%v: %d lookups in 3 windows, want at least %d", q, len(taken), min)
		}
	}
}
