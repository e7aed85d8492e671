package senders

import (
	"fmt"
	"strconv"
	"strings"
)

// Confidence levels of a Match; the same words as the classification's.
const (
	ConfidenceHigh   = "high"
	ConfidenceMedium = "medium"
	ConfidenceLow    = "low"
)

// Kinds of Signal.
const (
	SignalReverseDNS = "reverse_dns"
	SignalASN        = "asn"
	SignalSPF        = "spf_domain"
	SignalDKIM       = "dkim_domain"
)

// Evidence is what is known of a source IP.
type Evidence struct {
	// PTR is the IP's reverse DNS name, "" when unknown.
	PTR string
	// ASN and ASOrg are the IP's autonomous system and its organization;
	// 0 and "" when unknown.
	ASN   uint32
	ASOrg string
	// DKIMDomains are the d= domains of DKIM signatures that verified on
	// the source's mail; SPFDomains the MAIL FROM domains for which SPF
	// passed. Failed results must not be given: an SPF fail for a
	// service's domain says the IP is not the service's.
	DKIMDomains, SPFDomains []string
}

// Signal is one piece of evidence that matched a service.
type Signal struct {
	// Kind is reverse_dns, asn, spf_domain or dkim_domain.
	Kind string `json:"kind"`
	// Value is what matched: the PTR name, "AS11377", the domain.
	Value string `json:"value"`
}

// Match is a service recognized from Evidence.
type Match struct {
	Service Service
	// By are the signals that matched, network ones first. For a service
	// that runs on another's servers they include the host's network
	// signals.
	By []Signal
	// Confidence is high when two of reverse DNS, AS and an SPF pass for
	// the service's domain agree, medium with one of them, low with a DKIM
	// signature alone or when the IP's AS contradicts its reverse DNS.
	Confidence string
	// Conflict says what speaks against the match, "" when nothing does.
	Conflict string
	asOrg    string // the AS's organization, for Describe
}

// Signal weights: reverse DNS names the host, the AS the network, an SPF
// pass for the service's own domain says its SPF record authorizes the IP,
// a verified DKIM signature only that the message went through the
// service at some point.
const (
	weightRDNS = 8
	weightASN  = 4
	weightSPF  = 2
	weightDKIM = 1
)

// candidate is one service's matching signals.
type candidate struct {
	s               Service
	rdns, spf, dkim string
	asn             bool
	host            *candidate // the RunsOn service, when it matched by network
	score           int
	asnConflict     bool
}

// Identify returns the service the evidence points to most strongly, and
// false when none matches. Ties go to the service listed first.
func (c *Catalogue) Identify(e Evidence) (Match, bool) {
	ptr := strings.TrimSuffix(strings.ToLower(e.PTR), ".")
	cands := make([]candidate, len(c.services))
	byID := make(map[string]int, len(c.services))
	for i, s := range c.services {
		byID[s.ID] = i
		k := &cands[i]
		k.s = s
		k.rdns = matchName(ptr, s.Match.ReverseDNS)
		k.asn = e.ASN != 0 && s.hasASN(e.ASN)
		k.spf = matchAny(e.SPFDomains, s.Match.SPFDomains)
		k.dkim = matchAny(e.DKIMDomains, s.Match.DKIMDomains)
		// A PTR name of the service on an AS it does not list: the
		// reverse zone's owner may write any name.
		k.asnConflict = k.rdns != "" && e.ASN != 0 && len(s.Match.ASN) > 0 && !k.asn
		k.score = k.weight()
	}
	best := -1
	for i := range cands {
		k := &cands[i]
		if j, ok := byID[k.s.RunsOn]; ok && (k.spf != "" || k.dkim != "") && cands[j].network() {
			k.host = &cands[j]
			k.score += k.host.weight()
		}
		if k.score > 0 && (best < 0 || k.score > cands[best].score) {
			best = i
		}
	}
	if best < 0 {
		return Match{}, false
	}
	return cands[best].match(e), true
}

// weight sums the weights of k's own signals.
func (k *candidate) weight() int {
	w := 0
	if k.rdns != "" {
		w += weightRDNS
	}
	if k.asn {
		w += weightASN
	}
	if k.spf != "" {
		w += weightSPF
	}
	if k.dkim != "" {
		w += weightDKIM
	}
	return w
}

// network reports whether k matched by reverse DNS or AS.
func (k *candidate) network() bool { return k.rdns != "" || k.asn }

// match builds the Match of k.
func (k *candidate) match(e Evidence) Match {
	m := Match{Service: k.s, asOrg: e.ASOrg}
	net := k
	if k.host != nil {
		net = k.host
	}
	strong := 0
	if net.rdns != "" {
		m.By = append(m.By, Signal{SignalReverseDNS, net.rdns})
		strong++
	}
	if net.asn {
		m.By = append(m.By, Signal{SignalASN, "AS" + strconv.FormatUint(uint64(e.ASN), 10)})
		strong++
	}
	if k.spf != "" {
		m.By = append(m.By, Signal{SignalSPF, k.spf})
		strong++
	}
	if k.dkim != "" {
		m.By = append(m.By, Signal{SignalDKIM, k.dkim})
	}
	switch {
	case net.asnConflict:
		m.Confidence = ConfidenceLow
		m.Conflict = fmt.Sprintf("%s is not one of %s's networks", asName(e), net.s.Name)
	case strong >= 2:
		m.Confidence = ConfidenceHigh
	case strong == 1:
		m.Confidence = ConfidenceMedium
	default:
		m.Confidence = ConfidenceLow
	}
	return m
}

// Describe says in a sentence why the source is the service: "Identified
// as Twilio SendGrid by reverse DNS o1.sendgrid.net and AS11377
// (SENDGRID)".
func (m Match) Describe() string {
	parts := make([]string, 0, len(m.By))
	for _, s := range m.By {
		switch s.Kind {
		case SignalReverseDNS:
			parts = append(parts, "reverse DNS "+s.Value)
		case SignalASN:
			p := s.Value
			if m.asOrg != "" {
				p += " (" + m.asOrg + ")"
			}
			parts = append(parts, p)
		case SignalSPF:
			parts = append(parts, "an SPF pass for its domain "+s.Value)
		case SignalDKIM:
			parts = append(parts, "a DKIM signature of "+s.Value)
		}
	}
	out := "Identified as " + m.Service.Name + " by " + joinAnd(parts)
	if m.Conflict != "" {
		out += ", but " + m.Conflict
	}
	return out
}

// asName names the AS of e: "AS64500 (Example Net)".
func asName(e Evidence) string {
	s := "AS" + strconv.FormatUint(uint64(e.ASN), 10)
	if e.ASOrg != "" {
		s += " (" + e.ASOrg + ")"
	}
	return s
}

// matchName returns name when it is one of domains or a subdomain of one,
// else "".
func matchName(name string, domains []string) string {
	if name == "" {
		return ""
	}
	for _, d := range domains {
		if name == d || (len(name) > len(d) && name[len(name)-len(d)-1] == '.' && strings.HasSuffix(name, d)) {
			return name
		}
	}
	return ""
}

// matchAny returns the first of names that matchName accepts.
func matchAny(names, domains []string) string {
	for _, n := range names {
		if m := matchName(strings.TrimSuffix(strings.ToLower(n), "."), domains); m != "" {
			return m
		}
	}
	return ""
}

// joinAnd lists items in prose: "a", "a and b", "a, b and c".
func joinAnd(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
