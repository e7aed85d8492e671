package alert

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/tlsrpt"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// tlsDay stores an SMTP TLS report of domain for day d: ok and failed
// sessions under an MTA-STS policy, with the failure details.
func tlsDay(t *testing.T, st store.Store, domain string, d time.Time, ok, failed int64, details ...tlsrpt.Failure) {
	t.Helper()
	r := &tlsrpt.Report{OrganizationName: "Google Inc.", ReportID: domain + d.Format(time.DateOnly), Begin: d, End: d.Add(day - time.Second),
		Policies: []tlsrpt.Policy{{Type: tlsrpt.PolicySTS, Domain: domain, Successful: ok, Failed: failed, Failures: details}}}
	if _, err := st.AddTLSReport(t.Context(), store.TLSIncoming{Report: r, SourceName: "test", ReceivedAt: d.Add(day)}); err != nil {
		t.Fatal(err)
	}
}

// now is the time of the rounds: a Tuesday; newest is the newest day with
// mail.
var (
	now    = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	newest = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
)

// timeline of a day with extra mail.
func plus(extra ...src) func(int, time.Time) []src {
	return func(i int, d time.Time) []src { return append(steady(i, d), extra...) }
}

// dnsResult is a check result whose DMARC record has findings.
func dnsResult(findings ...dnscheck.Finding) []byte {
	r := dnscheck.Result{Domain: "example.com", Status: dnscheck.StatusOK}
	r.DMARC.RecordCheck = dnscheck.RecordCheck{Kind: dnscheck.KindDMARC, Name: "_dmarc.example.com", Status: dnscheck.StatusOK,
		Records: []string{"v=DMARC1; p=reject"}, Findings: append([]dnscheck.Finding{}, findings...)}
	js, _ := json.Marshal(r)
	return js
}

var dmarcBroken = dnscheck.Finding{Severity: dnscheck.SeverityError, Code: "dmarc.syntax", Message: "Syntax error: p=rejct.",
	Fix: "v=DMARC1; p=reject"}

