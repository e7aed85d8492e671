package enrich

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func loaded(t *testing.T, cfg Config) *Enricher {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if err := e.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestLookupCSV(t *testing.T) {
	t.Parallel()
	e := loaded(t, Config{Dir: "testdata/ipdb"})
	for _, tc := range []struct {
		ip  string
		asn uint32
		org string
	}{
		{"0.0.0.0", 1, "First"},
		{"0.0.0.255", 1, "First"},
		{"0.0.1.0", 0, ""},
		{"0.255.255.255", 0, ""},
		{"1.0.0.0", 13335, "Cloudflare, Inc."},
		{"1.0.0.128", 13335, "Cloudflare, Inc."},
		{"1.0.0.255", 13335, "Cloudflare, Inc."},
		{"1.0.1.0", 0, ""},
		{"1.0.3.255", 0, ""},
		{"1.0.4.0", 38803, "Gtelecom Pty Ltd"},
		{"2.26.210.1", 201907, `LLC "SPUTNIK"`},
		{"8.8.8.8", 15169, "Google LLC"},
		{"::ffff:8.8.8.8", 15169, "Google LLC"}, // IPv4-mapped: the IPv4 table
		{"8.8.9.0", 0, ""},
		// The overlap of the real data: the later line wins from 215.0.0.0.
		{"214.255.255.255", 749, "United States Department of Defense (DoD)"},
		{"215.0.0.0", 721, "DoD Network Information Center"},
		{"215.0.255.255", 721, "DoD Network Information Center"},
		{"215.1.3.255", 721, "DoD Network Information Center"},
		{"215.1.4.0", 0, ""},
		{"255.255.255.255", 4294967294, ""},
		{"2001::", 6939, "Hurricane Electric LLC"},
		{"2001::ffff:ffff:ffff:ffff:ffff:ffff", 6939, "Hurricane Electric LLC"},
		{"2001:1::", 0, ""},
		// A range whose bounds cross the two 64-bit halves.
		{"2001:db8::7fff:ffff:ffff:ffff", 0, ""},
		{"2001:db8::8000:0:0:0", 64500, "Carry Across Halves"},
		{"2001:db8::ffff:ffff:ffff:ffff", 64500, "Carry Across Halves"},
		{"2001:db8:0:1::", 64500, "Carry Across Halves"},
		{"2001:db8:0:1:7fff:ffff:ffff:ffff", 64500, "Carry Across Halves"},
		{"2001:db8:0:1:8000::", 0, ""},
		{"2001:4860:4860::8888", 15169, "Google LLC"},
		{"2001:4860:4860::8888%eth0", 15169, "Google LLC"}, // the zone is ignored
		{"::", 0, ""},
		{"::1", 0, ""},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 64512, "Top"},
	} {
		got := e.Lookup(context.Background(), netip.MustParseAddr(tc.ip))
		want := Info{ASN: tc.asn, Org: tc.org}
		if got != want {
			t.Errorf("%s: got %+v, want %+v", tc.ip, got, want)
		}
	}
	if got := e.Lookup(context.Background(), netip.Addr{}); got != (Info{}) {
		t.Errorf("zero Addr: %+v", got)
	}
	st := e.Status()
	// Google LLC is on two lines and kept once; the overlap adds no range.
	if st.ASN.State != StateReady || st.ASN.Ranges != 12 || st.ASN.Orgs != 11 || st.ASN.Version != "0.0.1-test" {
		t.Errorf("ASN status %+v", st.ASN)
	}
	if st.Message != noCountryMessage {
		t.Errorf("message %q", st.Message)
	}
}

