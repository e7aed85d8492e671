package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/alert"
	"github.com/parse-dmarc/parse-dmarc/internal/configfile"
	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/notify"
	"github.com/parse-dmarc/parse-dmarc/internal/secretbox"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// notifyHelp is serve's help on notifications.
const notifyHelp = `Notification channels (generic webhooks, Slack, Discord, Microsoft Teams,
email) are set up in the dashboard, over the API (/api/v1/channels) or in a
--channels settings file (with alert rules and scheduled reports); events and alerts wait in an outbox in the store, so retries
survive a restart. Their secrets (URLs, header values, signing secrets, SMTP
passwords) are sealed at rest with the key of PARSE_DMARC_SECRET_KEY (or
PARSE_DMARC_SECRET_KEY_FILE), 32 random bytes in base64 (openssl rand -base64
32); without one, a key is generated in DATA/secret.key (mode 0600). Replicas
sharing a PostgreSQL store must share the key. README: Webhooks.

`

// notifyFlags configure notifications for serve.
type notifyFlags struct {
	publicURL, channels string
}

func addNotifyFlags(fs *flag.FlagSet) *notifyFlags {
	f := &notifyFlags{}
	fs.StringVar(&f.publicURL, "public-url", "", "the dashboard's address as people reach it, such as https://dmarc.example.com, for links in notifications (default: none)")
	fs.StringVar(&f.channels, "channels", "", "a JSON settings file of notification channels, alert rules and scheduled reports, applied by name at start, secrets as ${ENV} references (README: Settings file)")
	return f
}

// baseURL checks --public-url and returns it without a final slash.
func (f *notifyFlags) baseURL() (string, error) {
	if f.publicURL == "" {
		return "", nil
	}
	u, err := url.Parse(f.publicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return "", fmt.Errorf("--public-url %q: an http:// or https:// address", f.publicURL)
	}
	return strings.TrimRight(f.publicURL, "/"), nil
}

// service returns the notification service on st, with its secret key
// from the environment or the data directory, the settings file of
// --channels applied (its alert rules to alerts), and the hook that publishes the events of stored reports.
func (f *notifyFlags) service(ctx context.Context, env Env, data string, st store.Store, ips notify.IPLookup, alerts *alert.Engine, log *slog.Logger) (*notify.Service, func(context.Context, ingest.Result), error) {
	base, err := f.baseURL()
	if err != nil {
		return nil, nil, err
	}
	keyFile := filepath.Join(data, secretbox.KeyFileName)
	box, created, err := secretbox.FromEnvOrFile(env.Getenv, keyFile)
	if err != nil {
		return nil, nil, err
	}
	if created {
		log.Warn("generated the secret key that seals notification secrets: keep a copy apart from the data, or set "+secretbox.EnvKey+" (replicas sharing a PostgreSQL store must share it)", "file", keyFile)
	}
	svc := notify.New(st, box, log)
	if f.channels != "" {
		file, err := configfile.Load(f.channels, env.Getenv)
		if err != nil {
			return nil, nil, err
		}
		sum, err := file.Apply(ctx, configfile.Targets{Notify: svc, Alerts: alerts, Store: st})
		if err != nil {
			return nil, nil, fmt.Errorf("--channels: %w", err)
		}
		log.Info("settings file applied", "file", f.channels, "channels", sum.Channels, "alert_rules", sum.Rules, "schedules", sum.Schedules)
	}
	events := &notify.ReportEvents{Service: svc, Store: st, IPs: ips, BaseURL: base, Log: log}
	stored := func(ctx context.Context, r ingest.Result) {
		if r.Format == ingest.FormatAggregate {
			events.Stored(ctx, r.ReportID)
		}
	}
	return svc, stored, nil
}
