package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/imapsource"
	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// imapFlags are the flags of one IMAP account, shared by fetch and serve.
// The password comes only from PARSE_DMARC_IMAP_PASSWORD or the file named
// by PARSE_DMARC_IMAP_PASSWORD_FILE (or the --config file), never from the
// command line, where other users of the host could read it.
type imapFlags struct {
	addr, user, mode, mailbox, processed, invalid string
	insecure                                      bool
}

func addIMAPFlags(fs *flag.FlagSet) *imapFlags {
	f := &imapFlags{}
	fs.StringVar(&f.addr, "imap-addr", "", "IMAP server host:port of the mailbox named in rua= (none: no mailbox is read)")
	fs.StringVar(&f.user, "imap-user", "", "IMAP user name (the password: PARSE_DMARC_IMAP_PASSWORD or PARSE_DMARC_IMAP_PASSWORD_FILE)")
	fs.StringVar(&f.mode, "imap-tls", "tls", "connection security: tls (port 993), starttls (143) or plain (only for a local server)")
	fs.StringVar(&f.mailbox, "imap-mailbox", imapsource.DefaultMailbox, "mailbox reports arrive in")
	fs.StringVar(&f.processed, "imap-processed", imapsource.DefaultProcessedFolder, "folder processed messages are moved to")
	fs.StringVar(&f.invalid, "imap-invalid", imapsource.DefaultInvalidFolder, "folder messages with unparsable content are moved to")
	fs.BoolVar(&f.insecure, "imap-insecure-skip-verify", false, "accept any server certificate (exposes the password to a man in the middle)")
	return f
}

// account builds the Account, reading the password from env.
func (f *imapFlags) account(env Env) (imapsource.Account, error) {
	mode, err := imapsource.ParseMode(f.mode)
	if err != nil {
		return imapsource.Account{}, err
	}
	pw := env.Getenv("PARSE_DMARC_IMAP_PASSWORD")
	if file := env.Getenv("PARSE_DMARC_IMAP_PASSWORD_FILE"); pw == "" && file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return imapsource.Account{}, fmt.Errorf("IMAP password file: %w", err)
		}
		pw = strings.TrimRight(string(b), "\r\n")
	}
	if f.user == "" || pw == "" {
		return imapsource.Account{}, fmt.Errorf("--imap-addr needs --imap-user and PARSE_DMARC_IMAP_PASSWORD (or PARSE_DMARC_IMAP_PASSWORD_FILE)")
	}
	return imapsource.Account{Addr: f.addr, TLS: mode, Username: f.user, Password: pw, Mailbox: f.mailbox,
		ProcessedFolder: f.processed, InvalidFolder: f.invalid, InsecureSkipVerify: f.insecure}, nil
}

func runFetch(ctx context.Context, env Env, args []string) int {
	fs := flagSet(env, "fetch", "",
		`Fetch the reports in an IMAP mailbox once and exit (for cron). Each message is
imported, then moved to the processed folder, or to the invalid folder when
anything in it could not be parsed; nothing is deleted, and a message is moved
only after its reports are stored.`)
	db := fs.String("db", defaultDB, "database: a SQLite file or a postgres:// URL")
	im := addIMAPFlags(fs)
	if code, ok := parseFlags(fs, &env, args); !ok {
		return code
	}
	if fs.NArg() > 0 || im.addr == "" {
		fs.Usage()
		return ExitUsage
	}
	acct, err := im.account(env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
		return ExitUsage
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, nil))
	return withStore(ctx, env, *db, func(st store.Store) int {
		unlock, ok, err := st.TryLock(ctx, lockName(acct))
		if err != nil {
			fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
			return ExitFail
		}
		defer unlock()
		if !ok {
			fmt.Fprintf(env.Stderr, "parse-dmarc: another process is fetching %s; try later\n", acct)
			return ExitFail
		}
		f := &imapsource.Fetcher{Account: acct, Importer: &ingest.Importer{Store: st, Log: log}, Tracker: st, Log: log}
		start := time.Now()
		res, err := f.FetchOnce(ctx)
		fmt.Fprintf(env.Stdout, "%d messages (%d resumed): %d processed, %d invalid; reports %d new, %d duplicate, %d quarantined; %d records in %.2fs\n",
			res.Messages, res.Resumed, res.Processed, res.Invalid, res.Imported, res.Duplicates, res.Quarantined, res.Records, time.Since(start).Seconds())
		if err != nil {
			fmt.Fprintf(env.Stderr, "parse-dmarc: fetch: %v\n", err)
			return ExitFail
		}
		if res.Errors > 0 || res.Quarantined > 0 {
			return ExitFail
		}
		return ExitOK
	})
}

// lockName is the store lock that keeps two replicas off one mailbox.
func lockName(a imapsource.Account) string {
	return "imap:" + a.Username + "@" + a.Addr + "/" + a.Mailbox
}

// watchMailbox runs a Fetcher for acct until ctx ends, while holding the
// mailbox's store lock: replicas sharing a PostgreSQL store wait, polling
// for the lock, while the holder fetches.
func watchMailbox(ctx context.Context, st store.Store, im *ingest.Importer, acct imapsource.Account, interval time.Duration, log *slog.Logger) {
	for {
		unlock, ok, err := st.TryLock(ctx, lockName(acct))
		if err != nil {
			log.Error("mailbox lock", "account", acct, "err", err)
		}
		if ok {
			log.Info("fetching the mailbox", "account", acct, "every", interval)
			f := &imapsource.Fetcher{Account: acct, Importer: im, Tracker: st, Log: log}
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
