package analysis

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/senders"
)

// evidence says in sentences what out rests on: who the source is, how its
// mail did, the signs behind the class, the domain's SPF verdict, its
// activity, then the authentication facts kept.
func (k *historyCase) evidence(out HistoryClassification) []string {
	s, d := &k.h.src, k.h.domain
	ev := make([]string, 0, 16)
	switch {
	case k.known:
		ev = append(ev, k.match.Describe())
		if svc := k.match.Service; out.Classification == ClassForwarding && svc.RelaysOthers() && !svc.Relay() {
			ev = append(ev, svc.Name+" also relays mail its users forward")
		}
	case k.catalogue:
		ev = append(ev, "Not a known sending service by its reverse DNS name, network or authentication domains")
	}
	ev = append(ev, k.passLine())
	switch {
	case out.Classification == ClassLegitimate && !out.Misconfigured:
		ev = append(ev, fmt.Sprintf("Aligned with %s by DKIM on %s and by SPF on %s", d, messages(s.alignedDKIM), messages(s.alignedSPF)))
		if s.broken.messages > 0 {
			ev = append(ev, fmt.Sprintf("A DKIM signature of %s failed on %s: a signer's key may be missing or rotated", d, messages(s.broken.messages)))
		}
	case out.Classification == ClassForwarding:
		ev = append(ev, k.forwardingLines()...)
	case out.Misconfigured || out.Classification == ClassSuspicious:
		ev = append(ev, k.failureLines()...)
	default:
		ev = append(ev, capitalize(s.unknownSummary(k.j.pattern, join(s.from.list()))))
	}
	if s.failDelivered > 0 {
		ev = append(ev, fmt.Sprintf("Receivers delivered %s of its failing messages (disposition none)", num(s.failDelivered)))
	}
	if out.SPFAuthorized != nil {
		if *out.SPFAuthorized {
			ev = append(ev, "Authorized by "+d+"'s SPF record")
		} else {
			ev = append(ev, "Not authorized by "+d+"'s SPF record")
		}
	}
	ev = append(ev, k.activityLine())
	for _, r := range s.reasons.list() {
		ev = append(ev, "Policy override reason: "+r)
	}
	return s.appendFactLines(ev)
}

// passLine says how much of the source's mail passed DMARC, and since
// when: "98.72% of 12,400 messages passed DMARC since 2026-03-02".
func (k *historyCase) passLine() string {
	h, s := k.h, &k.h.src
	m := s.all.messages
	if m == 0 {
		return capitalize(s.unknownSummary(patternEmpty, ""))
	}
	var line string
	switch p := s.pass.messages; {
	case p == m && m > 1:
		line = "All " + messages(m) + " passed DMARC"
	case p == m:
		line = "Its 1 message passed DMARC"
	case p == 0 && m > 1:
		line = "None of its " + messages(m) + " passed DMARC"
	case p == 0:
		line = "Its 1 message failed DMARC"
	default:
		line = rate(p, m) + " of " + messages(m) + " passed DMARC"
	}
	if !h.first.IsZero() {
		if h.first.Equal(h.last) {
			line += " on " + h.first.Format(time.DateOnly)
		} else {
			line += " since " + h.first.Format(time.DateOnly)
		}
	}
	if h.Partial {
		line += fmt.Sprintf(" (its newest %s; older ones were not read)", plural(int64(h.records), "record", "records"))
	}
	return line
}

// forwardingLines are the signs of forwarding.
func (k *historyCase) forwardingLines() []string {
	s, d := &k.h.src, k.h.domain
	var ev []string
	if s.fail.messages == 0 {
		return []string{"Its mail passed DMARC on DKIM signatures that survived the relay, not on SPF"}
	}
	if s.fwdReason > 0 {
		ev = append(ev, fmt.Sprintf("Receivers said %s were forwarded or sent by a mailing list (policy override reason)", plural(s.fwdReason, "message was", "messages were")))
	}
	if s.resigned > 0 {
		ev = append(ev, fmt.Sprintf("A mailing list changed and re-signed %s: the DKIM signature of %s failed while %s's verified",
			messages(s.resigned), domains(s.brokenSig.list(), nil), domains(s.dkimPass.list(), func(x string) bool { return !relatedAny(x, s.from.list()) })))
	}
	if n := s.forwarded.messages - s.fwdReason - s.resigned; n > 0 {
		ev = append(ev, fmt.Sprintf("The DKIM signature of %s survived on %s while SPF failed: the relay is not in the sender's SPF record, as with forwarding (RFC 7960)", d, messages(n)))
	}
	if k.j.class != ClassForwarding && k.known && k.match.Service.Relay() && k.match.Confidence != senders.ConfidenceLow {
		ev = append(ev, fmt.Sprintf("Its mail failed DMARC on %s: %s is a %s, and the original DKIM signatures did not survive its relaying",
			messages(s.fail.messages), k.match.Service.Name, kindNoun(k.match.Service.Kind)))
	}
	return ev
}

// failureLines describe mail that failed without forwarding: authenticated
// as other domains only, or not at all.
func (k *historyCase) failureLines() []string {
	s, d := &k.h.src, k.h.domain
	var ev []string
	if s.misaligned.messages > 0 {
		var others []string
		for _, fs := range [][]authFact{s.dkimPass.list(), s.spfPass.list()} {
			for _, f := range fs {
				if f.domain != "" && !related(f.domain, d) && !slices.Contains(others, f.domain) {
					others = append(others, f.domain)
				}
			}
		}
		what := "other domains"
		if len(others) > 0 {
			what = join(others)
		}
		ev = append(ev, fmt.Sprintf("%s authenticated only as %s, not as %s", capitalize(messages(s.misaligned.messages)), what, d))
	}
	if s.spoof.messages > 0 {
		ev = append(ev, fmt.Sprintf("Neither DKIM nor SPF passed for %s, and nothing shows forwarding", messages(s.spoof.messages)))
		if s.spoofHeaderSig > 0 {
			ev = append(ev, fmt.Sprintf("%s carried a failing DKIM signature of %s: possibly a server of the domain with a broken key", capitalize(messages(s.spoofHeaderSig)), d))
		}
	}
	return ev
}

// activityLine says when the source was seen: "Seen on 87 days between
// 2026-03-02 and 2026-11-10", and how new it is.
func (k *historyCase) activityLine() string {
	h := k.h
	if h.first.IsZero() {
		return "Seen on no day"
	}
	line := "Seen on " + plural(int64(h.ActiveDays()), "day", "days")
	if !h.first.Equal(h.last) {
		line += " between " + h.first.Format(time.DateOnly) + " and " + h.last.Format(time.DateOnly)
	}
	if k.isNew() {
		days := int64(k.now.Sub(h.first) / (24 * time.Hour))
		line += fmt.Sprintf(", first %s ago: a new source", plural(max(days, 0), "day", "days"))
	}
	return line
}

// kindNoun names a kind of relay in prose.
func kindNoun(kind string) string {
	if kind == senders.KindMailingList {
		return "mailing list"
	}
	return "forwarder"
}

// capitalize upper-cases the first letter of s.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
