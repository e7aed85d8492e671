package digest

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/dnswatch"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// readDNS reads each domain's newest stored DNS check and the changes of
// the checks made in the period; a change that made a record worse is
// also an event. Domains never checked are left out.
func (b *Builder) readDNS(ctx context.Context, d *Digest) error {
	w := &dnswatch.Watcher{Store: b.Store, Log: b.log()}
	for _, name := range d.Domains {
		checks, err := w.History(ctx, name, store.DNSChecksKept)
		if err != nil {
			return fmt.Errorf("digest: DNS history of %s: %w", name, err)
		}
		if len(checks) == 0 {
			continue
		}
		latest := checks[0]
		dd := DomainDNS{Domain: name, CheckedAt: latest.CheckedAt, Status: string(latest.Status), Records: []string{}, Changes: []DNSChange{}}
		for _, r := range latest.Records {
			if r.Status != dnscheck.StatusInfo {
				dd.Records = append(dd.Records, kindName(r.Kind)+" "+string(r.Status))
			}
		}
		for _, c := range checks {
			if c.CheckedAt.Before(d.Period.Start) || !c.CheckedAt.Before(d.Period.End) {
				continue
			}
			// A status made worse by a new finding is told by the finding.
			worse := map[dnscheck.Kind]bool{}
			for _, ch := range c.Changes {
				if _, regression, ok := changeText(ch); ok && regression && ch.Type == dnswatch.ChangeFindingAdded {
					worse[ch.Kind] = true
				}
			}
			for _, ch := range c.Changes {
				text, regression, ok := changeText(ch)
				if !ok {
					continue
				}
				regression = regression && !(ch.Type == dnswatch.ChangeStatus && worse[ch.Kind])
				dd.Changes = append(dd.Changes, DNSChange{At: c.CheckedAt, Text: text, Regression: regression})
				if regression {
					d.Events = append(d.Events, Event{Day: c.CheckedAt, Domain: name, Kind: EventDNS, Severity: "medium", Text: text})
				}
			}
		}
		d.DNS = append(d.DNS, dd)
	}
	return nil
}

// kindName is how people write a record kind.
func kindName(k dnscheck.Kind) string {
	switch k {
	case dnscheck.KindMTASTS:
		return "MTA-STS"
	case dnscheck.KindTLSRPT:
		return "TLS-RPT"
	}
	return strings.ToUpper(string(k))
}

// statusRank orders statuses from good to bad.
var statusRank = map[dnscheck.Status]int{dnscheck.StatusOK: 0, dnscheck.StatusInfo: 0, dnscheck.StatusMissing: 1,
	dnscheck.StatusWarning: 1, dnscheck.StatusError: 2}

// changeText says a change of a domain's records in a sentence, and
// whether it made things worse; ok is false for changes not worth
// telling (a DKIM selector checked in one check only).
func changeText(c dnswatch.Change) (text string, regression, ok bool) {
	k := kindName(c.Kind)
	switch c.Type {
	case dnswatch.ChangeRecord:
		switch {
		case len(c.RecordsBefore) == 0:
			return fmt.Sprintf("%s record published at %s: %s", k, c.Name, strings.Join(c.RecordsAfter, " | ")), false, true
		case len(c.RecordsAfter) == 0:
			return fmt.Sprintf("%s record removed from %s (was %s)", k, c.Name, strings.Join(c.RecordsBefore, " | ")), true, true
		}
		return fmt.Sprintf("%s record changed at %s: %s, was %s", k, c.Name, strings.Join(c.RecordsAfter, " | "),
			strings.Join(c.RecordsBefore, " | ")), false, true
	case dnswatch.ChangeStatus:
		return fmt.Sprintf("%s went from %s to %s", k, c.StatusBefore, c.StatusAfter),
			statusRank[c.StatusAfter] > statusRank[c.StatusBefore], true
	case dnswatch.ChangeFindingAdded:
		if c.Finding == nil || c.Finding.Severity == dnscheck.SeverityInfo {
			return "", false, false
		}
		return fmt.Sprintf("%s: new %s: %s", k, c.Finding.Severity, c.Finding.Message), true, true
	case dnswatch.ChangeFindingRemoved:
		if c.Finding == nil || !slices.Contains([]dnscheck.Severity{dnscheck.SeverityError, dnscheck.SeverityWarning}, c.Finding.Severity) {
			return "", false, false
		}
		return fmt.Sprintf("%s: resolved: %s", k, c.Finding.Message), false, true
	}
	return "", false, false
}
