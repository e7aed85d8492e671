package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck/dnstest"
	"github.com/parse-dmarc/parse-dmarc/internal/enrich"
	"github.com/parse-dmarc/parse-dmarc/internal/imaptest"
	"github.com/parse-dmarc/parse-dmarc/internal/remedy"
	"github.com/parse-dmarc/parse-dmarc/internal/remedy/remedytest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// remedyWorld is remedytest's world on disk for the commands: a SQLite
// store of its reports in data (data/parse-dmarc.db), its IP data as
// the ASN file of data/ipdb, and a DNS server on loopback serving its
// zone and the reverse DNS names of its sources.
type remedyWorld struct {
	data string
	dns  *dnstest.Server
}

func newRemedyWorld(t *testing.T, o remedytest.Options) *remedyWorld {
	t.Helper()
	ctx := context.Background()
	data := t.TempDir()
	st, err := store.OpenSQLite(ctx, filepath.Join(data, "parse-dmarc.db"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = remedytest.Fill(ctx, st, o)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	var ptr strings.Builder
	var asn bytes.Buffer
	w := csv.NewWriter(&asn)
	// The ASN file's ranges ascend.
	ips := []netip.Addr{}
	for _, ip := range []string{remedytest.GoogleIP, remedytest.SendGridIP, remedytest.OfficeIP, remedytest.ForwarderIP, remedytest.SpooferIP} {
		ips = append(ips, netip.MustParseAddr(ip))
	}
	slices.SortFunc(ips, netip.Addr.Compare)
	for _, addr := range ips {
		ip := addr.String()
		info := remedytest.IPInfo(ctx, ip)
		w.Write([]string{ip, ip, strconv.FormatUint(uint64(info.ASN), 10), info.ASOrg})
		if info.PTR != "" {
			o := strings.Split(ip, ".")
			ptr.WriteString(o[3] + "." + o[2] + "." + o[1] + "." + o[0] + ".in-addr.arpa. PTR " + info.PTR + ".\n")
		}
	}
	w.Flush()
	ipdb := filepath.Join(data, "ipdb")
	if err := os.MkdirAll(ipdb, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ipdb, enrich.ASNv4File), asn.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return &remedyWorld{data: data, dns: dnstest.NewServer(t, remedytest.Zone+ptr.String())}
}

// TestFixCommand runs "fix" on a store of remedytest's reports, asking a
// DNS server on loopback: the failure, the service (told by the reverse
// DNS name and network too), the SPF record to publish, the DKIM key to
// publish; the errors.
func TestFixCommand(t *testing.T) {
	t.Parallel()
	w := newRemedyWorld(t, remedytest.Options{})
	base := []string{"--data", w.data, "--resolver", w.dns.Addr}
	args := func(a ...string) []string { return append(append([]string{"fix"}, a...), base...) }
	runCases(t, []cmdCase{
		{name: "third-party service", args: args(remedytest.SendGridIP, "--domain", "example.com"), code: ExitOK, stdout: []string{
			"Source: 167.89.100.10 (o1.ptr2625.sendgrid.net, AS11377 SENDGRID)",
			"Service: Twilio SendGrid (identified with high confidence)",
			"Issue: DKIM and SPF not aligned",
			"Category: Third-party service setup",
			"CNAME s1._domainkey.example.com → (the value the service shows) [missing: add]",
			"2. Add Twilio SendGrid to example.com's SPF record: include:sendgrid.net",
			"   v=spf1 ip4:198.51.100.25 include:_spf.google.com include:sendgrid.net ~all\n   (3/10 DNS lookups)",
			"Run parse-dmarc dns check --selector s1 --selector s2 example.com",
		}},
		{name: "DKIM key missing, the domain with most mail", args: args(remedytest.OfficeIP), code: ExitOK, stdout: []string{
			"Domain: example.com", "Issue: DKIM and SPF failed", "Category: DNS configuration issue",
			"1. Publish the DKIM key of selector mail", "TXT mail._domainkey.example.com",
		}},
		{name: "spoofing", args: args(remedytest.SpooferIP), code: ExitOK, stdout: []string{
			"Category: Potential spoofing", "Policy: ❌ Not yet (now p=none)",
			"Next record: v=DMARC1; p=quarantine; pct=25; rua=mailto:dmarc@example.com; ruf=mailto:forensic@example.com; fo=1",
		}},
		{name: "without DNS", args: args(remedytest.SendGridIP, "--dns=false"), code: ExitOK, stdout: []string{
			"⚠️ DNS lookups are off: the records below are not checked.", "Category: Third-party service setup",
		}},
		{name: "environment", args: []string{"fix", remedytest.SendGridIP},
			vars: map[string]string{"PARSE_DMARC_DATA": w.data, "PARSE_DMARC_RESOLVER": w.dns.Addr, "PARSE_DMARC_DOMAIN": "example.com"},
			code: ExitOK, stdout: []string{"include:sendgrid.net ~all"}},
		{name: "no mail of the source", args: args("192.0.2.99"), code: ExitFail, stderr: "192.0.2.99: no records"},
		{name: "no mail for the domain", args: args(remedytest.GoogleIP, "--domain", "other.example"), code: ExitFail, stderr: "for other.example: no records"},
		{name: "bad address", args: args("not-an-ip"), code: ExitUsage, stderr: `not an IP address: "not-an-ip"`},
		{name: "bad domain", args: args(remedytest.GoogleIP, "--domain", "not_a..domain"), code: ExitUsage, stderr: "--domain: invalid domain name"},
		{name: "no address", args: []string{"fix"}, code: ExitUsage, stderr: "Usage: parse-dmarc fix [flags] IP"},
		{name: "help", args: []string{"fix", "--help"}, code: ExitOK, stderr: "-domain string"},
	})

	// --json prints the answer the API serves.
	env := mapEnv(nil)
	if code := Run(context.Background(), args("--json", remedytest.SendGridIP), env); code != ExitOK {
		t.Fatalf("--json: exit %d: %s", code, env.Stderr)
	}
	var f remedy.Fix
	if err := json.Unmarshal(env.Stdout.(*bytes.Buffer).Bytes(), &f); err != nil {
		t.Fatal(err)
	}
	if f.Category != remedy.CategoryThirdParty || len(f.Failures) == 0 || f.Failures[0].Type != remedy.TypeBoth ||
		f.SPFChange == nil || f.SPFChange.Proposed != "v=spf1 ip4:198.51.100.25 include:_spf.google.com include:sendgrid.net ~all" ||
		f.Host.Hostname != "o1.ptr2625.sendgrid.net" || f.Host.ASN != 11377 || !f.DNS.Checked {
		t.Errorf("--json: %+v", f)
	}
}

// TestAdviseCommand runs "advise" on the same world: not yet, with the
// sources to fix first and the record to publish once they are; not yet
// on a week of reports; ready with caution once SendGrid is set up.
func TestAdviseCommand(t *testing.T) {
	t.Parallel()
	w := newRemedyWorld(t, remedytest.Options{})
	fixed := newRemedyWorld(t, remedytest.Options{FixedSendGrid: true})
	args := func(w *remedyWorld, a ...string) []string {
		return append(append([]string{"advise"}, a...), "--data", w.data, "--resolver", w.dns.Addr)
	}
	const next = "  v=DMARC1; p=quarantine; pct=25; rua=mailto:dmarc@example.com; ruf=mailto:forensic@example.com; fo=1\n"
	runCases(t, []cmdCase{
		{name: "not yet", args: args(w, "example.com"), code: ExitOK, stdout: []string{
			"DMARC policy advice for example.com (last 30 days:",
			"Verdict: ❌ Not yet",
			"Current policy: p=none (DNS _dmarc.example.com: v=DMARC1; p=none;",
			"Next step: p=none → p=quarantine pct=25\n  Once the blocking sources are fixed, publish at _dmarc.example.com:\n" + next,
			"- 4.71% of example.com's legitimate mail (1,500 messages from 2 sources) fails DMARC, over the 2% that p=quarantine allows",
			"Sources to fix first:\n  167.89.100.10   1,200 of 1,200 failing (Twilio SendGrid, unknown)",
			"  198.51.100.25   300 of 300 failing (legitimate)",
			"Spoofing sources an enforced policy would stop:\n  203.0.113.66    150 of 150 failing (suspicious)",
		}},
		{name: "ready with caution", args: args(fixed, "--days", "30", "Example.COM"), code: ExitOK, stdout: []string{
			"Verdict: ⚠️ Ready with caution", "Next step: p=none → p=quarantine pct=25\n  Publish now at _dmarc.example.com:\n" + next,
		}},
		{name: "a week", args: args(w, "example.com", "--days", "7"), code: ExitOK, stdout: []string{
			"(last 7 days:", "Verdict: ❌ Not yet", "- Reports cover 7 days of the period; at least 14",
		}},
		{name: "no reports", args: args(w, "other.example"), code: ExitFail, stderr: "other.example since"},
		{name: "too few days", args: args(w, "--days", "6", "example.com"), code: ExitUsage, stderr: "--days: a number from 7 to 365"},
		{name: "too many days", args: args(w, "--days", "366", "example.com"), code: ExitUsage, stderr: "--days: a number from 7 to 365"},
		{name: "bad domain", args: args(w, "192.0.2.1"), code: ExitUsage, stderr: "invalid domain name"},
		{name: "no domain", args: []string{"advise"}, code: ExitUsage, stderr: "Usage: parse-dmarc advise [flags] DOMAIN"},
		{name: "help", args: []string{"advise", "--help"}, code: ExitOK, stderr: "-days int"},
	})

	env := mapEnv(nil)
	if code := Run(context.Background(), args(w, "--json", "example.com"), env); code != ExitOK {
		t.Fatalf("--json: exit %d: %s", code, env.Stderr)
	}
	var a remedy.Advice
	if err := json.Unmarshal(env.Stdout.(*bytes.Buffer).Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	var blocking []string
	for _, s := range a.Blocking {
		blocking = append(blocking, s.SourceIP)
	}
	if a.Verdict != remedy.VerdictNotYet || a.Next == nil || a.Next.Record+"\n" != strings.TrimPrefix(next, "  ") ||
		!slices.Equal(blocking, []string{remedytest.SendGridIP, remedytest.OfficeIP}) || a.Spoofing.Failing != 150 {
		t.Errorf("--json: %+v", a)
	}
}

// TestRemedyHelp: each flag of both commands is documented.
func TestRemedyHelp(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"fix", "advise"} {
		env := mapEnv(nil)
		Run(context.Background(), []string{cmd, "--help"}, env)
		help := env.Stderr.(*bytes.Buffer).String()
		for _, flag := range []string{"data", "db", "ipdb", "senders", "resolver", "timeout", "dns", "reverse-dns", "json", "geoip-asn", "geoip-country"} {
			if !strings.Contains(help, "  -"+flag+" ") && !strings.Contains(help, "  -"+flag+"\n") {
				t.Errorf("%s --help lacks --%s:\n%s", cmd, flag, help)
			}
		}
	}
}

// TestServeFixAndAdvice: serve answers "Fix this" and the policy advice
// from its store, asking --dns-resolver.
func TestServeFixAndAdvice(t *testing.T) {
	t.Parallel()
	w := newRemedyWorld(t, remedytest.Options{})
	stderr := &imaptest.Buffer{}
	env := Env{Stdout: io.Discard, Stderr: stderr, Getenv: func(string) string { return "" }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exit := make(chan int, 1)
	go func() {
		exit <- Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", w.data, "--dns-resolver", w.dns.Addr,
			"--dns-check-interval", "0", "--reverse-dns=false"}, env)
	}()
	addr := regexp.MustCompile(`addr=http://(\S+)`)
	deadline := time.Now().Add(20 * time.Second)
	for !addr.MatchString(stderr.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	base := "http://" + addr.FindStringSubmatch(stderr.String())[1]
	getJSON := func(path string, v any) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	var f remedy.Fix
	getJSON("/api/v1/sources/"+remedytest.SendGridIP+"/fix?domain=example.com", &f)
	if f.Category != remedy.CategoryThirdParty || f.Service == nil || f.Service.ID != "sendgrid" || f.SPFChange == nil ||
		f.SPFChange.Proposed != "v=spf1 ip4:198.51.100.25 include:_spf.google.com include:sendgrid.net ~all" || !f.DNS.Checked {
		t.Errorf("fix: %+v", f)
	}
	var a remedy.Advice
	getJSON("/api/v1/domains/example.com/advice?days=30", &a)
	if a.Verdict != remedy.VerdictNotYet || len(a.Blocking) != 2 || a.Current.Record == "" {
		t.Errorf("advice: %+v", a)
	}
	// The alert engine is wired: its routes answer.
	var rules struct{ Rules []json.RawMessage }
	getJSON("/api/v1/alerts/rules", &rules)
	cancel()
	if code := <-exit; code != ExitOK {
		t.Errorf("serve exit %d:\n%s", code, stderr)
	}
}
