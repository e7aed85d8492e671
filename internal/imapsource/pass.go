package imapsource

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// metaBatch is how many messages one FETCH of flags and sizes asks for.
const metaBatch = 500

// mailbox is the mailbox generation a pass reads, and the server's names
// of the folders.
type mailbox struct {
	key                       store.MailboxKey
	processed, invalid, other string
}

// folder is where a message whose import summed up to sum goes: the
// invalid folder when anything was quarantined, the one for other mail
// when it held no report of any kind, else the processed folder.
func (mb mailbox) folder(sum ingest.Summary) string {
	switch {
	case sum.Quarantined > 0:
		return mb.invalid
	case sum.Ignored > 0 && sum.Imported+sum.Duplicates == 0:
		return mb.other
	}
	return mb.processed
}

// meta is what a pass knows of a message before downloading it.
type meta struct {
	uid     imap.UID
	flags   []imap.Flag
	size    int64
	deleted bool
}

// pass processes every message in the mailbox once, on a logged-in
// connection.
func (f *Fetcher) pass(ctx context.Context, cn *conn, res *Result) error {
	err := f.passErr(ctx, cn, res)
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func (f *Fetcher) passErr(ctx context.Context, cn *conn, res *Result) error {
	a := f.account()
	mb := mailbox{
		processed: cn.name(a.ProcessedFolder),
		invalid:   cn.name(a.InvalidFolder),
		other:     cn.name(a.OtherFolder),
	}
	src := cn.name(a.Mailbox)
	if !cn.ensured {
		for _, name := range []string{mb.processed, mb.invalid, mb.other} {
			created, err := cn.ensureFolder(name)
			if err != nil {
				return err
			}
			if created {
				f.log().Info("folder created", "account", a.Name, "folder", name)
			}
		}
		cn.ensured = true
	}
	// Mail that arrives from here on is found by the search below; what
	// arrives later wakes the next wait.
	select {
	case <-cn.newMail:
	default:
	}
	sel, err := cn.c.Select(src, nil).Wait()
	if err != nil {
		return fmt.Errorf("select %q: %w", src, err)
	}
	mb.key = store.MailboxKey{Account: a.trackerAccount(), Mailbox: src, UIDValidity: sel.UIDValidity}
	found, err := cn.c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
	if err != nil {
		return fmt.Errorf("search %q: %w", src, err)
	}
	uids := found.AllUIDs()
	for len(uids) > 0 {
		batch := uids[:min(len(uids), metaBatch)]
		uids = uids[len(batch):]
		metas, err := fetchMeta(cn, batch)
		if err != nil {
			return err
		}
		for _, m := range metas {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := f.message(ctx, cn, mb, m, res); err != nil {
				return err
			}
		}
	}
	return nil
}

// fetchMeta fetches the flags and sizes of messages, in UID order. Messages
// expunged since the search are missing.
func fetchMeta(cn *conn, uids []imap.UID) ([]meta, error) {
	msgs, err := cn.c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, Flags: true, RFC822Size: true}).Collect()
	if err != nil {
		return nil, fmt.Errorf("fetch flags and sizes: %w", err)
	}
	byUID := make(map[imap.UID]meta, len(msgs))
	for _, m := range msgs {
		if m.UID == 0 {
			continue
		}
		mt := meta{uid: m.UID, flags: m.Flags, size: m.RFC822Size}
		for _, fl := range m.Flags {
			if strings.EqualFold(string(fl), string(imap.FlagDeleted)) {
				mt.deleted = true
			}
		}
		byUID[m.UID] = mt
	}
	var l []meta
	for _, uid := range uids {
		if m, ok := byUID[uid]; ok {
			l = append(l, m)
		}
	}
	return l, nil
}

// sourceName locates a message in the form of an IMAP URL (RFC 5092), with
// the account's name in place of the server.
func sourceName(account string, k store.MailboxKey, uid imap.UID) string {
	return "imap://" + account + "/" + (&url.URL{Path: k.Mailbox}).EscapedPath() +
		";UIDVALIDITY=" + strconv.FormatUint(uint64(k.UIDValidity), 10) +
		"/;UID=" + strconv.FormatUint(uint64(uid), 10)
}

