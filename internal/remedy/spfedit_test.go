package remedy

import (
	"errors"
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
)

// TestInsertSPFTerm inserts an include where it takes effect: before all,
// before a redirect without all, at the end otherwise.
func TestInsertSPFTerm(t *testing.T) {
	t.Parallel()
	const inc = "include:sendgrid.net"
	tests := []struct {
		name, record, term string
		want               string
		already, created   bool
		passAll            string
	}{
		{name: "softfail", record: "v=spf1 include:_spf.google.com ~all", term: inc,
			want: "v=spf1 include:_spf.google.com include:sendgrid.net ~all"},
		{name: "fail", record: "v=spf1 mx -all", term: inc, want: "v=spf1 mx include:sendgrid.net -all"},
		{name: "neutral kept", record: "v=spf1 a ?all", term: inc, want: "v=spf1 a include:sendgrid.net ?all"},
		{name: "+all replaced", record: "v=spf1 include:x.example +all", term: inc,
			want: "v=spf1 include:x.example include:sendgrid.net ~all", passAll: "+all"},
		{name: "bare all replaced", record: "v=spf1 ip4:192.0.2.1 all", term: inc,
			want: "v=spf1 ip4:192.0.2.1 include:sendgrid.net ~all", passAll: "all"},
		{name: "all in capitals", record: "v=spf1 mx -ALL", term: inc, want: "v=spf1 mx include:sendgrid.net -ALL"},
		{name: "redirect", record: "v=spf1 ip4:192.0.2.0/24 redirect=_spf.example.com", term: inc,
			want: "v=spf1 ip4:192.0.2.0/24 include:sendgrid.net redirect=_spf.example.com"},
		{name: "redirect first", record: "v=spf1 redirect=_spf.example.com", term: inc,
			want: "v=spf1 include:sendgrid.net redirect=_spf.example.com"},
		{name: "all and redirect: redirect ignored", record: "v=spf1 mx -all redirect=_spf.example.com", term: inc,
			want: "v=spf1 mx include:sendgrid.net -all redirect=_spf.example.com"},
		{name: "exp kept after all", record: "v=spf1 mx -all exp=explain.example.com", term: inc,
			want: "v=spf1 mx include:sendgrid.net -all exp=explain.example.com"},
		{name: "no all", record: "v=spf1 mx", term: inc, want: "v=spf1 mx include:sendgrid.net"},
		{name: "terms after all stay after", record: "v=spf1 -all mx", term: inc, want: "v=spf1 include:sendgrid.net -all mx"},
		{name: "existing include", record: "v=spf1 include:sendgrid.net ~all", term: inc,
			want: "v=spf1 include:sendgrid.net ~all", already: true},
		{name: "existing include, other case and qualifier", record: "v=spf1 +Include:SendGrid.net -all", term: inc,
			want: "v=spf1 +Include:SendGrid.net -all", already: true},
		{name: "extra spaces", record: "v=spf1   mx    ~all  ", term: inc, want: "v=spf1 mx include:sendgrid.net ~all"},
		{name: "ip4 term", record: "v=spf1 include:_spf.google.com ~all", term: "ip4:198.51.100.25",
			want: "v=spf1 include:_spf.google.com ip4:198.51.100.25 ~all"},
		{name: "no record", record: "", term: inc, want: "v=spf1 include:sendgrid.net ~all", created: true},
		{name: "at the lookup limit", record: "v=spf1 a mx include:a.example include:b.example include:c.example include:d.example include:e.example include:f.example include:g.example include:h.example -all",
			term: inc, want: "v=spf1 a mx include:a.example include:b.example include:c.example include:d.example include:e.example include:f.example include:g.example include:h.example include:sendgrid.net -all"},
	}
	for _, tc := range tests {
		e, err := InsertSPFTerm(tc.record, tc.term)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if e.Record != tc.want || e.Already != tc.already || e.Created != tc.created || e.PassAllReplaced != tc.passAll {
			t.Errorf("%s:\n got %q already %v created %v +all %q\nwant %q already %v created %v +all %q",
				tc.name, e.Record, e.Already, e.Created, e.PassAllReplaced, tc.want, tc.already, tc.created, tc.passAll)
		}
		if _, err := dnscheck.ParseSPF(e.Record); err != nil {
			t.Errorf("%s: the result does not parse: %v", tc.name, err)
		}
	}
	for _, bad := range []struct{ record, term string }{{"v=spf10 mx", inc}, {"spf1 mx", inc}, {"v=spf1 mx", ""}, {"v=spf1 mx", "a b"}} {
		if _, err := InsertSPFTerm(bad.record, bad.term); err == nil {
			t.Errorf("InsertSPFTerm(%q, %q): no error", bad.record, bad.term)
		}
	}
	if _, err := InsertSPFTerm("v=DMARC1; p=none", inc); !errors.Is(err, dnscheck.ErrNotSPF) {
		t.Errorf("not SPF: %v", err)
	}
}

// FuzzInsertSPFTerm checks, for any record, that the result keeps every
// term, holds the new one once, ends evaluation with no +all and parses
// when the input did.
func FuzzInsertSPFTerm(f *testing.F) {
	for _, s := range []string{"v=spf1 mx -all", "v=spf1 redirect=x.example", "v=spf1 +all", "v=spf1 all mx", "v=spf1", "", "v=spf1 include:sendgrid.net"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, record string) {
		const term = "include:sendgrid.net"
		e, err := InsertSPFTerm(record, term)
		if err != nil {
			return
		}
		in := strings.Fields(strings.TrimSpace(record))
		out := strings.Fields(e.Record)
		if e.Already {
			if e.Record != strings.TrimSpace(record) {
				t.Fatalf("already, but changed: %q → %q", record, e.Record)
			}
			return
		}
		if len(in) == 0 {
			in = []string{"v=spf1", "~all"}
		}
		if len(out) != len(in)+1 && !e.Created {
			t.Fatalf("%q → %q: %d terms, want %d", record, e.Record, len(out), len(in)+1)
		}
		n := 0
		for _, t := range out {
			if canonicalTerm(t) == term {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%q → %q: the term %d times", record, e.Record, n)
		}
		for _, tm := range out {
			if l, ok := allMechanism(tm); ok {
				if l == "all" || l == "+all" {
					t.Fatalf("%q → %q passes all", record, e.Record)
				}
				break // the terms after the first all are never evaluated
			}
		}
		if _, perr := dnscheck.ParseSPF(record); perr == nil {
			if _, err := dnscheck.ParseSPF(e.Record); err != nil {
				t.Fatalf("%q parsed, %q does not: %v", record, e.Record, err)
			}
		}
	})
}
