package dnscheck

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck/dnstest"
)

// newChecker starts a DNS server on loopback serving zone and returns a
// Checker that asks it.
func newChecker(t *testing.T, zone string) (*Checker, *dnstest.Server) {
	t.Helper()
	srv := dnstest.NewServer(t, zone)
	return &Checker{Servers: []string{srv.Addr}, Timeout: 2 * time.Second}, srv
}

// codes returns the codes of findings.
func codes(fs []Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Code
	}
	return out
}

// wantCodes fails unless the codes of fs are exactly want, in any order.
func wantCodes(t *testing.T, what string, fs []Finding, want ...string) {
	t.Helper()
	got := codes(fs)
	slices.Sort(got)
	want = slices.Clone(want)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s: findings %v, want %v", what, got, want)
		for _, f := range fs {
			t.Logf("  %s %s: %s (fix: %s)", f.Severity, f.Code, f.Message, f.Fix)
		}
	}
}

// finding returns the first finding with code, failing when there is none.
func finding(t *testing.T, fs []Finding, code string) Finding {
	t.Helper()
	for _, f := range fs {
		if f.Code == code {
			return f
		}
	}
	t.Fatalf("no finding %s in %v", code, codes(fs))
	return Finding{}
}

// mustContain fails unless s contains each of parts.
func mustContain(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%s = %q, want it to contain %q", what, s, p)
		}
	}
}
