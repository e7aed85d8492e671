package remedy

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/senders"
)

// planner writes the explanation, steps and records of a fix for its
// category.
type planner struct {
	g      *Guide
	f      *Fix
	svc    *senders.Service
	res    *dnscheck.Result
	issues []Step
}

// main is the main failure (the zero Failure when none).
func (p *planner) main() Failure {
	if len(p.f.Failures) == 0 {
		return Failure{}
	}
	return p.f.Failures[0]
}

// plan fills the fix for its category.
func (p *planner) plan(ctx context.Context) error {
	f, d := p.f, p.f.Domain
	m := p.main()
	switch f.Category {
	case CategoryNone:
		f.Summary = "Nothing to fix: all of this source's mail passed DMARC with DKIM and SPF aligned."
	case CategoryForwarding:
		p.forwarding()
	case CategoryDNS:
		f.Summary = d + "'s DNS records make its own mail fail: " + lower(m.Title) + "."
		f.Explanation = append(f.Explanation, p.failureLines()...)
		f.Steps = append(f.Steps, p.issues...)
		p.finish()
	case CategorySpoofing:
		if err := p.spoofing(ctx); err != nil {
			return err
		}
	case CategoryThirdParty, CategoryMisconfiguration:
		switch {
		case p.svc != nil:
			p.serviceSetup(ctx)
		case f.Category == CategoryThirdParty:
			p.unknownService()
		default:
			p.ownServer(ctx)
		}
		p.finish()
	}
	p.collect()
	return nil
}

// finish adds the steps every fix of records ends with: waiting for DNS
// and verifying (written by collect, which knows the records).
func (p *planner) finish() {
	p.f.Steps = append(p.f.Steps,
		Step{Title: "Wait for DNS propagation (up to 48 hours)",
			Detail: "Receivers see a changed record once the old one's TTL has expired in their resolvers' caches: often within an hour, at most 48 hours."},
		Step{Title: verifyTitle})
}

// verifyTitle is the title of the last step of a fix of records.
const verifyTitle = "Verify"

// collect gathers the records of the steps and writes the verification.
func (p *planner) collect() {
	f := p.f
	var selectors []string
	for _, st := range f.Steps {
		for _, r := range st.Records {
			f.Records = append(f.Records, r)
			if sel, ok := strings.CutSuffix(r.Name, "._domainkey."+f.Domain); ok && !strings.Contains(sel, "<") && !slices.Contains(selectors, sel) {
				selectors = append(selectors, sel)
			}
		}
	}
	for _, s := range signedSelectors(f.Failures, f.Domain) {
		if !slices.Contains(selectors, s) {
			selectors = append(selectors, s)
		}
	}
	cmd := "parse-dmarc dns check"
	for _, s := range selectors {
		cmd += " --selector " + s
	}
	v := Verification{Command: cmd + " " + f.Domain}
	who := "this server"
	if p.svc != nil {
		who = p.svc.Name
	}
	switch f.Category {
	case CategoryNone:
		v = Verification{Steps: []string{"Nothing to verify."}}
	case CategoryForwarding:
		v.Steps = []string{"Watch the next aggregate reports: the forwarded mail that fails should stay a small share of " + f.Domain + "'s mail; the policy advisor counts it."}
	case CategorySpoofing:
		v.Steps = []string{"Watch the next aggregate reports: once the policy is enforced, receivers quarantine or reject this source's mail (its disposition changes from none)."}
	default:
		v.Steps = []string{
			"Run " + v.Command + ": the records above should show as present and valid.",
			"Send a test message through " + who + " to a mailbox you can read and check its Authentication-Results header: dkim=pass header.d=" + f.Domain + " and dmarc=pass.",
			"Watch the next aggregate reports (one or two days): this source's mail should pass DMARC, and its fix should say there is nothing to fix.",
		}
	}
	f.Verification = v
	if n := len(f.Steps); n > 0 && f.Steps[n-1].Title == verifyTitle {
		f.Steps[n-1].Detail = strings.Join(v.Steps, "\n")
	}
}

