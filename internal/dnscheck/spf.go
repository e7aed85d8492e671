package dnscheck

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// SPF limits (RFC 7208 §4.6.4, §3.4).
const (
	SPFLookupLimit     = 10  // DNS-querying terms per evaluation
	SPFVoidLimit       = 2   // lookups that find nothing
	SPFMXLimit         = 10  // names of one mx mechanism
	spfRecordSoftLimit = 450 // bytes of a record, to fit a 512-byte UDP answer (§3.4)
	txtStringLimit     = 255 // bytes of one TXT character-string (RFC 1035 §3.3)
	udpClassicLimit    = 512 // bytes of a DNS answer over UDP without EDNS0
	spfWalkLookupLimit = 100 // lookups after which the check stops following includes
)

// SPFCheck is the outcome of checking an SPF record and everything it
// includes.
type SPFCheck struct {
	RecordCheck
	// Lookups counts the DNS-querying terms (include, a, mx, ptr, exists,
	// redirect) of the record and of the records it includes, all of
	// which a receiver may have to evaluate; more than LookupLimit is a
	// permerror (RFC 7208 §4.6.4).
	Lookups     int `json:"lookups"`
	LookupLimit int `json:"lookup_limit"`
	// VoidLookups counts the terms whose lookup found nothing; more than
	// VoidLimit is a permerror.
	VoidLookups int `json:"void_lookups"`
	VoidLimit   int `json:"void_limit"`
	// Tree is the record with the records it includes or redirects to.
	Tree *SPFNode `json:"tree,omitempty"`
}

// SPFNode is one record of an SPF include tree.
type SPFNode struct {
	Domain string `json:"domain"`
	// Via is how the parent reached it: "include" or "redirect" (empty
	// for the root).
	Via    string `json:"via,omitempty"`
	Record string `json:"record,omitempty"`
	// Lookups counts the record's own DNS-querying terms; Total adds those
	// of the records below it.
	Lookups  int        `json:"lookups"`
	Total    int        `json:"total"`
	Children []*SPFNode `json:"children,omitempty"`
	// Error says why the record could not be followed ("" when it was).
	Error string `json:"error,omitempty"`
}

// spfRecords returns the SPF records of domain (RFC 7208 §4.5) and the
// answer they came in.
func (s *session) spfRecords(ctx context.Context, domain string) ([]txtRecord, answer) {
	recs, a := s.txt(ctx, domain)
	var out []txtRecord
	for _, r := range recs {
		if isSPFRecord(r.text) {
			out = append(out, r)
		}
	}
	return out, a
}

// checkSPFDomain checks the SPF record published at domain.
func (s *session) checkSPFDomain(ctx context.Context, domain string) SPFCheck {
	c := newSPFCheck(domain)
	recs, a := s.spfRecords(ctx, domain)
	for _, r := range recs {
		c.Records = append(c.Records, r.text)
	}
	switch {
	case a.err != nil:
		c.lookupFailed(domain, a.err)
		c.finish(false)
		return c
	case len(recs) == 0:
		c.add(SeverityWarning, "spf.missing", fmt.Sprintf("No SPF record at %s: receivers get \"none\" for mail from it, and DMARC then relies on DKIM alone.", domain),
			fmt.Sprintf("Publish a TXT record at %s listing your senders, e.g. v=spf1 mx ~all; for a domain that sends no mail: v=spf1 -all", domain))
		c.finish(false)
		return c
	case len(recs) > 1:
		c.add(SeverityError, "spf.multiple", fmt.Sprintf("%d SPF records at %s: receivers return permerror, so SPF fails for all mail (RFC 7208 §4.5).", len(recs), domain),
			"Merge them into one record: "+mergeSPF(c.Records))
		c.finish(true)
		return c
	}
	if a.size > udpClassicLimit {
		c.add(SeverityWarning, "spf.answer_large", fmt.Sprintf("The TXT answer for %s is %d bytes, over %d: resolvers without EDNS0 must retry over TCP, and some fail (RFC 7208 §3.4).", domain, a.size, udpClassicLimit),
			"Remove TXT records at "+domain+" that are no longer needed (old site verifications), or shorten the SPF record.")
	}
	s.checkSPF(ctx, &c, domain, recs[0])
	return c
}

