package enrich

import (
	"strings"
	"time"
)

// State is the state of one kind of data (ASN or country).
type State string

// States of a Source.
const (
	// StateNone: no file configured or found.
	StateNone State = "none"
	// StateLoading: the CSVs were found and Load has not finished; lookups
	// answer without this data meanwhile.
	StateLoading State = "loading"
	// StateReady: lookups use this data.
	StateReady State = "ready"
	// StateFailed: a file was found but could not be read; Source.Err says why.
	StateFailed State = "failed"
)

// Status tells the UI where enrichment comes from and, when something is
// missing, why. Attribution and URL must be shown wherever results are: the
// ASN data's CC BY 4.0 licence requires it.
type Status struct {
	ASN     Source `json:"asn"`
	Country Source `json:"country"`
	// RDNS reports whether Reverse queries DNS.
	RDNS bool `json:"rdns"`
	// Message is empty when ASN and country data are both ready, else one
	// sentence for the UI saying what is missing and what to do.
	Message string `json:"message,omitempty"`
}

// Source describes the data behind one kind of answer.
type Source struct {
	State State  `json:"state"`
	Name  string `json:"name,omitempty"` // "ip-location-db", "MaxMind DB"
	// Files are the paths read.
	Files []string `json:"files,omitempty"`
	// Version is the npm package version from SOURCE, or an MMDB's database
	// type and build date; empty when unknown.
	Version     string `json:"version,omitempty"`
	License     string `json:"license,omitempty"`
	Attribution string `json:"attribution,omitempty"`
	URL         string `json:"url,omitempty"`
	// Ranges and Orgs count what the CSVs held (zero for MMDB files, which
	// are searched in place).
	Ranges int `json:"ranges,omitempty"`
	Orgs   int `json:"orgs,omitempty"`
	// LoadTime is how long Load took to read the CSVs.
	LoadTime time.Duration `json:"load_time_ns,omitempty"`
	Err      string        `json:"error,omitempty"`
}

// Messages of Status.Message. NoDataMessage is the one the issue asked for.
const (
	NoDataMessage    = "no IP data: run `make ipdb` or set --geoip-asn/--geoip-country"
	noASNMessage     = "no ASN data: run `make ipdb` or set --geoip-asn"
	noCountryMessage = "no country data: run `make ipdb` or set --geoip-country"
	loadingMessage   = "loading IP data"
)

// message composes Status.Message from the two sources' states.
func message(asn, country Source) string {
	if asn.State == StateNone && country.State == StateNone {
		return NoDataMessage
	}
	var parts []string
	for _, s := range []struct {
		src  Source
		none string
		kind string
	}{{asn, noASNMessage, "ASN"}, {country, noCountryMessage, "country"}} {
		switch s.src.State {
		case StateNone:
			parts = append(parts, s.none)
		case StateLoading:
			parts = append(parts, loadingMessage)
		case StateFailed:
			parts = append(parts, s.kind+" data failed: "+s.src.Err)
		}
	}
	return strings.Join(parts, "; ")
}
