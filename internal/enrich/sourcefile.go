package enrich

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
)

// Names of the files scripts/ipdb.sh installs into Config.Dir.
const (
	ASNv4File   = "asn-ipv4.csv"
	ASNv6File   = "asn-ipv6.csv"
	CountryFile = "geo-whois-asn-country.mmdb"
	SourceFile  = "SOURCE"
)

// Attribution of the data of `make ipdb`. It lives here, not only in
// SOURCE, because the licence obliges us to show it whether or not SOURCE
// survived a copy of the files.
const (
	ASNAttribution     = "IP to ASN data by DB-IP (https://db-ip.com), RouteViews and NRO, via ip-location-db, CC BY 4.0"
	ASNURL             = "https://db-ip.com"
	ASNLicense         = "CC-BY-4.0"
	CountryAttribution = "IP to country data by ip-location-db (GeoFeed, RIR whois and ASN data), CC0"
	CountryURL         = "https://github.com/sapics/ip-location-db"
	CountryLicense     = "CC0-1.0"
)

// GeoLite2 files are the user's own; MaxMind's licence asks for this credit.
const (
	geoLiteAttribution = "This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com"
	geoLiteURL         = "https://www.maxmind.com"
)

// readSource reads the key=value lines of dir/SOURCE; nil when absent.
func readSource(dir string) map[string]string {
	b, err := os.ReadFile(filepath.Join(dir, SourceFile))
	if err != nil {
		return nil
	}
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || l[0] == '#' {
			continue
		}
		if k, v, ok := strings.Cut(l, "="); ok {
			m[k] = v
		}
	}
	return m
}

// exists reports whether path is a non-empty regular file.
func exists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Size() > 0
}
