package analysis

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/senders"
)

// Thresholds of the history classification.
const (
	// NewSourceDays: a source first seen fewer days ago than this is new.
	NewSourceDays = 14
	// LowVolume: a source with fewer messages than this in its history is
	// low-volume (the protocol's "low volume from unfamiliar source").
	LowVolume = 100
	// EstablishedDays: a source seen on this many days or more is
	// established; an unauthenticated one is then more often a forgotten
	// server of the domain (a scanner, an old CRM) than a spoofer.
	EstablishedDays = 30
	// OwnedPassShare: a known sending service whose mail passed DMARC at
	// least this percent of the time for the domain is taken as the
	// domain's own, set up for part of its mail only.
	OwnedPassShare = 50.0
)

// HistoryClassifier classifies a source from its whole history for a
// domain (protocol: Source Classification): the historical pass rate, the
// service it is (senders catalogue), the domains its mail authenticated
// as, its activity, and whether the domain's SPF record authorizes it.
// Every dependency is optional: without a catalogue no service is
// identified, without an SPFAuthorizer the domain's SPF is not consulted.
type HistoryClassifier struct {
	Senders *senders.Catalogue
	SPF     SPFAuthorizer
	// Now is the clock that tells a new source; nil is time.Now.
	Now func() time.Time
}

// IPInfo is what is known of a source IP from its reverse DNS and IP data.
type IPInfo struct {
	PTR   string
	ASN   uint32
	ASOrg string
}

// HistoryClassification is the classification of a source from its
// history: the report classification's fields plus what it rests on.
type HistoryClassification struct {
	// Classification is legitimate, forwarding, suspicious or unknown.
	Classification string `json:"classification"`
	// Confidence is high, medium or low.
	Confidence string `json:"confidence"`
	// Evidence are sentences saying what the classification rests on;
	// never nil.
	Evidence []string `json:"evidence"`
	// Service is the identified sending service, nil when none.
	Service *ServiceRef `json:"service,omitempty"`
	// Misconfigured: the source is a sending service that fails alignment
	// for the domain, most likely the domain's own not set up for it
	// (classified legitimate when the domain's SPF or its pass rate says
	// it is the domain's, unknown otherwise); Fix says what to do.
	Misconfigured bool   `json:"misconfigured,omitempty"`
	Fix           string `json:"fix,omitempty"`
	// SPFAuthorized says whether the domain's SPF record authorizes the
	// IP; nil when not known.
	SPFAuthorized *bool `json:"spf_authorized,omitempty"`
	// History are the totals the classification was judged from.
	History HistoryFacts `json:"history"`
}

// ServiceRef names an identified service and how it was identified.
type ServiceRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Confidence is the identification's: high, medium or low.
	Confidence string `json:"confidence"`
	// MatchedBy are the kinds of evidence that matched: reverse_dns, asn,
	// spf_domain, dkim_domain.
	MatchedBy []string `json:"matched_by"`
	// Docs is the service's setup documentation, when known.
	Docs string `json:"docs,omitempty"`
}

// HistoryFacts are a source's totals over the records read.
type HistoryFacts struct {
	Messages int64 `json:"messages"`
	// PassRate is the percentage of messages passing DMARC, 0-100
	// rounded to 2 decimals.
	PassRate  float64 `json:"pass_rate"`
	FirstSeen string  `json:"first_seen,omitempty"` // YYYY-MM-DD
	LastSeen  string  `json:"last_seen,omitempty"`
	// ActiveDays is the number of distinct report days.
	ActiveDays int `json:"active_days"`
	Records    int `json:"records"`
	// Partial: only the newest records were read.
	Partial bool `json:"partial,omitempty"`
}

// facts of one classification, gathered before the rules run.
type historyCase struct {
	h     *SourceHistory
	j     judgement
	match senders.Match
	known bool // a service was identified
	// catalogue: a catalogue was consulted, so not knowing the source
	// means something.
	catalogue bool
	spfSet    bool // the domain's SPF answered
	spfOK     bool
	now       time.Time
}

