package dnscheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/golden"
)

// domainsChecker serves testdata/domains.zone and the MTA-STS policies.
func domainsChecker(t *testing.T) *Checker {
	t.Helper()
	zone, err := os.ReadFile(filepath.Join("testdata", "domains.zone"))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := newChecker(t, string(zone))
	withHTTPS(t, c)
	return c
}

// TestCheckText checks whole domains and compares their text rendering
// with the golden files testdata/<domain>.txt.
func TestCheckText(t *testing.T) {
	t.Parallel()
	c := domainsChecker(t)
	tests := []struct {
		domain    string
		selectors []string
		status    Status
		errors    bool
	}{
		{"good.example", []string{"s1"}, StatusOK, false},
		{"broken.example", []string{"s1", "google"}, StatusError, true},
		{"mail.example.co.uk", nil, StatusWarning, false},
	}
	for _, tc := range tests {
		r, err := c.Check(context.Background(), tc.domain, Options{DKIMSelectors: tc.selectors})
		if err != nil {
			t.Fatalf("%s: %v", tc.domain, err)
		}
		if r.Status != tc.status || r.HasErrors() != tc.errors || r.Queries == 0 {
			t.Errorf("%s: status %s, errors %v, %d queries", tc.domain, r.Status, r.HasErrors(), r.Queries)
		}
		var buf bytes.Buffer
		if err := WriteText(&buf, r); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join("testdata", tc.domain+".txt"), buf.Bytes())
	}
}