// failureLines describe the main failure: how many messages, and how
// DKIM and SPF did.
func (p *planner) failureLines() []string {
	f, m := p.f, p.main()
	if m.Type == "" {
		return nil
	}
	var out []string
	if f.Failing > 0 {
		out = append(out, fmt.Sprintf("%s of its %s failed DMARC for %s.", capitalize(num(f.Failing)), messages(f.Messages), f.Domain))
	} else {
		out = append(out, fmt.Sprintf("Its mail passed DMARC, but %s passed on one mechanism only: %s.", messages(f.OneMechanism), lower(m.Title)))
	}
	out = append(out, "DKIM: "+mechanismLine(m.DKIM, "dkim", m.HeaderFrom)+".", "SPF: "+mechanismLine(m.SPF, "spf", m.HeaderFrom)+".")
	return out
}

// mechanismLine says how a mechanism did: "verified for sendgrid.net
// (s=s1), not aligned with example.com".
func mechanismLine(m Mechanism, kind, from string) string {
	var parts []string
	for _, a := range m.Results {
		s := a.Result + " for " + a.Domain
		if kind == "dkim" && a.Result == "pass" {
			s = "verified for " + a.Domain
		}
		if a.Selector != "" {
			s += " (s=" + a.Selector + ")"
		}
		parts = append(parts, s)
	}
	what := joinAnd(parts)
	switch m.Result {
	case ResultAligned:
		return "passed, aligned with " + from
	case ResultNone:
		if kind == "dkim" {
			return "no signature"
		}
		return "no result for the envelope sender"
	case ResultNotAligned:
		s := what + ", not aligned with " + from
		if m.RelaxedWouldAlign {
			s += " under strict alignment (a" + kind + "=s; relaxed would align)"
		}
		return s
	}
	return what
}

// serviceSetup is the fix of a sending service: its DKIM setup and its
// SPF include, as the catalogue says.
func (p *planner) serviceSetup(ctx context.Context) {
	f, s, d, m := p.f, p.svc, p.f.Domain, p.main()
	if f.Category == CategoryThirdParty {
		f.Summary = fmt.Sprintf("This appears to be %s sending on behalf of %s, but its mail is not authenticated as %s: %s.", s.Name, d, d, lower(m.Title))
		f.Explanation = append(f.Explanation, fmt.Sprintf("If %s does not send through %s, another of its customers is sending as %s: set nothing up, and report it to %s.", d, s.Name, d, s.Name))
	} else {
		f.Summary = fmt.Sprintf("%s sends %s's mail but is not fully set up for it: %s.", s.Name, d, lower(m.Title))
	}
	f.Explanation = append(f.Explanation, p.failureLines()...)
	f.Docs = s.Docs
	if m.DKIM.Result != ResultAligned {
		f.Steps = append(f.Steps, p.serviceDKIMStep())
	}
	if m.SPF.Result == ResultAligned {
		return
	}
	switch authorized := f.Classification.SPFAuthorized; {
	case authorized != nil && *authorized:
		if m.SPF.Result == ResultNotAligned {
			f.Steps = append(f.Steps, returnPathStep(s.Name, d, m, d+"'s SPF record already authorizes this server, but"))
		}
	case s.SPFInclude != "":
		f.SPFChange = p.g.spfChange(ctx, d, s.SPFInclude, s.Name, p.res, p.includeName)
		f.Steps = append(f.Steps, spfStep(f.SPFChange, s.Name, m))
	case m.SPF.Result == ResultNotAligned:
		f.Steps = append(f.Steps, returnPathStep(s.Name, d, m, s.Name+" needs no SPF include, but"))
	}
}