// Classify classifies the source of h with what is known of its IP. A
// service counts as known when identified with medium or high confidence:
// a DKIM signature alone, or reverse DNS that the IP's AS contradicts, is
// told in the evidence but drives no rule. The rules, first match wins:
//   - no messages: unknown.
//   - more than LegitimatePassRate percent passed DMARC: legitimate, or
//     forwarding for a forwarder or mailing list whose mail passed on DKIM
//     alone (signatures that survived the relay). Confidence high when
//     aligned DKIM carried the passes, or SPF did and the source is a
//     known sending service or authorized by the domain's SPF.
//   - the records show forwarding (a forwarding reason, a surviving or
//     re-signed DKIM signature of the domain with SPF failing): forwarding,
//     high when the service is known to relay others' mail (RFC 7960).
//   - a known forwarder or mailing list: forwarding even without those
//     signs (the original signatures did not survive).
//   - a known sending service (mailbox provider, ESP, ...) failing
//     alignment: misconfigured, not spoofing. Legitimate when the
//     domain's SPF authorizes the IP or at least OwnedPassShare percent
//     passed; unknown otherwise, since shared services send for many
//     customers and another one may be sending as the domain.
//   - an unknown source the domain's SPF authorizes: legitimate,
//     misconfigured (it does not sign with the domain's DKIM).
//   - no authentication at all (the record patterns' suspicious):
//     suspicious, more confidently when the domain's SPF does not
//     authorize it and when it is new or low-volume, less when it is
//     established.
//   - otherwise unknown (mixed results, authenticated as another domain
//     only, no verdicts).
func (c *HistoryClassifier) Classify(ctx context.Context, h *SourceHistory, ip IPInfo) HistoryClassification {
	k := historyCase{h: h, j: h.src.judge(), now: time.Now()}
	if c.Now != nil {
		k.now = c.Now()
	}
	if c.Senders != nil {
		k.catalogue = true
		k.match, k.known = c.Senders.Identify(senders.Evidence{PTR: ip.PTR, ASN: ip.ASN, ASOrg: ip.ASOrg,
			DKIMDomains: h.dkimDomains, SPFDomains: h.spfDomains})
	}
	if addr, err := netip.ParseAddr(h.ip); err == nil && c.SPF != nil && h.domain != "" && h.Messages() > 0 {
		k.spfOK, k.spfSet = c.SPF.AuthorizedBySPF(ctx, h.domain, addr.Unmap())
	}
	out := k.rules()
	out.History = k.facts()
	if k.known {
		m := k.match
		ref := &ServiceRef{ID: m.Service.ID, Name: m.Service.Name, Kind: m.Service.Kind, Confidence: m.Confidence, Docs: m.Service.Docs}
		for _, s := range m.By {
			ref.MatchedBy = append(ref.MatchedBy, s.Kind)
		}
		out.Service = ref
	}
	if k.spfSet {
		out.SPFAuthorized = &k.spfOK
	}
	out.Evidence = k.evidence(out)
	return out
}

// rules applies the rules of Classify.
func (k *historyCase) rules() HistoryClassification {
	s := &k.h.src
	m := s.all.messages
	svc := k.match.Service
	strong := k.known && k.match.Confidence != senders.ConfidenceLow
	sending := strong && !svc.Relay()
	relay := strong && svc.Relay()
	owned := k.spfSet && k.spfOK
	denied := k.spfSet && !k.spfOK
	switch {
	case m == 0:
		return HistoryClassification{Classification: ClassUnknown, Confidence: ConfidenceLow}
	case float64(s.pass.messages)*100 > LegitimatePassRate*float64(m):
		if relay && s.alignedSPF*2 <= s.pass.messages {
			return HistoryClassification{Classification: ClassForwarding, Confidence: ConfidenceHigh}
		}
		conf := k.j.confidence
		if conf == ConfidenceMedium && (owned || (sending && strong)) {
			conf = ConfidenceHigh
		}
		return HistoryClassification{Classification: ClassLegitimate, Confidence: conf}
	case k.j.class == ClassForwarding:
		conf := k.j.confidence
		if strong && svc.RelaysOthers() {
			conf = ConfidenceHigh
		}
		return HistoryClassification{Classification: ClassForwarding, Confidence: conf}
	case relay:
		return HistoryClassification{Classification: ClassForwarding, Confidence: ConfidenceMedium}
	case sending && s.fail.messages > 0:
		out := HistoryClassification{Classification: ClassUnknown, Confidence: ConfidenceMedium, Misconfigured: true, Fix: k.serviceFix(owned)}
		switch {
		case owned:
			out.Classification, out.Confidence = ClassLegitimate, ConfidenceMedium
		case atLeast(s.pass.messages, m, OwnedPassShare):
			out.Classification, out.Confidence = ClassLegitimate, ConfidenceLow
		}
		return out
	case owned && s.fail.messages > 0:
		return HistoryClassification{Classification: ClassLegitimate, Confidence: choose(k.j.class == ClassSuspicious, ConfidenceLow, ConfidenceMedium),
			Misconfigured: true, Fix: fmt.Sprintf("Sign this server's mail with DKIM for %s, or send it with a MAIL FROM address under %s so that SPF aligns.", k.h.domain, k.h.domain)}
	case k.j.class == ClassSuspicious:
		level := confidenceLevel(k.j.confidence)
		if denied {
			level++
		}
		if k.isNew() || m < LowVolume {
			level++
		}
		if k.h.ActiveDays() >= EstablishedDays {
			level--
		}
		return HistoryClassification{Classification: ClassSuspicious, Confidence: confidenceOf(level)}
	}
	return HistoryClassification{Classification: ClassUnknown, Confidence: ConfidenceLow}
}

