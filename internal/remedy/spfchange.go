package remedy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
)

// SPFChange is the change of the domain's SPF record a fix proposes: the
// record published now, the one to publish, and whether that one stays
// within the limit of DNS lookups (RFC 7208 section 4.6.4).
type SPFChange struct {
	Domain string `json:"domain"`
	// Term is the mechanism to add: "include:sendgrid.net", "ip4:...".
	Term string `json:"term"`
	// Current is the record published now ("" when there is none or DNS
	// was not asked); Proposed the record to publish instead ("" when
	// nothing is to change, or DNS was not asked).
	Current  string `json:"current,omitempty"`
	Proposed string `json:"proposed,omitempty"`
	// Already: the record has the term already.
	Already bool `json:"already,omitempty"`
	// PassAllReplaced is the +all the proposal replaced by ~all.
	PassAllReplaced string `json:"pass_all_replaced,omitempty"`
	// Checked: the proposed record was checked through DNS; the lookup
	// counts and findings below are then known.
	Checked        bool `json:"checked"`
	CurrentLookups int  `json:"current_lookups"`
	Lookups        int  `json:"lookups"`
	LookupLimit    int  `json:"lookup_limit"`
	// ExceedsLimit: the proposed record needs more than LookupLimit
	// lookups, so receivers would return permerror: it must not be
	// published; Alternatives say what to do instead.
	ExceedsLimit bool `json:"exceeds_limit,omitempty"`
	// Findings are the proposed record's errors and warnings.
	Findings     []dnscheck.Finding `json:"findings,omitempty"`
	Alternatives []string           `json:"alternatives,omitempty"`
	// Note says what the change does and does not do.
	Note string `json:"note,omitempty"`
}

// spfChange proposes adding term to domain's SPF record, as DNS has it in
// res (nil: DNS was not asked), and checks the proposal through DNS.
// what names the sender being authorized; names tells which service an
// include is, for the alternatives.
func (g *Guide) spfChange(ctx context.Context, domain, term, what string, res *dnscheck.Result, names func(include string) string) *SPFChange {
	c := &SPFChange{Domain: domain, Term: term, LookupLimit: dnscheck.SPFLookupLimit}
	if res == nil {
		c.Note = "DNS was not asked, so the record cannot be shown: add " + term + " to " + domain + "'s SPF record, before its all term."
		return c
	}
	recs := res.SPF.Records
	current := ""
	switch {
	case len(recs) > 1:
		current = recs[0]
		c.Note = fmt.Sprintf("%s has %d SPF records, so receivers return permerror for all of them (RFC 7208 section 4.5): merge them into one first; the proposal below starts from the first.", domain, len(recs))
	case len(recs) == 1:
		current = recs[0]
	}
	c.Current, c.CurrentLookups = current, res.SPF.Lookups
	edit, err := InsertSPFTerm(current, term)
	if err != nil {
		c.Note = strings.TrimSpace(c.Note + " The published record cannot be edited: " + err.Error() + ".")
		return c
	}
	if edit.Already {
		c.Already, c.Lookups, c.Checked = true, res.SPF.Lookups, true
		return c
	}
	c.Proposed, c.PassAllReplaced = edit.Record, edit.PassAllReplaced
	if edit.Created {
		c.Note = strings.TrimSpace(c.Note + " " + domain + " has no SPF record: this one authorizes " + what + " only; add the domain's other senders to it.")
	}
	check := g.DNS.CheckSPFRecord(ctx, domain, c.Proposed)
	c.Checked, c.Lookups = true, check.Lookups
	for _, f := range check.Findings {
		if f.Severity != dnscheck.SeverityInfo {
			c.Findings = append(c.Findings, f)
		}
	}
	if c.Lookups > c.LookupLimit {
		c.ExceedsLimit = true
		c.Alternatives = spfAlternatives(domain, term, what, res.SPF.Tree, names)
	}
	return c
}

// spfAlternatives are the ways to authorize a sender when adding its
// include would exceed the lookup limit. +all, which authorizes every
// server on the Internet, is never one of them.
func spfAlternatives(domain, term, what string, tree *dnscheck.SPFNode, names func(string) string) []string {
	alts := []string{
		fmt.Sprintf("Give %s an envelope sender (custom return-path or bounce domain) under a subdomain such as bounces.%s, and publish \"v=spf1 %s -all\" at that subdomain: SPF then aligns with %s in relaxed mode (aspf=r, the default) without adding lookups to %s's record.",
			what, domain, term, domain, domain),
		fmt.Sprintf("Rely on DKIM for %s: DMARC needs only one aligned mechanism, so with %s signing as %s its SPF need not pass.", what, what, domain),
	}
	type cost struct {
		term string
		n    int
	}
	var costs []cost
	if tree != nil {
		for _, ch := range tree.Children {
			if ch.Via == "include" {
				costs = append(costs, cost{"include:" + ch.Domain, 1 + ch.Total})
			}
		}
	}
	slices.SortStableFunc(costs, func(a, b cost) int { return b.n - a.n })
	if len(costs) > 0 {
		parts := make([]string, len(costs))
		for i, c := range costs {
			parts[i] = c.term + " (" + plural(int64(c.n), "lookup", "lookups")
			if n := names(c.term); n != "" {
				parts[i] += ", " + n
			}
			parts[i] += ")"
		}
		alts = append(alts, "Remove the includes of services "+domain+" no longer sends through: "+strings.Join(parts, "; ")+".")
	}
	alts = append(alts, "Replace an include by the ip4:/ip6: ranges it lists (flattening): it saves lookups but must be kept up to date by hand whenever the service changes its servers.")
	return alts
}