// serviceDKIMStep is the step of setting up the service's DKIM signing.
func (p *planner) serviceDKIMStep() Step {
	s, d, m := p.svc, p.f.Domain, p.main()
	if !s.DKIM.Custom {
		return Step{Title: "Check whether " + s.Name + " can sign as " + d,
			Detail: "The catalogue knows no way for " + s.Name + " to sign with " + d + "'s DKIM key; without it, its mail can pass DMARC only on SPF, which forwarding breaks."}
	}
	recs := serviceDKIMRecords(s, d, p.res)
	present := len(recs) > 0
	for _, r := range recs {
		present = present && r.Status == RecordPresent
	}
	if present {
		signed := "another domain"
		if len(m.DKIM.Results) > 0 {
			signed = m.DKIM.Results[0].Domain
		}
		return Step{Title: "Turn on DKIM signing for " + d + " in " + s.Name,
			Detail:  "The DKIM records " + s.Name + " documents are published, yet its mail is signed as " + signed + ": finish the domain's verification or turn on signing for " + d + " in " + s.Name + ".",
			Records: recs}
	}
	return Step{Title: "Set up DKIM signing for " + d + " in " + s.Name, Detail: s.DKIM.Note, Records: recs}
}

// includeName names the service of an SPF include, from the catalogue.
func (p *planner) includeName(include string) string {
	if p.g.Senders == nil {
		return ""
	}
	for _, s := range p.g.Senders.Services() {
		if strings.EqualFold(s.SPFInclude, include) {
			return s.Name
		}
	}
	return ""
}

// spfStep is the step of an SPF change.
func spfStep(c *SPFChange, what string, m Failure) Step {
	d := c.Domain
	var st Step
	switch {
	case c.Already:
		st = Step{Title: d + "'s SPF record already has " + c.Term}
	case c.ExceedsLimit:
		st = Step{Title: "Do not add " + c.Term + " to " + d + "'s SPF record: it would exceed the lookup limit",
			Detail: fmt.Sprintf("The record would need %d DNS lookups, over the limit of %d (RFC 7208 section 4.6.4): receivers would return permerror, and SPF would fail for all of %s's mail. Instead:\n- %s",
				c.Lookups, c.LookupLimit, d, strings.Join(c.Alternatives, "\n- "))}
	case c.Proposed == "":
		st = Step{Title: "Add " + c.Term + " to " + d + "'s SPF record", Detail: c.Note}
	default:
		st = Step{Title: "Add " + what + " to " + d + "'s SPF record: " + c.Term,
			Detail: fmt.Sprintf("Your new SPF record should be:\n%s\n(%d/%d DNS lookups)", c.Proposed, c.Lookups, c.LookupLimit)}
		r := DNSRecord{Name: d, Type: "TXT", Value: c.Proposed, Current: c.Current, Action: ActionReplace, Status: RecordPresent}
		if c.Current == "" {
			r.Action, r.Status = ActionAdd, RecordMissing
		}
		st.Records = []DNSRecord{r}
		if c.Note != "" {
			st.Detail += "\n" + c.Note
		}
	}
	var notes []string
	if c.PassAllReplaced != "" {
		notes = append(notes, "The record ends with "+c.PassAllReplaced+", which lets every server on the Internet pass SPF as "+d+": the new record ends with ~all instead.")
	}
	for _, fd := range c.Findings {
		if fd.Code != "spf.too_many_lookups" {
			notes = append(notes, fd.Message)
		}
	}
	if m.SPF.Result == ResultNotAligned && !c.ExceedsLimit {
		notes = append(notes, alignNote(what, d, m))
	}
	if len(notes) > 0 {
		st.Detail = strings.TrimSpace(st.Detail + "\n" + strings.Join(notes, "\n"))
	}
	return st
}

// alignNote says that SPF aligns only with an envelope sender under the
// domain.
func alignNote(what, d string, m Failure) string {
	env := "its own domain"
	if len(m.SPF.Results) > 0 {
		env = m.SPF.Results[0].Domain
	}
	return fmt.Sprintf("SPF aligns only when the envelope sender (Return-Path) is under %s: %s uses %s now, so also set up its custom return-path (bounce) domain under %s. DKIM alone makes DMARC pass.", d, what, env, d)
}

// returnPathStep is the step of a custom return-path, when the SPF
// record needs no change.
func returnPathStep(what, d string, m Failure, lead string) Step {
	env := "another domain"
	if len(m.SPF.Results) > 0 {
		env = m.SPF.Results[0].Domain
	}
	return Step{Title: "Set up a custom return-path under " + d + " in " + what,
		Detail: lead + " its envelope sender (Return-Path) is " + env + ", which does not align with " + d + ": a custom return-path (bounce) domain under " + d + " makes SPF align. DKIM alone makes DMARC pass."}
}