// message processes one message: import, mark seen, move; or, for a
// message marked seen by an earlier pass, only the move. Its error stops
// the pass with the message left in place.
func (f *Fetcher) message(ctx context.Context, cn *conn, mb mailbox, m meta, res *Result) error {
	a := f.account()
	uid := uint32(m.uid)
	name := sourceName(a.Name, mb.key, m.uid)
	log := f.log().With("account", a.Name, "mailbox", mb.key.Mailbox, "uid", uid)
	seen, err := f.Tracker.MessageSeen(ctx, mb.key, uid)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if seen {
		return f.resume(ctx, cn, mb, m, name, log, res)
	}

	sum, ok, err := f.importMessage(ctx, cn, m, name, f.importer(false), res)
	if err != nil || !ok {
		return err
	}
	res.Messages++
	res.add(sum)
	if err := f.step("imported", uid); err != nil {
		return err
	}
	if err := f.Tracker.MarkMessageSeen(ctx, mb.key, uid); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := f.step("marked", uid); err != nil {
		return err
	}
	log = log.With("imported", sum.Imported, "duplicates", sum.Duplicates, "quarantined", sum.Quarantined, "ignored", sum.Ignored)
	return f.moveCounted(cn, m, mb.folder(sum), mb, log, res)
}

// resume finishes a message an earlier pass imported and marked seen but
// did not move.
func (f *Fetcher) resume(ctx context.Context, cn *conn, mb mailbox, m meta, name string, log *slog.Logger, res *Result) error {
	if m.deleted && !cn.caps.Has(imap.CapMove) {
		// Our COPY and STORE \Deleted happened; only the expunge is left.
		if !cn.caps.Has(imap.CapUIDPlus) {
			return nil // never EXPUNGE without a UID: it would remove others
		}
		if err := cn.c.UIDExpunge(imap.UIDSetNum(m.uid)).Close(); err != nil {
			return fmt.Errorf("%s: uid expunge: %w", name, err)
		}
		res.Resumed++
		log.Info("message expunged after an interrupted move")
		return nil
	}
	sum, ok, err := f.importMessage(ctx, cn, m, name, f.importer(true), res)
	if err != nil || !ok {
		return err
	}
	before := res.Processed + res.Invalid + res.Other
	if err := f.moveCounted(cn, m, mb.folder(sum), mb, log.With("resumed", true), res); err != nil {
		return err
	}
	if res.Processed+res.Invalid+res.Other > before {
		res.Resumed++
	}
	return nil
}

// importer is the Importer a message goes through: the configured one with
// idempotent quarantining, or a dry run that writes nothing.
func (f *Fetcher) importer(dry bool) *ingest.Importer {
	im := *f.Importer
	if dry {
		im.Store = dryRun{im.Store}
		im.Log = nil
		im.Progress = nil
	} else {
		im.Store = onceQuarantine{im.Store}
	}
	return &im
}

// importMessage downloads a message and imports it. ok is false when the
// server no longer has the message or refused it (counted in res.Errors):
// it is skipped for this pass.
func (f *Fetcher) importMessage(ctx context.Context, cn *conn, m meta, name string, im *ingest.Importer, res *Result) (sum ingest.Summary, ok bool, err error) {
	uid := uint32(m.uid)
	if m.size > f.maxSize() {
		return f.tooLarge(ctx, im, name, m.size)
	}
	sp, err := fetchBody(cn, m.uid, f.maxSize())
	if err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) {
			res.Errors++
			f.log().Warn("server refused to send message", "account", f.account().Name, "source", name, "err", err)
			return sum, false, nil
		}
		return sum, false, fmt.Errorf("%s: %w", name, err)
	}
	if sp == nil {
		return sum, false, nil // expunged meanwhile
	}
	defer sp.Close()
	if sp.tooLarge {
		return f.tooLarge(ctx, im, name, sp.size)
	}
	if err := f.step("fetched", uid); err != nil {
		return sum, false, err
	}
	sum, err = im.ImportReader(ctx, name, sp.reader())
	if err != nil {
		return sum, false, fmt.Errorf("import: %w", err)
	}
	return sum, true, nil
}

