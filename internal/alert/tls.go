package alert

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/textfmt"
	"github.com/parse-dmarc/parse-dmarc/internal/tlsrpt"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// Types of rule on SMTP TLS reports (RFC 8460): the hooks of package
// tlsrpt's data. Their domains are those with TLS reports.
const (
	// TypeTLSSuccessBelow: the share of successful TLS sessions in the
	// window ending at the domain's newest TLS report is below the
	// threshold.
	TypeTLSSuccessBelow = "tls_success_below"
	// TypeTLSNewFailure: a kind of TLS failure (a result type at a
	// receiving MX host) in the domain's newest NewDays days of TLS
	// reports that none of the LookbackDays before had.
	TypeTLSNewFailure = "tls_new_failure"
)

// TLSSuccessBelow: the successful share of the sessions senders tried
// with the domain's MX hosts in the window is below Threshold percent.
type TLSSuccessBelow struct {
	// Threshold in percent; default 95.
	Threshold float64 `json:"threshold"`
	// Window ending at the newest day of TLS reports; default 7d.
	Window Window `json:"window"`
	// MinSessions below which the window is not judged; default 100.
	MinSessions int64 `json:"min_sessions"`
}

// TLSNewFailure: a result type failing at an MX host at least
// MinSessions times in the newest NewDays days, and not at all in the
// LookbackDays before.
type TLSNewFailure struct {
	// MinSessions default 1.
	MinSessions int64 `json:"min_sessions"`
}

func (s *TLSSuccessBelow) validate() error {
	if s.Threshold <= 0 || s.Threshold > 100 {
		return invalid("settings.threshold", "a percentage above 0, at most 100")
	}
	if s.MinSessions < 0 {
		return invalid("settings.min_sessions", "0 or more")
	}
	return nil
}

func (s *TLSNewFailure) validate() error {
	if s.MinSessions < 1 {
		return invalid("settings.min_sessions", "1 or more")
	}
	return nil
}

// isTLS reports whether rule type typ judges TLS reports.
func isTLS(typ string) bool { return typ == TypeTLSSuccessBelow || typ == TypeTLSNewFailure }

// newestTLS returns the newest day of the domain's TLS reports of the
// last year, zero when it has none; read once a round, for every TLS rule.
func (d *domainData) newestTLS(ctx context.Context) (time.Time, error) {
	if !d.tlsRead {
		days, err := d.e.Store.TLSDays(ctx, store.TLSFilter{Domain: d.domain, Since: d.now.AddDate(0, 0, -365)})
		if err != nil {
			return time.Time{}, err
		}
		if len(days) > 0 {
			d.tlsLast = days[len(days)-1].Day
		}
		d.tlsRead = true
	}
	return d.tlsLast, nil
}

// tlsSuccessBelow judges a TLSSuccessBelow rule.
func (d *domainData) tlsSuccessBelow(ctx context.Context, s *TLSSuccessBelow) (verdict, error) {
	last, err := d.newestTLS(ctx)
	if err != nil || last.IsZero() {
		return verdict{skip: true}, err
	}
	f := store.TLSFilter{Domain: d.domain, Since: last.Add(day - time.Duration(s.Window)*day), Until: last.Add(day)}
	days, err := d.e.Store.TLSDays(ctx, f)
	if err != nil {
		return verdict{}, err
	}
	var ok, failed int64
	for _, x := range days {
		ok, failed = ok+x.Successful, failed+x.Failed
	}
	if ok+failed == 0 || ok+failed < s.MinSessions {
		return verdict{skip: true}, nil
	}
	rate := float64(ok) * 100 / float64(ok+failed)
	if rate >= s.Threshold {
		return verdict{}, nil
	}
	facts := []webhook.Fact{{Name: "Successful sessions", Value: percent(rate)},
		{Name: "Failed sessions", Value: textfmt.Int(failed) + " of " + textfmt.Int(ok+failed)}}
	summary := fmt.Sprintf("Senders' TLS sessions with %s's MX hosts succeeded %s of the time in %s, below %s.",
		d.domain, percent(rate), s.Window.phrase(last), percent(s.Threshold))
	fails, err := d.e.Store.TLSFailures(ctx, f, 1)
	if err != nil {
		return verdict{}, err
	}
	if len(fails) > 0 {
		top := fails[0]
		e := tlsrpt.Explain(top.ResultType)
		where := top.ReceivingMXHostname
		if where == "" {
			where = "the domain"
		}
		summary += fmt.Sprintf(" Most failed with %s at %s: %s", strings.ToLower(e.Title), where, e.Fix)
		facts = append(facts, webhook.Fact{Name: "Most failures", Value: fmt.Sprintf("%s at %s (%s sessions)", top.ResultType, where, textfmt.Int(top.Sessions))})
	}
	return verdict{conds: []condition{{key: "tls:success", trigger: true, severity: notice.Critical,
		title:   fmt.Sprintf("%s: TLS sessions %s successful (below %s)", d.domain, percent(rate), percent(s.Threshold)),
		summary: summary, facts: facts}}}, nil
}

// tlsNewFailure judges a TLSNewFailure rule: the failures of the newest
// NewDays days against those of the LookbackDays before.
func (d *domainData) tlsNewFailure(ctx context.Context, s *TLSNewFailure) (verdict, error) {
	last, err := d.newestTLS(ctx)
	if err != nil || last.IsZero() {
		return verdict{skip: true}, err
	}
	recent := last.Add(day - NewDays*day)
	now, err := d.e.Store.TLSFailures(ctx, store.TLSFilter{Domain: d.domain, Since: recent, Until: last.Add(day)}, 1000)
	if err != nil {
		return verdict{}, err
	}
	before, err := d.e.Store.TLSFailures(ctx, store.TLSFilter{Domain: d.domain, Since: recent.AddDate(0, 0, -LookbackDays), Until: recent}, 1000)
	if err != nil {
		return verdict{}, err
	}
	seen := map[string]bool{}
	for _, f := range before {
		seen[f.ResultType+" "+f.ReceivingMXHostname] = true
	}
	var v verdict
	for _, f := range now {
		if f.Sessions < s.MinSessions || seen[f.ResultType+" "+f.ReceivingMXHostname] {
			continue
		}
		e := tlsrpt.Explain(f.ResultType)
		where := f.ReceivingMXHostname
		if where == "" {
			where = "the domain"
		}
		facts := []webhook.Fact{{Name: "Result type", Value: f.ResultType}, {Name: "MX host", Value: where},
			{Name: "Failed sessions", Value: textfmt.Int(f.Sessions)}, {Name: "First seen", Value: f.FirstSeen.Format(time.DateOnly)}}
		if len(f.ReasonCodes) > 0 {
			facts = append(facts, webhook.Fact{Name: "Reason", Value: strings.Join(f.ReasonCodes, "; ")})
		}
		severity := notice.Warning
		if e.Policy || f.ResultType == tlsrpt.ResultCertificateExpired {
			severity = notice.Critical // the policy or the certificate fails every sender
		}
		v.conds = append(v.conds, condition{key: "tls:failure:" + f.ResultType + ":" + f.ReceivingMXHostname, trigger: true,
			severity: severity, title: fmt.Sprintf("%s: new TLS failure, %s at %s", d.domain, strings.ToLower(e.Title), where),
			summary: fmt.Sprintf("%s failed at %s since %s, none in the %d days before. %s Fix: %s",
				textfmt.Count(f.Sessions, "TLS session", "TLS sessions"), where, f.FirstSeen.Format(time.DateOnly),
				LookbackDays, e.Meaning, e.Fix),
			facts: facts})
	}
	return v, nil
}
