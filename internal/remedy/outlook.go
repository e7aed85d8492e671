package remedy

import (
	"fmt"
	"strings"
)

// outlook is an advice in short, for a fix.
func outlook(a *Advice) *PolicyOutlook {
	o := &PolicyOutlook{Verdict: a.Verdict, Current: a.Current.Effective.String(), Reasons: a.Reasons}
	if a.Next != nil {
		o.Next = a.Next.Record
	}
	return o
}

// enforceStep is the step toward an enforced policy a spoofing fix ends
// with.
func enforceStep(a *Advice) Step {
	d := a.Domain
	switch a.Verdict {
	case VerdictComplete:
		return Step{Title: d + "'s policy already rejects mail failing DMARC",
			Detail: "Receivers that apply DMARC reject this source's mail. " + strings.Join(a.Reasons, " ")}
	case VerdictNotYet:
		detail := strings.Join(a.Reasons, " ")
		if len(a.Blocking) > 0 {
			var lines []string
			for _, s := range a.Blocking[:min(len(a.Blocking), 5)] {
				lines = append(lines, fmt.Sprintf("- %s (%s failing): %s", s.SourceIP, num(s.Failing), s.Fix))
			}
			detail += "\nFix first:\n" + strings.Join(lines, "\n")
		}
		step := "a stricter policy"
		if a.Next != nil {
			step = a.Next.Step
		}
		return Step{Title: "Enforcing the policy is not safe yet (" + step + ")", Detail: detail}
	}
	st := Step{Title: "Enforce the policy: " + a.Next.Step, Detail: strings.Join(a.Reasons, " ")}
	r := DNSRecord{Name: a.Next.Name, Type: "TXT", Value: a.Next.Record, Current: a.Current.Record, Action: ActionReplace, Status: RecordPresent}
	if a.Current.Record == "" || a.Current.Inherited {
		r.Action, r.Status, r.Current = ActionAdd, RecordMissing, ""
	}
	st.Records = []DNSRecord{r}
	return st
}
