package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
)

func runDNS(ctx context.Context, env Env, args []string) int {
	fs := flagSet(env, "dns check", "DOMAIN",
		`Check DOMAIN's mail authentication records in DNS: DMARC (with the organizational
domain's record when the domain has none, and the authorization of outside report
addresses), SPF (syntax, includes followed, the limits of 10 DNS lookups and 2 void
lookups), the DKIM key of each --selector, MTA-STS (record and policy file), TLS-RPT
and BIMI. Each problem is explained with a fix.

Exit status: 0 when no check found an error (warnings allowed), 1 when any did,
2 on usage errors.`)
	var selectors, resolvers listFlag
	fs.Var(&selectors, "selector", "a DKIM selector to check (repeat the flag, or separate with commas)")
	fs.Var(&resolvers, "resolver", "DNS server to ask, HOST or HOST:PORT (repeat or separate with commas; default: those of /etc/resolv.conf)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	timeout := fs.Duration("timeout", dnscheck.DefaultTimeout, "time limit of one DNS query")
	if len(args) > 0 && args[0] == "check" {
		args = args[1:]
	} else if len(args) == 0 || !isHelp(args[0]) {
		fs.Usage()
		return ExitUsage
	}
	if code, ok := parseFlags(fs, &env, interleaved(fs, args)); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return ExitUsage
	}
	c := &dnscheck.Checker{Timeout: *timeout, Servers: resolverAddrs(resolvers)}
	res, err := c.Check(ctx, fs.Arg(0), dnscheck.Options{DKIMSelectors: selectors})
	if err != nil {
		fmt.Fprintf(env.Stderr, "parse-dmarc: dns check: %v\n", err)
		if errors.Is(err, dnscheck.ErrInvalidDomain) {
			return ExitUsage
		}
		return ExitFail
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(res)
	} else {
		err = dnscheck.WriteText(env.Stdout, res)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "parse-dmarc: write: %v\n", err)
		return ExitFail
	}
	if res.HasErrors() {
		return ExitFail
	}
	return ExitOK
}

// resolverAddrs returns the DNS servers of a --resolver flag as
// host:port, port 53 when none is given.
func resolverAddrs(list []string) []string {
	var out []string
	for _, r := range list {
		if _, _, err := net.SplitHostPort(r); err != nil {
			r = net.JoinHostPort(strings.Trim(r, "[]"), "53")
		}
		out = append(out, r)
	}
	return out
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help"
}

// interleaved moves the flags of args before the positional arguments, so
// "dns check example.com --json" works as "dns check --json example.com".
// Arguments after "--" stay positional.
func interleaved(fs *flag.FlagSet, args []string) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			rest = append(rest, args[i+1:]...)
			i = len(args)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if strings.Contains(name, "=") {
				continue
			}
			if f := fs.Lookup(name); f != nil && i+1 < len(args) {
				if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !b.IsBoolFlag() {
					i++
					flags = append(flags, args[i])
				}
			}
		default:
			rest = append(rest, a)
		}
	}
	return append(append(flags, "--"), rest...)
}

// listFlag is a flag that may be repeated, each value also split on
// commas.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}
