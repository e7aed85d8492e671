package analysis

import "strconv"

// The plain-English hints of a health score's breakdown: where each factor
// stands and the next step to improve it.

// dmarcHint is the hint of the DMARC pass rate.
func dmarcHint(c MessageCounts) string {
	h := "DMARC passes for " + share(c.DMARCPass, c.Messages)
	if c.DMARCPass == c.Messages {
		return h + ": keep every new sender authenticated before it sends as your domain."
	}
	return h + ": find the failing sources among the senders; make those that are yours pass SPF or DKIM aligned with your domain; mail from the others is spoofing, for an enforcing policy (quarantine or reject) to stop."
}

// spfHint is the hint of the aligned SPF pass rate.
func spfHint(c MessageCounts) string {
	h := "SPF passes aligned for " + share(c.SPFPass, c.Messages)
	if c.SPFPass == c.Messages {
		return h + "."
	}
	return h + ": add the missing senders to your SPF record, and have each use a bounce (MAIL FROM) address in your domain so that SPF aligns."
}

// dkimHint is the hint of the aligned DKIM pass rate.
func dkimHint(c MessageCounts) string {
	h := "DKIM passes aligned for " + share(c.DKIMPass, c.Messages)
	if c.DKIMPass == c.Messages {
		return h + "."
	}
	return h + ": have each sender sign with a DKIM key published under your domain (d= your domain or a subdomain of it)."
}

// policyHint is the hint of the policy multiplier: the published policy p
// (lower case, "" when unknown) and the policy in effect.
func policyHint(p ScorePolicy, published, effective string) string {
	x := " (×" + strconv.FormatFloat(float64(multiplierTenths(effective))/10, 'f', 1, 64) + ")"
	switch {
	case published == "":
		return "No DMARC policy is known for the domain, scored as p=none" + x + ": publish one, then tighten it to p=quarantine and p=reject as the failing senders are fixed."
	case published == effective && published == "reject":
		return "p=reject applies to all failing mail" + x + ": the strictest policy."
	case published == effective && published == "quarantine":
		return "p=quarantine" + x + ": move to p=reject once none of your own mail fails DMARC."
	case published == "none":
		return "p=none only monitors" + x + ": move to p=quarantine once DMARC passes for nearly all of your own mail, then to p=reject."
	}
	var why, fix string
	switch {
	case p.Pct < 100 && p.Testing:
		why = "applies to only " + strconv.Itoa(max(p.Pct, 0)) + "% of failing mail and is in testing mode (t=y)"
		fix = "raise pct to 100 and remove t=y"
	case p.Testing:
		why, fix = "is in testing mode (t=y)", "remove t=y"
	default:
		why = "applies to only " + strconv.Itoa(max(p.Pct, 0)) + "% of failing mail"
		fix = "raise pct to 100"
	}
	h := "p=" + published + " " + why + ", scored as p=" + effective + x + ": " + fix
	if published == "quarantine" {
		h += ", then move to p=reject"
	}
	return h + "."
}

// share says how many of all messages: "all 12 messages", "none of the 12
// messages", "97.5% of 1,200 messages". A share short of all never reads
// 100%, nor one above none 0%.
func share(n, all int64) string {
	switch {
	case n == all && all == 1:
		return "the only message"
	case n == all:
		return "all " + messages(all)
	case n == 0 && all == 1:
		return "no message"
	case n == 0:
		return "none of the " + messages(all)
	}
	p := percent(n, all)
	p = min(max(p, 0.01), 99.99)
	return strconv.FormatFloat(p, 'f', -1, 64) + "% of " + messages(all)
}
