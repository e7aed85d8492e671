package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/forensic"
	"github.com/parse-dmarc/parse-dmarc/internal/imapsource"
	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/server"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// imapFlags are the flags of one IMAP account, and the names of further
// accounts (see accounts), shared by fetch and serve. Passwords come only
// from PARSE_DMARC_IMAP_PASSWORD or the file named by
// PARSE_DMARC_IMAP_PASSWORD_FILE (or the --config file), never from the
// command line, where other users of the host could read them.
type imapFlags struct {
	addr, user, mode, mailbox, processed, invalid, other string
	insecure                                             bool
	names                                                string
}

func addIMAPFlags(fs *flag.FlagSet) *imapFlags {
	f := &imapFlags{}
	fs.StringVar(&f.addr, "imap-addr", "", "IMAP server host:port of the mailbox named in rua= (none: no mailbox is read)")
	fs.StringVar(&f.user, "imap-user", "", "IMAP user name (the password: PARSE_DMARC_IMAP_PASSWORD or PARSE_DMARC_IMAP_PASSWORD_FILE)")
	fs.StringVar(&f.mode, "imap-tls", "tls", "connection security: tls (port 993), starttls (143) or plain (only for a local server)")
	fs.StringVar(&f.mailbox, "imap-mailbox", imapsource.DefaultMailbox, "mailbox reports arrive in")
	fs.StringVar(&f.processed, "imap-processed", imapsource.DefaultProcessedFolder, "folder processed messages are moved to")
	fs.StringVar(&f.invalid, "imap-invalid", imapsource.DefaultInvalidFolder, "folder messages with unparsable content are moved to")
	fs.StringVar(&f.other, "imap-other", imapsource.DefaultOtherFolder, "folder messages without any report (mailing-list noise, bounces, replies) are moved to")
	fs.BoolVar(&f.insecure, "imap-insecure-skip-verify", false, "accept any server certificate (exposes the password to a man in the middle)")
	fs.StringVar(&f.names, "imap-accounts", "", "names of further IMAP accounts, comma-separated, each set by PARSE_DMARC_IMAP_<NAME>_* variables (see above)")
	return f
}

// account builds the Account, reading the password from env.
func (f *imapFlags) account(env Env) (imapsource.Account, error) {
	mode, err := imapsource.ParseMode(f.mode)
	if err != nil {
		return imapsource.Account{}, err
	}
	pw, err := secret(env, "PARSE_DMARC_IMAP_PASSWORD")
	if err != nil {
		return imapsource.Account{}, fmt.Errorf("IMAP password: %w", err)
	}
	if f.user == "" || pw == "" {
		return imapsource.Account{}, fmt.Errorf("--imap-addr needs --imap-user and PARSE_DMARC_IMAP_PASSWORD (or PARSE_DMARC_IMAP_PASSWORD_FILE)")
	}
	return imapsource.Account{Addr: f.addr, TLS: mode, Username: f.user, Password: pw, Mailbox: f.mailbox,
		ProcessedFolder: f.processed, InvalidFolder: f.invalid, OtherFolder: f.other, InsecureSkipVerify: f.insecure}, nil
}

func runFetch(ctx context.Context, env Env, args []string) int {
	fs := flagSet(env, "fetch", "",
		`Fetch the reports in an IMAP mailbox once and exit (for cron). Each message is
imported (aggregate, failure and SMTP TLS reports alike), then moved to the
processed folder, to the invalid folder when anything in it could not be parsed,
or to the folder for other mail when it holds no report at all; nothing is
deleted, and a message is moved only after its reports are stored. Every account is fetched once, one after the
other, with a summary line each; the exit status is 1 when any failed.

`+accountsHelp)
	db := fs.String("db", defaultDB, "database: a SQLite file or a postgres:// URL")
	im := addIMAPFlags(fs)
	ff := addForensicFlags(fs)
	if code, ok := parseFlags(fs, &env, args); !ok {
		return code
	}
	redaction, err := ff.redaction()
	if err != nil {
		fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
		return ExitUsage
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return ExitUsage
	}
	accts, err := im.accounts(env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
		return ExitUsage
	}
	if len(accts) == 0 {
		fmt.Fprintln(env.Stderr, "parse-dmarc: fetch: no mailbox: set --imap-addr or --imap-accounts")
		fs.Usage()
		return ExitUsage
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, nil))
	return withStore(ctx, env, *db, func(st store.Store) int {
		code := ExitOK
		for _, a := range accts {
			if !fetchAccount(ctx, env, st, a, redaction, log) {
				code = ExitFail
			}
		}
		return code
	})
}

// fetchAccount makes one pass over the mailbox of a, under its store lock,
// and prints a summary line. It reports whether everything went through:
// no failure, no message the server refused, nothing quarantined.
func fetchAccount(ctx context.Context, env Env, st store.Store, a imapsource.Account, redaction forensic.Redaction, log *slog.Logger) bool {
	unlock, ok, err := st.TryLock(ctx, lockName(a))
	if err != nil {
		fmt.Fprintf(env.Stderr, "parse-dmarc: %s: %v\n", a.Label(), err)
		return false
	}
	defer unlock()
	if !ok {
		fmt.Fprintf(env.Stderr, "parse-dmarc: another process is fetching %s; try later\n", a)
		return false
	}
	f := &imapsource.Fetcher{Account: a, Importer: &ingest.Importer{Store: st, Log: log, Redaction: redaction}, Tracker: st, Log: log}
	start := time.Now()
	res, err := f.FetchOnce(ctx)
	fmt.Fprintf(env.Stdout, "%s: %d messages (%d resumed): %d processed, %d invalid, %d other; reports %d new, %d duplicate, %d quarantined; %d records in %.2fs\n",
		a.Label(), res.Messages, res.Resumed, res.Processed, res.Invalid, res.Other, res.Imported, res.Duplicates, res.Quarantined, res.Records, time.Since(start).Seconds())
	if err != nil {
		fmt.Fprintf(env.Stderr, "parse-dmarc: fetch %s: %v\n", a.Label(), err)
		return false
	}
	return res.Errors == 0 && res.Quarantined == 0
}

// lockName is the store lock that keeps two replicas off one mailbox.
func lockName(a imapsource.Account) string {
	return "imap:" + a.Username + "@" + a.Addr + "/" + a.Mailbox
}

// watchMailbox runs a Fetcher for acct until ctx ends, while holding the
// mailbox's store lock: replicas sharing a PostgreSQL store wait, polling
// for the lock, while the holder fetches. Every pass is timed and counted in
// m, and every report it imports (nil m counts nothing).
func watchMailbox(ctx context.Context, st store.Store, im *ingest.Importer, acct imapsource.Account, interval time.Duration, m *server.Metrics, log *slog.Logger) {
	counted := *im // a copy: Progress is this account's
	counted.Progress = func(r ingest.Result) { m.Imported(ctx, st, r) }
	m.FetchAccount(acct.Label())
	for {
		unlock, ok, err := st.TryLock(ctx, lockName(acct))
		if err != nil {
			log.Error("mailbox lock", "account", acct, "err", err)
		}
		if ok {
			log.Info("fetching the mailbox", "account", acct, "every", interval)
			f := &imapsource.Fetcher{Account: acct, Importer: &counted, Tracker: st, Log: log,
				Observe: func(p imapsource.Pass) { m.Fetched(p.Account, p.Duration, p.Err) }}
			if err := f.Run(ctx, interval); err != nil {
				log.Error("mailbox", "account", acct, "err", err)
			}
			unlock()
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