// CheckSPFRecord checks record as if it were published at domain, without
// looking up domain's own SPF record: its syntax, its length, and the DNS
// lookups it and the records it includes need. It is for proposed
// records, e.g. to verify that adding an include keeps a record within
// the limit of 10 lookups before it is published.
func (c *Checker) CheckSPFRecord(ctx context.Context, domain, record string) SPFCheck {
	sc := newSPFCheck(domain)
	sc.Records = []string{record}
	d, err := NormalizeDomain(domain)
	if err == nil {
		sc.Name = d
		var s *session
		if s, err = c.newSession(); err == nil {
			s.checkSPF(ctx, &sc, d, txtRecord{strings: []string{record}, text: record})
			return sc
		}
	}
	sc.add(SeverityError, "spf.check_failed", err.Error(), "")
	sc.finish(true)
	return sc
}

func newSPFCheck(domain string) SPFCheck {
	return SPFCheck{RecordCheck: RecordCheck{Kind: KindSPF, Name: domain}, LookupLimit: SPFLookupLimit, VoidLimit: SPFVoidLimit}
}

// checkSPF checks one SPF record of domain and what it includes.
func (s *session) checkSPF(ctx context.Context, c *SPFCheck, domain string, txt txtRecord) {
	defer c.finish(true)
	if len(txt.text) > spfRecordSoftLimit {
		c.add(SeverityWarning, "spf.record_long", fmt.Sprintf("The record is %d bytes long, over %d: with the rest of the answer it may not fit a 512-byte UDP answer (RFC 7208 §3.4).", len(txt.text), spfRecordSoftLimit),
			"Shorten it: remove senders you no longer use, or move groups of ip4:/ip6: ranges into a record of their own that you include.")
	}
	if long := slices.IndexFunc(txt.strings, func(s string) bool { return len(s) > txtStringLimit }); long >= 0 {
		c.add(SeverityInfo, "spf.split_needed", fmt.Sprintf("The record is longer than %d characters, the most one TXT string holds: publish it as several quoted strings, which receivers join without spaces.", txtStringLimit),
			"Publish: "+quoteTXT(splitTXT(txt.text)))
	}
	rec, err := ParseSPF(txt.text)
	if rec == nil {
		c.add(SeverityError, "spf.syntax", err.Error(), "")
		return
	}
	spfSyntaxFindings(&c.RecordCheck, "", txt, err)
	c.Findings = append(c.Findings, lintSPF(rec, "", true)...)
	w := &spfWalker{s: s, c: c}
	c.Tree = &SPFNode{Domain: domain, Record: txt.text}
	w.stack = []string{domain}
	w.walk(ctx, c.Tree, rec)
	c.Lookups, c.VoidLookups = w.lookups, w.voids
	switch {
	case w.lookups > SPFLookupLimit:
		c.add(SeverityError, "spf.too_many_lookups", fmt.Sprintf("The record needs %d DNS lookups, over the limit of %d (RFC 7208 §4.6.4): receivers return permerror and SPF fails for your mail.", w.lookups, SPFLookupLimit),
			"Remove the includes of services you no longer use, or replace an include by the ip4:/ip6: ranges it lists (flattening, which you must then keep up to date). Lookups per term: "+lookupCosts(c.Tree))
	case w.lookups >= SPFLookupLimit-2:
		c.add(SeverityWarning, "spf.lookups_near_limit", fmt.Sprintf("Record valid but approaching the %d DNS lookup limit (%d/%d): one more include may break SPF for all your mail.", SPFLookupLimit, w.lookups, SPFLookupLimit),
			"Consider flattening your SPF record, or removing senders you no longer use. Lookups per term: "+lookupCosts(c.Tree))
	}
	if w.voids > SPFVoidLimit {
		c.add(SeverityError, "spf.too_many_void_lookups", fmt.Sprintf("%d lookups find nothing, over the limit of %d (RFC 7208 §4.6.4): receivers may return permerror.", w.voids, SPFVoidLimit),
			"Remove the terms that name domains without records (listed above).")
	}
	c.Summary = fmt.Sprintf("%d/%d DNS lookups", w.lookups, SPFLookupLimit)
	if q := defaultQualifier(rec); q != "" {
		c.Summary += " | Default: " + q
	}
}

