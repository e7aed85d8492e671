package enrich

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/oschwald/maxminddb-golang/v2"
)

// mmdb is one open MaxMind DB file. The file is memory-mapped: opening is
// instant and costs no heap, and pages are read as lookups touch them.
type mmdb struct {
	r    *maxminddb.Reader
	path string
}

func openMMDB(path string) (*mmdb, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("enrich: open %s: %w", path, err)
	}
	return &mmdb{r: r, path: path}, nil
}

// version describes the file for Status: its database type and build date.
func (m *mmdb) version() string {
	md := m.r.Metadata
	return fmt.Sprintf("%s, built %s", md.DatabaseType, md.BuildTime().UTC().Format("2006-01-02"))
}

func (m *mmdb) close() error { return m.r.Close() }

// asnRecord holds the fields of MaxMind's GeoLite2-ASN (and GeoIP2-ISP), which
// ip-location-db's asn-mmdb also uses.
type asnRecord struct {
	ASN uint32 `maxminddb:"autonomous_system_number"`
	Org string `maxminddb:"autonomous_system_organization"`
}

func (m *mmdb) lookupASN(a netip.Addr) (uint32, string) {
	var rec asnRecord
	if err := m.r.Lookup(a).Decode(&rec); err != nil {
		return 0, ""
	}
	return rec.ASN, rec.Org
}

// countryRecord covers both layouts: ip-location-db's country MMDBs carry a
// flat country_code; GeoLite2-Country and -City carry country.iso_code, and
// registered_country.iso_code, used when the former is absent (as for some
// anycast and satellite networks). Decoding skips every other field.
type countryRecord struct {
	CountryCode string `maxminddb:"country_code"`
	Country     struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
	Registered struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"registered_country"`
}

func (m *mmdb) lookupCountry(a netip.Addr) string {
	var rec countryRecord
	if err := m.r.Lookup(a).Decode(&rec); err != nil {
		return ""
	}
	c := rec.CountryCode
	if c == "" {
		c = rec.Country.ISOCode
	}
	if c == "" {
		c = rec.Registered.ISOCode
	}
	if len(c) != 2 {
		return "" // not an ISO 3166 alpha-2 code
	}
	return strings.ToUpper(c)
}
