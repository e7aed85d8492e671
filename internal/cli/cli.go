// Package cli implements the parse-dmarc commands. Each command parses its
// own flags, which take their defaults from PARSE_DMARC_* environment
// variables, so the same settings work on a command line, in a systemd unit
// or in a container.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit codes.
const (
	ExitOK    = 0
	ExitFail  = 1 // some input could not be used, or an operation failed
	ExitUsage = 2
)

// Env is what a command may touch of the process, so tests can run commands
// in-process and in parallel.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env Env, args []string) int
}

func commands() []command {
	return []command{
		{"serve", "serve the API and ingest reports", runServe},
		{"parse", "parse reports and print them as normalized JSON", runParse},
		{"import", "parse reports and store them", runImport},
		{"fetch", "fetch reports from an IMAP mailbox once", runFetch},
		{"quarantine", "list, show or retry the inputs that could not be parsed", runQuarantine},
		{"dns", "check a domain's DMARC, SPF, DKIM, MTA-STS, TLS-RPT and BIMI records", runDNS},
		{"digest", "print the daily, weekly or monthly report (and write it as a PDF)", runDigest},
		{"trends", "print a domain's trend and anomalies against the previous period", runTrends},
		{"fix", "explain why a source's mail fails DMARC and how to fix it", runFix},
		{"advise", "tell whether a domain can tighten its DMARC policy, and what to fix first", runAdvise},
		{"version", "print the version", runVersion},
	}
}

// Run runs the command named by args[0] and returns the exit code.
func Run(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			return Run(ctx, []string{args[1], "--help"}, env)
		}
		usage(env.Stdout)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	fmt.Fprintf(env.Stderr, "parse-dmarc: unknown command %q\n\n", args[0])
	usage(env.Stderr)
	return ExitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: parse-dmarc COMMAND [flags] [args]")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun \"parse-dmarc COMMAND --help\" for a command's flags.")
	fmt.Fprintln(w, "Every flag can also be set by an environment variable PARSE_DMARC_<FLAG>.")
}

// flagSet returns a FlagSet for a command whose usage names its arguments.
func flagSet(env Env, name, args, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: parse-dmarc %s [flags] %s\n\n%s\n", name, args, about)
		var names []string // in lexical order, as VisitAll gives them
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if len(names) == 0 {
			return
		}
		fmt.Fprintln(env.Stderr, "\nFlags (each may also be set by an environment variable, e.g. --"+names[0]+" as "+envName(names[0])+"):")
		fs.PrintDefaults()
	}
	return fs
}

// envName is the environment variable of a flag: --db → PARSE_DMARC_DB.
func envName(flagName string) string {
	return "PARSE_DMARC_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseFlags parses args. Flags not given on the command line take their
// value from a PARSE_DMARC_* environment variable, else from the --config
// file (or PARSE_DMARC_CONFIG): lines of NAME=value with the same names,
// # comments and blank lines allowed. env.Getenv is replaced by a getter
// that also reads the file, so settings only the environment can give
// (secrets) may be kept in it too. It returns an exit code and false when
// the command should stop.
func parseFlags(fs *flag.FlagSet, env *Env, args []string) (int, bool) {
	config := fs.String("config", "", "a file of settings: lines of PARSE_DMARC_NAME=value (flags and environment take precedence)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK, false
		}
		return ExitUsage, false
	}
	if *config == "" {
		*config = env.Getenv("PARSE_DMARC_CONFIG")
	}
	if *config != "" {
		file, err := readConfig(*config)
		if err != nil {
			fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
			return ExitUsage, false
		}
		getenv := env.Getenv
		env.Getenv = func(name string) string {
			if v := getenv(name); v != "" {
				return v
			}
			return file[name]
		}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	code, ok := ExitOK, true
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || !ok || f.Name == "config" {
			return
		}
		if v := env.Getenv(envName(f.Name)); v != "" {
			if err := f.Value.Set(v); err != nil {
				fmt.Fprintf(env.Stderr, "parse-dmarc: %s=%q: %v\n", envName(f.Name), v, err)
				code, ok = ExitUsage, false
			}
		}
	})
	return code, ok
}

// readConfig reads a settings file of NAME=value lines.
func readConfig(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	m := map[string]string{}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		name = strings.TrimSpace(name)
		if !ok || !strings.HasPrefix(name, "PARSE_DMARC_") {
			return nil, fmt.Errorf("config %s:%d: want PARSE_DMARC_NAME=value", path, i+1)
		}
		m[name] = strings.Trim(strings.TrimSpace(value), `"`)
	}
	return m, nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
