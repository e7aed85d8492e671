package cli

import (
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/reputation"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// The variables of the reputation providers' API keys. Like passwords they
// come only from the environment, the files their _FILE variables name, or
// the --config file, never from the command line, where other users of
// the host could read them.
const (
	abuseIPDBKeyVar  = "PARSE_DMARC_ABUSEIPDB_KEY"
	virusTotalKeyVar = "PARSE_DMARC_VIRUSTOTAL_KEY"
)

// reputationHelp explains IP reputation in serve's help.
const reputationHelp = `The source page judges each sending IP from its history in the store. With an
API key in PARSE_DMARC_ABUSEIPDB_KEY or PARSE_DMARC_VIRUSTOTAL_KEY (or the
_FILE variables naming files that hold them) it also asks AbuseIPDB or
VirusTotal about it: opt-in, since that tells the service which address is
looked at. Private and reserved addresses are never sent; answers are cached
(--reputation-ttl) and lookups kept within the free tiers' quotas.

`

// reputationFlags configure IP reputation (roadmap 2.6) for serve.
type reputationFlags struct {
	abuseURL, vtURL                    string
	ttl                                time.Duration
	abusePerDay, vtPerMinute, vtPerDay int
}

func addReputationFlags(fs *flag.FlagSet) *reputationFlags {
	f := &reputationFlags{}
	fs.StringVar(&f.abuseURL, "abuseipdb-url", reputation.DefaultAbuseIPDBURL, "AbuseIPDB API base URL, for a proxy (asked only with "+abuseIPDBKeyVar+" set)")
	fs.StringVar(&f.vtURL, "virustotal-url", reputation.DefaultVirusTotalURL, "VirusTotal API base URL, for a proxy (asked only with "+virusTotalKeyVar+" set)")
	fs.DurationVar(&f.ttl, "reputation-ttl", reputation.DefaultTTL, "how long an AbuseIPDB or VirusTotal answer is cached (failures: 15 minutes)")
	fs.IntVar(&f.abusePerDay, "abuseipdb-daily-limit", reputation.AbuseIPDBPerDay, "AbuseIPDB lookups a day at most (the free tier's; raise for a paid plan)")
	fs.IntVar(&f.vtPerMinute, "virustotal-minute-limit", reputation.VirusTotalPerMinute, "VirusTotal lookups a minute at most (the public API's)")
	fs.IntVar(&f.vtPerDay, "virustotal-daily-limit", reputation.VirusTotalPerDay, "VirusTotal lookups a day at most (the public API's)")
	return f
}

// service builds the reputation service on st, reading the keys from env.
// Neither key nor its value is ever logged.
func (f *reputationFlags) service(env Env, st store.Store, log *slog.Logger) (*reputation.Service, error) {
	abuseKey, err := secret(env, abuseIPDBKeyVar)
	if err != nil {
		return nil, fmt.Errorf("AbuseIPDB key: %w", err)
	}
	vtKey, err := secret(env, virusTotalKeyVar)
	if err != nil {
		return nil, fmt.Errorf("VirusTotal key: %w", err)
	}
	s, err := reputation.New(reputation.Config{Store: st, Log: log,
		AbuseIPDBKey: abuseKey, VirusTotalKey: vtKey, AbuseIPDBURL: f.abuseURL, VirusTotalURL: f.vtURL, TTL: f.ttl,
		AbuseIPDBPerDay: f.abusePerDay, VirusTotalPerMinute: f.vtPerMinute, VirusTotalPerDay: f.vtPerDay})
	if err != nil {
		return nil, err
	}
	if p := s.Providers(); len(p) > 0 {
		log.Info("IP reputation: source pages ask external services", "providers", p)
	}
	return s, nil
}