// serviceFix says how to set up the identified service for the domain;
// owned: the domain's SPF authorizes it already.
func (k *historyCase) serviceFix(owned bool) string {
	svc, d := k.match.Service, k.h.domain
	var steps []string
	if svc.DKIM.Custom {
		step := "set up DKIM signing for " + d + " in " + svc.Name
		switch {
		case svc.DKIM.Method == "cname" && len(svc.DKIM.Selectors) > 0:
			step += " (CNAME records " + join(selectorNames(svc.DKIM.Selectors)) + ")"
		case svc.DKIM.Method == "cname":
			step += " (CNAME records it gives)"
		case svc.DKIM.Method == "txt":
			step += " (a TXT key record it gives)"
		}
		steps = append(steps, step)
	}
	if svc.SPFInclude != "" && !owned {
		steps = append(steps, "add "+svc.SPFInclude+" to "+d+"'s SPF record")
	}
	if len(steps) == 0 {
		steps = append(steps, "check whether "+svc.Name+" can send authenticated as "+d+"; if not, send "+d+"'s mail another way")
	}
	fix := join(steps)
	if !owned {
		fix = "If " + d + " sends through " + svc.Name + ", " + fix + "; if not, another of its customers is sending as " + d + "."
	} else {
		fix = strings.ToUpper(fix[:1]) + fix[1:] + "."
	}
	if svc.Docs != "" {
		fix += " See " + svc.Docs
	}
	return fix
}

// selectorNames lists selectors as the DNS names to publish.
func selectorNames(sel []string) []string {
	out := make([]string, len(sel))
	for i, s := range sel {
		out[i] = s + "._domainkey"
	}
	return out
}

// isNew reports whether the source was first seen fewer than
// NewSourceDays days ago.
func (k *historyCase) isNew() bool {
	return !k.h.first.IsZero() && k.now.Sub(k.h.first) < NewSourceDays*24*time.Hour
}

// facts returns the history's totals.
func (k *historyCase) facts() HistoryFacts {
	h := k.h
	f := HistoryFacts{Messages: h.Messages(), PassRate: percent(h.src.pass.messages, h.Messages()),
		ActiveDays: h.ActiveDays(), Records: h.records, Partial: h.Partial}
	if !h.first.IsZero() {
		f.FirstSeen, f.LastSeen = h.first.Format(time.DateOnly), h.last.Format(time.DateOnly)
	}
	return f
}

// choose returns a when cond holds, else b.
func choose(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// confidenceLevel ranks a confidence: low 0, medium 1, high 2.
func confidenceLevel(c string) int {
	switch c {
	case ConfidenceHigh:
		return 2
	case ConfidenceMedium:
		return 1
	}
	return 0
}

// confidenceOf is the confidence of a level, clamped.
func confidenceOf(level int) string {
	switch {
	case level >= 2:
		return ConfidenceHigh
	case level == 1:
		return ConfidenceMedium
	}
	return ConfidenceLow
}
