package analysis

import (
	"math"
	"math/big"
	"strings"
)

// The compliance health score of a domain over a period (roadmap 1.3): one
// number 0-100 from the pass rates of its mail and the strictness of its
// published policy, with the roadmap's formula kept exactly:
//
//	Base  = DMARC pass rate × 0.5 + SPF pass rate × 0.25 + DKIM pass rate × 0.25
//	Score = Base × policy multiplier × 100, rounded half up to an integer
//
// The rates are shares 0-1 of all messages of the period, from the
// DMARC-aligned verdicts of policy_evaluated (RFC 7489 section 4.2): DMARC
// passes when the aligned DKIM or the aligned SPF verdict passes. Mail that
// others send as the domain (spoofing) counts against the rates like the
// domain's own failing mail: the formula takes all messages, and only the
// source classification can tell the two apart. A domain being spoofed
// therefore scores lower even under p=reject; the breakdown says which
// rate falls short.
//
// The roadmap also names the volume of authenticated traffic as an input.
// It is not a penalty here but the score's confidence: a score from a
// handful of messages is noise, yet a small domain that authenticates all
// of its mail deserves the same score as a large one.

// ScoreMinMessages is the least number of messages in a period for which
// a score has high confidence; below it the score is still computed but
// its confidence is low.
const ScoreMinMessages = 100

// Weights of the pass rates in the base score (roadmap 1.3).
const (
	WeightDMARC = 0.5
	WeightSPF   = 0.25
	WeightDKIM  = 0.25
)

// Policy multipliers (roadmap 1.3), by the policy in effect.
const (
	MultiplierReject     = 1.0
	MultiplierQuarantine = 0.9
	MultiplierNone       = 0.7
)

// Zones of a score, the colours of its gauge and badge (roadmap 1.3 and
// 1.7).
const (
	ZoneGreen  = "green"
	ZoneYellow = "yellow"
	ZoneRed    = "red"
)

// Names of the factors of a score's breakdown.
const (
	FactorDMARC  = "dmarc"
	FactorSPF    = "spf"
	FactorDKIM   = "dkim"
	FactorPolicy = "policy"
)

// MessageCounts are the message totals a score is computed from, weighted
// by record count, with the aligned policy_evaluated verdicts. Negative
// counts are taken as 0 and pass counts above Messages as Messages.
type MessageCounts struct {
	Messages int64
	// DMARCPass counts the messages whose aligned DKIM or SPF verdict is
	// pass.
	DMARCPass int64
	SPFPass   int64
	DKIMPass  int64
}

// ScorePolicy is the DMARC policy published for the domain in the period
// (RFC 7489 section 6.3).
type ScorePolicy struct {
	// Policy is the p tag: none, quarantine or reject (any case). Empty or
	// anything else is scored as none.
	Policy string
	// Pct is the pct tag, 0-100. RFC 7489's default when the tag is absent
	// is 100, and the decoder fills it in (aggregate.PolicyPublished
	// Percentage): pass that, since 0 is a valid pct and means the policy
	// applies to no mail. Values above 100 count as 100.
	Pct int
	// Testing is the DMARCbis t tag: true for t=y.
	Testing bool
}

// ScoreInput is what a score is computed from: the counts of a period and
// the policy published in it.
type ScoreInput struct {
	Counts MessageCounts
	Policy ScorePolicy
}

// HealthScore is the compliance health score of a domain over a period,
// with its breakdown.
type HealthScore struct {
	// Score is 0-100.
	Score int `json:"score"`
	// Grade is the letter of ScoreGrade: A, B, C, D or F.
	Grade string `json:"grade"`
	// Zone is the colour of ScoreZone: green, yellow or red.
	Zone string `json:"zone"`
	// Confidence is high, or low when the period has fewer than
	// ScoreMinMessages messages; ConfidenceReason then says why.
	Confidence       string `json:"confidence"`
	ConfidenceReason string `json:"confidence_reason,omitempty"`
	// Messages is the number of messages scored.
	Messages int64 `json:"messages"`
	// Policy is the published p tag, lower case, empty when unknown.
	Policy string `json:"policy"`
	// EffectivePolicy is the level the multiplier is taken from: the
	// published policy, one level weaker when it applies partially (see
	// ComputeScore), and none when unknown.
	EffectivePolicy string  `json:"effective_policy"`
	Multiplier      float64 `json:"multiplier"`
	// Factors are the breakdown, in the order dmarc, spf, dkim, policy.
	Factors []ScoreFactor `json:"factors"`
}

// ScoreFactor is one factor of a score's breakdown.
//
// For the pass rates, Rate is the share of messages passing (0-1, rounded
// to 4 decimals), Weight its weight in the base score and Points the
// points it adds before the policy multiplier: Rate × Weight × 100.
//
// The policy factor multiplies rather than adds: its Rate is the
// multiplier, its Weight 0, and its Points the points the multiplier takes
// off the base (0 or negative). The Points of all factors add up to the
// score before rounding; each is rounded to 1 decimal.
type ScoreFactor struct {
	Name   string  `json:"name"`
	Rate   float64 `json:"rate"`
	Weight float64 `json:"weight"`
	Points float64 `json:"points"`
	// Hint says in plain English where the factor stands and how to
	// improve it.
	Hint string `json:"hint"`
}

