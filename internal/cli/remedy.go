package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/enrich"
	"github.com/parse-dmarc/parse-dmarc/internal/remedy"
	"github.com/parse-dmarc/parse-dmarc/internal/senders"
	"github.com/parse-dmarc/parse-dmarc/internal/server"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

func runAdvise(ctx context.Context, env Env, args []string) int {
	fs := flagSet(env, "advise", "DOMAIN",
		fmt.Sprintf(`Tell whether DOMAIN can tighten its DMARC policy (none → quarantine → reject, in
pct steps), from its reports of the last --days days: the verdict (ready, ready
with caution, not yet, complete) and why, the DMARC record to publish next, the
legitimate sources whose failing mail blocks it with what each needs, the
spoofing it would stop and the forwarded mail it would affect.

Not yet: fewer than %d days of reports or %d messages, or more of the domain's
legitimate mail failing DMARC than the next policy allows (%g%% for
p=quarantine, %g%% for p=reject). Ready with caution (a smaller pct step first):
fewer than %d reporters, legitimate failures above %g%%, or forwarded failures
above %g%% of all mail. The domain's current record is read from DNS (--resolver).

Exit status: 0 when answered, whatever the verdict; 1 when the store has no
reports of DOMAIN in the period or a lookup failed; 2 on usage errors.`,
			remedy.MinAdviceDays, remedy.MinAdviceMessages, remedy.MaxLegitimateFailQuarantine, remedy.MaxLegitimateFailReject,
			remedy.MinAdviceReporters, remedy.NoiseLegitimateFail, remedy.MaxForwardingFail))
	days := fs.Int("days", remedy.DefaultDays, fmt.Sprintf("days of reports to read before today (%d to %d)", server.AdviceMinDays, server.AdviceMaxDays))
	gf := addGuideFlags(fs)
	if code, ok := parseOneArg(fs, &env, args); !ok {
		return code
	}
	if *days < server.AdviceMinDays || *days > server.AdviceMaxDays {
		fmt.Fprintf(env.Stderr, "parse-dmarc: --days: a number from %d to %d\n", server.AdviceMinDays, server.AdviceMaxDays)
		return ExitUsage
	}
	domain, err := dnscheck.NormalizeDomain(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(env.Stderr, "parse-dmarc: advise: %v\n", err)
		return ExitUsage
	}
	return gf.run(ctx, env, func(g *remedy.Guide) (any, func() error, error) {
		a, err := g.Advise(ctx, domain, *days)
		return a, func() error { return remedy.WriteAdviceText(env.Stdout, a) }, err
	})
}

func runFix(ctx context.Context, env Env, args []string) int {
	fs := flagSet(env, "fix", "IP",
		`Explain why the mail of source IP fails DMARC for a domain and how to fix it
("Fix this"), from the source's newest 2,000 records: the failure type (DKIM or
SPF failing, or passing for another domain than the From domain, under RFC 7489
alignment), the sending service it is, a guidance category (a legitimate
sender's misconfiguration, a third-party service to set up, potential spoofing,
a DNS configuration issue, or forwarding), and the steps with the exact DNS
records: the domain's SPF record as published and as it should be (checked
against the limit of 10 DNS lookups), the DKIM records the service documents and
whether they exist now (asked through --resolver), and how to verify the fix.

Exit status: 0 when answered; 1 when the store has no mail of IP (for the
domain) or a lookup failed; 2 on usage errors.`)
	domainFlag := fs.String("domain", "", "the policy domain (default: the one with most of the source's mail)")
	gf := addGuideFlags(fs)
	if code, ok := parseOneArg(fs, &env, args); !ok {
		return code
	}
	domain := *domainFlag
	if domain != "" {
		d, err := dnscheck.NormalizeDomain(domain)
		if err != nil {
			fmt.Fprintf(env.Stderr, "parse-dmarc: fix: --domain: %v\n", err)
			return ExitUsage
		}
		domain = d
	}
	return gf.run(ctx, env, func(g *remedy.Guide) (any, func() error, error) {
		f, err := g.Fix(ctx, fs.Arg(0), domain)
		return f, func() error { return remedy.WriteFixText(env.Stdout, f) }, err
	})
}

// guideFlags are the flags of the commands that answer with a
// remedy.Guide: the store, the IP data and the sending services the
// source classification rests on, as serve has them, and DNS.
type guideFlags struct {
	data, db, ipdb, geoASN, geoCountry, sendersFile string
	resolvers                                       listFlag
	timeout                                         time.Duration
	dns, rdns, asJSON                               bool
}