// TestCheckJSON checks the JSON form the API serves.
func TestCheckJSON(t *testing.T) {
	t.Parallel()
	c := domainsChecker(t)
	r, err := c.Check(context.Background(), "Good.Example.", Options{DKIMSelectors: []string{"s1"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Domain string `json:"domain"`
		Status string `json:"status"`
		DMARC  struct {
			Kind, Name, Status, Summary string
			Records                     []string
			Findings                    []Finding
			Record                      struct{ P string }
		} `json:"dmarc"`
		SPF struct {
			Lookups int `json:"lookups"`
			Tree    struct {
				Children []struct{ Domain string }
			}
		} `json:"spf"`
		DKIM []struct {
			Selector string
			Key      struct{ Bits int }
		} `json:"dkim"`
		MTASTS struct{ Policy struct{ Mode string } }     `json:"mta_sts"`
		TLSRPT struct{ Record struct{ RUA []string } }    `json:"tls_rpt"`
		BIMI   struct{ Record struct{ Location string } } `json:"bimi"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Domain != "good.example" || got.Status != "ok" || got.DMARC.Kind != "dmarc" || got.DMARC.Name != "_dmarc.good.example" ||
		got.DMARC.Record.P != "reject" || got.DMARC.Findings == nil || got.SPF.Lookups != 2 || len(got.SPF.Tree.Children) != 1 ||
		len(got.DKIM) != 1 || got.DKIM[0].Key.Bits != 2048 || got.MTASTS.Policy.Mode != "enforce" ||
		len(got.TLSRPT.Record.RUA) != 1 || got.BIMI.Record.Location != "https://good.example/logo.svg" {
		t.Errorf("JSON: %s", b)
	}
	if !bytes.Contains(b, []byte(`"findings":[]`)) {
		t.Errorf("empty findings are not []: %s", b)
	}
}

func TestCheckLimits(t *testing.T) {
	t.Parallel()
	c := domainsChecker(t)
	ctx := context.Background()
	if _, err := c.Check(ctx, "not a domain", Options{}); !errors.Is(err, ErrInvalidDomain) {
		t.Errorf("invalid domain: %v", err)
	}
	// A budget of 3 questions: the other lookups fail with ErrQueryBudget.
	small := *c
	small.MaxQueries = 3
	r, err := small.Check(ctx, "good.example", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Queries != 3 || !r.HasErrors() {
		t.Errorf("budget: %d queries, errors %v", r.Queries, r.HasErrors())
	}
	var budget int
	for _, ch := range r.Checks() {
		for _, f := range ch.Findings {
			if strings.Contains(f.Message, ErrQueryBudget.Error()) {
				budget++
			}
		}
	}
	if budget == 0 {
		t.Error("no finding names the query budget")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Check(cancelled, "good.example", Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	// No server answers: every lookup fails after the timeout, as an error finding.
	dead := Checker{Servers: []string{"127.0.0.1:1"}, Timeout: 200e6}
	r, err = dead.Check(ctx, "good.example", Options{})
	if err != nil || r.Status != StatusError || r.DMARC.Findings[0].Code != "dns.lookup_failed" {
		t.Errorf("dead server: %v %+v", err, r)
	}
	// A whole check past its time limit: lookups fail as findings.
	hung, _ := newChecker(t, "")
	hung.Servers = []string{deadServer(t)}
	hung.CheckTimeout = 300e6
	start := time.Now()
	r, err = hung.Check(ctx, "good.example", Options{})
	if err != nil || r.Status != StatusError || time.Since(start) > 3*time.Second || !strings.Contains(r.SPF.Findings[0].Message, "timeout") && !strings.Contains(r.SPF.Findings[0].Message, "deadline") {
		t.Errorf("check timeout: %v after %v, %+v", err, time.Since(start), r.SPF.Findings)
	}
	// resolv.conf gives the servers when none are set.
	conf := filepath.Join(t.TempDir(), "resolv.conf")
	os.WriteFile(conf, []byte("nameserver 127.0.0.1\nnameserver ::1\n"), 0o644)
	servers, err := (&Checker{ResolvConf: conf}).servers()
	if err != nil || strings.Join(servers, " ") != "127.0.0.1:53 [::1]:53" {
		t.Errorf("servers from resolv.conf: %v %v", servers, err)
	}
	if _, err := (&Checker{ResolvConf: conf + ".none"}).Check(ctx, "good.example", Options{}); err == nil {
		t.Error("no resolv.conf: no error")
	}
}

func TestNormalizeDomain(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Example.COM.", "example.com"},
		{" bücher.example ", "xn--bcher-kva.example"},
		{"mail.example.co.uk", "mail.example.co.uk"},
		{"localhost", ""},
		{"192.0.2.1", ""},
		{"a..example", ""},
		{strings.Repeat("a", 64) + ".example", ""},
		{"exa mple.com", ""},
		{"", ""},
	}
	for _, tc := range tests {
		got, err := NormalizeDomain(tc.in)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("NormalizeDomain(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for in, want := range map[string]string{"mail.example.co.uk": "example.co.uk", "example.com": "example.com", "a.b.example.com": "example.com", "co.uk": "co.uk"} {
		if got := OrgDomain(in); got != want {
			t.Errorf("OrgDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseTLSRPT(t *testing.T) {
	t.Parallel()
	tests := []struct {
		txt   string
		rua   int
		codes []string
	}{
		{"v=TLSRPTv1; rua=mailto:tls@example.com", 1, nil},
		{"v=TLSRPTv1;rua=mailto:tls@example.com, https://reports.example.com/tls", 2, nil},
		{"v=TLSRPTv1; rua=tls@example.com", 0, []string{"tlsrpt.invalid_uri"}},
		{"v=TLSRPTv1; rua=ftp://example.com/x", 0, []string{"tlsrpt.invalid_uri"}},
		{"v=TLSRPTv1", 0, []string{"tlsrpt.no_rua"}},
		{"v=TLSRPTv1; ext=1; rua=mailto:a@example.com", 1, nil},
		{"v=tlsrptv1; rua=mailto:a@example.com", 0, []string{"tlsrpt.version"}},
	}
	for _, tc := range tests {
		r, fs := ParseTLSRPT(tc.txt)
		if r != nil && len(r.RUA) != tc.rua {
			t.Errorf("%s: rua %v", tc.txt, r.RUA)
		}
		wantCodes(t, tc.txt, fs, tc.codes...)
	}
	_, fs := ParseTLSRPT("v=TLSRPTv1; rua=tls@example.com")
	mustContain(t, "tlsrpt fix", fs[0].Fix, "rua=mailto:tls@example.com")
}

func TestParseBIMI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		txt      string
		declined bool
		codes    []string
	}{
		{"v=BIMI1; l=https://example.com/logo.svg; a=https://example.com/vmc.pem", false, nil},
		{"v=BIMI1; l=https://example.com/logo.svg", false, []string{"bimi.no_certificate"}},
		{"v=BIMI1; l=; a=;", true, nil},
		{"v=BIMI1;", false, []string{"bimi.no_location"}},
		{"v=BIMI1; l=http://example.com/logo.svg; a=https://example.com/vmc.pem", false, []string{"bimi.invalid_uri"}},
		{"v=BIMI1; l=https://example.com/logo.png; a=https://example.com/vmc.pem", false, []string{"bimi.file_type"}},
		{"l=https://example.com/logo.svg; v=BIMI1", false, []string{"bimi.version"}},
	}
	for _, tc := range tests {
		r, fs := ParseBIMI(tc.txt)
		if r != nil && r.Declined != tc.declined {
			t.Errorf("%s: declined %v", tc.txt, r.Declined)
		}
		wantCodes(t, tc.txt, fs, tc.codes...)
	}
}

// deadServer returns the address of a UDP socket on loopback that never
// answers.
func deadServer(t *testing.T) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc.LocalAddr().String()
}
