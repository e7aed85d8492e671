package analysis

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Classifications of a source IP (protocol: Source Classification).
const (
	// ClassLegitimate is a source whose mail passes DMARC: it is
	// authorized by the domain's SPF record or signs with its DKIM key.
	ClassLegitimate = "legitimate"
	// ClassForwarding is a source relaying mail of the domain that others
	// sent: forwarders and mailing lists (RFC 7960), whose DMARC failures
	// are expected.
	ClassForwarding = "forwarding"
	// ClassSuspicious is a source sending as the domain with no
	// authentication at all: spoofing, or a server of the domain's owner
	// set up with neither SPF nor DKIM.
	ClassSuspicious = "suspicious"
	// ClassUnknown is a source the report's data cannot place: mixed
	// results, no verdicts, or authentication as another domain only.
	ClassUnknown = "unknown"
)

// Confidence levels of a classification.
const (
	// ConfidenceHigh: the evidence points one way only.
	ConfidenceHigh = "high"
	// ConfidenceMedium: the evidence fits the class, with a weaker signal.
	ConfidenceMedium = "medium"
	// ConfidenceLow: another reading is about as likely.
	ConfidenceLow = "low"
)

// LegitimatePassRate is the percentage of a source's messages that must
// pass DMARC, more than this, for it to be classified legitimate: the
// protocol's "historical pass rate > 95%", applied to the records at hand.
// The allowance covers the occasional failure of a real sender (a broken
// signature, spoofing through a shared IP).
const LegitimatePassRate = 95.0

// PatternShare is the percentage of a source's messages that must show one
// failure pattern for the source to be classified by it: forwarding needs
// it of the failing messages (a forwarder passes DMARC whenever the DKIM
// signature survives), suspicious of all messages. Below it a source is
// mixed and classified unknown.
const PatternShare = 90.0

// SourceClassification is the protocol's classification of one source IP,
// judged from all of its records in the report.
type SourceClassification struct {
	SourceIP string `json:"source_ip"`
	// Classification is legitimate, forwarding, suspicious or unknown.
	Classification string `json:"classification"`
	// Confidence is high, medium or low.
	Confidence string `json:"confidence"`
	// Evidence are the facts the classification rests on; never nil.
	Evidence []string `json:"evidence"`
	// ReverseDNS is the PTR name of the IP; not resolved yet, always empty.
	ReverseDNS   string `json:"reverse_dns,omitempty"`
	MessageCount int64  `json:"message_count"`
	// PassRate is the percentage of its messages passing DMARC, 0-100
	// rounded to 2 decimals.
	PassRate float64 `json:"pass_rate"`
}

