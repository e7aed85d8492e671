package dnscheck

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/testcert"
)

// policies are the MTA-STS policy files the test HTTPS server serves, by
// host name; each answer is a status, a content type and a body.
var policies = map[string]struct {
	status int
	ctype  string
	body   string
}{
	"mta-sts.good.example":      {200, "text/plain", "version: STSv1\nmode: enforce\nmx: mx1.good.example\nmax_age: 1209600\n"},
	"mta-sts.sts.example":       {200, "text/plain; charset=utf-8", "version: STSv1\r\nmode: enforce\r\nmx: mx1.sts.example\r\nmx: *.backup.sts.example\r\nmax_age: 1209600\r\n"},
	"mta-sts.gap.example":       {200, "text/plain", "version: STSv1\nmode: enforce\nmx: mx1.gap.example\nmax_age: 604800\n"},
	"mta-sts.testing.example":   {200, "text/plain", "version: STSv1\nmode: testing\nmx: *.testing.example\nmx: mx9.testing.example\nmax_age: 86400\n"},
	"mta-sts.redirect.example":  {301, "text/plain", ""},
	"mta-sts.notfound.example":  {404, "text/plain", "not found"},
	"mta-sts.big.example":       {200, "text/plain", "version: STSv1\nmode: none\nmax_age: 86400\n" + strings.Repeat("# padding\n", 7000)},
	"mta-sts.html.example":      {200, "text/html", "version: STSv1\nmode: enforce\nmx: mx.html.example\nmax_age: 604800\n"},
	"mta-sts.short.example":     {200, "text/plain", "version: STSv1\nmode: enforce\nmx: mx.short.example\nmax_age: 3600\n"},
	"mta-sts.badpolicy.example": {200, "text/plain", "version: STSv2\nmode: force\nmax_age: 99999999999\nmx: bad_host\nhello\nextra: 1\n"},
	"mta-sts.wrongcert.example": {200, "text/plain", "version: STSv1\nmode: none\nmax_age: 86400\n"},
}

const stsZone = `
_mta-sts.sts.example.       TXT "v=STSv1; id=20260101T000000"
sts.example.                MX  10 mx1.sts.example.
sts.example.                MX  20 b1.backup.sts.example.
_mta-sts.gap.example.       TXT "v=STSv1; id=1"
gap.example.                MX  10 mx1.gap.example.
gap.example.                MX  20 mx2.gap.example.
_mta-sts.testing.example.   TXT "v=STSv1; id=1"
testing.example.            MX  10 mx1.testing.example.
_mta-sts.redirect.example.  TXT "v=STSv1; id=1"
_mta-sts.notfound.example.  TXT "v=STSv1; id=1"
_mta-sts.big.example.       TXT "v=STSv1; id=1"
_mta-sts.html.example.      TXT "v=STSv1; id=1"
html.example.               MX  10 mx.html.example.
_mta-sts.short.example.     TXT "v=STSv1; id=1"
short.example.              MX  10 mx.short.example.
_mta-sts.badpolicy.example. TXT "v=STSv1; id=1"
_mta-sts.wrongcert.example. TXT "v=STSv1; id=1"
_mta-sts.badid.example.     TXT "v=STSv1; id=2026-01-01"
_mta-sts.two.example.       TXT "v=STSv1; id=1"
_mta-sts.two.example.       TXT "v=STSv1; id=2"
_mta-sts.noid.example.      TXT "v=STSv1;"
`

// withHTTPS sets c.HTTPClient to reach an HTTPS server on loopback that
// serves policies, whatever host the URL names, with a certificate
// valid for every policy host but mta-sts.wrongcert.example.
func withHTTPS(t *testing.T, c *Checker) {
	t.Helper()
	var names []string
	for host := range policies {
		if host != "mta-sts.wrongcert.example" {
			names = append(names, host)
		}
	}
	cert, pool := selfSigned(t, names)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := policies[r.Host]
		if !ok || r.URL.Path != "/.well-known/mta-sts.txt" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", p.ctype)
		if p.status == http.StatusMovedPermanently {
			w.Header().Set("Location", "https://elsewhere.example/policy.txt")
		}
		w.WriteHeader(p.status)
		w.Write([]byte(p.body))
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshakes the wrong certificate fails
	srv.StartTLS()
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	c.HTTPClient = &http.Client{
		Timeout: 5 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool},
			DialContext: func(ctx context.Context, network, hostport string) (net.Conn, error) {
				if !strings.HasPrefix(hostport, "mta-sts.") || !strings.HasSuffix(hostport, ":443") {
					return nil, errors.New("test dialer: unexpected address " + hostport)
				}
				return (&net.Dialer{}).DialContext(ctx, network, addr)
			},
		},
	}
}

