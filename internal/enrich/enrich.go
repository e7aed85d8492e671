package enrich

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// ErrMalformed is wrapped by the error for a CSV line that cannot be read;
// the error names the file and line.
var ErrMalformed = errors.New("malformed IP data")

// Info is what is known about one IP address. Zero fields are unknown.
type Info struct {
	ASN     uint32 `json:"asn,omitempty"`
	Org     string `json:"org,omitempty"`
	Country string `json:"country,omitempty"` // ISO 3166-1 alpha-2, upper case; "" unknown
	// Hostname is the reverse DNS name without the final dot; "" when
	// reverse DNS is off or found none. Lookup never sets it: see Reverse.
	Hostname string `json:"hostname,omitempty"`
}

// Config says where the data is.
type Config struct {
	// Dir holds the files of `make ipdb` (ASNv4File, ASNv6File,
	// CountryFile, SourceFile). Missing files are not an error; Status
	// says what is missing. Empty: no directory.
	Dir string
	// GeoIPASN is a MaxMind GeoLite2-ASN .mmdb (or any MMDB with
	// autonomous_system_number and autonomous_system_organization, like
	// ip-location-db's asn-mmdb). When set, Dir's ASN CSVs are not read.
	GeoIPASN string
	// GeoIPCountry is a GeoLite2-Country or GeoLite2-City .mmdb. When set,
	// Dir's country file is not read.
	GeoIPCountry string

	// RDNS enables reverse DNS in Reverse. Off, no address leaves the
	// process: PTR queries tell the resolver, and the operator of the
	// address's reverse zone, which addresses are looked at.
	RDNS bool
	// RDNSTimeout bounds one PTR lookup; default 1 s.
	RDNSTimeout time.Duration
	// RDNSCacheSize bounds the reverse DNS cache in entries; default 4096.
	RDNSCacheSize int
	// Resolver does the PTR lookups; nil is net.DefaultResolver.
	Resolver *net.Resolver

	Log *slog.Logger
}

// Enricher answers Info for IP addresses from local files, and reverse DNS
// from a cache in front of a resolver. Its methods are safe for concurrent
// use. Build one with New, call Load (in a goroutine if serving should not
// wait for it), and Close it when done.
type Enricher struct {
	log *slog.Logger
	dir string

	asnDB     *mmdb                 // GeoIPASN; immutable
	asnTable  atomic.Pointer[table] // Dir's CSVs once loaded
	countryDB *mmdb                 // GeoIPCountry, or Dir's country MMDB

	mu      sync.Mutex // guards the two sources' status
	asn     Source
	country Source
	loaded  bool // Load ran (or has nothing to do)

	rdns *reverser // nil when off
}

// New opens the configured files. A GeoIP file that was named but cannot be
// opened is an error: the user asked for it. Files of Dir that are missing or
// broken are not: Status reports them, and lookups answer what they can.
// The CSVs are read by Load, not here.
func New(cfg Config) (*Enricher, error) {
	e := &Enricher{log: cfg.Log, dir: cfg.Dir}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	e.asn.State, e.country.State = StateNone, StateNone
	src := map[string]string(nil)
	if cfg.Dir != "" {
		src = readSource(cfg.Dir)
	}

	if cfg.GeoIPASN != "" {
		db, err := openMMDB(cfg.GeoIPASN)
		if err != nil {
			return nil, err
		}
		e.asnDB = db
		e.asn = geoLiteSource(db)
	} else if cfg.Dir != "" {
		var files []string
		for _, f := range []string{ASNv4File, ASNv6File} {
			if p := filepath.Join(cfg.Dir, f); exists(p) {
				files = append(files, p)
			}
		}
		if len(files) > 0 {
			e.asn = Source{
				State:       StateLoading,
				Name:        "ip-location-db",
				Files:       files,
				Version:     src["asn.version"],
				License:     ASNLicense,
				Attribution: ASNAttribution,
				URL:         ASNURL,
			}
		}
	}

	if cfg.GeoIPCountry != "" {
		db, err := openMMDB(cfg.GeoIPCountry)
		if err != nil {
			e.Close()
			return nil, err
		}
		e.countryDB = db
		e.country = geoLiteSource(db)
	} else if p := filepath.Join(cfg.Dir, CountryFile); cfg.Dir != "" && exists(p) {
		e.country = Source{
			Name:        "ip-location-db",
			Files:       []string{p},
			Version:     src["country.version"],
			License:     CountryLicense,
			Attribution: CountryAttribution,
			URL:         CountryURL,
		}
		if db, err := openMMDB(p); err != nil {
			e.country.State, e.country.Err = StateFailed, err.Error()
			e.log.Error("IP country data", "err", err)
		} else {
			e.countryDB = db
			e.country.State = StateReady
		}
	}

	if cfg.RDNS {
		e.rdns = newReverser(cfg.Resolver, cfg.RDNSTimeout, cfg.RDNSCacheSize)
	}
	return e, nil
}

