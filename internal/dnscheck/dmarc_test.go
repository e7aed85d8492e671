package dnscheck

import (
	"context"
	"slices"
	"testing"
)

func TestParseDMARC(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		txt   string
		nil   bool
		codes []string
		check func(t *testing.T, r *DMARCRecord)
	}{
		{name: "full", txt: "v=DMARC1; p=reject; sp=quarantine; np=reject; pct=50; rua=mailto:a@example.com!10m,mailto:b@example.net; ruf=mailto:f@example.com; adkim=s; aspf=r; fo=1:d; rf=afrf; ri=3600; psd=n; t=y",
			check: func(t *testing.T, r *DMARCRecord) {
				if r.Policy != "reject" || r.SubdomainPolicy != "quarantine" || r.NonexistentPolicy != "reject" || r.Percent != 50 ||
					r.ADKIM != "s" || r.ASPF != "r" || r.Interval != 3600 || r.PSD != "n" || r.Testing != "y" ||
					!slices.Equal(r.FailureOptions, []string{"1", "d"}) {
					t.Errorf("record %+v", r)
				}
				if len(r.RUA) != 2 || r.RUA[0].Address != "a@example.com" || r.RUA[0].MaxSize != "10m" || r.RUA[1].Domain != "example.net" || len(r.RUF) != 1 {
					t.Errorf("rua %+v ruf %+v", r.RUA, r.RUF)
				}
			}},
		{name: "defaults", txt: "v=DMARC1;p=none",
			check: func(t *testing.T, r *DMARCRecord) {
				if r.SubdomainPolicy != "none" || r.NonexistentPolicy != "none" || r.Percent != 100 || r.ADKIM != "r" || r.Interval != 86400 {
					t.Errorf("defaults %+v", r)
				}
			}},
		{name: "spaces and case", txt: "v = DMARC1 ; P = Reject ; ADKIM=S ;",
			check: func(t *testing.T, r *DMARCRecord) {
				if r.Policy != "reject" || r.ADKIM != "s" {
					t.Errorf("record %+v", r)
				}
			}},
		{name: "lower-case version", txt: "v=dmarc1; p=reject", nil: true, codes: []string{"dmarc.version"}},
		{name: "version not first", txt: "p=reject; v=DMARC1", nil: true, codes: []string{"dmarc.version"}},
		{name: "no policy", txt: "v=DMARC1; rua=mailto:a@example.com", codes: []string{"dmarc.policy_missing"}},
		{name: "bad values", txt: "v=DMARC1; p=block; pct=150; adkim=x; fo=2; ri=soon; psd=maybe; t=1",
			codes: []string{"dmarc.invalid_value", "dmarc.invalid_value", "dmarc.invalid_value", "dmarc.invalid_value", "dmarc.invalid_value", "dmarc.invalid_value", "dmarc.invalid_value"}},
		{name: "unknown tag", txt: "v=DMARC1; p=none; rau=mailto:a@example.com", codes: []string{"dmarc.unknown_tag"},
			check: func(t *testing.T, r *DMARCRecord) {
				if len(r.RUA) != 0 {
					t.Errorf("rua %v", r.RUA)
				}
			}},
		{name: "address without mailto", txt: "v=DMARC1; p=none; rua=dmarc@example.com", codes: []string{"dmarc.invalid_uri"}},
		{name: "bad size", txt: "v=DMARC1; p=none; rua=mailto:a@example.com!big", codes: []string{"dmarc.invalid_uri"}},
		{name: "https uri", txt: "v=DMARC1; p=none; rua=https://reports.example.com/dmarc", codes: []string{"dmarc.uri_scheme"}},
		{name: "syntax", txt: "v=DMARC1; p=none; rua", codes: []string{"dmarc.syntax"}},
		{name: "duplicate", txt: "v=DMARC1; p=none; p=reject", codes: []string{"dmarc.syntax"}},
		{name: "bad report format", txt: "v=DMARC1; p=none; rf=iodef", codes: []string{"dmarc.report_format"}},
	}
	for _, tc := range tests {
		r, fs := ParseDMARC(tc.txt)
		if (r == nil) != tc.nil {
			t.Errorf("%s: record %v, want nil %v", tc.name, r, tc.nil)
		}
		wantCodes(t, tc.name, fs, tc.codes...)
		if tc.check != nil && r != nil {
			tc.check(t, r)
		}
	}
	// The fixes name the corrected record.
	_, fs := ParseDMARC("v=DMARC1; p=none; rau=mailto:a@example.com")
	mustContain(t, "unknown tag message", fs[0].Message, "Did you mean rua?")
	mustContain(t, "unknown tag fix", fs[0].Fix, "v=DMARC1; p=none")
	_, fs = ParseDMARC("v=DMARC1; p=none; rua=dmarc@example.com")
	mustContain(t, "mailto fix", fs[0].Fix, "rua=mailto:dmarc@example.com")
	_, fs = ParseDMARC("v=DMARC1; p=rejcet")
	mustContain(t, "policy typo fix", fs[0].Fix, "v=DMARC1; p=reject")
	_, fs = ParseDMARC("v=DMARC1 p=reject; rua=mailto:d@example.com")
	mustContain(t, "missing separator fix", fs[0].Fix, "v=DMARC1; p=reject; rua=mailto:d@example.com")
	_, fs = ParseDMARC("v=dmarc1; p=reject")
	mustContain(t, "version fix", fs[0].Fix, "v=DMARC1; p=reject")
}

