package remedy

import (
	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
	"github.com/parse-dmarc/parse-dmarc/internal/senders"
)

// Guidance categories of a fix (roadmap 2.5).
const (
	// CategoryMisconfiguration: the domain's own sender (its server, or a
	// service its SPF record or pass rate shows it uses) is not fully set
	// up: its mail fails DKIM or SPF alignment.
	CategoryMisconfiguration = "legitimate_misconfiguration"
	// CategoryThirdParty: a sending service not set up for the domain; if
	// the domain sends through it, the service's DKIM and return-path
	// setup are missing.
	CategoryThirdParty = "third_party_setup"
	// CategorySpoofing: mail not authenticated at all, from a source
	// nothing ties to the domain.
	CategorySpoofing = "potential_spoofing"
	// CategoryDNS: the domain's records make its own mail fail: a broken
	// SPF record, a missing or broken DKIM key, strict alignment where
	// relaxed would pass.
	CategoryDNS = "dns_configuration"
	// CategoryForwarding: mail the domain sent, failing after a forwarder
	// or mailing list relayed it (RFC 7960): expected, nothing to fix in
	// the domain's records.
	CategoryForwarding = "forwarding"
	// CategoryNone: nothing of the source's mail fails.
	CategoryNone = "nothing_to_fix"
)

// CategoryTitles name the categories for people.
var CategoryTitles = map[string]string{
	CategoryMisconfiguration: "Legitimate sender misconfiguration",
	CategoryThirdParty:       "Third-party service setup",
	CategorySpoofing:         "Potential spoofing",
	CategoryDNS:              "DNS configuration issue",
	CategoryForwarding:       "Forwarding (expected)",
	CategoryNone:             "Nothing to fix",
}

// situation is what a category is chosen from.
type situation struct {
	class analysis.HistoryClassification
	// service is the service identified with medium or high confidence.
	service *senders.Service
	// failing: some records failed DMARC or passed on one mechanism only.
	failing bool
	// authenticated: the main failure's mail authenticated (DKIM or SPF
	// passed) as some domain, not aligned.
	authenticated bool
	// dnsIssues are problems of the domain's records behind the failures.
	dnsIssues int
}

// categorize chooses the guidance category, the first rule that holds:
//   - nothing fails: nothing to fix;
//   - the classification says forwarding: forwarding;
//   - the domain's records are behind the failures and the source is not
//     suspicious: a DNS configuration issue;
//   - the classification says suspicious: potential spoofing;
//   - a sending service (not a relay) the domain is not shown to use:
//     third-party service setup;
//   - a legitimate source (the domain's SPF authorizes it, or most of
//     its mail passed): a legitimate sender's misconfiguration;
//   - mail authenticated as another domain: a third-party service, not
//     identified;
//   - otherwise (nothing authenticated, and not shown to be new or small
//     enough to be called suspicious): potential spoofing.
func categorize(s situation) string {
	c := s.class.Classification
	switch {
	case !s.failing:
		return CategoryNone
	case c == analysis.ClassForwarding:
		return CategoryForwarding
	case s.dnsIssues > 0 && c != analysis.ClassSuspicious:
		return CategoryDNS
	case c == analysis.ClassSuspicious:
		return CategorySpoofing
	case s.service != nil && !s.service.Relay() && c != analysis.ClassLegitimate:
		return CategoryThirdParty
	case c == analysis.ClassLegitimate:
		return CategoryMisconfiguration
	case s.authenticated:
		return CategoryThirdParty
	}
	return CategorySpoofing
}