func geoLiteSource(db *mmdb) Source {
	return Source{
		State:       StateReady,
		Name:        "MaxMind DB",
		Files:       []string{db.path},
		Version:     db.version(),
		Attribution: geoLiteAttribution,
		URL:         geoLiteURL,
	}
}

// Load reads Dir's ASN CSVs into memory, when New found them: 0.25-0.5 s
// and 14 MiB of heap for the full files (see the package documentation),
// so serve should call it in a goroutine. Until it
// returns, Lookup answers without ASN data and Status says "loading". It
// returns the error that Status then reports; a second call does nothing.
func (e *Enricher) Load(ctx context.Context) error {
	e.mu.Lock()
	if e.loaded || e.asn.State != StateLoading {
		e.loaded = true
		e.mu.Unlock()
		return nil
	}
	e.loaded = true
	files := e.asn.Files
	e.mu.Unlock()

	t0 := time.Now()
	b := newTableBuilder()
	var err error
	for _, p := range files {
		if err = b.loadFile(ctx, p, filepath.Base(p) == ASNv6File); err != nil {
			break
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err != nil {
		e.asn.State, e.asn.Err = StateFailed, err.Error()
		e.log.Error("IP ASN data", "err", err)
		return err
	}
	overlaps := b.overlaps
	t := b.build()
	e.asnTable.Store(t)
	e.asn.State = StateReady
	e.asn.Ranges = len(t.v4) + len(t.v6)
	e.asn.Orgs = len(t.orgs)
	e.asn.LoadTime = time.Since(t0)
	e.log.Info("IP ASN data loaded", "ranges", e.asn.Ranges, "orgs", e.asn.Orgs,
		"overlaps_resolved", overlaps, "duration", e.asn.LoadTime)
	return nil
}

// Lookup returns the ASN, organisation and country of addr from local data:
// no network, no allocation beyond decoding an MMDB record. IPv4-mapped IPv6
// addresses are looked up as IPv4. Unknown or invalid addresses, and
// addresses looked up before Load finished, get empty fields.
func (e *Enricher) Lookup(_ context.Context, addr netip.Addr) Info {
	if !addr.IsValid() {
		return Info{}
	}
	addr = addr.Unmap().WithZone("")
	var info Info
	if e.asnDB != nil {
		info.ASN, info.Org = e.asnDB.lookupASN(addr)
	} else if t := e.asnTable.Load(); t != nil {
		info.ASN, info.Org, _ = t.lookup(addr)
	}
	if e.countryDB != nil {
		info.Country = e.countryDB.lookupCountry(addr)
	}
	return info
}

// Reverse returns addr's reverse DNS name without the final dot, or "" when
// reverse DNS is off, found no name, or did not answer within the timeout.
// Answers, failures included, are cached: see reverser.
func (e *Enricher) Reverse(ctx context.Context, addr netip.Addr) string {
	if e.rdns == nil || !addr.IsValid() {
		return ""
	}
	return e.rdns.lookup(ctx, addr.Unmap().WithZone(""))
}

// Status reports the sources and, when data is missing, why.
func (e *Enricher) Status() Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := Status{ASN: e.asn, Country: e.country, RDNS: e.rdns != nil}
	s.ASN.Files = append([]string(nil), s.ASN.Files...)
	s.Country.Files = append([]string(nil), s.Country.Files...)
	s.Message = message(s.ASN, s.Country)
	return s
}

// Close releases the MMDB files. The Enricher must not be used afterwards.
func (e *Enricher) Close() error {
	var errs []error
	for _, db := range []*mmdb{e.asnDB, e.countryDB} {
		if db != nil {
			if err := db.close(); err != nil {
				errs = append(errs, fmt.Errorf("enrich: close %s: %w", db.path, err))
			}
		}
	}
	return errors.Join(errs...)
}
