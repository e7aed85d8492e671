package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
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

// Quarantined implements Store, as SQLite.Quarantined does.
func (p *Postgres) Quarantined(ctx context.Context) ([]Quarantined, error) {
	rows, err := p.pool.Query(ctx, `SELECT id, source_name, reason, error_type, received_at, size, sha256, truncated
FROM quarantine ORDER BY received_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list quarantine: %w", err)
	}
	defer rows.Close()
	var list []Quarantined
	for rows.Next() {
		var q Quarantined
		var received int64
		if err := rows.Scan(&q.ID, &q.SourceName, &q.Reason, &q.ErrorType, &received, &q.Size, &q.SHA256, &q.Truncated); err != nil {
			return nil, fmt.Errorf("list quarantine: %w", err)
		}
		q.ReceivedAt = time.Unix(received, 0).UTC()
		list = append(list, q)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list quarantine: %w", err)
	}
	return list, nil
}

// QuarantinedRaw implements Store.
func (p *Postgres) QuarantinedRaw(ctx context.Context, id int64) ([]byte, error) {
	var raw []byte
	err := p.pool.QueryRow(ctx, `SELECT raw FROM quarantine WHERE id = $1`, id).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("quarantine entry %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read quarantine entry %d: %w", id, err)
	}
	return raw, nil
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
