package server

import (
	"context"
	"net/netip"

	"github.com/parse-dmarc/parse-dmarc/internal/reputation"
)

// Reputation judges source IPs (roadmap 2.6); *reputation.Service
// implements it.
type Reputation interface {
	Lookup(ctx context.Context, addr netip.Addr) (*reputation.Report, error)
}

// reputationOf is the reputation of addr for the source page: nil when the
// server has no Reputation or the lookup failed (logged). The source page
// is its only caller: an uncached lookup may ask external services, whose
// quotas a listing of sources would spend at once.
func (s *Server) reputationOf(ctx context.Context, addr netip.Addr) *reputation.Report {
	if s.Reputation == nil {
		return nil
	}
	rep, err := s.Reputation.Lookup(ctx, addr)
	if err != nil {
		if ctx.Err() == nil {
			s.log().Warn("reputation", "ip", addr.String(), "err", err)
		}
		return nil
	}
	return rep
}
