package dnscheck

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// Fuzz targets for every parser: go test -run '^$' -fuzz '^FuzzParseSPF$' ./internal/dnscheck

// validFindings fails on a finding without a known severity, a code or a
// message.
func validFindings(t *testing.T, fs []Finding) {
	t.Helper()
	for _, f := range fs {
		if f.Severity != SeverityError && f.Severity != SeverityWarning && f.Severity != SeverityInfo || f.Code == "" || f.Message == "" {
			t.Fatalf("bad finding %+v", f)
		}
	}
}

func FuzzParseDMARC(f *testing.F) {
	for _, s := range []string{
		"v=DMARC1; p=reject; sp=quarantine; np=reject; pct=50; rua=mailto:a@example.com!10m,mailto:b@example.net; ruf=mailto:f@example.com; adkim=s; aspf=r; fo=1:d; rf=afrf; ri=3600; psd=n; t=y",
		"v=DMARC1;p=none", "v=dmarc1; p=reject", "v=DMARC1 p=reject", "v=DMARC1; p=rejcet; rau=x", "v=DMARC1; rua=dmarc@example.com;;",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, txt string) {
		r, fs := ParseDMARC(txt)
		validFindings(t, fs)
		if r == nil {
			if len(fs) == 0 {
				t.Fatal("no record and no finding")
			}
			return
		}
		if !isDMARCRecord(txt) || r.Tags[0] != (Tag{"v", "DMARC1"}) {
			t.Fatalf("record from %q: %+v", txt, r.Tags)
		}
		if r.Percent < 0 || r.Percent > 100 || policyRank(r.Policy) < 0 && r.Policy != "" || r.ADKIM != "r" && r.ADKIM != "s" {
			t.Fatalf("values %+v", r)
		}
		for _, u := range append(r.RUA, r.RUF...) {
			if u.Scheme == "mailto" && !validDomain(u.Domain) {
				t.Fatalf("mailto domain %q", u.Domain)
			}
		}
		_ = dmarcSummary(r, false)
		_ = dmarcAdvice(r, "example.com", false)
	})
}

func FuzzParseSPF(f *testing.F) {
	for _, s := range []string{
		"v=spf1 +a -mx:mail.example.com/24 ~ip4:192.0.2.0/24 ?ip6:2001:db8::/32 a/28//64 mx//48 ptr include:_spf.example.net exists:%{ir}.%{l1r+-}._spf.%{d} redirect=_spf.example.com exp=explain.%{d} foo=%{S} -all",
		"v=spf1 ip4:1 foo:bar mx -all", "v=spf1 exists:%{i.example.com", "v=spf1 a:%{d5r=_}.x.example", "v=spf1 redirect=a.example redirect=b.example", "v=spf1",
	} {
		f.Add(s)
	}
	env := &macroEnv{sender: "a-b@mail.example.com", local: "a-b", senderDomain: "mail.example.com", domain: "example.com",
		ip: netip.MustParseAddr("2001:db8::1"), helo: "mx.example.org", now: time.Unix(0, 0)}
	f.Fuzz(func(t *testing.T, txt string) {
		rec, err := ParseSPF(txt)
		if (rec == nil) != errors.Is(err, ErrNotSPF) {
			t.Fatalf("record %v, error %v", rec, err)
		}
		if rec == nil {
			return
		}
		var texts []string
		for _, term := range rec.Terms {
			if term.Text == "" || strings.Contains(term.Text, " ") || !strings.Contains(txt, term.Text) {
				t.Fatalf("term %q of %q", term.Text, txt)
			}
			texts = append(texts, term.Text)
			if d := truncateDomain(expand(term.macro, env)); len(d) > 253 {
				t.Fatalf("expanded %q to %d bytes", term.Domain, len(d))
			}
		}
		// The terms that parsed parse again, alone.
		again, err := ParseSPF(strings.Join(append([]string{"v=spf1"}, texts...), " "))
		if err != nil || len(again.Terms) != len(rec.Terms) {
			t.Fatalf("terms %q do not parse again: %v", texts, err)
		}
		_ = lintSPF(rec, "", true)
		_ = mergeSPF([]string{txt, "v=spf1 -all"})
		for _, s := range splitTXT(txt) {
			if len(s) > txtStringLimit {
				t.Fatalf("split string of %d bytes", len(s))
			}
		}
	})
}