// selfSigned returns a certificate for names and a pool trusting it.
func selfSigned(t *testing.T, names []string) (tls.Certificate, *x509.CertPool) {
	c := testcert.New(t, names...)
	return c.TLS, c.Pool
}

func TestCheckMTASTS(t *testing.T) {
	t.Parallel()
	c, _ := newChecker(t, stsZone)
	withHTTPS(t, c)
	tests := []struct {
		domain  string
		status  Status
		codes   []string
		summary string
	}{
		{"sts.example", StatusOK, nil, "Mode: enforce | max_age: 1209600 | MX patterns: mx1.sts.example, *.backup.sts.example"},
		{"gap.example", StatusError, []string{"mtasts.mx_not_covered"}, ""},
		{"testing.example", StatusOK, []string{"mtasts.testing"}, "Mode: testing | max_age: 86400 | MX patterns: *.testing.example, mx9.testing.example"},
		{"redirect.example", StatusError, []string{"mtasts.policy_fetch"}, ""},
		{"notfound.example", StatusError, []string{"mtasts.policy_fetch"}, ""},
		{"big.example", StatusError, []string{"mtasts.policy_fetch"}, ""},
		{"html.example", StatusWarning, []string{"mtasts.content_type"}, ""},
		{"short.example", StatusWarning, []string{"mtasts.max_age_short"}, ""},
		{"badpolicy.example", StatusError, []string{"mtasts.policy_version", "mtasts.policy_mode", "mtasts.policy_max_age", "mtasts.policy_mx", "mtasts.policy_syntax", "mtasts.policy_extension"}, ""},
		{"wrongcert.example", StatusError, []string{"mtasts.policy_fetch"}, ""},
		{"badid.example", StatusError, []string{"mtasts.bad_id", "mtasts.policy_fetch"}, ""},
		{"noid.example", StatusError, []string{"mtasts.no_id", "mtasts.policy_fetch"}, ""},
		{"two.example", StatusError, []string{"mtasts.multiple"}, ""},
		{"none.example", StatusMissing, []string{"mtasts.missing"}, ""},
	}
	for _, tc := range tests {
		s, err := c.newSession()
		if err != nil {
			t.Fatal(err)
		}
		got := s.checkMTASTS(context.Background(), tc.domain)
		if got.Status != tc.status || tc.summary != "" && got.Summary != tc.summary {
			t.Errorf("%s: %s %q, want %s %q", tc.domain, got.Status, got.Summary, tc.status, tc.summary)
		}
		wantCodes(t, tc.domain, got.Findings, tc.codes...)
		switch tc.domain {
		case "sts.example":
			if got.Record.ID != "20260101T000000" || got.Policy.MaxAge != 1209600 || len(got.MXHosts) != 2 || got.PolicyURL != "https://mta-sts.sts.example/.well-known/mta-sts.txt" {
				t.Errorf("sts.example: %+v %+v %v", got.Record, got.Policy, got.MXHosts)
			}
		case "gap.example":
			mustContain(t, "gap fix", finding(t, got.Findings, "mtasts.mx_not_covered").Fix, "mx: mx2.gap.example")
		case "redirect.example":
			mustContain(t, "redirect message", got.Findings[0].Message, "301", "redirects")
		case "big.example":
			mustContain(t, "big message", got.Findings[0].Message, "larger than 64 KiB")
		case "wrongcert.example":
			mustContain(t, "certificate message", got.Findings[0].Message, "certificate")
		}
	}
}

func TestMXMatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, host string
		want          bool
	}{
		{"mx.example.com", "mx.example.com", true},
		{"mx.example.com", "MX.Example.com.", true},
		{"*.example.com", "mx.example.com", true},
		{"*.example.com", "a.b.example.com", false},
		{"*.example.com", "example.com", false},
		{"mx.example.com", "mx2.example.com", false},
	}
	for _, tc := range tests {
		if got := mxMatches(tc.pattern, tc.host); got != tc.want {
			t.Errorf("mxMatches(%q, %q) = %v", tc.pattern, tc.host, got)
		}
	}
}