// TestRuleTypes judges each type of rule on a store with reports: the
// alerts it opens, and whether they clear when the world changes.
func TestRuleTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		rule  Rule
		world func(t *testing.T, st store.Store)
		want  []string // keys of the active alerts
		check func(t *testing.T, as []Alert, published []notice.Message)
		// then changes the world and the clock before a second round.
		then     func(t *testing.T, st store.Store, c *clock)
		wantThen []string
	}{
		{
			name: "compliance below",
			rule: Rule{Name: "compliance", Type: TypeComplianceBelow, Settings: json.RawMessage(`{"threshold":90}`)},
			world: func(t *testing.T, st store.Store) {
				history(t, st, "example.com", newest, 20, steady)
				storeDay(t, st, "example.com", newest, now, pass("192.0.2.1", 700), fail("198.51.100.9", 300))
			},
			want: []string{"example.com:compliance"},
			check: func(t *testing.T, as []Alert, published []notice.Message) {
				a := as[0]
				if a.Title != "example.com: DMARC compliance 70% (below 90%)" || a.Severity != notice.Critical ||
					fact(a.Facts, "Top failure source") != "198.51.100.9: 300 messages" ||
					!strings.HasPrefix(a.Summary, "Compliance dropped from 98% to 70% in the 24 hours of 2026-11-23") {
					t.Errorf("alert: %+v", a)
				}
				var data webhook.ComplianceChangedData
				if len(published) != 1 || published[0].Event.Type != webhook.ComplianceChanged ||
					json.Unmarshal(published[0].Event.Data, &data) != nil ||
					data != (webhook.ComplianceChangedData{Domain: "example.com", PreviousCompliance: 98, CurrentCompliance: 70,
						Period: "24h", Threshold: 90, TopFailureSource: "198.51.100.9"}) {
					t.Errorf("published: %+v %+v", published, data)
				}
			},
			then: func(t *testing.T, st store.Store, c *clock) {
				storeDay(t, st, "example.com", newest.AddDate(0, 0, 1), now.AddDate(0, 0, 1), steady(0, now)...)
				c.set(now.AddDate(0, 0, 1))
			},
		},
		{
			name: "new failing source",
			rule: Rule{Name: "new", Type: TypeNewSource, Settings: json.RawMessage(`{"min_messages":100,"only_failing":true}`)},
			world: func(t *testing.T, st store.Store) {
				history(t, st, "example.com", newest, 30, steady)
				storeDay(t, st, "example.com", newest, now, plus(fail("203.0.113.7", 250), pass("203.0.113.8", 150),
					fail("203.0.113.9", 99))(0, newest)...)
			},
			want: []string{"example.com:source:203.0.113.7"},
			check: func(t *testing.T, as []Alert, _ []notice.Message) {
				if a := as[0]; a.Severity != notice.Critical || a.Title != "example.com: new source 203.0.113.7" ||
					!strings.Contains(a.Summary, "250 messages") {
					t.Errorf("alert: %+v", a)
				}
			},
			then: func(t *testing.T, st store.Store, c *clock) {
				for i := 1; i <= NewDays; i++ {
					storeDay(t, st, "example.com", newest.AddDate(0, 0, i), now.AddDate(0, 0, i), steady(0, now)...)
				}
				c.set(now.AddDate(0, 0, NewDays))
			},
		},
		{
			name: "any new source",
			rule: Rule{Name: "new", Type: TypeNewSource, Settings: json.RawMessage(`{"min_messages":100}`)},
			world: func(t *testing.T, st store.Store) {
				history(t, st, "example.com", newest, 30, steady)
				storeDay(t, st, "example.com", newest, now, plus(fail("203.0.113.7", 250), pass("203.0.113.8", 150))(0, newest)...)
			},
			want: []string{"example.com:source:203.0.113.7", "example.com:source:203.0.113.8"},
		},
		{
			name: "volume spike",
			rule: Rule{Name: "volume", Type: TypeVolumeChange},
			world: func(t *testing.T, st store.Store) {
				history(t, st, "example.com", newest, 20, steady)
				storeDay(t, st, "example.com", newest, now, pass("192.0.2.1", 1800), pass("192.0.2.2", 1140), fail("192.0.2.3", 60))
			},
			want: []string{"example.com:volume:spike"},
			check: func(t *testing.T, as []Alert, _ []notice.Message) {
				if a := as[0]; a.Title != "example.com: mail volume 3× the usual" || fact(a.Facts, "Usual") != "1,000" {
					t.Errorf("alert: %+v", a)
				}
			},
			then: func(t *testing.T, st store.Store, c *clock) {
				storeDay(t, st, "example.com", newest.AddDate(0, 0, 1), now.AddDate(0, 0, 1), steady(0, now)...)
				c.set(now.AddDate(0, 0, 1))
			},
		},
		{
			// The drop is judged two days back: the newest days may
			// still get reports.
			name: "volume drop",
			rule: Rule{Name: "volume", Type: TypeVolumeChange, Settings: json.RawMessage(`{"drop_percent":50}`)},
			world: func(t *testing.T, st store.Store) {
				history(t, st, "example.com", newest.AddDate(0, 0, 1), 21, func(i int, d time.Time) []src {
					if d.Equal(newest.AddDate(0, 0, -2)) {
						return []src{pass("192.0.2.1", 100)}
					}
					if d.Equal(newest) {
						return []src{pass("192.0.2.1", 10)} // provisional: not judged
					}
					return steady(i, d)
				})
			},
			want: []string{"example.com:volume:drop"},
			check: func(t *testing.T, as []Alert, _ []notice.Message) {
				if a := as[0]; a.Title != "example.com: mail volume down 90%" || !strings.Contains(a.Summary, "2026-11-21") {
					t.Errorf("alert: %+v", a)
				}
			},
			then: func(t *testing.T, st store.Store, c *clock) { c.set(now.AddDate(0, 0, 1)) },
		},
		{
			name: "failure rate increase",
			rule: Rule{Name: "failures", Type: TypeFailureRateIncrease, Settings: json.RawMessage(`{"points":10}`)},
			world: func(t *testing.T, st store.Store) {
				history(t, st, "example.com", newest, 20, steady)
				storeDay(t, st, "example.com", newest, now, pass("192.0.2.1", 800), fail("198.51.100.9", 200))
			},
			want: []string{"example.com:failure_rate"},
			check: func(t *testing.T, as []Alert, published []notice.Message) {
				if a := as[0]; a.Title != "example.com: DMARC failures up 18 points to 20%" || len(published) != 0 {
					t.Errorf("alert: %+v, published %v", a, published)
				}
			},
			then: func(t *testing.T, st store.Store, c *clock) {
				storeDay(t, st, "example.com", newest.AddDate(0, 0, 1), now.AddDate(0, 0, 1), steady(0, now)...)
				c.set(now.AddDate(0, 0, 1))
			},
		},
		{
			name: "new domain",
			rule: Rule{Name: "domains", Type: TypeNewDomain},
			world: func(t *testing.T, st store.Store) {
				history(t, st, "example.com", newest, 10, steady)
				storeDay(t, st, "example.net", newest, now.Add(-time.Hour), steady(0, now)...)
			},
			want: []string{"example.net:new_domain"},
			check: func(t *testing.T, as []Alert, _ []notice.Message) {
				if a := as[0]; a.Domain != "example.net" || a.Severity != notice.Info || fact(a.Facts, "Messages") != "1,000" {
					t.Errorf("alert: %+v", a)
				}
			},
			then: func(t *testing.T, st store.Store, c *clock) { c.set(now.AddDate(0, 0, NewDays)) },
		},
		{
			name: "anomaly",
			rule: Rule{Name: "anomalies", Type: TypeAnomaly, Settings: json.RawMessage(`{"kinds":["volume_spike"]}`)},
			world: func(t *testing.T, st store.Store) {
				history(t, st, "example.com", newest, 60, steady)
				storeDay(t, st, "example.com", newest, now, pass("192.0.2.1", 3000), pass("192.0.2.2", 1900), fail("192.0.2.3", 100))
			},
			want: []string{"example.com:anomaly:volume_spike:2026-11-23"},
			check: func(t *testing.T, as []Alert, _ []notice.Message) {
				if a := as[0]; !strings.HasPrefix(a.Title, "example.com: volume spike (2026-11-23)") || fact(a.Facts, "Anomaly") == "" {
					t.Errorf("alert: %+v", a)
				}
			},
			then: func(t *testing.T, st store.Store, c *clock) {
				for i := 1; i <= NewDays; i++ {
					storeDay(t, st, "example.com", newest.AddDate(0, 0, i), now.AddDate(0, 0, i), steady(0, now)...)
				}
				c.set(now.AddDate(0, 0, NewDays))
			},
		},
		{
			name: "DNS regression",
			rule: Rule{Name: "dns", Type: TypeDNSRegression, Domain: "example.com"},
			world: func(t *testing.T, st store.Store) {
				for i, r := range [][]byte{dnsResult(), dnsResult(dmarcBroken,
					dnscheck.Finding{Severity: dnscheck.SeverityWarning, Code: "dmarc.no_rua", Message: "No rua."})} {
					if _, err := st.AddDNSCheck(t.Context(), store.DNSCheck{Domain: "example.com", CheckedAt: now.Add(time.Duration(i-2) * time.Hour),
						Origin: "schedule", Status: "ok", Result: r}, 0); err != nil {
						t.Fatal(err)
					}
				}
			},
			want: []string{"example.com:dns:dmarc:dmarc.syntax"},
			check: func(t *testing.T, as []Alert, _ []notice.Message) {
				if a := as[0]; a.Title != "example.com: DMARC record: Syntax error: p=rejct." || a.Severity != notice.Critical ||
					!strings.Contains(a.Summary, "Fix: v=DMARC1; p=reject") {
					t.Errorf("alert: %+v", a)
				}
			},
			then: func(t *testing.T, st store.Store, c *clock) {
				if _, err := st.AddDNSCheck(t.Context(), store.DNSCheck{Domain: "example.com", CheckedAt: now, Origin: "schedule",
					Status: "ok", Result: dnsResult()}, 0); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name: "TLS success below",
			rule: Rule{Name: "tls", Type: TypeTLSSuccessBelow, Settings: json.RawMessage(`{"threshold":95,"window":"24h"}`)},
			world: func(t *testing.T, st store.Store) {
				tlsDay(t, st, "example.com", newest.AddDate(0, 0, -1), 1000, 0)
				tlsDay(t, st, "example.com", newest, 800, 200,
					tlsrpt.Failure{ResultType: tlsrpt.ResultCertificateExpired, ReceivingMXHostname: "mx1.example.com", Sessions: 200})
			},
			want: []string{"example.com:tls:success"},
			check: func(t *testing.T, as []Alert, _ []notice.Message) {
				if a := as[0]; a.Title != "example.com: TLS sessions 80% successful (below 95%)" || a.Severity != notice.Critical ||
					!strings.Contains(a.Summary, "certificate expired at mx1.example.com: Renew") ||
					fact(a.Facts, "Most failures") != "certificate-expired at mx1.example.com (200 sessions)" {
					t.Errorf("alert: %+v", a)
				}
			},
			then: func(t *testing.T, st store.Store, c *clock) {
				tlsDay(t, st, "example.com", newest.AddDate(0, 0, 1), 1000, 0)
				c.set(now.AddDate(0, 0, 1))
			},
		},
		{
			name: "TLS new failure",
			rule: Rule{Name: "tls new", Type: TypeTLSNewFailure},
			world: func(t *testing.T, st store.Store) {
				// An old failure at mx2 is not new; STARTTLS at mx1 is.
				old := tlsrpt.Failure{ResultType: tlsrpt.ResultValidationFailure, ReceivingMXHostname: "mx2.example.com", Sessions: 3}
				tlsDay(t, st, "example.com", newest.AddDate(0, 0, -10), 97, 3, old)
				tlsDay(t, st, "example.com", newest, 90, 10, old,
					tlsrpt.Failure{ResultType: tlsrpt.ResultSTARTTLSNotSupported, ReceivingMXHostname: "mx1.example.com", Sessions: 7})
			},
			want: []string{"example.com:tls:failure:starttls-not-supported:mx1.example.com"},
			check: func(t *testing.T, as []Alert, _ []notice.Message) {
				if a := as[0]; a.Title != "example.com: new TLS failure, starttls not offered at mx1.example.com" || a.Severity != notice.Warning ||
					!strings.HasPrefix(a.Summary, "7 TLS sessions failed at mx1.example.com since 2026-11-23, none in the 30 days before.") {
					t.Errorf("alert: %+v", a)
				}
			},
			then: func(t *testing.T, st store.Store, c *clock) {
				tlsDay(t, st, "example.com", newest.AddDate(0, 0, NewDays), 100, 0)
				c.set(now.AddDate(0, 0, NewDays))
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			eachStore(t, func(t *testing.T, st store.Store) {
				tc.world(t, st)
				e, n, c := newEngine(st, now)
				rule := addRule(t, e, tc.rule)
				evaluate(t, e)
				as := activeAlerts(t, e)
				if got := keys(as); !slices.Equal(got, tc.want) {
					t.Fatalf("alerts %v, want %v: %+v", got, tc.want, as)
				}
				for _, a := range as {
					if a.RuleID != rule.ID || a.State != store.AlertOpen || !a.Opened.Equal(now) || a.Title == "" || a.Summary == "" {
						t.Errorf("alert: %+v", a)
					}
				}
				_, published := n.take()
				if tc.check != nil {
					tc.check(t, as, published)
				}
				if tc.then == nil {
					return
				}
				tc.then(t, st, c)
				evaluate(t, e)
				if got := keys(activeAlerts(t, e)); !slices.Equal(got, tc.wantThen) {
					t.Errorf("after the change: alerts %v, want %v", got, tc.wantThen)
				}
				for _, a := range as {
					got, err := e.Alert(t.Context(), a.ID)
					if err != nil || got.State != store.AlertResolved || got.ResolvedBy != "" || !got.Cleared.Equal(c.now()) {
						t.Errorf("cleared alert: %+v, %v", got, err)
					}
				}
				_, published = n.take()
				if tc.rule.Type == TypeComplianceBelow {
					var data webhook.ComplianceChangedData
					if len(published) != 1 || json.Unmarshal(published[0].Event.Data, &data) != nil || data.CurrentCompliance != 98 ||
						data.PreviousCompliance != 70 {
						t.Errorf("published at recovery: %+v", published)
					}
				}
			})
		})
	}
}

