package store

import (
	"context"
	"fmt"
	"time"
)

// MessageSeen implements Store. Account and mailbox names are compared
// after pgText, as they were stored.
func (p *Postgres) MessageSeen(ctx context.Context, k MailboxKey, uid uint32) (bool, error) {
	var seen bool
	err := p.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM imap_seen
WHERE account = $1 AND mailbox = $2 AND uidvalidity = $3 AND uid = $4)`,
		pgText(k.Account), pgText(k.Mailbox), int64(k.UIDValidity), int64(uid)).Scan(&seen)
	if err != nil {
		return false, fmt.Errorf("read seen state of %s/%s uid %d: %w", k.Account, k.Mailbox, uid, err)
	}
	return seen, nil
}

// MarkMessageSeen implements Store.
func (p *Postgres) MarkMessageSeen(ctx context.Context, k MailboxKey, uid uint32) error {
	_, err := p.pool.Exec(ctx, `INSERT INTO imap_seen (account, mailbox, uidvalidity, uid, seen_at)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
		pgText(k.Account), pgText(k.Mailbox), int64(k.UIDValidity), int64(uid), time.Now().Unix())
	if err != nil {
		return fmt.Errorf("mark %s/%s uid %d seen: %w", k.Account, k.Mailbox, uid, err)
	}
	return nil
}
