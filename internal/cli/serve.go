package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/alert"
	"github.com/parse-dmarc/parse-dmarc/internal/digest"
	"github.com/parse-dmarc/parse-dmarc/internal/dirsource"
	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/dnswatch"
	"github.com/parse-dmarc/parse-dmarc/internal/enrich"
	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/remedy"
	"github.com/parse-dmarc/parse-dmarc/internal/senders"
	"github.com/parse-dmarc/parse-dmarc/internal/server"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/version"
)

// shutdownGrace is how long serve waits for requests in flight at SIGTERM.
const shutdownGrace = 15 * time.Second

func runServe(ctx context.Context, env Env, args []string) int {
	fs := flagSet(env, "serve", "",
		`Serve the API (and later the dashboard) and ingest reports in the background.

It listens on 127.0.0.1 by default. Listening on any other address requires an
admin password, given only by the environment: PARSE_DMARC_ADMIN_PASSWORD, or
PARSE_DMARC_ADMIN_PASSWORD_FILE naming a file that holds it (HTTP basic
authentication, user "admin", over everything but /healthz and /readyz).
--insecure-no-auth serves without one, with a warning in the log.

With --imap-addr it reads that IMAP mailbox continuously (IDLE when the server
offers it); each further account gets a loop of its own, and with several
replicas on one PostgreSQL store only the holder of a mailbox's lock reads it.

Every --dns-check-interval it checks the DNS records (DMARC, SPF, DKIM, MTA-STS,
TLS-RPT, BIMI) of each domain with reports and keeps their history, so the
dashboard shows what changed; one replica at a time does.

Alert rules (/api/v1/alerts/rules) are judged a few seconds after reports of a
domain are stored, after each DNS check, and every 15 minutes; their alerts go
to the notification channels, within each channel's limit and quiet hours.

Failure (forensic) reports are stored without message bodies or recipient
addresses, reduced as --forensic-redact says, and deleted after
--forensic-retention days by a daily prune; their routes (/api/v1/forensic) are
refused with --no-forensic-api, and whenever serve runs without a password on
an address other than loopback. Mails without any report are moved to
--imap-other.

`+reputationHelp+notifyHelp+accountsHelp)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	data := fs.String("data", "data", "data directory (holds the SQLite database)")
	db := fs.String("db", "", "database: a SQLite file (default DATA/parse-dmarc.db) or a postgres:// URL")
	insecure := fs.Bool("insecure-no-auth", false, "serve without a password on a non-loopback address")
	maxUpload := fs.Int64("max-upload", server.DefaultMaxUpload, "largest upload request in bytes")
	watch := fs.String("watch", "", "a directory to import report files from; they are moved to its processed/, invalid/ or other/ (no report at all) subdirectory")
	watchEvery := fs.Duration("watch-interval", 30*time.Second, "how often the --watch directory is read")
	imapf := addIMAPFlags(fs)
	repf := addReputationFlags(fs)
	notf := addNotifyFlags(fs)
	forf := addForensicFlags(fs)
	forf.addServeFlags(fs)
	ipdb := fs.String("ipdb", "", "directory of the IP data `make ipdb` installs (default DATA/ipdb)")
	geoASN := fs.String("geoip-asn", "", "a MaxMind GeoLite2-ASN .mmdb file, used instead of the ip-location-db ASN data")
	geoCountry := fs.String("geoip-country", "", "a MaxMind GeoLite2-Country or -City .mmdb file, used instead of the ip-location-db country data")
	noIMAPTest := fs.Bool("disable-imap-test", false, "refuse the setup guide's IMAP connection test (POST /api/v1/imap/test), which makes the server connect where a signed-in user says")
	sendersFile := fs.String("senders", "", "a JSON file of sending services that extends or overrides the built-in catalogue the source classification identifies services by, merged by id (README: Sending services)")
	rdns := fs.Bool("reverse-dns", true, "look up the reverse DNS names of source IPs shown in the dashboard (false: no DNS queries about them)")
	imapEvery := fs.Duration("imap-interval", 5*time.Minute, "how often the mailbox is read (IDLE brings new mail sooner when the server offers it)")
	var dnsResolvers listFlag
	fs.Var(&dnsResolvers, "dns-resolver", "DNS server the DNS checks and the SPF verdicts of sources ask, HOST or HOST:PORT (repeat or separate with commas; default: those of /etc/resolv.conf)")
	dnsEvery := fs.Duration("dns-check-interval", 24*time.Hour, "how often the DNS records of every domain with reports are checked and kept in its history (0: never; at least 1m)")
	if code, ok := parseFlags(fs, &env, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return ExitUsage
	}
	if *dnsEvery != 0 && *dnsEvery < dnswatch.MinInterval {
		fmt.Fprintf(env.Stderr, "parse-dmarc: --dns-check-interval: 0 or at least %v\n", dnswatch.MinInterval)
		return ExitUsage
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	auth, err := adminAuth(env, *addr, *insecure, log)
	if err != nil {
		fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
		return ExitUsage
	}
	redaction, err := forf.redaction()
	if err != nil {
		fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
		return ExitUsage
	}
	retention, err := forf.retentionDays()
	if err != nil {
		fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
		return ExitUsage
	}
	if *db == "" {
		*db = filepath.Join(*data, "parse-dmarc.db")
	}
	accts, err := imapf.accounts(env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
		return ExitUsage
	}
	catalogue, err := senders.Load(*sendersFile)
	if err != nil {
		fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
		return ExitUsage
	}
	return withStore(ctx, env, *db, func(st store.Store) int {
		if *ipdb == "" {
			*ipdb = filepath.Join(*data, "ipdb")
		}
		ips, ierr := enrich.New(enrich.Config{Dir: *ipdb, GeoIPASN: *geoASN, GeoIPCountry: *geoCountry, RDNS: *rdns, Log: log})
		if ierr != nil {
			fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", ierr)
			return ExitUsage
		}
		defer ips.Close()
		rep, rerr := repf.service(env, st, log)
		if rerr != nil {
			fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", rerr)
			return ExitUsage
		}
		metrics := server.NewMetrics(st)
		checker := &dnscheck.Checker{Servers: resolverAddrs(dnsResolvers)}
		watcher := &dnswatch.Watcher{Store: st, Checker: checker, Log: log}
		// The alert engine; it sends nothing until it has a Notifier.
		alerts := &alert.Engine{Store: st, IPs: ips, Log: log}
		watcher.Checked = func(c *dnswatch.Check) { alerts.Reported(c.Domain) }
		srv := &server.Server{
			SPF:             &dnscheck.SPFAuthorizer{Checker: checker},
			DNS:             watcher,
			IPs:             ips,
			Senders:         catalogue,
			Reputation:      rep,
			DisableIMAPTest: *noIMAPTest,
			Store:           st,
			Importer:        &ingest.Importer{Store: st, Log: log, Stored: alerts.Stored},
			Alerts:          alerts,
			Log:             log,
			Auth:            auth,
			Metrics:         metrics,
			MaxUpload:       *maxUpload,
			Version:         version.String(),
		}
		// "Fix this" and the policy advisor judge sources as the source
		// page does: the same catalogue, SPF verdicts (and their cache),
		// IP data and DNS resolvers.
		// Failure reports hold personal data: never served to a network
		// without the admin's password.
		srv.Importer.Redaction = redaction
		srv.DisableForensic = forf.noAPI || (auth == nil && !loopback(*addr))
		srv.ForensicRetention = retention
		srv.Guide = &remedy.Guide{Store: st, Senders: catalogue, DNS: checker, SPF: srv.SPF, IPs: server.GuideIPs(ips)}
		notifier, stored, nerr := notf.service(ctx, env, *data, st, ips, alerts, log)
		if nerr != nil {
			fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", nerr)
			return ExitUsage
		}
		srv.Notify = notifier
		// The alert engine sends through the same service, linking to
		// --public-url (checked by notf.service).
		alerts.Notifier = notifier
		alerts.BaseURL, _ = notf.baseURL()
		// The reports' issues come from the same advisor, without its
		// DNS check of each domain (the report reads the stored checks).
		reportGuide := *srv.Guide
		reportGuide.DNS = nil
		srv.Digest = &digest.Builder{Store: st, Guide: &reportGuide, Log: log}
		if srv.Notify != nil {
			srv.Schedules = &digest.Scheduler{Store: st, Builder: srv.Digest, Deliver: &digest.NotifyDeliverer{Service: srv.Notify}, Log: log}
		}
		// Every way in (uploads, --watch, mailboxes) shares this Importer:
		// the events of each report stored, then what Stored did before.
		if before := srv.Importer.Stored; before != nil {
			srv.Importer.Stored = func(ctx context.Context, r ingest.Result) {
				stored(ctx, r)
				before(ctx, r)
			}
		} else {
			srv.Importer.Stored = stored
		}
		// Background sources run until ctx ends; serve waits for them so
		// that the report in hand is committed before exit.
		sctx, stop := context.WithCancel(ctx)
		defer stop()
		var wg sync.WaitGroup
		wg.Go(func() {
			if err := ips.Load(sctx); err != nil && sctx.Err() == nil {
				log.Warn("IP data", "err", err)
			}
		})
		if *watch != "" {
			dw := &dirsource.Watcher{Dir: *watch, Importer: srv.Importer, Log: log,
				Observe: func(r ingest.Result) { metrics.Imported(sctx, st, r) }}
			wg.Go(func() { dw.Run(sctx, *watchEvery) })
			log.Info("watching a directory for reports", "dir", *watch, "every", *watchEvery)
		}
		for _, a := range accts {
			wg.Go(func() { watchMailbox(sctx, st, srv.Importer, a, *imapEvery, metrics, log) })
		}
		// The outbox worker: events and alerts wait in the store, so one
		// left at exit is sent at the next start (or by another replica).
		wg.Go(func() { notifier.Run(sctx) })
		wg.Go(func() { alerts.Run(sctx) })
		wg.Go(func() { pruneForensic(sctx, st, retention, log) })
		if *dnsEvery > 0 {
			wg.Go(func() { watcher.Run(sctx, *dnsEvery) })
			log.Info("checking DNS records", "every", *dnsEvery)
		}
		if srv.Schedules != nil {
			wg.Go(func() { srv.Schedules.Run(sctx, 0) })
		}
		err := listenAndServe(ctx, *addr, srv.Handler(), log)
		stop()
		wg.Wait()
		watcher.Wait()
		if err != nil {
			fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
			return ExitFail
		}
		return ExitOK
	})
}

// adminAuth returns the password guard, or nil when none is needed; it
// refuses to serve a non-loopback address without one unless insecure.
func adminAuth(env Env, addr string, insecure bool, log *slog.Logger) (*server.BasicAuth, error) {
	pw := env.Getenv("PARSE_DMARC_ADMIN_PASSWORD")
	if file := env.Getenv("PARSE_DMARC_ADMIN_PASSWORD_FILE"); pw == "" && file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("admin password file: %w", err)
		}
		pw = strings.TrimRight(string(b), "\r\n")
	}
	if pw != "" {
		return server.NewBasicAuth("admin", pw)
	}
	if loopback(addr) {
		return nil, nil
	}
	if insecure {
		log.Warn("SERVING WITHOUT AUTHENTICATION on a non-loopback address: anyone who reaches " + addr + " can read and change all data")
		return nil, nil
	}
	return nil, fmt.Errorf("listening on %s needs an admin password: set PARSE_DMARC_ADMIN_PASSWORD (or PARSE_DMARC_ADMIN_PASSWORD_FILE), listen on 127.0.0.1, or pass --insecure-no-auth", addr)
}

// loopback reports whether addr only accepts connections from this host.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// listenAndServe serves h on addr until ctx ends, then shuts down
// gracefully: requests in flight (an upload being stored) finish.
func listenAndServe(ctx context.Context, addr string, h http.Handler, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := server.NewHTTPServer(addr, h)
	log.Info("serving", "addr", "http://"+ln.Addr().String(), "version", version.String())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