// ownServer is the fix of the domain's own server: DKIM signing and its
// place in the SPF record.
func (p *planner) ownServer(ctx context.Context) {
	f, d, m := p.f, p.f.Domain, p.main()
	f.Summary = fmt.Sprintf("A server of %s's own: %s.", d, lower(m.Title))
	f.Explanation = append(f.Explanation, p.failureLines()...)
	if m.DKIM.Result != ResultAligned {
		detail := "Generate a 2048-bit key pair (your mail server's DKIM settings, or opendkim-genkey), configure the server to sign with d=" + d + ", and publish the public key as a TXT record at <selector>._domainkey." + d + "."
		if m.DKIM.Result == ResultNotAligned && len(m.DKIM.Results) > 0 {
			detail = "It signs as " + m.DKIM.Results[0].Domain + ": configure it to sign with d=" + d + " instead. " + detail
		}
		f.Steps = append(f.Steps, Step{Title: "Sign this server's mail with DKIM for " + d, Detail: detail,
			Records: []DNSRecord{{Name: dkimName("<selector>", d), Type: "TXT", Value: "v=DKIM1; k=rsa; p=<the public key>", Action: ActionAdd, Status: RecordUnknown}}})
	}
	if m.SPF.Result == ResultAligned {
		return
	}
	if m.SPF.Result == ResultNotAligned {
		env := m.SPF.Results[0].Domain
		f.Steps = append(f.Steps, Step{Title: "Send with an envelope sender under " + d,
			Detail: "Its envelope sender (MAIL FROM, Return-Path) is under " + env + "; SPF aligns only for one under " + d + "."})
	}
	if a := f.Classification.SPFAuthorized; a == nil || !*a {
		term := "ip4:" + f.SourceIP
		if addr, err := netip.ParseAddr(f.SourceIP); err == nil && addr.Is6() {
			term = "ip6:" + f.SourceIP
		}
		f.SPFChange = p.g.spfChange(ctx, d, term, "this server", p.res, p.includeName)
		f.Steps = append(f.Steps, spfStep(f.SPFChange, "this server", Failure{}))
	}
}

// unknownService is the fix of a service the catalogue does not know.
func (p *planner) unknownService() {
	f, d, m := p.f, p.f.Domain, p.main()
	f.Summary = fmt.Sprintf("An unidentified service sends as %s: %s.", d, lower(m.Title))
	f.Explanation = append(f.Explanation, p.failureLines()...)
	var auth []string
	for _, a := range append(append([]AuthResult(nil), m.DKIM.Results...), m.SPF.Results...) {
		if a.Result == "pass" && !slices.Contains(auth, a.Domain) {
			auth = append(auth, a.Domain)
		}
	}
	who := f.SourceIP
	if h := hostLine(f.Host); h != "" {
		who += " (" + h + ")"
	}
	f.Steps = append(f.Steps,
		Step{Title: "Find out who sends from " + f.SourceIP,
			Detail: "The source is " + who + "; its mail authenticated as " + joinAnd(auth) + ", not as " + d + ". Check which of " + d + "'s services (newsletters, CRM, ticketing, invoicing) uses it."},
		Step{Title: "If it sends for " + d + ", set up DKIM signing for " + d + " in it",
			Detail: "Services call it domain authentication, a custom sending domain or DKIM signing: they give CNAME or TXT records under _domainkey." + d + " to publish, after which their mail aligns with " + d + "."},
		Step{Title: "…and its envelope sender",
			Detail: "Set its custom return-path (bounce) domain under " + d + ", and add the SPF include its documentation gives to " + d + "'s SPF record, checking the result against the limit of 10 DNS lookups (parse-dmarc dns check " + d + ")."},
		Step{Title: "If it does not send for " + d,
			Detail: "Someone sends as " + d + " through a shared service: report it to the service's abuse desk. Enforcing " + d + "'s DMARC policy makes receivers stop delivering it."})
}

