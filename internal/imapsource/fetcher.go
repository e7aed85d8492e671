package imapsource

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// Tracker remembers which messages were processed. store.Store implements
// it.
type Tracker interface {
	// MessageSeen reports whether the message with uid in the mailbox
	// generation k was processed already.
	MessageSeen(ctx context.Context, k store.MailboxKey, uid uint32) (bool, error)
	// MarkMessageSeen records that the message was processed: its reports
	// committed or quarantined. It is called only after the import
	// returned, and before the message is moved.
	MarkMessageSeen(ctx context.Context, k store.MailboxKey, uid uint32) error
}

// DefaultMaxMessageSize is the default of Fetcher.MaxMessageSize: ingest's
// default limit on one mail (ingest.Limits.MaxArchive).
const DefaultMaxMessageSize = 256 << 20

// Fetcher imports the reports of one IMAP mailbox. Set its fields before
// use and leave them alone afterwards. A Fetcher does one thing at a time:
// do not call FetchOnce or Run concurrently on the same Fetcher, nor have
// two Fetchers (in one process or several) work on the same mailbox.
type Fetcher struct {
	Account  Account
	Importer *ingest.Importer
	Tracker  Tracker
	// Log receives what happens, at Info for messages moved and Error for
	// failed passes; nil discards. The password is never logged.
	Log *slog.Logger
	// Dial opens the network connection to Account.Addr; the Fetcher
	// adds TLS on top as Account.TLS says. Nil uses a net.Dialer with a
	// 30 s timeout. Tests and proxies set it.
	Dial DialFunc
	// MaxMessageSize is the most bytes of one message downloaded; default
	// DefaultMaxMessageSize. A larger message is not downloaded: it is
	// quarantined (without its bytes) as too large and moved to the
	// invalid folder.
	MaxMessageSize int64
	// Observe, when set, is called after every pass FetchOnce and Run
	// make, failed ones included: a connection or login that fails is a
	// failed pass. It runs on the goroutine of the pass and should return
	// quickly. The reports of each message are told, as they are stored,
	// to the Importer's Progress; the dry runs that work out the folder of
	// a message an earlier pass imported but did not move are not.
	Observe func(Pass)

	// hook, in tests, is called between the steps of processing a message
	// ("fetched", "imported", "marked", "copied", "moved"); its error
	// stops the pass as a crash would.
	hook func(step string, uid uint32) error
	// backoffMin, backoffMax and idleMax replace the defaults in tests.
	backoffMin, backoffMax, idleMax time.Duration
}

// Result counts what one pass did.
type Result struct {
	// Messages counts messages handed to the importer.
	Messages int
	// Resumed counts messages an earlier pass imported but did not
	// finish moving (a crash or a failed move), which this pass moved.
	Resumed int
	// Processed, Invalid and Other count messages moved to each folder.
	Processed, Invalid, Other int
	// Imported, Duplicates, Quarantined and Ignored count reports (or
	// parts, for Quarantined; mails, for Ignored) as ingest.Summary does;
	// Records the records imported.
	Imported, Duplicates, Quarantined, Ignored int
	Records                                    int64
	// Errors counts messages the server refused to fetch or move (a NO
	// response, such as a full destination). They stay where they are and
	// are tried again by the next pass.
	Errors int
}

func (r *Result) add(s ingest.Summary) {
	r.Imported += s.Imported
	r.Duplicates += s.Duplicates
	r.Quarantined += s.Quarantined
	r.Ignored += s.Ignored
	r.Records += s.Records
}

// FetchOnce connects, processes every message of the mailbox, and logs
// out. The error is a failure of the connection, of the server or of the
// store: the message being processed then stays in the mailbox, to be
// processed again by the next pass, and the Result counts what was done
// before.
func (f *Fetcher) FetchOnce(ctx context.Context) (Result, error) {
	if err := f.check(); err != nil {
		return Result{}, err
	}
	start := time.Now()
	cn, err := f.connect(ctx)
	if err != nil {
		f.observe(ctx, start, Result{}, err)
		return Result{}, err
	}
	defer cn.close()
	var res Result
	err = f.pass(ctx, cn, &res)
	f.observe(ctx, start, res, err)
	return res, err
}

// check reports a Fetcher that cannot work.
func (f *Fetcher) check() error {
	if f.Importer == nil || f.Importer.Store == nil {
		return fmt.Errorf("%w: no importer or no store", ErrConfig)
	}
	if f.Tracker == nil {
		return fmt.Errorf("%w: no tracker", ErrConfig)
	}
	return f.account().check()
}

func (f *Fetcher) account() Account { return f.Account.withDefaults() }

func (f *Fetcher) log() *slog.Logger {
	if f.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return f.Log
}

func (f *Fetcher) maxSize() int64 {
	if f.MaxMessageSize > 0 {
		return f.MaxMessageSize
	}
	return DefaultMaxMessageSize
}

// step runs the test hook, if any.
func (f *Fetcher) step(name string, uid uint32) error {
	if f.hook == nil {
		return nil
	}
	return f.hook(name, uid)
}