func addGuideFlags(fs *flag.FlagSet) *guideFlags {
	f := &guideFlags{}
	fs.StringVar(&f.data, "data", "data", "data directory (holds the SQLite database and the IP data)")
	fs.StringVar(&f.db, "db", "", "database: a SQLite file (default DATA/parse-dmarc.db) or a postgres:// URL")
	fs.StringVar(&f.ipdb, "ipdb", "", "directory of the IP data that \"make ipdb\" installs (default DATA/ipdb)")
	fs.StringVar(&f.geoASN, "geoip-asn", "", "a MaxMind GeoLite2-ASN .mmdb file, used instead of the ip-location-db ASN data")
	fs.StringVar(&f.geoCountry, "geoip-country", "", "a MaxMind GeoLite2-Country or -City .mmdb file, used instead of the ip-location-db country data")
	fs.StringVar(&f.sendersFile, "senders", "", "a JSON file of sending services that extends or overrides the built-in catalogue, as serve's --senders")
	fs.Var(&f.resolvers, "resolver", "DNS server to ask, HOST or HOST:PORT (repeat or separate with commas; default: those of /etc/resolv.conf)")
	fs.DurationVar(&f.timeout, "timeout", dnscheck.DefaultTimeout, "time limit of one DNS query")
	fs.BoolVar(&f.dns, "dns", true, "read the domain's records from DNS and check the proposed ones (false: no DNS lookups; the current records are not shown)")
	fs.BoolVar(&f.rdns, "reverse-dns", true, "look up the reverse DNS names of source IPs, which identify their sending services (false: no DNS queries about them)")
	fs.BoolVar(&f.asJSON, "json", false, "print the answer as JSON, as the API serves it")
	return f
}

// parseOneArg parses args, flags before or after the one argument the
// command takes; it returns an exit code and false when the command
// should stop.
func parseOneArg(fs *flag.FlagSet, env *Env, args []string) (int, bool) {
	if code, ok := parseFlags(fs, env, interleaved(fs, args)); !ok {
		return code, false
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return ExitUsage, false
	}
	return ExitOK, true
}

// run opens the store and the IP data, builds the Guide and prints what
// answer returns: its value as JSON with --json, else its text.
func (f *guideFlags) run(ctx context.Context, env Env, answer func(*remedy.Guide) (any, func() error, error)) int {
	catalogue, err := senders.Load(f.sendersFile)
	if err != nil {
		fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
		return ExitUsage
	}
	if f.db == "" {
		f.db = filepath.Join(f.data, "parse-dmarc.db")
	}
	if f.ipdb == "" {
		f.ipdb = filepath.Join(f.data, "ipdb")
	}
	servers := resolverAddrs(f.resolvers)
	ips, err := enrich.New(enrich.Config{Dir: f.ipdb, GeoIPASN: f.geoASN, GeoIPCountry: f.geoCountry, RDNS: f.rdns,
		Resolver: netResolver(servers), Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
		return ExitUsage
	}
	defer ips.Close()
	if err := ips.Load(ctx); err != nil {
		fmt.Fprintf(env.Stderr, "parse-dmarc: IP data: %v\n", err)
	}
	return withStore(ctx, env, f.db, func(st store.Store) int {
		g := &remedy.Guide{Store: st, Senders: catalogue, IPs: server.GuideIPs(ips)}
		if f.dns {
			g.DNS = &dnscheck.Checker{Servers: servers, Timeout: f.timeout}
		}
		v, text, err := answer(g)
		switch {
		case errors.Is(err, remedy.ErrInvalidIP):
			fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
			return ExitUsage
		case err != nil:
			fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
			return ExitFail
		}
		if f.asJSON {
			enc := json.NewEncoder(env.Stdout)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			err = enc.Encode(v)
		} else {
			err = text()
		}
		if err != nil {
			fmt.Fprintf(env.Stderr, "parse-dmarc: write: %v\n", err)
			return ExitFail
		}
		return ExitOK
	})
}

// netResolver returns a resolver asking servers (host:port) in order, for
// the reverse DNS names of source IPs; nil (the system's) when there are
// none.
func netResolver(servers []string) *net.Resolver {
	if len(servers) == 0 {
		return nil
	}
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var errs []error
		for _, s := range servers {
			var d net.Dialer
			conn, err := d.DialContext(ctx, network, s)
			if err == nil {
				return conn, nil
			}
			errs = append(errs, err)
		}
		return nil, errors.Join(errs...)
	}}
}