// ComputeScore computes the health score of in. It reports false, and a
// zero score, when the period has no messages: there is nothing to score,
// and 0 would read as a failing domain.
//
// The multiplier is that of the policy in effect: reject 1.0, quarantine
// 0.9, none 0.7, and 0.7 for an unknown or missing policy. A policy that
// applies only partially, with pct below 100 (RFC 7489) or t=y (DMARCbis
// testing mode, in which receivers apply the next weaker policy), counts
// as the next weaker level: reject as quarantine, quarantine as none. Both
// together weaken it by one level only, as both say the same thing: the
// owner is not yet enforcing the policy on all mail.
func ComputeScore(in ScoreInput) (HealthScore, bool) {
	c := in.Counts.clamped()
	if c.Messages == 0 {
		return HealthScore{}, false
	}
	published, effective := effectivePolicy(in.Policy)
	tenths := multiplierTenths(effective)
	mult := float64(tenths) / 10
	s := HealthScore{
		Score:           exactScore(c, tenths),
		Confidence:      ConfidenceHigh,
		Messages:        c.Messages,
		Policy:          published,
		EffectivePolicy: effective,
		Multiplier:      mult,
	}
	s.Grade, s.Zone = ScoreGrade(s.Score), ScoreZone(s.Score)
	if c.Messages < ScoreMinMessages {
		s.Confidence = ConfidenceLow
		s.ConfidenceReason = "Only " + messages(c.Messages) + " in the period: a score from so few is a rough sign, not a measure; it takes at least " + num(ScoreMinMessages) + "."
	}
	m := float64(c.Messages)
	rd, rs, rk := float64(c.DMARCPass)/m, float64(c.SPFPass)/m, float64(c.DKIMPass)/m
	base := rd*WeightDMARC + rs*WeightSPF + rk*WeightDKIM
	s.Factors = []ScoreFactor{
		{FactorDMARC, round(rd, 4), WeightDMARC, round(rd*WeightDMARC*100, 1), dmarcHint(c)},
		{FactorSPF, round(rs, 4), WeightSPF, round(rs*WeightSPF*100, 1), spfHint(c)},
		{FactorDKIM, round(rk, 4), WeightDKIM, round(rk*WeightDKIM*100, 1), dkimHint(c)},
		{FactorPolicy, mult, 0, round(base*(mult-1)*100, 1), policyHint(in.Policy, published, effective)},
	}
	return s, true
}

// ScoreGrade is the letter grade of a score: A from 90, B from 80, C from
// 70, D from 60, F below.
func ScoreGrade(score int) string {
	switch {
	case score >= 90:
		return "A"
	case score >= 80:
		return "B"
	case score >= 70:
		return "C"
	case score >= 60:
		return "D"
	}
	return "F"
}

// ScoreZone is the colour zone of a score: green from 90, yellow from 70,
// red below. The roadmap's "green >90%, yellow >70%, red <70%" leaves 90
// and 70 themselves open; they are taken to the upper zone so that the
// zones follow the grades: A is green, B and C yellow, D and F red.
func ScoreZone(score int) string {
	switch {
	case score >= 90:
		return ZoneGreen
	case score >= 70:
		return ZoneYellow
	}
	return ZoneRed
}

// clamped returns c with negative counts as 0 and pass counts at most
// Messages.
func (c MessageCounts) clamped() MessageCounts {
	m := max(c.Messages, 0)
	return MessageCounts{
		Messages:  m,
		DMARCPass: min(max(c.DMARCPass, 0), m),
		SPFPass:   min(max(c.SPFPass, 0), m),
		DKIMPass:  min(max(c.DKIMPass, 0), m),
	}
}

// effectivePolicy returns the published p tag, lower case ("" when
// unknown), and the policy in effect (see ComputeScore).
func effectivePolicy(p ScorePolicy) (published, effective string) {
	published = strings.ToLower(strings.TrimSpace(p.Policy))
	rank := policyRank(published)
	if rank < 0 {
		return "", "none"
	}
	if rank > 0 && (p.Pct < 100 || p.Testing) {
		rank--
	}
	return published, []string{"none", "quarantine", "reject"}[rank]
}

// multiplierTenths is the multiplier of an effective policy in tenths.
func multiplierTenths(effective string) int64 {
	switch effective {
	case "reject":
		return 10
	case "quarantine":
		return 9
	}
	return 7
}

// exactScore is Base × multiplier × 100 rounded half up, computed in
// integers so that a score of exactly 89.5 is 90 and never 89 by a
// floating-point error. With the weights 1/2, 1/4, 1/4 the score is
// (2·DMARC + SPF + DKIM) × tenths × 10 / (4 × messages); big integers
// keep it exact for any int64 counts.
func exactScore(c MessageCounts, tenths int64) int {
	num := big.NewInt(c.DMARCPass)
	num.Lsh(num, 1)
	num.Add(num, big.NewInt(c.SPFPass))
	num.Add(num, big.NewInt(c.DKIMPass))
	num.Mul(num, big.NewInt(tenths*10*2)) // doubled for the rounding
	den := big.NewInt(c.Messages)
	den.Lsh(den, 2)
	num.Add(num, den)
	den.Lsh(den, 1)
	return int(num.Quo(num, den).Int64())
}

// round rounds x to the given number of decimals.
func round(x float64, decimals int) float64 {
	p := math.Pow10(decimals)
	return math.Round(x*p) / p
}
