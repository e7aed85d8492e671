package analysis

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Priorities of a Recommendation, most urgent first.
const (
	// PriorityCritical: harm happens now, spoofed mail reaches inboxes.
	PriorityCritical = "critical"
	// PriorityHigh: legitimate mail is at risk, or the domain is spoofed.
	PriorityHigh = "high"
	// PriorityMedium: a configuration step to take soon.
	PriorityMedium = "medium"
	// PriorityLow: information, or a step without urgency.
	PriorityLow = "low"
)

// MaxListed is how many source IPs or services a recommendation names.
const MaxListed = 3

// Recommendation is the protocol's recommendation object: one concrete step,
// why, and how many records (rows, not messages) it concerns.
type Recommendation struct {
	// Priority is critical, high, medium or low.
	Priority        string `json:"priority"`
	Action          string `json:"action"`
	Reason          string `json:"reason"`
	AffectedRecords int64  `json:"affected_records"`
}

// priorityRank orders priorities, most urgent first.
func priorityRank(p string) int {
	switch p {
	case PriorityCritical:
		return 0
	case PriorityHigh:
		return 1
	case PriorityMedium:
		return 2
	}
	return 3
}

// assessment is the report-wide view the recommendations are made from.
type assessment struct {
	judged []judged
	// own counts the messages of the domain's own senders that have a
	// verdict: of every source not classified suspicious, the messages
	// passing DMARC and those failing it other than forwarded.
	own, ownPass int64
	// ownFail are the failures among own.
	ownFail tally
	// suspicious is the mail of suspicious sources, suspiciousDelivered
	// the part receivers delivered.
	suspicious          tally
	suspiciousDelivered int64
	// forwarded counts the forwarded failures of the other sources.
	forwarded int64
}

// assess classifies the sources and sums up the mail of the domain's own
// senders, of suspicious sources and of forwarding.
func (a *Accumulator) assess() assessment {
	as := assessment{judged: a.judged()}
	for _, j := range as.judged {
		s := j.s
		if j.class == ClassSuspicious {
			as.suspicious.merge(s.all)
			as.suspiciousDelivered += s.failDelivered
			continue
		}
		as.own += s.pass.messages + s.fail.messages - s.forwarded.messages
		as.ownPass += s.pass.messages
		as.ownFail.messages += s.fail.messages - s.forwarded.messages
		as.ownFail.records += s.fail.records - s.forwarded.records
		as.forwarded += s.forwarded.messages
	}
	return as
}

// Recommendations returns advice on the records added so far, most urgent
// first. Each finding gives one recommendation: unauthenticated sources,
// services authenticating as another domain, broken DKIM keys, the policy
// (fix failing senders first, or the next step of p, pct, t and sp), and
// forwarding. A report without messages gives only a note that there is
// nothing to judge.
func (a *Accumulator) Recommendations() []Recommendation {
	if a.counts.total == 0 {
		return []Recommendation{a.nothingToJudge()}
	}
	as := a.assess()
	recs := make([]Recommendation, 0, 8)
	recs = a.adviseSuspicious(recs, &as)
	recs = a.adviseMisaligned(recs, &as)
	recs = a.adviseBrokenDKIM(recs, &as)
	recs = a.advisePolicy(recs, &as)
	recs = a.adviseForwarding(recs, &as)
	slices.SortStableFunc(recs, func(x, y Recommendation) int {
		return cmp.Compare(priorityRank(x.Priority), priorityRank(y.Priority))
	})
	return recs
}

// nothingToJudge is the only recommendation on records without messages.
func (a *Accumulator) nothingToJudge() Recommendation {
	report := "The report"
	if a.reporter != "" {
		report += " from " + a.reporter
	}
	what := "holds no records"
	if a.counts.records > 0 {
		what = "has " + plural(a.counts.records, "record", "records") + ", all with count 0"
	}
	return Recommendation{
		Priority:        PriorityLow,
		Action:          "No action: there is nothing to judge in this report",
		Reason:          fmt.Sprintf("%s for %s %s, so no sender and no policy can be judged.", report, a.domain(), what),
		AffectedRecords: a.counts.records,
	}
}

// ofClass returns the sources of a class, most messages first, and their
// tally.
func (as *assessment) ofClass(class string) ([]pick, tally) {
	var ps []pick
	var t tally
	for _, j := range as.judged {
		if j.class == class {
			ps = append(ps, pick{j.s.ip, j.s.all.messages})
			t.merge(j.s.all)
		}
	}
	return ps, t
}

// pick is a source IP with the count a recommendation lists it by.
type pick struct {
	ip string
	n  int64
}

// top returns the sources with a positive count, largest first, ties by
// IP.
func top(js []judged, count func(*judged) int64) []pick {
	var ps []pick
	for i := range js {
		if n := count(&js[i]); n > 0 {
			ps = append(ps, pick{js[i].s.ip, n})
		}
	}
	slices.SortFunc(ps, func(x, y pick) int {
		if c := cmp.Compare(y.n, x.n); c != 0 {
			return c
		}
		return strings.Compare(x.ip, y.ip)
	})
	return ps
}

// describe names the first MaxListed sources of ps with their counts:
// "203.0.113.5 (1,200 failing messages), 198.51.100.9 (3 failing
// messages) and 2 more". kind qualifies the messages.
func describe(ps []pick, kind string) string {
	var items []string
	for _, p := range ps[:min(len(ps), MaxListed)] {
		label := messages(p.n)
		if kind != "" {
			label = plural(p.n, kind+" message", kind+" messages")
		}
		items = append(items, p.ip+" ("+label+")")
	}
	if more := len(ps) - MaxListed; more > 0 {
		items = append(items, num(int64(more))+" more")
	}
	return join(items)
}