// tooLarge quarantines, without its bytes, a message larger than the
// maximum.
func (f *Fetcher) tooLarge(ctx context.Context, im *ingest.Importer, name string, size int64) (ingest.Summary, bool, error) {
	r, err := im.Payload(ctx, ingest.Payload{
		Name: name,
		Err:  fmt.Errorf("%s: %w: message of more than %d bytes (%d) not downloaded", name, ingest.ErrTooLarge, f.maxSize(), size),
	})
	if err != nil {
		return ingest.Summary{}, false, fmt.Errorf("import: %w", err)
	}
	return ingest.Summary{Inputs: 1, Quarantined: 1, Records: r.Records}, true, nil
}

// fetchBody downloads a whole message without setting \Seen. It returns
// nil without error when the message is gone.
func fetchBody(cn *conn, uid imap.UID, max int64) (*spool, error) {
	cmd := cn.c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	})
	var sp *spool
	var serr error
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		for item := msg.Next(); item != nil; item = msg.Next() {
			b, ok := item.(imapclient.FetchItemDataBodySection)
			if !ok || b.Literal == nil || sp != nil || serr != nil {
				continue
			}
			sp, serr = spoolMessage(b.Literal, max)
		}
	}
	err := cmd.Close()
	if serr == nil {
		serr = err
	}
	if serr != nil {
		if sp != nil {
			sp.Close()
		}
		return nil, fmt.Errorf("fetch body of uid %d: %w", uid, serr)
	}
	return sp, nil
}

// moveCounted moves a message and counts it, or counts the server's refusal
// as an error the next pass retries.
func (f *Fetcher) moveCounted(cn *conn, m meta, dest string, mb mailbox, log *slog.Logger, res *Result) error {
	err := f.move(cn, m.uid, dest)
	var ie *imap.Error
	if errors.As(err, &ie) {
		res.Errors++
		log.Warn("server refused to move message; trying again next pass", "folder", dest, "err", err)
		return nil
	}
	if err != nil {
		return err
	}
	switch dest {
	case mb.invalid:
		res.Invalid++
	case mb.other:
		res.Other++
	default:
		res.Processed++
	}
	log.Info("message moved", "folder", dest)
	return f.step("moved", uint32(m.uid))
}

// move moves one message with UID MOVE, or, on a server without MOVE, with
// UID COPY, UID STORE +FLAGS \Deleted and UID EXPUNGE of that UID alone.
// Without UIDPLUS there is no UID EXPUNGE, and a plain EXPUNGE would also
// remove whatever else is flagged \Deleted: the message is left flagged
// for the mailbox's owner to expunge (the Tracker keeps it from being
// imported again).
func (f *Fetcher) move(cn *conn, uid imap.UID, dest string) error {
	set := imap.UIDSetNum(uid)
	if cn.caps.Has(imap.CapMove) {
		if _, err := cn.c.Move(set, dest).Wait(); err != nil {
			return fmt.Errorf("move uid %d to %q: %w", uid, dest, err)
		}
		return nil
	}
	if _, err := cn.c.Copy(set, dest).Wait(); err != nil {
		return fmt.Errorf("copy uid %d to %q: %w", uid, dest, err)
	}
	if err := f.step("copied", uint32(uid)); err != nil {
		return err
	}
	flags := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}
	if err := cn.c.Store(set, flags, nil).Close(); err != nil {
		return fmt.Errorf("flag uid %d deleted: %w", uid, err)
	}
	if !cn.caps.Has(imap.CapUIDPlus) {
		return nil
	}
	if err := cn.c.UIDExpunge(set).Close(); err != nil {
		return fmt.Errorf("uid expunge %d: %w", uid, err)
	}
	return nil
}
