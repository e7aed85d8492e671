package store

import (
	"context"
	"fmt"
)

// Quarantine implements Store, as SQLite.Quarantine does.
func (p *Postgres) Quarantine(ctx context.Context, q Quarantined) (int64, error) {
	var raw any // NULL, not an empty BYTEA, when nothing was read
	if q.Raw != nil {
		raw = q.Raw
	}
	var id int64
	err := p.pool.QueryRow(ctx, `INSERT INTO quarantine
	(source_name, reason, error_type, received_at, size, sha256, raw, truncated)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		pgText(q.SourceName), pgText(q.Reason), pgText(q.ErrorType), q.ReceivedAt.Unix(), q.Size, pgText(q.SHA256),
		raw, q.Truncated).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert quarantine entry: %w", err)
	}
	return id, nil
}

// DeleteQuarantined implements Store.
func (p *Postgres) DeleteQuarantined(ctx context.Context, id int64) error {
	tag, err := p.pool.Exec(ctx, `DELETE FROM quarantine WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete quarantine entry %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("quarantine entry %d: %w", id, ErrNotFound)
	}
	return nil
}