// spfSyntaxFindings adds a finding for each syntax error of a record
// (those of an included record say where, in prefix).
func spfSyntaxFindings(rc *RecordCheck, prefix string, txt txtRecord, err error) {
	if err == nil {
		return
	}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		fix := ""
		var se *SPFSyntaxError
		if errors.As(e, &se) && len(txt.strings) > 1 && spansStrings(txt.strings, se.Term) {
			fix = "The record's strings are joined without a space: end each string but the last with a space, e.g. " + quoteTXT(splitTXT(strings.Join(txt.strings, " ")))
		}
		rc.add(SeverityError, "spf.syntax", prefix+"Syntax error: "+e.Error()+": receivers return permerror for the whole record, so SPF fails.", fix)
	}
}

// spansStrings reports whether term straddles the boundary of two of a TXT
// record's strings.
func spansStrings(strs []string, term string) bool {
	joined := strings.Join(strs, "")
	i := strings.Index(joined, term)
	if i < 0 {
		return false
	}
	pos := 0
	for _, s := range strs[:len(strs)-1] {
		pos += len(s)
		if pos > i && pos < i+len(term) {
			return true
		}
	}
	return false
}

// lintSPF returns the findings about a record's terms; prefix names an
// included record ("" for the checked domain's own).
func lintSPF(rec *SPFRecord, prefix string, root bool) []Finding {
	var rc RecordCheck
	allAt := -1
	seen := map[string]bool{}
	for i, t := range rec.Terms {
		key := strings.ToLower(t.Text)
		if seen[key] && !t.Modifier {
			rc.add(SeverityWarning, "spf.duplicate_term", fmt.Sprintf("%s%s appears twice; the second is never needed.", prefix, t.Text), "Remove the second "+t.Text+".")
		}
		seen[key] = true
		switch {
		case t.Modifier && t.Name != "redirect" && t.Name != "exp":
			rc.add(SeverityWarning, "spf.unknown_modifier", fmt.Sprintf("%sUnknown modifier %s: receivers ignore it.", prefix, t.Text), "")
		case t.Name == "ptr":
			rc.add(SeverityWarning, "spf.ptr", prefix+"ptr is slow and unreliable; RFC 7208 §5.5 says it SHOULD NOT be used, and some receivers ignore it.",
				"Replace ptr by the ip4:/ip6: ranges or a: names of your servers.")
		case t.Name == "all" && allAt < 0:
			allAt = i
			switch t.Qualifier {
			case "+":
				rc.add(SeverityError, "spf.pass_all", prefix+t.Text+" lets every server on the Internet pass SPF as your domain.",
					"End the record with ~all (softfail) or -all (fail): "+replaceAll(rec, "~all"))
			case "?":
				if root {
					rc.add(SeverityWarning, "spf.neutral_all", "?all gives mail from servers not listed \"neutral\", which protects nothing.",
						"End the record with ~all or -all: "+replaceAll(rec, "~all"))
				}
			}
		}
	}
	if allAt >= 0 && allAt < len(rec.Terms)-1 {
		for _, t := range rec.Terms[allAt+1:] {
			if t.Modifier && t.Name == "redirect" {
				rc.add(SeverityWarning, "spf.redirect_ignored", prefix+t.Text+" is ignored because the record has an all mechanism (RFC 7208 §6.1).", "Remove either the all mechanism or the redirect.")
			} else if !t.Modifier {
				rc.add(SeverityWarning, "spf.after_all", prefix+t.Text+" comes after all and is never evaluated.", "Move it before "+rec.Terms[allAt].Text+".")
			}
		}
	}
	if root && allAt < 0 && rec.modifier("redirect") == nil {
		rc.add(SeverityWarning, "spf.no_all", "The record has no all mechanism (nor redirect): mail from servers not listed gets \"neutral\", which protects nothing.",
			"End the record with ~all (softfail) or -all (fail): "+replaceAll(rec, "~all"))
	}
	return rc.Findings
}