func FuzzParseDKIMKey(f *testing.F) {
	keys := testKeys()
	for _, s := range []string{
		"v=DKIM1; k=rsa; p=" + keys["rsa1024"], "v=DKIM1; k=ed25519; p=" + keys["ed25519"], "p=" + keys["pkcs1"],
		"v=DKIM1; p=", "v=DKIM1; t=y:s; h=sha1:sha256; s=email; n=note; p=bm90IGEga2V5", "v=DKIM1 p=abc",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, txt string) {
		k, fs := ParseDKIMKey(txt)
		validFindings(t, fs)
		if k == nil {
			return
		}
		if k.Revoked && k.Bits != 0 || k.KeyType == "ed25519" && k.Bits != 0 && k.Bits != 256 {
			t.Fatalf("key %+v", k)
		}
		_ = dkimAdvice(k)
		_ = dkimSummary(k)
	})
}

func FuzzParseMTASTSPolicy(f *testing.F) {
	for _, p := range policies {
		f.Add(p.body[:min(len(p.body), 400)])
	}
	f.Fuzz(func(t *testing.T, text string) {
		p, fs := ParseMTASTSPolicy(text)
		validFindings(t, fs)
		if p.MaxAge < 0 || p.MaxAge > mtastsMaxAge {
			t.Fatalf("max_age %d", p.MaxAge)
		}
		for _, mx := range p.MX {
			_ = mxMatches(mx, "mx.example.com")
		}
	})
}

func FuzzParseTLSRPT(f *testing.F) {
	for _, s := range []string{
		"v=TLSRPTv1; rua=mailto:tls@example.com", "v=TLSRPTv1;rua=mailto:tls@example.com, https://reports.example.com/tls",
		"v=TLSRPTv1; rua=tls@example.com", "v=TLSRPTv1", "v=TLSRPTv1; ext=1; rua=mailto:a@example.com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, txt string) {
		r, fs := ParseTLSRPT(txt)
		validFindings(t, fs)
		if r != nil && !versionIs(txt, "TLSRPTv1") {
			t.Fatalf("record from %q", txt)
		}
	})
}

// FuzzTagRecords covers the other tag-list records: the MTA-STS TXT
// record and BIMI.
func FuzzTagRecords(f *testing.F) {
	for _, s := range []string{
		"v=STSv1; id=20260101T000000", "v=STSv1;", "v=STSv1; id=2026-01-01", "v=BIMI1; l=https://example.com/logo.svg; a=https://example.com/vmc.pem",
		"v=BIMI1; l=; a=;",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, txt string) {
		r, fs := ParseMTASTSRecord(txt)
		validFindings(t, fs)
		if r != nil && len(r.ID) > 32 {
			t.Fatalf("id %q", r.ID)
		}
		_, fs = ParseBIMI(txt)
		validFindings(t, fs)
	})
}

func TestMergeSPF(t *testing.T) {
	t.Parallel()
	tests := []struct {
		records []string
		want    string
	}{
		{[]string{"v=spf1 +all", "v=spf1 ip4:192.0.2.1 ?all"}, "v=spf1 ip4:192.0.2.1 ~all"},
		{[]string{"v=spf1 mx ~all", "v=spf1 mx ip4:192.0.2.1 -all"}, "v=spf1 mx ip4:192.0.2.1 -all"},
		{[]string{"v=spf1 a", "v=spf1 mx"}, "v=spf1 a mx"},
	}
	for _, tc := range tests {
		if got := mergeSPF(tc.records); got != tc.want {
			t.Errorf("mergeSPF(%q) = %q, want %q", tc.records, got, tc.want)
		}
	}
}
