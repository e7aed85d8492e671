package enrich

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

// TestMMDB reads the three layouts: GeoLite2-ASN, GeoLite2-City (country
// and registered country), and ip-location-db's country_code, and checks
// that named GeoIP files take precedence over Dir's.
func TestMMDB(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	asnPath := filepath.Join(dir, "GeoLite2-ASN.mmdb")
	writeMMDB(t, asnPath, "GeoLite2-ASN", []mmdbEntry{
		{netip.MustParsePrefix("8.8.8.0/24"), map[string]any{
			"autonomous_system_number": uint32(15169), "autonomous_system_organization": "GOOGLE"}},
		{netip.MustParsePrefix("2001:4860::/32"), map[string]any{
			"autonomous_system_number": uint32(15169), "autonomous_system_organization": "GOOGLE"}},
		{netip.MustParsePrefix("198.51.100.0/24"), map[string]any{"autonomous_system_number": uint32(64496)}},
	})
	cityPath := filepath.Join(dir, "GeoLite2-City.mmdb")
	writeMMDB(t, cityPath, "GeoLite2-City", []mmdbEntry{
		{netip.MustParsePrefix("8.8.8.0/24"), map[string]any{
			"city":               map[string]any{"names": map[string]any{"en": "Mountain View"}},
			"country":            map[string]any{"iso_code": "US", "names": map[string]any{"en": "United States"}},
			"registered_country": map[string]any{"iso_code": "US"},
		}},
		{netip.MustParsePrefix("2001:4860::/32"), map[string]any{"country": map[string]any{"iso_code": "US"}}},
		// Anycast: only the registered country.
		{netip.MustParsePrefix("198.51.100.0/24"), map[string]any{"registered_country": map[string]any{"iso_code": "de"}}},
		{netip.MustParsePrefix("203.0.113.0/24"), map[string]any{"country": map[string]any{"iso_code": "EU1"}}},
	})
	ipdb := filepath.Join(dir, "ipdb")
	os.Mkdir(ipdb, 0o755)
	writeMMDB(t, filepath.Join(ipdb, CountryFile), "country ipvAll", []mmdbEntry{
		{netip.MustParsePrefix("8.8.8.0/24"), map[string]any{"country_code": "FR"}},
		{netip.MustParsePrefix("2001:4860::/32"), map[string]any{"country_code": "FR"}},
	})
	csv, _ := os.ReadFile("testdata/ipdb/" + ASNv4File)
	os.WriteFile(filepath.Join(ipdb, ASNv4File), csv, 0o644)

	for _, tc := range []struct {
		name string
		cfg  Config
		want map[string]Info
	}{
		{"GeoLite2", Config{Dir: ipdb, GeoIPASN: asnPath, GeoIPCountry: cityPath}, map[string]Info{
			"8.8.8.8":              {ASN: 15169, Org: "GOOGLE", Country: "US"},
			"::ffff:8.8.8.8":       {ASN: 15169, Org: "GOOGLE", Country: "US"},
			"2001:4860:4860::8888": {ASN: 15169, Org: "GOOGLE", Country: "US"},
			"198.51.100.1":         {ASN: 64496, Country: "DE"},
			"203.0.113.1":          {}, // not a two-letter code
			"1.0.0.1":              {}, // in Dir's CSV, which is not read
			"192.0.2.1":            {},
		}},
		{"ip-location-db", Config{Dir: ipdb}, map[string]Info{
			"8.8.8.8":              {ASN: 15169, Org: "Google LLC", Country: "FR"},
			"2001:4860:4860::8888": {Country: "FR"}, // no IPv6 CSV here
			"1.0.0.1":              {ASN: 13335, Org: "Cloudflare, Inc."},
			"192.0.2.1":            {},
		}},
		{"mixed", Config{Dir: ipdb, GeoIPCountry: cityPath}, map[string]Info{
			"8.8.8.8": {ASN: 15169, Org: "Google LLC", Country: "US"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := loaded(t, tc.cfg)
			for ip, want := range tc.want {
				if got := e.Lookup(context.Background(), netip.MustParseAddr(ip)); got != want {
					t.Errorf("%s: got %+v, want %+v", ip, got, want)
				}
			}
			if st := e.Status(); st.Message != "" || st.ASN.State != StateReady || st.Country.State != StateReady {
				t.Errorf("status %+v", st)
			}
		})
	}

	e := loaded(t, Config{GeoIPASN: asnPath, GeoIPCountry: cityPath})
	st := e.Status()
	if st.ASN.Version != "GeoLite2-ASN, built 2026-06-17" || st.ASN.Attribution != geoLiteAttribution ||
		st.ASN.Files[0] != asnPath || st.Country.Version != "GeoLite2-City, built 2026-06-17" {
		t.Errorf("status %+v", st)
	}
}

// TestRealCountryMMDB checks the installed ip-location-db country file's
// record layout, when `make ipdb` has run.
func TestRealCountryMMDB(t *testing.T) {
	p := filepath.Join(realDir, CountryFile)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("no installed IP data (run `make ipdb`): %v", err)
	}
	db, err := openMMDB(p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.close()
	for ip, want := range map[string]string{
		"8.8.8.8": "US", "2001:4860:4860::8888": "US", "193.0.6.139": "NL", "10.0.0.1": "", "::1": "",
	} {
		if got := db.lookupCountry(netip.MustParseAddr(ip)); got != want {
			t.Errorf("%s: %q, want %q", ip, got, want)
		}
	}
	if v := db.version(); v != "country ipvAll, built 2026-06-17" {
		t.Errorf("version %q", v)
	}
}
