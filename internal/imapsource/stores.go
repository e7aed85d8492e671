package imapsource

import (
	"context"
	"fmt"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// onceQuarantine makes quarantining idempotent: an entry with the same
// source name and digest as one already kept is not added again. Reports
// have their dedupe key; this gives the same to the quarantine entries of a
// message imported again after a crash before it was marked seen. Source
// names hold the mailbox, its UIDVALIDITY and the UID, so two different
// messages never share one.
type onceQuarantine struct{ store.Store }

// Quarantine implements store.Store. Listing the quarantine costs one read
// of its (small, Raw-less) list per quarantined part, which stays cheap as
// long as the quarantine is emptied, as it is meant to be.
func (s onceQuarantine) Quarantine(ctx context.Context, q store.Quarantined) (int64, error) {
	list, err := s.Store.Quarantined(ctx)
	if err != nil {
		return 0, fmt.Errorf("look for an earlier quarantine of %s: %w", q.SourceName, err)
	}
	for _, e := range list {
		if e.SourceName == q.SourceName && e.SHA256 == q.SHA256 {
			return e.ID, nil
		}
	}
	return s.Store.Quarantine(ctx, q)
}

// dryRun is a store that writes nothing: importing through it tells what an
// import would quarantine. It serves to find the folder of a message that
// an earlier pass imported but could not move. It differs from the real
// import only for a report whose dedupe key was stored from other bytes
// and whose own records are broken: the real import called it a
// duplicate, the dry run quarantines it.
type dryRun struct{ store.Store }

// BeginReport implements store.Store: every report is new.
func (dryRun) BeginReport(context.Context, store.Incoming) (store.ReportTx, error) {
	return discardTx{}, nil
}

// Quarantine implements store.Store, keeping nothing.
func (dryRun) Quarantine(context.Context, store.Quarantined) (int64, error) { return 0, nil }

// AddForensicReport implements store.Store, keeping nothing: every
// failure report is new.
func (dryRun) AddForensicReport(context.Context, store.ForensicIncoming) (int64, error) {
	return 0, nil
}

// discardTx is the ReportTx of dryRun.
type discardTx struct{}

func (discardTx) Add(context.Context, *aggregate.Record) error         { return nil }
func (discardTx) Commit(context.Context, store.Summary) (int64, error) { return 0, nil }
func (discardTx) Rollback() error                                      { return nil }
