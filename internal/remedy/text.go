package remedy

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteFixText writes a fix for people, as the roadmap's example shows it:
// the source, the issue, the steps with their records, how to verify and
// the provider's guide.
func WriteFixText(w io.Writer, f *Fix) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "📧 Failure analysis\n\n")
	src := f.SourceIP
	if h := hostLine(f.Host); h != "" {
		src += " (" + h + ")"
	}
	fmt.Fprintf(b, "Source: %s\n", src)
	if f.Service != nil {
		fmt.Fprintf(b, "Service: %s (identified with %s confidence)\n", f.Service.Name, f.Service.Confidence)
	}
	fmt.Fprintf(b, "Domain: %s\n", f.Domain)
	if len(f.Failures) > 0 {
		fmt.Fprintf(b, "Issue: %s\n", f.Failures[0].Title)
	}
	c := f.Classification
	class := c.Classification + " (" + c.Confidence + " confidence)"
	if c.Misconfigured {
		class += ", misconfigured"
	}
	fmt.Fprintf(b, "Classification: %s\n", class)
	fmt.Fprintf(b, "Category: %s\n", f.CategoryTitle)
	fmt.Fprintf(b, "\n%s\n", f.Summary)
	for _, e := range f.Explanation {
		if e != "" && e != f.Summary {
			fmt.Fprintf(b, "  %s\n", e)
		}
	}
	if f.DNS.Error != "" {
		fmt.Fprintf(b, "\n⚠️ %s: the records below are not checked.\n", f.DNS.Error)
	}
	if len(f.Steps) > 0 {
		fmt.Fprintf(b, "\nFix steps:\n")
		writeSteps(b, f.Steps)
	}
	if n := len(f.Steps); f.Category != CategoryNone && (n == 0 || f.Steps[n-1].Title != verifyTitle) {
		fmt.Fprintf(b, "\nHow to verify:\n")
		for _, s := range f.Verification.Steps {
			fmt.Fprintf(b, "- %s\n", s)
		}
	}
	if p := f.Policy; p != nil {
		fmt.Fprintf(b, "\nPolicy: %s (now %s)\n", verdictText[p.Verdict], p.Current)
		if p.Next != "" {
			fmt.Fprintf(b, "  Next record: %s\n", p.Next)
		}
	}
	if f.Docs != "" {
		name := "Provider"
		if f.Service != nil {
			name = f.Service.Name
		}
		fmt.Fprintf(b, "\n📚 %s setup guide: %s\n", name, f.Docs)
	}
	if f.Partial {
		fmt.Fprintf(b, "\n(Judged from the newest %d records of the source.)\n", FixRecords)
	}
	return b.Flush()
}

// writeSteps writes numbered steps, their details indented, and their
// records unless the detail shows them already.
func writeSteps(b *bufio.Writer, steps []Step) {
	for i, st := range steps {
		fmt.Fprintf(b, "%d. %s\n", i+1, st.Title)
		for _, l := range strings.Split(st.Detail, "\n") {
			if l != "" {
				fmt.Fprintf(b, "   %s\n", l)
			}
		}
		for _, r := range st.Records {
			if r.Value != "" && strings.Contains(st.Detail, r.Value) {
				continue
			}
			value := r.Value
			if value == "" {
				value = "(the value the service shows)"
			}
			fmt.Fprintf(b, "   %s %s → %s [%s: %s]\n", r.Type, r.Name, value, r.Status, r.Action)
		}
	}
}

// verdictText names the verdicts for people.
var verdictText = map[string]string{
	VerdictReady:    "✅ Ready",
	VerdictCaution:  "⚠️ Ready with caution",
	VerdictNotYet:   "❌ Not yet",
	VerdictComplete: "✅ Complete",
}