// forwarding explains forwarded mail: nothing to fix in the domain's
// records.
func (p *planner) forwarding() {
	f, d := p.f, p.f.Domain
	via := "a forwarder or mailing list"
	if f.Classification.Service != nil {
		via = f.Classification.Service.Name
	}
	f.Summary = fmt.Sprintf("Forwarded mail: %s relayed %s's mail, which is expected; nothing to fix in %s's records.", via, d, d)
	f.Explanation = append(f.Explanation,
		"A forwarder sends the mail on from its own servers, which "+d+"'s SPF record does not list, so SPF fails; a DKIM signature survives unless the message is changed (RFC 7960).")
	f.Explanation = append(f.Explanation, f.Classification.Evidence...)
	f.Steps = append(f.Steps,
		Step{Title: "Keep signing all of " + d + "'s mail with DKIM",
			Detail: "DKIM survives plain forwarding, so mail signed as " + d + " keeps passing DMARC after it; SPF never does. Do not add the forwarder to " + d + "'s SPF record: it sends others' mail too."},
		Step{Title: "ARC (RFC 8617)",
			Detail: "Receivers that trust a forwarder's ARC seal, as Gmail, Microsoft and Yahoo do for large ones, may deliver its mail despite the failure, even under p=reject. There is nothing to publish for it."},
		Step{Title: "Allow-list forwarders you run or trust",
			Detail: "If the forwarder delivers to mailboxes you operate, mark it as a trusted forwarder in your inbound filter rather than weakening " + d + "'s policy."},
		Step{Title: "Ask mailing lists not to change messages",
			Detail: "A list that adds a footer or a subject tag breaks DKIM; lists that rewrite the From address to their own (as Mailman and Google Groups can for DMARC) stop the failures."})
}

// spoofing explains mail nothing ties to the domain, and whether the
// policy can be enforced yet.
func (p *planner) spoofing(ctx context.Context) error {
	f, d := p.f, p.f.Domain
	f.Summary = "Potential spoofing: nothing authenticated this source's mail as " + d + "."
	f.Explanation = append(f.Explanation, f.Classification.Evidence...)
	f.Steps = append(f.Steps, Step{Title: "Do not authorize this source",
		Detail: "Adding it to " + d + "'s SPF record, or giving it a DKIM key, would make the spoofed mail pass DMARC."})
	adv, err := p.g.Advise(ctx, d, DefaultDays)
	switch {
	case err == nil:
		f.Policy = outlook(adv)
		f.Steps = append(f.Steps, enforceStep(adv))
	case ctx.Err() != nil:
		return ctx.Err()
	}
	if f.Classification.Confidence != analysis.ConfidenceHigh {
		f.Steps = append(f.Steps, Step{Title: "If this server is " + d + "'s after all",
			Detail: "A forgotten server, or a service not yet identified: set up DKIM signing for " + d + " on it and authorize it in " + d + "'s SPF record."})
	}
	if f.Host.ASN != 0 {
		f.Steps = append(f.Steps, Step{Title: "Report it to the network's owner",
			Detail: "The source is in " + hostLine(Host{ASN: f.Host.ASN, ASOrg: f.Host.ASOrg}) + ": its abuse contact (whois) can act on a report, with the aggregate reports as evidence."})
	}
	return nil
}

// hostLine describes a host: "o1.sendgrid.net, AS11377 SENDGRID".
func hostLine(h Host) string {
	var parts []string
	if h.Hostname != "" {
		parts = append(parts, h.Hostname)
	}
	if h.ASN != 0 {
		as := fmt.Sprintf("AS%d", h.ASN)
		if h.ASOrg != "" {
			as += " " + h.ASOrg
		}
		parts = append(parts, as)
	}
	return strings.Join(parts, ", ")
}

// lower lower-cases the first letter of s, unless it starts an acronym
// (DKIM, SPF).
func lower(s string) string {
	if len(s) > 1 && s[1] >= 'a' && s[1] <= 'z' {
		return strings.ToLower(s[:1]) + s[1:]
	}
	return s
}

// capitalize upper-cases the first letter of s.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
