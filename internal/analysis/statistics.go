package analysis

import "github.com/parse-dmarc/parse-dmarc/internal/aggregate"

// Statistics is the protocol's per-report statistics object (Data
// Aggregation Logic, Statistics Generation), with exactly its keys. Every
// message count is weighted by Record.Count, since one record stands for
// Count messages.
//
// The DKIM and SPF counts are the DMARC-aligned verdicts of
// policy_evaluated, not the raw auth_results: they say whether each
// mechanism passed for the From domain (RFC 7489 sections 3.1 and 4.2). A
// verdict other than pass or fail (e.g. missing) is counted in neither. A
// disposition of "pass", which DMARCbis reports when the message passed and
// no policy was applied, is counted under DispositionNone; other unknown
// dispositions are counted under none of the three.
//
// The percentages are 0-100, rounded to 2 decimals, and 0 when there are no
// messages.
type Statistics struct {
	TotalMessages int64 `json:"total_messages"`
	DKIMPass      int64 `json:"dkim_pass"`
	DKIMFail      int64 `json:"dkim_fail"`
	SPFPass       int64 `json:"spf_pass"`
	SPFFail       int64 `json:"spf_fail"`
	// FullyAligned counts messages with both dkim=pass and spf=pass.
	FullyAligned int64 `json:"fully_aligned"`
	// FullyFailed counts messages with both dkim=fail and spf=fail.
	FullyFailed           int64 `json:"fully_failed"`
	DispositionNone       int64 `json:"disposition_none"`
	DispositionQuarantine int64 `json:"disposition_quarantine"`
	DispositionReject     int64 `json:"disposition_reject"`
	// UniqueSources counts distinct source IPs, whatever their counts.
	UniqueSources int64   `json:"unique_sources"`
	PassRateDKIM  float64 `json:"pass_rate_dkim"`
	PassRateSPF   float64 `json:"pass_rate_spf"`
	// PassRateOverall is the share of messages passing DMARC: dkim=pass or
	// spf=pass (RFC 7489 section 4.2).
	PassRateOverall float64 `json:"pass_rate_overall"`
}

// counts are the report-wide counters behind Statistics.
type counts struct {
	records                              int64
	total, dmarcPass                     int64
	dkimPass, dkimFail, spfPass, spfFail int64
	aligned, failed                      int64
	none, quarantine, reject             int64
}

// add counts a record of n messages.
func (c *counts) add(r *aggregate.Record, n int64) {
	pe := &r.PolicyEvaluated
	c.records++
	c.total += n
	if r.Passed() {
		c.dmarcPass += n
	}
	switch pe.DKIM {
	case resultPass:
		c.dkimPass += n
	case resultFail:
		c.dkimFail += n
	}
	switch pe.SPF {
	case resultPass:
		c.spfPass += n
	case resultFail:
		c.spfFail += n
	}
	if pe.DKIM == resultPass && pe.SPF == resultPass {
		c.aligned += n
	}
	if pe.DKIM == resultFail && pe.SPF == resultFail {
		c.failed += n
	}
	switch pe.Disposition {
	case "none", "pass":
		c.none += n
	case "quarantine":
		c.quarantine += n
	case "reject":
		c.reject += n
	}
}

// Statistics returns the statistics of the records added so far.
func (a *Accumulator) Statistics() Statistics {
	c := &a.counts
	return Statistics{
		TotalMessages:         c.total,
		DKIMPass:              c.dkimPass,
		DKIMFail:              c.dkimFail,
		SPFPass:               c.spfPass,
		SPFFail:               c.spfFail,
		FullyAligned:          c.aligned,
		FullyFailed:           c.failed,
		DispositionNone:       c.none,
		DispositionQuarantine: c.quarantine,
		DispositionReject:     c.reject,
		UniqueSources:         int64(len(a.sources)),
		PassRateDKIM:          percent(c.dkimPass, c.total),
		PassRateSPF:           percent(c.spfPass, c.total),
		PassRateOverall:       percent(c.dmarcPass, c.total),
	}
}
