package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck/dnstest"
)

// TestDNSCheck runs "dns check" against a DNS server on loopback serving
// the domains of dnscheck's golden tests.
func TestDNSCheck(t *testing.T) {
	t.Parallel()
	zone, err := os.ReadFile(filepath.Join("..", "dnscheck", "testdata", "domains.zone"))
	if err != nil {
		t.Fatal(err)
	}
	// MTA-STS needs an HTTPS server; the command reaches none here, so
	// good.example's policy record is left out.
	srv := dnstest.NewServer(t, strings.ReplaceAll(string(zone), "_mta-sts.good.example.", "_mta-sts-off.good.example."))
	runCases(t, []cmdCase{
		{name: "valid domain", args: []string{"dns", "check", "--resolver", srv.Addr, "--selector", "s1", "good.example"}, code: ExitOK,
			stdout: []string{"DNS check of good.example", "✅ DMARC: Valid", "   Policy: reject | Alignment: DKIM strict, SPF relaxed", "✅ SPF: Valid", "2/10 DNS lookups", "✅ DKIM (s1): Valid", "RSA 2048-bit key", "ℹ️ MTA-STS: Not published", "0 errors, 0 warnings"}},
		{name: "flags after the domain", args: []string{"dns", "check", "good.example", "--selector=s1", "--resolver", srv.Addr}, code: ExitOK,
			stdout: []string{"✅ DKIM (s1): Valid"}},
		{name: "errors", args: []string{"dns", "check", "--resolver", srv.Addr, "--selector", "s1,google", "broken.example"}, code: ExitFail,
			stdout: []string{"❌ SPF: Error", "2 SPF records", "❌ DKIM (google): Error", "Selector 'google' not found", "Expected: google._domainkey.broken.example"}},
		{name: "environment", args: []string{"dns", "check", "mail.example.co.uk"}, vars: map[string]string{"PARSE_DMARC_RESOLVER": srv.Addr}, code: ExitOK,
			stdout: []string{"_dmarc.example.co.uk: v=DMARC1", "Policy: quarantine (inherited)", "⚠️ SPF: Warning", "8/10 DNS lookups"}},
		{name: "no domain", args: []string{"dns", "check"}, code: ExitUsage, stderr: "Usage: parse-dmarc dns check"},
		{name: "no subcommand", args: []string{"dns", "example.com"}, code: ExitUsage, stderr: "Usage: parse-dmarc dns check"},
		{name: "bad domain", args: []string{"dns", "check", "--resolver", srv.Addr, "not_a domain"}, code: ExitUsage, stderr: "invalid domain name"},
		{name: "help", args: []string{"dns", "check", "--help"}, code: ExitOK, stderr: "--selector"},
	})

	// --json prints the result the API serves.
	env := mapEnv(nil)
	code := Run(context.Background(), []string{"dns", "check", "--json", "--resolver", srv.Addr, "--selector", "s1", "broken.example"}, env)
	var r dnscheck.Result
	if err := json.Unmarshal(env.Stdout.(*bytes.Buffer).Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if code != ExitFail || r.Domain != "broken.example" || r.Status != dnscheck.StatusError || r.SPF.Status != dnscheck.StatusError || len(r.DKIM) != 1 {
		t.Errorf("--json: exit %d, %+v", code, r)
	}
}

// cmdCase is a run of a command with what its output must hold.
type cmdCase struct {
	name   string
	args   []string
	vars   map[string]string
	code   int
	stdout []string // parts of standard output
	stderr string   // part of standard error
}

// runCases runs each case in parallel.
func runCases(t *testing.T, tests []cmdCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := mapEnv(tc.vars)
			code := Run(context.Background(), tc.args, env)
			stdout, stderr := env.Stdout.(*bytes.Buffer).String(), env.Stderr.(*bytes.Buffer).String()
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, stderr)
			}
		})
	}
}

func TestInterleaved(t *testing.T) {
	t.Parallel()
	fs := flagSet(mapEnv(nil), "x", "", "")
	fs.Bool("json", false, "")
	fs.String("resolver", "", "")
	got := interleaved(fs, []string{"example.com", "--json", "--resolver", "1.2.3.4", "--x=1", "--", "-odd"})
	want := "--json --resolver 1.2.3.4 --x=1 -- example.com -odd"
	if strings.Join(got, " ") != want {
		t.Errorf("interleaved = %q, want %q", got, want)
	}
}
