package tlsrpt

import (
	"errors"
	"strings"
	"testing"
)

// report is a valid report with one policy; edit replaces its parts.
func report(edit map[string]string) string {
	parts := map[string]string{
		"org":     `"organization-name": "Example"`,
		"range":   `"date-range": {"start-datetime": "2024-01-09T00:00:00Z", "end-datetime": "2024-01-09T23:59:59Z"}`,
		"contact": `"contact-info": "tls@example.net"`,
		"id":      `"report-id": "r1"`,
		"policy":  `"policy": {"policy-type": "sts", "policy-string": ["version: STSv1"], "policy-domain": "example.com", "mx-host": "mx.example.com"}`,
		"summary": `"summary": {"total-successful-session-count": 10, "total-failure-session-count": 2}`,
		"details": `"failure-details": [{"result-type": "certificate-expired", "sending-mta-ip": "192.0.2.1", "failed-session-count": 2}]`,
	}
	for k, v := range edit {
		parts[k] = v
	}
	var policy []string
	for _, k := range []string{"policy", "summary", "details"} {
		if parts[k] != "" {
			policy = append(policy, parts[k])
		}
	}
	var top []string
	for _, k := range []string{"org", "range", "contact", "id"} {
		if parts[k] != "" {
			top = append(top, parts[k])
		}
	}
	top = append(top, `"policies": [{`+strings.Join(policy, ", ")+`}]`)
	return "{" + strings.Join(top, ", ") + "}"
}

