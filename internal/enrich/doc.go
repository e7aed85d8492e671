// Package enrich tells what is known about an IP address from local files:
// its autonomous system (number and organisation) and country, and, when
// enabled, its reverse DNS name, so the dashboard can show
// "Google LLC (AS15169), US" next to a source IP. Nothing is downloaded at
// run time.
//
// # Data
//
// `make ipdb` (scripts/ipdb.sh) installs into data/ipdb, from two pinned
// npm packages of ip-location-db (version 2.3.2026061719):
//
//   - asn-ipv4.csv (23.8 MB, 411,961 ranges) and asn-ipv6.csv (8.8 MB,
//     103,197 ranges) from @ip-location-db/asn: start,end,asn,org per line,
//     CC BY 4.0 (DB-IP, RouteViews, NRO). The licence requires the
//     attribution and a link to DB-IP wherever results are shown:
//     Status carries both. The package has no MMDB form
//     (that is @ip-location-db/asn-mmdb).
//   - geo-whois-asn-country.mmdb (7.8 MB, IPv4 and IPv6, field
//     country_code) from @ip-location-db/geo-whois-asn-country-mmdb, CC0.
//   - SOURCE, the package versions, licences and attributions, and the
//     packages' licence files.
//
// Upstream warns that the npm data has known errors and that its npm
// updates are deprecated. One error shows here: a range in 215.0.0.0/16
// overlaps the line before it; the later line wins (see tableBuilder.read).
// For better data, Config.GeoIPASN and Config.GeoIPCountry name MaxMind
// GeoLite2-ASN and GeoLite2-Country or -City files, which then replace the
// corresponding ip-location-db data.
//
// # Cost
//
// Measured on the project's machine (2 cores, Go 1.26) with the full
// files; these are the best runs, as other jobs shared the machine and
// under their load times were 2-4x these. Load (BenchmarkLoadReal) reads
// the CSVs in 0.25-0.5 s into sorted slices (16 bytes an IPv4 range, 40 an
// IPv6 range, 81,276 organisation names interned) that keep 13.8 MiB of
// heap; it allocates 57 MiB in all, mostly garbage from parsing. The MMDB
// files are memory-mapped, not read into the heap. Lookup
// (BenchmarkLookupReal) takes about 300 ns over random addresses: 20-30 ns
// for the binary search of the ASN table and about 200 ns (one 48-byte
// allocation) for the country MMDB. A dashboard page of 50 sources thus
// costs 15 µs, so Lookup results are not cached.
//
// # Reverse DNS
//
// Reverse queries PTR records through a net.Resolver when Config.RDNS is
// set, each bounded by Config.RDNSTimeout (1 s), behind a bounded LRU
// cache that also keeps negative answers and failures for a while (see
// rdnsTTL). It is off by default: every query tells the resolver, and the
// operator of the address's reverse zone, which addresses are being looked
// at.
package enrich