// TestOverlay checks the rule for a line whose range overlaps the previous
// one: the later line wins where they overlap.
func TestOverlay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		csv   string
		check map[string]uint32 // address: wanted ASN
	}{
		{"partial", "10.0.0.0,10.0.0.255,1,a\n10.0.0.128,10.0.1.255,2,b\n",
			map[string]uint32{"10.0.0.127": 1, "10.0.0.128": 2, "10.0.1.255": 2, "10.0.2.0": 0}},
		{"nested", "10.0.0.0,10.0.0.255,1,a\n10.0.0.16,10.0.0.31,2,b\n10.0.1.0,10.0.1.0,3,c\n",
			map[string]uint32{"10.0.0.15": 1, "10.0.0.16": 2, "10.0.0.31": 2, "10.0.0.32": 1, "10.0.0.255": 1, "10.0.1.0": 3}},
		{"same start", "10.0.0.0,10.0.0.255,1,a\n10.0.0.0,10.0.0.15,2,b\n",
			map[string]uint32{"10.0.0.0": 2, "10.0.0.15": 2, "10.0.0.16": 1, "10.0.0.255": 1}},
		{"same end", "10.0.0.0,10.0.0.255,1,a\n10.0.0.128,10.0.0.255,2,b\n",
			map[string]uint32{"10.0.0.127": 1, "10.0.0.128": 2, "10.0.0.255": 2}},
		{"ipv6 nested", "2001:db8::,2001:db8::ffff,1,a\n2001:db8::10,2001:db8::1f,2,b\n",
			map[string]uint32{"2001:db8::f": 1, "2001:db8::10": 2, "2001:db8::1f": 2, "2001:db8::20": 1, "2001:db8::ffff": 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newTableBuilder()
			if err := b.read(context.Background(), strings.NewReader(tc.csv), "x.csv", strings.Contains(tc.csv, ":")); err != nil {
				t.Fatal(err)
			}
			if b.overlaps != 1 {
				t.Errorf("overlaps %d, want 1", b.overlaps)
			}
			tab := b.build()
			for ip, want := range tc.check {
				if got, _, _ := tab.lookup(netip.MustParseAddr(ip)); got != want {
					t.Errorf("%s: ASN %d, want %d", ip, got, want)
				}
			}
		})
	}
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		v6   bool
		csv  string
		want string // the error after "enrich: "
	}{
		{"three fields", false, "1.0.0.0,1.0.0.255,1\n", "x.csv:1: malformed IP data: want 4 fields start,end,asn,org"},
		{"bad address", false, "1.0.0.0,1.0.0.255,1,a\n1.0.1.0,1.0.1.256,2,b\n", `x.csv:2: malformed IP data: bad address in "1.0.1.0,1.0.1.256,2,b"`},
		{"IPv6 in IPv4 file", false, "2001::,2001::1,1,a\n", "x.csv:1: malformed IP data: want IPv4 addresses, got 2001::,2001::1"},
		{"IPv4 in IPv6 file", true, "1.0.0.0,1.0.0.1,1,a\n", "x.csv:1: malformed IP data: want IPv6 addresses, got 1.0.0.0,1.0.0.1"},
		{"mixed families", true, "2001::,1.0.0.1,1,a\n", "x.csv:1: malformed IP data: want IPv6 addresses, got 2001::,1.0.0.1"},
		{"AS not a number", false, "1.0.0.0,1.0.0.255,AS1,a\n", `x.csv:1: malformed IP data: bad AS number "AS1"`},
		{"AS too large", false, "1.0.0.0,1.0.0.255,4294967296,a\n", `x.csv:1: malformed IP data: bad AS number "4294967296"`},
		{"AS empty", false, "1.0.0.0,1.0.0.255,,a\n", `x.csv:1: malformed IP data: bad AS number ""`},
		{"unterminated quote", false, "1.0.0.0,1.0.0.255,1,\"a\n", `x.csv:1: malformed IP data: bad quoting in "\"a"`},
		{"stray quote", false, "1.0.0.0,1.0.0.255,1,a\"b\n", `x.csv:1: malformed IP data: bad quoting in "a\"b"`},
		{"lone inner quote", false, "1.0.0.0,1.0.0.255,1,\"a\"b\"\n", `x.csv:1: malformed IP data: bad quoting in "\"a\"b\""`},
		{"end before start", false, "1.0.0.255,1.0.0.0,1,a\n", "x.csv:1: malformed IP data: range end 1.0.0.0 before its start 1.0.0.255"},
		{"out of order", false, "\n1.0.1.0,1.0.1.255,1,a\r\n1.0.0.0,1.0.0.255,2,b\r\n", "x.csv:3: malformed IP data: range starting at 1.0.0.0 precedes the previous line's"},
		{"out of order v6", true, "2001:1::,2001:1::ff,1,a\n2001::,2001::1,2,b\n", "x.csv:2: malformed IP data: range starting at 2001:: precedes the previous line's"},
		{"line too long", false, "1.0.0.0,1.0.0.255,1,a\n1.0.1.0,1.0.1.255,2," + strings.Repeat("x", maxLine) + "\n", "x.csv:2: malformed IP data: bufio.Scanner: token too long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := newTableBuilder().read(context.Background(), strings.NewReader(tc.csv), "x.csv", tc.v6)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
			if got := strings.TrimPrefix(err.Error(), "enrich: "); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestWellFormed checks what the reader accepts besides the plain form.
func TestWellFormed(t *testing.T) {
	t.Parallel()
	b := newTableBuilder()
	csv := "\n1.0.0.0,1.0.0.255,1,\"a, \"\"b\"\"\"\r\n\n1.0.1.0,1.0.1.0,2,\n1.0.2.0,1.0.2.0,3,\"\"\n"
	if err := b.read(context.Background(), strings.NewReader(csv), "x.csv", false); err != nil {
		t.Fatal(err)
	}
	tab := b.build()
	for ip, want := range map[string]string{"1.0.0.1": `a, "b"`, "1.0.1.0": "", "1.0.2.0": ""} {
		if _, org, ok := tab.lookup(netip.MustParseAddr(ip)); !ok || org != want {
			t.Errorf("%s: org %q (found %v), want %q", ip, org, ok, want)
		}
	}
	if len(tab.orgs) != 2 {
		t.Errorf("orgs %q: the empty name should be interned once", tab.orgs)
	}
}

func TestLoadCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	csv := strings.Repeat("1.0.0.0,1.0.0.0,1,a\n", 1) + strings.Repeat("\n", 70000)
	err := newTableBuilder().read(ctx, strings.NewReader(csv), "x.csv", false)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("no data", func(t *testing.T) {
		for _, cfg := range []Config{{}, {Dir: t.TempDir()}, {Dir: filepath.Join(t.TempDir(), "missing")}} {
			e, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Load(ctx); err != nil {
				t.Fatal(err)
			}
			st := e.Status()
			if st.ASN.State != StateNone || st.Country.State != StateNone || st.Message != NoDataMessage || st.RDNS {
				t.Errorf("%+v: status %+v", cfg, st)
			}
			if got := e.Lookup(ctx, netip.MustParseAddr("8.8.8.8")); got != (Info{}) {
				t.Errorf("lookup without data: %+v", got)
			}
		}
	})

	t.Run("loading", func(t *testing.T) {
		e, err := New(Config{Dir: "testdata/ipdb", RDNS: true})
		if err != nil {
			t.Fatal(err)
		}
		st := e.Status()
		if st.ASN.State != StateLoading || st.Message != loadingMessage+"; "+noCountryMessage || !st.RDNS {
			t.Errorf("status before Load %+v", st)
		}
		if got := e.Lookup(ctx, netip.MustParseAddr("8.8.8.8")); got != (Info{}) {
			t.Errorf("lookup before Load: %+v", got)
		}
		if st.ASN.Attribution != ASNAttribution || st.ASN.URL != ASNURL || st.ASN.License != ASNLicense {
			t.Errorf("attribution %+v", st.ASN)
		}
		if err := e.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if st := e.Status(); st.ASN.State != StateReady || st.ASN.LoadTime <= 0 {
			t.Errorf("status after Load %+v", st)
		}
	})

	t.Run("malformed", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, ASNv4File), []byte("1.0.0.0,1.0.0.255,1,a\nnope\n"), 0o644)
		e, err := New(Config{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Load(ctx); !errors.Is(err, ErrMalformed) {
			t.Fatalf("Load: %v", err)
		}
		st := e.Status()
		want := "enrich: asn-ipv4.csv:2: malformed IP data: want 4 fields start,end,asn,org"
		if st.ASN.State != StateFailed || st.ASN.Err != want || st.Message != "ASN data failed: "+want+"; "+noCountryMessage {
			t.Errorf("status %+v", st)
		}
		if err := e.Load(ctx); err != nil {
			t.Errorf("second Load: %v", err)
		}
	})

	t.Run("broken country file", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, CountryFile), []byte("not an mmdb"), 0o644)
		e, err := New(Config{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if st := e.Status(); st.Country.State != StateFailed || !strings.Contains(st.Message, "country data failed: enrich: open") {
			t.Errorf("status %+v", st)
		}
	})

	t.Run("named GeoIP file missing", func(t *testing.T) {
		for _, cfg := range []Config{{GeoIPASN: "/nonexistent.mmdb"}, {GeoIPCountry: "/nonexistent.mmdb"}} {
			if _, err := New(cfg); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%+v: got %v, want not exist", cfg, err)
			}
		}
	})
}