// defaultQualifier describes the result for servers not listed: the all
// mechanism's, "" when the record redirects instead.
func defaultQualifier(rec *SPFRecord) string {
	for _, t := range rec.Terms {
		if !t.Modifier && t.Name == "all" {
			return map[string]string{"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}[t.Qualifier] + " (" + t.Text + ")"
		}
	}
	if rec.modifier("redirect") != nil {
		return ""
	}
	return "neutral (no all)"
}

// replaceAll returns the record with its all mechanism replaced by all,
// or all appended.
func replaceAll(rec *SPFRecord, all string) string {
	parts := []string{"v=spf1"}
	for _, t := range rec.Terms {
		if !t.Modifier && t.Name == "all" || t.Modifier && t.Name == "redirect" {
			continue
		}
		parts = append(parts, t.Text)
	}
	return strings.Join(append(parts, all), " ")
}

// mergeSPF merges several SPF records into one: their terms, each once,
// then the strictest of their all mechanisms (~all when the only one is
// +all, which no record should have).
func mergeSPF(records []string) string {
	parts := []string{"v=spf1"}
	seen := map[string]bool{}
	all, strength := "", 0
	for _, r := range records {
		for t := range strings.FieldsSeq(r[6:]) {
			lt := strings.ToLower(strings.TrimLeft(t, "+-~?"))
			if lt == "all" {
				cand, rank := t, strings.Index("?~-", t[:1])+1 // 0 for + or none
				if rank == 0 {
					cand, rank = "~all", 2
				}
				if rank > strength {
					all, strength = cand, rank
				}
				continue
			}
			if !seen[strings.ToLower(t)] {
				seen[strings.ToLower(t)] = true
				parts = append(parts, t)
			}
		}
	}
	if all != "" {
		parts = append(parts, all)
	}
	return strings.Join(parts, " ")
}

// splitTXT splits a record into TXT character-strings of at most 255
// bytes, cutting after a space where there is one, so the strings read
// well (receivers join them without adding anything).
func splitTXT(s string) []string {
	var out []string
	for len(s) > txtStringLimit {
		cut := strings.LastIndexByte(s[:txtStringLimit], ' ') + 1
		if cut <= 0 {
			cut = txtStringLimit
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return append(out, s)
}

// quoteTXT writes TXT strings as a zone file does: "..." "...".
func quoteTXT(strs []string) string {
	q := make([]string, len(strs))
	for i, s := range strs {
		q[i] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
	}
	return strings.Join(q, " ")
}

// lookupCosts lists the lookups of each include and redirect of the root
// record, costliest first, e.g. "include:_spf.google.com 4, mx 1".
func lookupCosts(root *SPFNode) string {
	type cost struct {
		term string
		n    int
	}
	var costs []cost
	for _, ch := range root.Children {
		costs = append(costs, cost{ch.Via + ":" + ch.Domain, 1 + ch.Total})
	}
	slices.SortStableFunc(costs, func(a, b cost) int { return b.n - a.n })
	parts := make([]string, len(costs))
	for i, c := range costs {
		parts[i] = fmt.Sprintf("%s %d", c.term, c.n)
	}
	if own := root.Lookups - len(root.Children); own > 0 {
		parts = append(parts, fmt.Sprintf("other terms %d", own))
	}
	return strings.Join(parts, ", ")
}

// spfWalker follows a record's includes and redirect, counting lookups as
// a receiver evaluating every term would.
type spfWalker struct {
	s       *session
	c       *SPFCheck
	lookups int
	voids   int
	stack   []string // the domains being walked, for loops
	stopped bool     // the walk gave up (too many lookups, query budget)
}

// walk counts node's terms and follows its includes and redirect.
func (w *spfWalker) walk(ctx context.Context, node *SPFNode, rec *SPFRecord) {
	prefix := nodePrefix(node)
	for _, t := range rec.Terms {
		if t.Name == "all" && !t.Modifier {
			break // all always matches: the terms after it are never evaluated
		}
		if !spfLookupTerms[t.Name] || t.Modifier != (t.Name == "redirect") || t.Modifier && rec.hasAll() {
			continue
		}
		node.Lookups++
		w.lookups++
		if hasMacros(t.macro) {
			continue // depends on the message: cannot be looked up here
		}
		target := node.Domain
		if t.Domain != "" {
			target = strings.ToLower(truncateDomain(t.Domain))
		}
		switch t.Name {
		case "include", "redirect":
			node.Children = append(node.Children, w.follow(ctx, prefix, t, target))
		case "a":
			a4 := w.s.query(ctx, target, dns.TypeA)
			a6 := w.s.query(ctx, target, dns.TypeAAAA)
			w.void(prefix, t, target, a4, a6)
		case "mx":
			a := w.s.query(ctx, target, dns.TypeMX)
			w.void(prefix, t, target, a)
			if n := len(a.rrs); n > SPFMXLimit {
				w.c.add(SeverityError, "spf.mx_too_many", fmt.Sprintf("%s%s: %s has %d MX names, over the limit of %d for one mx mechanism (RFC 7208 §4.6.4): receivers return permerror.", prefix, t.Text, target, n, SPFMXLimit),
					"Replace mx by the ip4:/ip6: ranges of your mail servers.")
			}
		case "exists":
			w.void(prefix, t, target, w.s.query(ctx, target, dns.TypeA))
		}
	}
	node.Total = node.Lookups
	for _, ch := range node.Children {
		node.Total += ch.Total
	}
}

// nodePrefix starts the messages about an included record's terms.
func nodePrefix(n *SPFNode) string {
	if n.Via == "" {
		return ""
	}
	return "In " + n.Via + ":" + n.Domain + ": "
}

// void counts a term whose lookups all found nothing, and reports lookups
// that failed.
func (w *spfWalker) void(prefix string, t SPFTerm, target string, answers ...answer) {
	for _, a := range answers {
		if a.err != nil {
			w.c.add(SeverityWarning, "spf.lookup_failed", fmt.Sprintf("%s%s: could not look up %s: %v; receivers may return temperror.", prefix, t.Text, target, a.err), "")
			return
		}
		if !a.void() {
			return
		}
	}
	w.voids++
	what := "has no " + map[string]string{"a": "address", "mx": "MX", "exists": "A"}[t.Name] + " records"
	if answers[0].rcode == dns.RcodeNameError {
		what = "does not exist (NXDOMAIN)"
	}
	w.c.add(SeverityWarning, "spf.void_lookup", fmt.Sprintf("%s%s: %s %s; lookups that find nothing count against a limit of %d.", prefix, t.Text, target, what, SPFVoidLimit),
		"Remove "+t.Text+" if it names a server you no longer use.")
}

// follow checks the record an include or redirect names and walks it.
func (w *spfWalker) follow(ctx context.Context, prefix string, t SPFTerm, target string) *SPFNode {
	n := &SPFNode{Domain: target, Via: t.Name}
	fail := func(sev Severity, code, msg, fix string) *SPFNode {
		n.Error = msg
		w.c.add(sev, code, prefix+msg, fix)
		return n
	}
	if slices.Contains(w.stack, target) {
		return fail(SeverityError, "spf.include_loop", fmt.Sprintf("%s leads back to %s: a loop, which receivers end with permerror once the lookup limit is reached.", t.Text, target),
			"Remove "+t.Text+".")
	}
	if w.lookups > spfWalkLookupLimit || w.stopped {
		if !w.stopped {
			w.stopped = true
			w.c.add(SeverityInfo, "spf.walk_stopped", fmt.Sprintf("Stopped following includes after %d lookups.", spfWalkLookupLimit), "")
		}
		n.Error = "not followed"
		return n
	}
	recs, a := w.s.spfRecords(ctx, target)
	switch {
	case a.err != nil:
		if errors.Is(a.err, ErrQueryBudget) {
			w.stopped = true
		}
		return fail(SeverityWarning, "spf.lookup_failed", fmt.Sprintf("%s: could not look up %s: %v; receivers may return temperror.", t.Text, target, a.err), "")
	case len(recs) == 0:
		if a.void() {
			w.voids++
		}
		return fail(SeverityError, "spf.include_missing", fmt.Sprintf("%s: %s has no SPF record, so receivers return permerror and SPF fails for your mail (RFC 7208 §5.2).", t.Text, target),
			"Remove "+t.Text+", or correct the domain name (your provider's documentation gives it).")
	case len(recs) > 1:
		return fail(SeverityError, "spf.include_multiple", fmt.Sprintf("%s: %s has %d SPF records, so receivers return permerror.", t.Text, target, len(recs)), "")
	}
	n.Record = recs[0].text
	rec, err := ParseSPF(n.Record)
	if err != nil {
		n.Error = "syntax error"
		spfSyntaxFindings(&w.c.RecordCheck, nodePrefix(n), recs[0], err)
		return n
	}
	w.c.Findings = append(w.c.Findings, lintSPF(rec, nodePrefix(n), false)...)
	w.stack = append(w.stack, target)
	w.walk(ctx, n, rec)
	w.stack = w.stack[:len(w.stack)-1]
	return n
}
