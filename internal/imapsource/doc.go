// Package imapsource ingests DMARC reports from IMAP mailboxes: it fetches
// each message of one mailbox, hands it to an ingest.Importer, and then
// moves it to a folder for processed mail, to one for invalid mail when
// anything in it had to be quarantined, or to one for other mail when it
// held no report of any kind (ingest.Ignored: mailing-list noise, bounces,
// replies). The Importer decides by content what each message is
// (aggregate, failure or SMTP TLS report, or none); the folders follow.
//
// The order of the steps is what makes a crash harmless. For each message:
//
//  1. fetch it whole with BODY.PEEK[], so it is not marked \Seen for the
//     people reading the mailbox, and buffer it, so a broken connection
//     fails the fetch instead of handing a truncated mail to the importer;
//  2. import it: every report is committed in its own transaction, or
//     quarantined;
//  3. record in the Tracker that the message (mailbox, UIDVALIDITY, UID) was
//     processed;
//  4. move it with UID MOVE, or with COPY, STORE \Deleted and UID EXPUNGE of
//     that one UID when the server lacks MOVE.
//
// A crash before 2 ends leaves the message unmarked: it is imported again
// and the store's dedupe key absorbs the reports already committed; the
// quarantine entries already written are found again by their source name
// and digest rather than added twice. A crash between 3 and 4 leaves a
// marked message in the mailbox: the next pass does not import it again,
// it only works out again (without writing anything) which folder it
// belongs in, and moves it. Messages are never deleted otherwise, and no
// EXPUNGE touches another message: without UIDPLUS (UID EXPUNGE) a message
// copied away stays behind flagged \Deleted for the mailbox's owner to
// expunge.
//
// Fetcher.FetchOnce does one pass over a fresh connection; Fetcher.Run polls
// on one connection, waits with IDLE between passes when the server offers
// it, and reconnects with capped exponential backoff. Only one Fetcher
// should work on a mailbox at a time: with several replicas, hold the
// store's advisory lock (store.Store.TryLock) around Run.
//
// Probe checks an account's settings step by step (connect, TLS, login,
// mailbox) without changing anything on the server, and says what to fix.
package imapsource