// activeAlerts lists the active alerts, by key.
func activeAlerts(t *testing.T, e *Engine) []Alert {
	t.Helper()
	list, err := e.Alerts(t.Context(), store.AlertFilter{Active: true})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(list, func(a, b Alert) int { return strings.Compare(a.Key, b.Key) })
	return list
}

func keys(as []Alert) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Key)
	}
	return out
}

// TestValidate checks rules' settings: defaults written in full, and the
// errors naming the setting.
func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule     Rule
		settings string // written by Validate
		field    string // of the error
	}{
		{Rule{Name: "c", Type: TypeComplianceBelow}, `{"threshold":90,"window":"24h","min_messages":100}`, ""},
		{Rule{Name: "c", Type: TypeComplianceBelow, Settings: json.RawMessage(`{"window":"168h"}`)},
			`{"threshold":90,"window":"7d","min_messages":100}`, ""},
		{Rule{Name: "c", Type: TypeComplianceBelow, Settings: json.RawMessage(`{"window":"7d","threshold":95.5}`)},
			`{"threshold":95.5,"window":"7d","min_messages":100}`, ""},
		{Rule{Name: "c", Type: TypeComplianceBelow, Settings: json.RawMessage(`{"window":"90m"}`)}, "", "settings"},
		{Rule{Name: "c", Type: TypeComplianceBelow, Settings: json.RawMessage(`{"window":"40d"}`)}, "", "settings"},
		{Rule{Name: "c", Type: TypeComplianceBelow, Settings: json.RawMessage(`{"threshold":101}`)}, "", "settings.threshold"},
		{Rule{Name: "c", Type: TypeComplianceBelow, Settings: json.RawMessage(`{"spike_percent":1}`)}, "", "settings"},
		{Rule{Name: "v", Type: TypeVolumeChange, Settings: json.RawMessage(`{"spike_percent":0,"drop_percent":0}`)}, "", "settings.spike_percent"},
		{Rule{Name: "v", Type: TypeVolumeChange, Settings: json.RawMessage(`{"drop_percent":100}`)}, "", "settings.drop_percent"},
		{Rule{Name: "a", Type: TypeAnomaly, Settings: json.RawMessage(`{"kinds":["volume_spike","new_source","volume_spike"]}`)},
			`{"min_score":50,"kinds":["new_source","volume_spike"]}`, ""},
		{Rule{Name: "a", Type: TypeAnomaly, Settings: json.RawMessage(`{"kinds":["weather"]}`)}, "", "settings.kinds"},
		{Rule{Name: "d", Type: TypeDNSRegression, Settings: json.RawMessage(`{"min_severity":"info"}`)}, "", "settings.min_severity"},
		{Rule{Name: "d", Type: TypeNewDomain, Settings: json.RawMessage(`null`)}, `{}`, ""},
		{Rule{Name: " ", Type: TypeNewDomain}, "", "name"},
		{Rule{Name: "x", Type: "weather"}, "", "type"},
		{Rule{Name: "x", Type: TypeNewDomain, Severity: "urgent"}, "", "severity"},
		{Rule{Name: "x", Type: TypeNewDomain, Channels: []int64{0}}, "", "channels"},
		{Rule{Name: "x", Type: TypeNewDomain, Domain: "a b"}, "", "domain"},
	}
	for i, tc := range tests {
		err := tc.rule.Validate()
		var ve *ValidationError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%d: %v", i, err)
		case tc.field != "" && (!errors.As(err, &ve) || ve.Field != tc.field):
			t.Errorf("%d: error %v, want one of %s", i, err, tc.field)
		case tc.field == "" && string(tc.rule.Settings) != tc.settings:
			t.Errorf("%d: settings %s, want %s", i, tc.rule.Settings, tc.settings)
		}
	}
	r := Rule{Name: " Mixed ", Type: TypeNewDomain, Domain: " Example.COM. ", Channels: []int64{3, 1, 3}}
	if err := r.Validate(); err != nil || r.Name != "Mixed" || r.Domain != "example.com" || !slices.Equal(r.Channels, []int64{1, 3}) {
		t.Errorf("normalized: %+v, %v", r, err)
	}
}

// TestPresets: every preset is a valid rule.
func TestPresets(t *testing.T) {
	t.Parallel()
	ps := Presets()
	if len(ps) != len(Types()) {
		t.Errorf("%d presets for %d types", len(ps), len(Types()))
	}
	for _, p := range ps {
		if err := p.Validate(); err != nil || p.settings == nil {
			t.Errorf("preset %s: %v", p.Name, err)
		}
	}
}