func TestParseMessages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		input string
		// want is "severity field" of every message, in order.
		want []string
	}{
		{"valid", report(nil), nil},
		{"no organization", report(map[string]string{"org": ""}), []string{"error organization-name"}},
		{"no date range", report(map[string]string{"range": ""}), []string{"error date-range"}},
		{"range backwards", report(map[string]string{"range": `"date-range": {"start-datetime": "2024-01-09T00:00:00Z", "end-datetime": "2024-01-08T00:00:00Z"}`}), []string{"error date-range"}},
		{"not RFC 3339", report(map[string]string{"range": `"date-range": {"start-datetime": "2024-01-09", "end-datetime": "2024-01-09T23:59:59Z"}`}), []string{"warning date-range.start-datetime"}},
		{"not a date", report(map[string]string{"range": `"date-range": {"start-datetime": "yesterday", "end-datetime": "2024-01-09T23:59:59Z"}`}), []string{"error date-range.start-datetime"}},
		{"unknown policy type", report(map[string]string{"policy": `"policy": {"policy-type": "dane", "policy-domain": "example.com"}`}), []string{"warning policies[0].policy.policy-type"}},
		{"mx-host as a list", report(map[string]string{"policy": `"policy": {"policy-type": "sts", "policy-domain": "example.com", "mx-host": ["a.example.com", "b.example.com"]}`}), []string{"warning policies[0].policy.mx-host"}},
		{"no summary", report(map[string]string{"summary": ""}), []string{"error policies[0].summary"}},
		{"negative count", report(map[string]string{"summary": `"summary": {"total-successful-session-count": -1, "total-failure-session-count": 2}`}), []string{"error policies[0].summary.total-successful-session-count"}},
		{"count as a string", report(map[string]string{"summary": `"summary": {"total-successful-session-count": "10", "total-failure-session-count": 2}`}), []string{"warning policies[0].summary.total-successful-session-count"}},
		{"fractional count", report(map[string]string{"summary": `"summary": {"total-successful-session-count": 1.5, "total-failure-session-count": 2}`}), []string{"error policies[0].summary.total-successful-session-count"}},
		{"details above the summary", report(map[string]string{"summary": `"summary": {"total-successful-session-count": 0, "total-failure-session-count": 1}`}), []string{"warning policies[0].failure-details"}},
		{"unknown result type", report(map[string]string{"details": `"failure-details": [{"result-type": "tls-too-old", "failed-session-count": 2}]`}), []string{"warning policies[0].failure-details[0].result-type"}},
		{"errors before warnings", report(map[string]string{"org": "", "details": `"failure-details": [{"result-type": "tls-too-old", "failed-session-count": 2}]`}),
			[]string{"error organization-name", "warning policies[0].failure-details[0].result-type"}},
		{"no policy", `{"organization-name": "E", "date-range": {"start-datetime": "2024-01-09T00:00:00Z", "end-datetime": "2024-01-10T00:00:00Z"}, "contact-info": "c", "report-id": "r", "policies": []}`, []string{"error policies"}},
		{"long string", report(map[string]string{"contact": `"contact-info": "` + strings.Repeat("a", 1200) + `"`}), []string{"warning contact-info"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := Parse(strings.NewReader(tc.input))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range r.Messages {
				got = append(got, m.Severity+" "+m.Field)
				if m.Message == "" {
					t.Errorf("message without text: %+v", m)
				}
			}
			if strings.Join(got, "; ") != strings.Join(tc.want, "; ") {
				t.Errorf("messages %q, want %q (%+v)", got, tc.want, r.Messages)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, input string
		err         error
		detail      string
	}{
		{"empty", "", ErrNotReport, "empty"},
		{"XML", "<feedback/>", ErrNotReport, "invalid JSON"},
		{"an array", "[]", ErrNotReport, "not an object"},
		{"truncated", report(nil)[:100], ErrNotReport, "ends early"},
		{"no report-id", report(map[string]string{"id": ""}), ErrNotReport, "report-id: missing"},
		{"no policies", `{"report-id": "r"}`, ErrNotReport, "policies: missing"},
		{"wrong type", `{"report-id": "r", "policies": {}}`, ErrNotReport, "policies: a JSON object where RFC 8460 wants an array"},
		{"two objects", report(nil) + report(nil), ErrNotReport, "data after"},
		{"too large", `{"report-id": "` + strings.Repeat("a", MaxSize) + `"}`, ErrTooLarge, "over 20 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(strings.NewReader(tc.input))
			var pe *ParseError
			if !errors.Is(err, tc.err) || !errors.As(err, &pe) || !strings.Contains(pe.Detail, tc.detail) {
				t.Errorf("err %v, want %v with %q", err, tc.err, tc.detail)
			}
		})
	}
}

func TestBOMAndCase(t *testing.T) {
	t.Parallel()
	in := "\xef\xbb\xbf" + strings.Replace(report(nil), `"example.com"`, `"Example.COM."`, 1)
	r, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if r.Policies[0].Domain != "example.com" {
		t.Errorf("domain %q", r.Policies[0].Domain)
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	for typ := range explanations {
		e := Explain(typ)
		if e.Title == "" || e.Meaning == "" || e.Fix == "" {
			t.Errorf("%s: %+v", typ, e)
		}
	}
	if len(explanations) != 11 {
		t.Errorf("%d result types, RFC 8460 section 4.3 has 11", len(explanations))
	}
	if e := Explain("tls-too-old"); !strings.Contains(e.Meaning, "tls-too-old") || Known("tls-too-old") {
		t.Errorf("unknown: %+v", e)
	}
}

// FuzzParse checks that Parse never panics, refuses with a ParseError,
// and returns reports whose counts are not negative.
func FuzzParse(f *testing.F) {
	f.Add(report(nil))
	f.Add(report(map[string]string{"org": "", "summary": `"summary": {"total-successful-session-count": "-3"}`}))
	f.Add(`{"report-id": "r", "policies": [{"policy": {"mx-host": [1]}}]}`)
	f.Fuzz(func(t *testing.T, in string) {
		r, err := Parse(strings.NewReader(in))
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error not a ParseError: %v", err)
			}
			return
		}
		for _, p := range r.Policies {
			if p.Successful < 0 || p.Failed < 0 || p.SuccessRate() < 0 || p.SuccessRate() > 1 {
				t.Fatalf("counts: %+v", p)
			}
			for _, fd := range p.Failures {
				if fd.Sessions < 0 {
					t.Fatalf("failure count: %+v", fd)
				}
			}
		}
	})
}
