package store

import (
	"context"
	"fmt"
	"time"
)

// MessageSeen implements Store.
func (s *SQLite) MessageSeen(ctx context.Context, k MailboxKey, uid uint32) (bool, error) {
	var seen bool
	err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM imap_seen
WHERE account = ? AND mailbox = ? AND uidvalidity = ? AND uid = ?)`,
		k.Account, k.Mailbox, k.UIDValidity, uid).Scan(&seen)
	if err != nil {
		return false, fmt.Errorf("read seen state of %s/%s uid %d: %w", k.Account, k.Mailbox, uid, err)
	}
	return seen, nil
}

// MarkMessageSeen implements Store. It writes on the single writing
// connection, so it waits for an open ReportTx of this store to end.
func (s *SQLite) MarkMessageSeen(ctx context.Context, k MailboxKey, uid uint32) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO imap_seen (account, mailbox, uidvalidity, uid, seen_at)
VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		k.Account, k.Mailbox, k.UIDValidity, uid, time.Now().Unix())
	if err != nil {
		return fmt.Errorf("mark %s/%s uid %d seen: %w", k.Account, k.Mailbox, uid, err)
	}
	return nil
}
