package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/forensic"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// forensicPruneEvery is how often serve deletes the failure reports past
// their retention.
const forensicPruneEvery = 24 * time.Hour

// forensicRedactHelp describes --forensic-redact, the policy of parse's
// --redact.
const forensicRedactHelp = "personal data removed from stored failure reports beyond message bodies and recipients, " +
	"which are never kept: addresses (local parts of all addresses, routing details), full (all header values but the From domain), or off"

// forensicFlags are the failure report settings of serve, import and
// fetch.
type forensicFlags struct {
	redact string
	// retention, noAPI: serve only.
	retention int
	noAPI     bool
}

// addForensicFlags adds --forensic-redact; serve adds the others with
// addServeFlags.
func addForensicFlags(fs *flag.FlagSet) *forensicFlags {
	f := &forensicFlags{}
	fs.StringVar(&f.redact, "forensic-redact", "addresses", forensicRedactHelp)
	return f
}

// addServeFlags adds serve's --forensic-retention and --no-forensic-api.
func (f *forensicFlags) addServeFlags(fs *flag.FlagSet) {
	fs.IntVar(&f.retention, "forensic-retention", 90, "days failure reports are kept before a daily prune deletes them (0: kept until deleted); "+
		"a domain's own retention (PUT /api/v1/forensic/retention/{domain}) overrides it")
	fs.BoolVar(&f.noAPI, "no-forensic-api", false, "refuse the failure report routes (/api/v1/forensic): they hold personal data "+
		"(they are refused anyway when serving without a password on an address other than loopback)")
}

// redaction is the policy --forensic-redact names.
func (f *forensicFlags) redaction() (forensic.Redaction, error) {
	r, err := forensic.ParseRedaction(f.redact)
	if err != nil {
		return r, fmt.Errorf("--forensic-redact: %w", err)
	}
	return r, nil
}

// retentionDays is --forensic-retention as a duration, or an error for a
// negative one.
func (f *forensicFlags) retentionDays() (time.Duration, error) {
	if f.retention < 0 {
		return 0, fmt.Errorf("--forensic-retention: %d days: 0 or more", f.retention)
	}
	return time.Duration(f.retention) * 24 * time.Hour, nil
}

// pruneForensic deletes the failure reports past their retention (def,
// or their domain's own) now and then every forensicPruneEvery until ctx
// ends. Replicas may prune at once: the deletes are the same.
func pruneForensic(ctx context.Context, st store.Store, def time.Duration, log *slog.Logger) {
	t := time.NewTicker(forensicPruneEvery)
	defer t.Stop()
	for {
		pruneForensicOnce(ctx, st, time.Now(), def, log)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pruneForensicOnce deletes the failure reports past their retention at
// now, logging how many.
func pruneForensicOnce(ctx context.Context, st store.Store, now time.Time, def time.Duration, log *slog.Logger) {
	n, err := st.PruneForensicReports(ctx, now, def)
	switch {
	case err != nil && ctx.Err() == nil:
		log.Error("prune failure reports", "err", err)
	case n > 0:
		log.Info("failure reports past their retention deleted", "reports", n)
	}
}
