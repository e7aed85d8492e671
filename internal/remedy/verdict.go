package remedy

import (
	"fmt"
	"strconv"

	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
)

// Verdicts of the policy advisor.
const (
	// VerdictReady: the next step can be published now.
	VerdictReady = "ready"
	// VerdictCaution: the next step can be published, in a smaller step
	// (a lower pct), with the cautions the reasons give.
	VerdictCaution = "ready_with_caution"
	// VerdictNotYet: legitimate mail would fail, or there is too little
	// data to tell: fix the blocking sources first, or wait.
	VerdictNotYet = "not_yet"
	// VerdictComplete: p=reject applies to all mail and subdomains; there
	// is nothing left to tighten.
	VerdictComplete = "complete"
)

// Defaults and bounds of an advice.
const (
	// DefaultDays is the period an advice reads when none is given.
	DefaultDays = 30
	// MaxAdviceSources bounds the sources an advice classifies: the
	// largest by volume; the rest is counted as "other".
	MaxAdviceSources = 200
	// MaxAdviceRecords bounds the records read of each failing source.
	MaxAdviceRecords = 1000
	// MaxSPFChecks bounds the sources whose IP is checked against the
	// domain's SPF record through DNS (those failing most): each check
	// walks the record's includes.
	MaxSPFChecks = 20
	// adviceConcurrency bounds the sources read and classified at once.
	adviceConcurrency = 4
)

// Thresholds of the verdict.
const (
	// MinAdviceDays is the least number of days with reports: two weeks
	// catch senders that mail weekly or every other week (newsletters,
	// invoices, reminders) at least once, which a few days of reports
	// would miss and a stricter policy would then hit unseen.
	MinAdviceDays = 14
	// MinAdviceMessages is the least number of messages: with fewer, a
	// single failing message is more than MaxLegitimateFailReject of the
	// mail, so the thresholds cannot be told from noise.
	MinAdviceMessages = 200
	// MinAdviceReporters is the number of reporting organizations below
	// which the advice is cautious: one receiver sees only the mail of
	// its own users, who may not get every kind of the domain's mail.
	MinAdviceReporters = 2
	// MaxLegitimateFailQuarantine is the largest share (percent) of the
	// domain's legitimate mail that may fail DMARC for p=quarantine:
	// quarantined mail lands in spam folders, where recipients can still
	// find it. The complement of analysis.QuarantinePassRate, so the
	// per-report recommendations and the advisor agree.
	MaxLegitimateFailQuarantine = 100 - analysis.QuarantinePassRate
	// MaxLegitimateFailReject is the largest share (percent) of
	// legitimate mail that may fail DMARC for p=reject: rejected mail is
	// lost, not delivered anywhere, so only a share this small is
	// acceptable (the complement of analysis.RejectPassRate).
	MaxLegitimateFailReject = 100 - analysis.RejectPassRate
	// NoiseLegitimateFail is the share (percent) of legitimate mail
	// failing above which the advice is cautious even within the
	// threshold: that much failing is a sender to fix, not a receiver's
	// occasional error.
	NoiseLegitimateFail = 0.1
	// MaxForwardingFail is the share (percent) of all mail failing after
	// forwarding above which the advice is cautious: receivers that do
	// not honour ARC will quarantine or reject that mail, and the
	// recipients who forward it will miss it.
	MaxForwardingFail = 2.0
)

// pctRamp are the pct values (RFC 7489 section 6.3) a cautious advice
// steps through: a quarter, half, then all of the failing mail.
var pctRamp = []int{25, 50, 100}

// PolicyState is a DMARC policy: p, sp, np, pct, the alignment modes and
// DMARCbis's t.
type PolicyState struct {
	Policy            string `json:"p"`
	SubdomainPolicy   string `json:"sp"`
	NonexistentPolicy string `json:"np,omitempty"`
	Percent           int    `json:"pct"`
	ADKIM             string `json:"adkim"`
	ASPF              string `json:"aspf"`
	Testing           string `json:"t,omitempty"`
}

// String writes the policy in short: "p=quarantine pct=25 sp=none".
func (p PolicyState) String() string {
	s := "p=" + orNone(p.Policy)
	if p.Percent > 0 && p.Percent < 100 {
		s += " pct=" + strconv.Itoa(p.Percent)
	}
	if p.SubdomainPolicy != "" && p.SubdomainPolicy != p.Policy {
		s += " sp=" + p.SubdomainPolicy
	}
	if p.NonexistentPolicy != "" && p.NonexistentPolicy != p.SubdomainPolicy {
		s += " np=" + p.NonexistentPolicy
	}
	if p.Testing == "y" {
		s += " t=y"
	}
	return s
}

// rank orders policies: none 0, quarantine 1, reject 2.
func rank(p string) int {
	switch p {
	case "quarantine":
		return 1
	case "reject":
		return 2
	}
	return 0
}