const dmarcZone = `
_dmarc.example.com.         TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"
_dmarc.example.com.         TXT "google-site-verification=abc"
_dmarc.example.co.uk.       TXT "v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@example.co.uk"
mail.example.co.uk.         A   192.0.2.1
_dmarc.none.example.        TXT "v=DMARC1; p=none"
_dmarc.two.example.         TXT "v=DMARC1; p=none"
_dmarc.two.example.         TXT "v=DMARC1; p=reject"
_dmarc.case.example.        TXT "v=dmarc1; p=reject"
_dmarc.ext.example.         TXT "v=DMARC1; p=quarantine; pct=25; rua=mailto:a@reports.example.net,mailto:b@other.example.org,mailto:c@sub.ext.example; ruf=mailto:f@wild.example.org"
ext.example._report._dmarc.reports.example.net. TXT "v=DMARC1;"
*._report._dmarc.wild.example.org.              TXT "v=DMARC1"
`

func TestCheckDMARC(t *testing.T) {
	t.Parallel()
	c, srv := newChecker(t, dmarcZone)
	srv.Fail("_dmarc.broken.example")
	ctx := context.Background()
	tests := []struct {
		domain  string
		status  Status
		name    string
		codes   []string
		summary string
	}{
		{"example.com", StatusOK, "_dmarc.example.com", nil, "Policy: reject | Alignment: relaxed"},
		{"mail.example.co.uk", StatusOK, "_dmarc.example.co.uk", []string{"dmarc.inherited"}, "Policy: quarantine (inherited) | Alignment: relaxed"},
		{"example.co.uk", StatusOK, "_dmarc.example.co.uk", []string{"dmarc.sp_weaker"}, "Policy: reject | Subdomains: quarantine | Alignment: relaxed"},
		{"none.example", StatusWarning, "_dmarc.none.example", []string{"dmarc.policy_none", "dmarc.no_rua"}, "Policy: none | Alignment: relaxed"},
		{"missing.example", StatusError, "_dmarc.missing.example", []string{"dmarc.missing"}, ""},
		{"two.example", StatusError, "_dmarc.two.example", []string{"dmarc.multiple"}, ""},
		{"case.example", StatusError, "_dmarc.case.example", []string{"dmarc.version"}, ""},
		{"broken.example", StatusError, "_dmarc.broken.example", []string{"dns.lookup_failed"}, ""},
		{"ext.example", StatusError, "_dmarc.ext.example", []string{"dmarc.pct_partial", "dmarc.external_unauthorized", "dmarc.ruf"}, "Policy: quarantine | pct: 25% | Alignment: relaxed"},
	}
	for _, tc := range tests {
		s, err := c.newSession()
		if err != nil {
			t.Fatal(err)
		}
		got := s.checkDMARC(ctx, tc.domain)
		if got.Status != tc.status || got.Name != tc.name || got.Summary != tc.summary {
			t.Errorf("%s: status %s name %s summary %q; want %s %s %q", tc.domain, got.Status, got.Name, got.Summary, tc.status, tc.name, tc.summary)
		}
		wantCodes(t, tc.domain, got.Findings, tc.codes...)
		if got.Records == nil || got.Findings == nil {
			t.Errorf("%s: nil slices", tc.domain)
		}
	}

	// The destinations of ext.example: one authorized by its own record,
	// one not, one by a wildcard, one inside the domain.
	s, _ := c.newSession()
	got := s.checkDMARC(ctx, "ext.example")
	want := []ReportDestination{
		{Tag: "rua", URI: "mailto:a@reports.example.net", Domain: "reports.example.net", External: true, AuthName: "ext.example._report._dmarc.reports.example.net", Authorized: true},
		{Tag: "rua", URI: "mailto:b@other.example.org", Domain: "other.example.org", External: true, AuthName: "ext.example._report._dmarc.other.example.org", Authorized: false},
		{Tag: "rua", URI: "mailto:c@sub.ext.example", Domain: "sub.ext.example", Authorized: true},
		{Tag: "ruf", URI: "mailto:f@wild.example.org", Domain: "wild.example.org", External: true, AuthName: "ext.example._report._dmarc.wild.example.org", Authorized: true},
	}
	if !slices.Equal(got.Destinations, want) {
		t.Errorf("destinations\n got %+v\nwant %+v", got.Destinations, want)
	}
	f := finding(t, got.Findings, "dmarc.external_unauthorized")
	mustContain(t, "unauthorized fix", f.Fix, "ext.example._report._dmarc.other.example.org", "v=DMARC1")

	// The missing record's fix is a record to publish.
	got = s.checkDMARC(ctx, "missing.example")
	mustContain(t, "missing fix", got.Findings[0].Fix, "_dmarc.missing.example", "v=DMARC1; p=none; rua=mailto:")
}