// WriteAdviceText writes an advice for people: the verdict and next
// record first, then why, the mail by kind, the sources to fix and the
// data it rests on.
func WriteAdviceText(w io.Writer, a *Advice) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "DMARC policy advice for %s (last %d days: %s to %s)\n\n", a.Domain, a.Days, a.Since, a.Until)
	fmt.Fprintf(b, "Verdict: %s\n", verdictText[a.Verdict])
	cur := a.Current
	line := "Current policy: " + cur.Effective.String()
	switch {
	case cur.Record != "":
		line += " (DNS " + cur.RecordName + ": " + cur.Record + ")"
	case a.DNS.Error != "":
		line += " (from the reports; " + a.DNS.Error + ")"
	}
	fmt.Fprintln(b, line)
	if cur.Reports != nil && cur.DNS != nil && cur.Reports.String() != cur.DNS.String() {
		fmt.Fprintf(b, "  The newest report (%s) saw %s: the record changed since.\n", cur.ReportDate, cur.Reports)
	}
	if n := a.Next; n != nil {
		fmt.Fprintf(b, "Next step: %s\n", n.Step)
		when := "Publish now at"
		if a.Verdict == VerdictNotYet {
			when = "Once the blocking sources are fixed, publish at"
		}
		fmt.Fprintf(b, "  %s %s:\n  %s\n", when, n.Name, n.Record)
		for _, note := range n.Notes {
			fmt.Fprintf(b, "  %s\n", note)
		}
	}
	if len(a.Reasons) > 0 {
		fmt.Fprintf(b, "\nWhy:\n")
		for _, r := range a.Reasons {
			fmt.Fprintf(b, "- %s\n", r)
		}
	}
	t := a.Totals
	fmt.Fprintf(b, "\nMail of the period: %s, %s passing DMARC\n", messages(t.Messages), percent(t.PassRate))
	fmt.Fprintf(b, "  Legitimate:    %s from %s, %s failing (%s of legitimate mail)\n", messages(a.Legitimate.Messages),
		plural(int64(a.Legitimate.SourceCount), "source", "sources"), num(a.Legitimate.Failing), percent(a.LegitimateFailingShare))
	for _, g := range []struct {
		name string
		g    Group
	}{{"Forwarding:   ", a.Forwarding}, {"Spoofing:     ", a.Spoofing}, {"Unclassified: ", a.Unclassified}, {"Other sources:", a.Other}} {
		fmt.Fprintf(b, "  %s %s, %s failing (%s of all mail)\n", g.name, messages(g.g.Messages), num(g.g.Failing), percent(g.g.ShareOfAll))
		if g.g.Note != "" {
			fmt.Fprintf(b, "                 %s\n", g.g.Note)
		}
	}
	if a.SubdomainFailing > 0 {
		fmt.Fprintf(b, "  Legitimate mail of subdomains failing: %s\n", messages(a.SubdomainFailing))
	}
	if len(a.Blocking) > 0 {
		fmt.Fprintf(b, "\nSources to fix first:\n")
		writeSources(b, a.Blocking)
	}
	if len(a.Spoofing.Sources) > 0 {
		fmt.Fprintf(b, "\nSpoofing sources an enforced policy would stop:\n")
		writeSources(b, a.Spoofing.Sources)
	}
	if len(a.Forwarding.Sources) > 0 {
		fmt.Fprintf(b, "\nForwarders:\n")
		writeSources(b, a.Forwarding.Sources)
	}
	if len(a.Unclassified.Sources) > 0 {
		fmt.Fprintf(b, "\nUnclassified sources:\n")
		writeSources(b, a.Unclassified.Sources)
	}
	d := a.Data
	fmt.Fprintf(b, "\nData: %s with reports (at least %d), %s (at least %d), %s (at least %d)\n",
		plural(int64(d.Days), "day", "days"), d.MinDays, messages(d.Messages), d.MinMessages,
		plural(int64(d.Reporters), "reporter", "reporters"), d.MinReporters)
	th := a.Thresholds
	fmt.Fprintf(b, "Thresholds: legitimate mail failing at most %s for p=quarantine, %s for p=reject (caution above %s); forwarded failures caution above %s of all mail\n",
		percent(MaxLegitimateFailQuarantine), percent(MaxLegitimateFailReject), percent(th.NoiseLegitimate), percent(th.MaxForwardingFailing))
	return b.Flush()
}

// maxTextSources bounds the sources a text listing shows.
const maxTextSources = 10

// writeSources lists sources, one a line.
func writeSources(b *bufio.Writer, srcs []AdviceSource) {
	for _, s := range srcs[:min(len(srcs), maxTextSources)] {
		who := s.Classification
		if s.Service != "" {
			who = s.Service + ", " + who
		}
		fmt.Fprintf(b, "  %-15s %s of %s failing (%s)\n", s.SourceIP, num(s.Failing), num(s.Messages), who)
		if s.Fix != "" {
			fmt.Fprintf(b, "      %s\n", s.Fix)
		}
	}
	if more := len(srcs) - maxTextSources; more > 0 {
		fmt.Fprintf(b, "  and %s more\n", plural(int64(more), "source", "sources"))
	}
}