// MarshalJSON encodes c with a nil Evidence as [], as the protocol wants an
// array.
func (c SourceClassification) MarshalJSON() ([]byte, error) {
	type plain SourceClassification // without this method
	if c.Evidence == nil {
		c.Evidence = []string{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // the caller's encoder decides
	if err := enc.Encode(plain(c)); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// pattern tells why a source is classified unknown.
type pattern uint8

const (
	patternNone       pattern = iota
	patternEmpty              // no messages
	patternNoVerdict          // neither a pass nor a fail verdict
	patternMisaligned         // authenticated only as another domain
	patternMixed              // no pattern dominates
)

// judgement is the classification of a source.
type judgement struct {
	class, confidence string
	pattern           pattern
}

// judged is a source with its classification.
type judged struct {
	s *source
	judgement
}

// judge classifies s:
//   - legitimate when more than LegitimatePassRate percent of its messages
//     pass DMARC (RFC 7489 section 4.2); confidence high when aligned DKIM
//     carried most of the passes (DKIM is bound to the domain's key, RFC
//     7489 section 3.1.1), medium when SPF did (an IP authorization that
//     may be shared).
//   - forwarding when at least PatternShare percent of its failing
//     messages carry a forwarding signal (see source); confidence high when
//     the receiver gave a forwarding reason for most, medium when inferred
//     from DKIM results.
//   - suspicious when at least PatternShare percent of its messages
//     authenticated nothing and show no forwarding; confidence high when
//     all of those carry no DKIM signature of the From domain and SPF
//     fails for an unrelated MAIL FROM domain, low when most carry a
//     failing signature of the From domain (likely the owner's server with
//     a broken key), medium otherwise.
//   - unknown otherwise, always with low confidence.
func (s *source) judge() judgement {
	m := s.all.messages
	switch {
	case m == 0:
		return judgement{ClassUnknown, ConfidenceLow, patternEmpty}
	case float64(s.pass.messages)*100 > LegitimatePassRate*float64(m):
		if s.alignedDKIM*2 > s.pass.messages {
			return judgement{ClassLegitimate, ConfidenceHigh, patternNone}
		}
		return judgement{ClassLegitimate, ConfidenceMedium, patternNone}
	case s.fail.messages == 0:
		return judgement{ClassUnknown, ConfidenceLow, patternNoVerdict}
	case s.forwarded.messages > 0 && atLeast(s.forwarded.messages, s.fail.messages, PatternShare):
		if s.fwdReason*2 > s.forwarded.messages {
			return judgement{ClassForwarding, ConfidenceHigh, patternNone}
		}
		return judgement{ClassForwarding, ConfidenceMedium, patternNone}
	case atLeast(s.spoof.messages, m, PatternShare):
		switch {
		case s.spoofStrong == s.spoof.messages:
			return judgement{ClassSuspicious, ConfidenceHigh, patternNone}
		case s.spoofHeaderSig*2 > s.spoof.messages:
			return judgement{ClassSuspicious, ConfidenceLow, patternNone}
		}
		return judgement{ClassSuspicious, ConfidenceMedium, patternNone}
	case atLeast(s.misaligned.messages, s.fail.messages, PatternShare):
		return judgement{ClassUnknown, ConfidenceLow, patternMisaligned}
	}
	return judgement{ClassUnknown, ConfidenceLow, patternMixed}
}

// judged returns every source with its classification, most messages
// first, ties by IP.
func (a *Accumulator) judged() []judged {
	js := make([]judged, 0, len(a.sources))
	for _, s := range a.sources {
		js = append(js, judged{s, s.judge()})
	}
	slices.SortFunc(js, func(x, y judged) int {
		if c := cmp.Compare(y.s.all.messages, x.s.all.messages); c != 0 {
			return c
		}
		return strings.Compare(x.s.ip, y.s.ip)
	})
	return js
}

// Sources classifies every source IP seen, most messages first, ties by IP.
func (a *Accumulator) Sources() []SourceClassification {
	js := a.judged()
	out := make([]SourceClassification, len(js))
	for i, j := range js {
		out[i] = SourceClassification{
			SourceIP:       j.s.ip,
			Classification: j.class,
			Confidence:     j.confidence,
			Evidence:       j.s.evidence(j.judgement),
			MessageCount:   j.s.all.messages,
			PassRate:       percent(j.s.pass.messages, j.s.all.messages),
		}
	}
	return out
}

// evidence explains judgement j of s: what the classification rests on,
// then the authentication facts kept.
func (s *source) evidence(j judgement) []string {
	ev := make([]string, 0, 8)
	m := s.all.messages
	from := join(s.from.list())
	switch j.class {
	case ClassLegitimate:
		var on []string
		if s.alignedDKIM > 0 {
			on = append(on, "DKIM on "+messages(s.alignedDKIM))
		}
		if s.alignedSPF > 0 {
			on = append(on, "SPF on "+messages(s.alignedSPF))
		}
		ev = append(ev,
			fmt.Sprintf("passed DMARC for %s of %s", num(s.pass.messages), messages(m)),
			fmt.Sprintf("aligned with header_from %s: %s", from, join(on)))
		if s.fail.messages > 0 {
			ev = append(ev, fmt.Sprintf("failed DMARC for %s", messages(s.fail.messages)))
		}
	case ClassForwarding:
		ev = append(ev, fmt.Sprintf("failed DMARC for %s of %s, %s of them relayed by a forwarder or mailing list", num(s.fail.messages), messages(m), num(s.forwarded.messages)))
		if s.resigned > 0 {
			ev = append(ev, fmt.Sprintf("DKIM signature of %s failed but %s's verified: a mailing list modified and re-signed the message",
				domains(s.brokenSig.list(), nil), domains(s.dkimPass.list(), func(d string) bool { return !relatedAny(d, s.from.list()) })))
		}
		if s.forwarded.messages > s.fwdReason+s.resigned {
			ev = append(ev, fmt.Sprintf("DKIM signature of %s verified but SPF failed: typical of forwarding", domains(s.dkimPass.list(), func(d string) bool { return relatedAny(d, s.from.list()) })))
		}
	case ClassSuspicious:
		ev = append(ev, fmt.Sprintf("failed DMARC for %s of %s: neither DKIM nor SPF authenticated, and no sign of forwarding", num(s.fail.messages), messages(m)))
		if s.spoofHeaderSig == 0 && from != "" {
			ev = append(ev, "no DKIM signature of "+from)
		} else if s.spoofHeaderSig > 0 {
			ev = append(ev, fmt.Sprintf("a failing DKIM signature of %s on %s: possibly a server of the domain with a broken key", from, messages(s.spoofHeaderSig)))
		}
		if s.failDelivered > 0 {
			ev = append(ev, fmt.Sprintf("receivers delivered %s of them (disposition none)", num(s.failDelivered)))
		}
	default:
		ev = append(ev, s.unknownSummary(j.pattern, from))
	}
	for _, r := range s.reasons.list() {
		ev = append(ev, "policy override reason: "+r)
	}
	return s.appendFactLines(ev)
}

// appendFactLines appends to ev a line for each authentication fact kept,
// DKIM then SPF results.
func (s *source) appendFactLines(ev []string) []string {
	for _, l := range [...]struct {
		kind string
		f    *facts[authFact]
	}{{"DKIM", &s.dkimPass}, {"DKIM", &s.brokenSig}, {"DKIM", &s.dkimFail}, {"SPF", &s.spfPass}, {"SPF", &s.spfFail}} {
		for _, f := range l.f.list() {
			ev = append(ev, s.factLine(l.kind, f))
		}
	}
	return ev
}

// unknownSummary says why a source is unknown.
func (s *source) unknownSummary(p pattern, from string) string {
	m := s.all.messages
	switch p {
	case patternEmpty:
		return "no messages: its records have count 0"
	case patternNoVerdict:
		return fmt.Sprintf("no DMARC verdict for its %s: policy_evaluated has neither pass nor fail", messages(m))
	case patternMisaligned:
		return fmt.Sprintf("failed DMARC for %s of %s: authenticated only as a domain not aligned with header_from %s, like a service not set up to sign for it, or an unauthorized sender",
			num(s.fail.messages), messages(m), from)
	}
	var parts []string
	for _, p := range [...]struct {
		n    int64
		what string
	}{
		{s.pass.messages, "passed DMARC"},
		{s.forwarded.messages, "failed after forwarding"},
		{s.misaligned.messages, "failed, authenticated only as another domain"},
		{s.spoof.messages, "failed without any authentication"},
		{m - s.pass.messages - s.fail.messages, "had no verdict"},
	} {
		if p.n > 0 {
			parts = append(parts, num(p.n)+" "+p.what)
		}
	}
	return fmt.Sprintf("mixed results over %s: %s", messages(m), join(parts))
}

// factLine describes one authentication result: "DKIM pass for example.com
// (selector s1)", "SPF softfail for example.net, unrelated to header_from".
func (s *source) factLine(kind string, f authFact) string {
	var b strings.Builder
	b.Grow(64 + len(f.domain) + len(f.selector))
	b.WriteString(kind)
	b.WriteByte(' ')
	b.WriteString(f.result)
	if f.domain == "" {
		b.WriteString(", no domain reported")
	} else {
		b.WriteString(" for ")
		b.WriteString(f.domain)
	}
	if f.selector != "" {
		b.WriteString(" (selector ")
		b.WriteString(f.selector)
		b.WriteByte(')')
	}
	if f.domain != "" && s.from.n > 0 && !relatedAny(f.domain, s.from.list()) {
		b.WriteString(", unrelated to header_from")
	}
	return b.String()
}

// domains lists in prose the distinct domains of fs that keep accepts, or
// all when keep is nil.
func domains(fs []authFact, keep func(string) bool) string {
	var ds []string
	for _, f := range fs {
		if f.domain != "" && !slices.Contains(ds, f.domain) && (keep == nil || keep(f.domain)) {
			ds = append(ds, f.domain)
		}
	}
	if len(ds) == 0 {
		return "an unnamed domain"
	}
	return join(ds)
}
