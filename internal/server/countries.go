package server

import (
	"cmp"
	"net/http"
	"net/netip"
	"slices"
)

// mapSources bounds the sources the map places: the top ones by volume,
// which carry nearly all the mail on any real domain.
const mapSources = 20000

// countryTotals is one country of the map.
type countryTotals struct {
	Country   string `json:"country"` // ISO 3166-1 alpha-2
	Messages  int64  `json:"messages"`
	DMARCPass int64  `json:"dmarc_pass"`
	Sources   int64  `json:"sources"`
}

// countries answers GET /api/v1/stats/countries?domain=&since=&until=: the
// mail of the filter by the country of its source IPs (roadmap 2.3), from
// the offline IP data; sources without a known country are summed in
// "unknown". Without IP data every source is unknown and ip_data says why.
func (s *Server) countries(w http.ResponseWriter, r *http.Request) {
	f, ok := aggregateFilter(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	src, err := s.Store.TopSources(ctx, f, mapSources)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	by := map[string]*countryTotals{}
	var unknown struct {
		Messages int64 `json:"messages"`
		Sources  int64 `json:"sources"`
	}
	for _, x := range src {
		cc := ""
		if addr, err := netip.ParseAddr(x.SourceIP); err == nil && s.IPs != nil {
			cc = s.IPs.Lookup(ctx, addr).Country
		}
		if cc == "" {
			unknown.Messages += x.Messages
			unknown.Sources++
			continue
		}
		c := by[cc]
		if c == nil {
			c = &countryTotals{Country: cc}
			by[cc] = c
		}
		c.Messages += x.Messages
		c.DMARCPass += x.DMARCPass
		c.Sources++
	}
	out := make([]countryTotals, 0, len(by))
	for _, c := range by {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b countryTotals) int {
		if c := cmp.Compare(b.Messages, a.Messages); c != 0 {
			return c
		}
		return cmp.Compare(a.Country, b.Country)
	})
	writeJSON(w, http.StatusOK, map[string]any{"countries": out, "unknown": unknown, "ip_data": s.ipData(),
		"truncated": len(src) == mapSources})
}
