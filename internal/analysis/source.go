package analysis

import (
	"slices"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// forwardingReasons are the policy override reasons (RFC 7489 Appendix C,
// PolicyOverrideType) by which a receiver says a message failed because it
// was relayed: the indirect mail flows of RFC 7960.
var forwardingReasons = [...]string{"forwarded", "mailing_list", "trusted_forwarder"}

// source is what an Accumulator keeps for one source IP: fixed-size tallies
// and bounded facts.
//
// Every message that fails DMARC falls in exactly one of forwarded,
// misaligned and spoof, tested in this order:
//   - forwarded: the receiver gave a forwarding reason; or a DKIM signature
//     of the From domain failed while one of another domain verified (a
//     mailing list changed and re-signed the message); or a DKIM signature
//     of the From domain verified while SPF did not pass (the signature
//     survived, the relay's IP is not in the sender's SPF record, and the
//     receiver did not find the signature aligned, e.g. adkim=s).
//   - misaligned: SPF (MAIL FROM) passed, or a DKIM signature verified, but
//     for a domain not aligned with the From domain: a sender that
//     authenticates, as somebody else.
//   - spoof: nothing authenticated at all.
type source struct {
	ip string
	// all are all the records; pass those passing DMARC; fail those failing
	// it (no pass and at least one fail verdict). Records with neither are
	// in all only.
	all, pass, fail tally
	// alignedDKIM and alignedSPF count messages with an aligned pass.
	alignedDKIM, alignedSPF int64
	forwarded, misaligned   tally
	spoof                   tally
	// fwdReason and resigned count the forwarded messages with a
	// forwarding reason and with a re-signed message; the rest were
	// forwarded with a surviving signature.
	fwdReason, resigned int64
	// spoofStrong counts spoof messages with no DKIM signature of the From
	// domain at all and SPF fail or softfail for an unrelated domain;
	// spoofHeaderSig those carrying a (failing) signature of the From
	// domain.
	spoofStrong, spoofHeaderSig int64
	// broken counts messages, outside forwarding, where a DKIM signature of
	// the From domain failed to verify (fail or permerror).
	broken tally
	// failDelivered counts failing messages the receiver delivered
	// (disposition none, or DMARCbis pass).
	failDelivered int64

	from      facts[string] // header_from domains
	reasons   facts[string] // policy override reason types
	dkimPass  facts[authFact]
	dkimFail  facts[authFact] // other failures than brokenSig
	brokenSig facts[authFact] // fail or permerror of a From-domain signature
	spfPass   facts[authFact]
	spfFail   facts[authFact]
}

// authSummary is what the raw results of one record show.
type authSummary struct {
	verified       bool // some DKIM signature verified
	headerVerified bool // a DKIM signature of the From domain verified
	otherVerified  bool // a DKIM signature of an unrelated domain verified
	headerSig      bool // a DKIM signature of the From domain is present
	headerBroken   bool // and failed (fail or permerror)
	spfPass        bool // SPF passed for MAIL FROM
	// spfFailOther: SPF failed or softfailed for a MAIL FROM domain
	// unrelated to the From domain.
	spfFailOther bool
}

// add counts a record of n messages.
func (s *source) add(r *aggregate.Record, n int64) {
	pe := &r.PolicyEvaluated
	s.all.add(n)
	if from := r.Identifiers.HeaderFrom; from != "" {
		s.from.add(from)
	}
	forwardReason := false
	for _, rs := range pe.Reasons {
		if rs.Type != "" {
			s.reasons.add(rs.Type)
		}
		forwardReason = forwardReason || slices.Contains(forwardingReasons[:], rs.Type)
	}
	au := s.observe(r)
	if pe.DKIM == resultPass {
		s.alignedDKIM += n
	}
	if pe.SPF == resultPass {
		s.alignedSPF += n
	}
	switch {
	case r.Passed():
		s.pass.add(n)
		if au.headerBroken {
			s.broken.add(n)
		}
		return
	case pe.DKIM != resultFail && pe.SPF != resultFail:
		return // no verdict to judge
	}
	s.fail.add(n)
	if pe.Disposition == "none" || pe.Disposition == "pass" {
		s.failDelivered += n
	}
	switch {
	case forwardReason:
		s.forwarded.add(n)
		s.fwdReason += n
		return
	case au.headerBroken && au.otherVerified:
		s.forwarded.add(n)
		s.resigned += n
		return
	case au.headerVerified && !au.spfPass:
		s.forwarded.add(n)
		return
	case au.verified || au.spfPass:
		s.misaligned.add(n)
	default:
		s.spoof.add(n)
		if au.headerSig {
			s.spoofHeaderSig += n
		} else if au.spfFailOther {
			s.spoofStrong += n
		}
	}
	if au.headerBroken {
		s.broken.add(n)
	}
}

// observe summarizes the raw results of r and keeps their first facts. SPF
// results for the HELO identity are ignored: DMARC uses MAIL FROM (RFC 7489
// section 3.1.2).
func (s *source) observe(r *aggregate.Record) authSummary {
	var au authSummary
	from := r.Identifiers.HeaderFrom
	for i := range r.AuthResults.DKIM {
		d := &r.AuthResults.DKIM[i]
		f := authFact{d.Domain, d.Selector, d.Result}
		rel := related(d.Domain, from)
		switch {
		case d.Result == "" || d.Result == "none":
			continue // no signature
		case d.Result == resultPass:
			au.verified = true
			au.headerVerified = au.headerVerified || rel
			au.otherVerified = au.otherVerified || !rel
			s.dkimPass.add(f)
		case rel && (d.Result == resultFail || d.Result == "permerror"):
			au.headerBroken = true
			s.brokenSig.add(f)
		default:
			s.dkimFail.add(f)
		}
		au.headerSig = au.headerSig || rel
	}
	for i := range r.AuthResults.SPF {
		p := &r.AuthResults.SPF[i]
		if p.Result == "" || p.Scope == "helo" {
			continue
		}
		f := authFact{domain: p.Domain, result: p.Result}
		if p.Result == resultPass {
			au.spfPass = true
			s.spfPass.add(f)
			continue
		}
		s.spfFail.add(f)
		if (p.Result == resultFail || p.Result == "softfail") && p.Domain != "" && !related(p.Domain, from) {
			au.spfFailOther = true
		}
	}
	return au
}