// nextStep returns the step after cur on the way to p=reject: none to
// quarantine to reject, each at pct=25 first when cautious (then 50,
// 100), all at once when not; t=y removed first. It returns false at
// p=reject for all mail. sp and np are the caller's.
func nextStep(cur PolicyState, cautious bool) (PolicyState, bool) {
	next := cur
	enforcing := rank(cur.Policy) > 0
	pct := cur.Percent
	if pct <= 0 || pct > 100 {
		pct = 100
	}
	switch {
	case enforcing && cur.Testing == "y":
		next.Testing = ""
	case enforcing && pct < 100:
		next.Percent = 100
		if cautious {
			next.Percent = rampAfter(pct)
		}
	case rank(cur.Policy) == 2:
		return cur, false
	default:
		next.Policy = "quarantine"
		if enforcing {
			next.Policy = "reject"
		}
		next.Percent = 100
		if cautious {
			next.Percent = pctRamp[0]
		}
	}
	return next, true
}

// rampAfter is the pct of the ramp after pct.
func rampAfter(pct int) int {
	for _, p := range pctRamp {
		if p > pct {
			return p
		}
	}
	return 100
}

// maxLegitimateFail is the threshold of a target policy.
func maxLegitimateFail(target string) float64 {
	if target == "reject" {
		return MaxLegitimateFailReject
	}
	return MaxLegitimateFailQuarantine
}

// counts are what a verdict is judged from.
type counts struct {
	domain string
	// target is the p of the next step, "" when there is none.
	target          string
	days, reporters int
	messages        int64
	// legitimate is the domain's own mail (all but spoofing and the
	// failures of forwarding and of sources not classified);
	// legitimateFailing its part failing DMARC.
	legitimate, legitimateFailing int64
	forwardingFailing             int64
	unclassifiedFailing           int64
	spoofingFailing               int64
	legitimateSources             int
}

// judge returns the verdict and its reasons, the blocking ones first:
//   - not yet with fewer than MinAdviceDays days or MinAdviceMessages
//     messages, or more legitimate mail failing than the target policy
//     allows (MaxLegitimateFailQuarantine, MaxLegitimateFailReject);
//   - complete when there is no next step;
//   - ready with caution with fewer than MinAdviceReporters reporters,
//     legitimate failures above NoiseLegitimateFail, forwarded failures
//     above MaxForwardingFail of all mail, or failures of unclassified
//     sources above the target's threshold of all mail;
//   - ready otherwise.
func judge(c counts) (string, []string) {
	var block, caution, info []string
	legit := share(c.legitimateFailing, c.legitimate)
	limit := maxLegitimateFail(c.target)
	if c.days < MinAdviceDays {
		block = append(block, fmt.Sprintf("Reports cover %s of the period; at least %d are needed to see the senders that mail weekly or less often.", plural(int64(c.days), "day", "days"), MinAdviceDays))
	}
	if c.messages < MinAdviceMessages {
		block = append(block, fmt.Sprintf("The reports count %s; at least %d are needed to tell a failing sender from noise.", messages(c.messages), MinAdviceMessages))
	}
	if c.target != "" && legit > limit {
		block = append(block, fmt.Sprintf("%s of %s's legitimate mail (%s from %s) fails DMARC, over the %s that p=%s allows: fix the blocking sources first.",
			percent(legit), c.domain, messages(c.legitimateFailing), plural(int64(c.legitimateSources), "source", "sources"), percent(limit), c.target))
	}
	if c.target == "" && c.legitimateFailing > 0 {
		info = append(info, fmt.Sprintf("%s of legitimate mail (%s) fails DMARC and is rejected now: fix its sources.", percent(legit), messages(c.legitimateFailing)))
	}
	if c.reporters < MinAdviceReporters {
		caution = append(caution, fmt.Sprintf("Only %s reported on the domain; other receivers' users may get mail these reports do not show.", plural(int64(c.reporters), "organization", "organizations")))
	}
	if c.target != "" && legit > NoiseLegitimateFail && legit <= limit {
		caution = append(caution, fmt.Sprintf("%s of legitimate mail (%s) fails DMARC: within the %s that p=%s allows, but its sources are worth fixing first.", percent(legit), messages(c.legitimateFailing), percent(limit), c.target))
	}
	if fw := share(c.forwardingFailing, c.messages); fw > MaxForwardingFail {
		caution = append(caution, fmt.Sprintf("%s of all mail (%s) fails after forwarding: receivers that do not honour ARC will treat it as the policy says.", percent(fw), messages(c.forwardingFailing)))
	}
	if un := share(c.unclassifiedFailing, c.messages); c.target != "" && un > limit {
		caution = append(caution, fmt.Sprintf("%s of all mail (%s) fails from sources not classified as legitimate or spoofing: check them before tightening.", percent(un), messages(c.unclassifiedFailing)))
	}
	if c.spoofingFailing > 0 && c.target != "" {
		info = append(info, fmt.Sprintf("p=%s would stop %s of spoofing (%s of all mail).", c.target, messages(c.spoofingFailing), percent(share(c.spoofingFailing, c.messages))))
	}
	if c.target != "" && len(block) == 0 && legit <= NoiseLegitimateFail {
		info = append([]string{fmt.Sprintf("%s of legitimate mail fails DMARC, within the %s that p=%s allows.", percent(legit), percent(limit), c.target)}, info...)
	}
	reasons := append(append(block, caution...), info...)
	switch {
	case len(block) > 0:
		return VerdictNotYet, reasons
	case c.target == "":
		return VerdictComplete, reasons
	case len(caution) > 0:
		return VerdictCaution, reasons
	}
	return VerdictReady, reasons
}
