package reputation

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// Thresholds of the internal verdict (assessHistory).
const (
	// minMessages is the volume below which an address's history is too
	// small to call it clean or bad: a handful of messages is what a
	// one-off forward or a test sends.
	minMessages = 10
	// cleanPassRate is the DMARC pass rate from which an address counts as
	// authorized: passing DMARC means the domain's own DKIM key or SPF
	// record vouches for it (RFC 7489 section 4.2), and the rest is the
	// odd forward or misconfiguration.
	cleanPassRate = 0.9
	// badFailRate is the share of messages failing both DKIM and SPF from
	// which an address that never passed DMARC is judged bad: nothing the
	// domains publish authorizes it, over and over.
	badFailRate = 0.9
	// maxDomains bounds the domains Internal lists.
	maxDomains = 20
)

// Internal is what the store's own history tells of an address, across
// every policy domain, with its assessment.
type Internal struct {
	Assessment
	// Messages, DMARCPass and FullyFailed (failing both DKIM and SPF) are
	// message counts of its records.
	Messages    int64 `json:"messages"`
	DMARCPass   int64 `json:"dmarc_pass"`
	FullyFailed int64 `json:"fully_failed"`
	// DispositionQuarantine and DispositionReject count the messages
	// receivers quarantined or rejected.
	DispositionQuarantine int64 `json:"disposition_quarantine"`
	DispositionReject     int64 `json:"disposition_reject"`
	// FirstSeen and LastSeen are the first and last report days (UTC,
	// YYYY-MM-DD) that name it; DaysActive counts the days that do.
	FirstSeen  string `json:"first_seen,omitempty"`
	LastSeen   string `json:"last_seen,omitempty"`
	DaysActive int    `json:"days_active"`
	// DomainCount is the number of policy domains it sent as; Domains
	// names up to 20 of them, the most messages first.
	DomainCount int      `json:"domain_count"`
	Domains     []string `json:"domains"`
	// Partial means the address has more records than were read: the
	// history is that of its newest ones only.
	Partial bool `json:"partial"`
}

// assessHistory judges an address by its history, days as
// store.SourceHistory returns them (any order). The score is halfway
// between the share of messages passing DMARC and that failing both DKIM
// and SPF: 100 when all pass, 0 when all fail both, 50 when neither.
func assessHistory(days []store.SourceDay, partial bool) Internal {
	in := Internal{Partial: partial, Domains: []string{}}
	perDomain := map[string]int64{}
	activeDays := map[int64]bool{}
	for _, d := range days {
		in.Messages += d.Messages
		in.DMARCPass += d.DMARCPass
		in.FullyFailed += d.FullyFailed
		in.DispositionQuarantine += d.DispositionQuarantine
		in.DispositionReject += d.DispositionReject
		perDomain[d.Domain] += d.Messages
		activeDays[d.Day.Unix()] = true
		day := d.Day.Format("2006-01-02")
		if in.FirstSeen == "" || day < in.FirstSeen {
			in.FirstSeen = day
		}
		if day > in.LastSeen {
			in.LastSeen = day
		}
	}
	in.DaysActive = len(activeDays)
	in.DomainCount = len(perDomain)
	for d := range perDomain {
		in.Domains = append(in.Domains, d)
	}
	slices.SortFunc(in.Domains, func(a, b string) int {
		if c := cmp.Compare(perDomain[b], perDomain[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	in.Domains = in.Domains[:min(len(in.Domains), maxDomains)]
	if in.Messages == 0 {
		in.Assessment = *assessment(Limited, 50, "Not seen in any stored report")
		return in
	}
	pass := float64(in.DMARCPass) / float64(in.Messages)
	fail := float64(in.FullyFailed) / float64(in.Messages)
	acted := float64(in.DispositionQuarantine+in.DispositionReject) / float64(in.Messages)
	score := int(50 + 50*(pass-fail) + 0.5)

	reasons := []string{in.seen()}
	failed := ofIts(in.FullyFailed, in.Messages) + " failed both DKIM and SPF"
	var v Verdict
	switch {
	case in.Messages < minMessages && fail > 0:
		v = Suspicious
		reasons = append(reasons, "Too few messages to judge, but "+lower(failed))
	case in.Messages < minMessages:
		v = Limited
		reasons = append(reasons, "Too few messages to judge")
	case in.DMARCPass == 0 && fail >= badFailRate:
		v = Bad
		reasons = append(reasons, "None of its messages passed DMARC, and "+pct(in.FullyFailed, in.Messages)+
			" failed both DKIM and SPF: nothing the domains publish authorizes it")
	case pass >= cleanPassRate:
		v = Clean
		reasons = append(reasons, ofIts(in.DMARCPass, in.Messages)+" passed DMARC")
	case in.DMARCPass == 0:
		v = Suspicious
		reasons = append(reasons, "None of its messages passed DMARC")
	default:
		v = Suspicious
		reasons = append(reasons, "Only "+lower(ofIts(in.DMARCPass, in.Messages))+" passed DMARC")
	}
	if fail > 0 && in.Messages >= minMessages && v != Bad {
		reasons = append(reasons, failed)
	}
	if acted > 0 {
		reasons = append(reasons, "Receivers quarantined or rejected "+lower(ofIts(in.DispositionQuarantine+in.DispositionReject, in.Messages)))
	}
	in.Assessment = *assessment(v, score, reasons...)
	return in
}

// seen is the reason telling the address's history in one sentence.
func (in *Internal) seen() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Seen in your reports: %s on %s", plural(in.Messages, "message"), plural(int64(in.DaysActive), "day"))
	if in.FirstSeen == in.LastSeen {
		fmt.Fprintf(&b, " (%s)", in.FirstSeen)
	} else {
		fmt.Fprintf(&b, " from %s to %s", in.FirstSeen, in.LastSeen)
	}
	fmt.Fprintf(&b, ", as %s", plural(int64(in.DomainCount), "domain"))
	if in.Partial {
		b.WriteString(" (its newest records only)")
	}
	return b.String()
}

// ofIts says how many of an address's total messages n are, starting a
// sentence: "All of its messages", "None of its messages", "97% of its
// messages".
func ofIts(n, total int64) string {
	switch p := pct(n, total); p {
	case "none", "all":
		return strings.ToUpper(p[:1]) + p[1:] + " of its messages"
	default:
		return p + " of its messages"
	}
}

// pct is n of total as "none", "all" or a whole percentage; a share short
// of all never reads 100%, nor one above none 0%.
func pct(n, total int64) string {
	switch {
	case n == 0:
		return "none"
	case n == total:
		return "all"
	}
	return fmt.Sprintf("%d%%", min(max(int(100*float64(n)/float64(total)+0.5), 1), 99))
}

// lower lowers the first letter of a sentence made by ofIts, to continue
// another.
func lower(s string) string {
	if s != "" && s[0] >= 'A' && s[0] <= 'Z' {
		return string(s[0]+'a'-'A') + s[1:]
	}
	return s
}

// plural is n and noun, with an s unless n is 1, n with thousands
// separators.
func plural(n int64, noun string) string {
	if n != 1 {
		noun += "s"
	}
	return thousands(n) + " " + noun
}

// thousands formats n with commas between groups of three digits.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
