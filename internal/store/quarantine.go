package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Quarantine implements Store. ID is ignored; the new entry's id is
// returned. The raw bytes are stored whole: the caller caps their size.
func (s *SQLite) Quarantine(ctx context.Context, q Quarantined) (int64, error) {
	var raw any // NULL, not an empty BLOB, when nothing was read
	if q.Raw != nil {
		raw = q.Raw
	}
	var id int64
	err := s.w.QueryRowContext(ctx, `INSERT INTO quarantine
	(source_name, reason, error_type, received_at, size, sha256, raw, truncated)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		q.SourceName, q.Reason, q.ErrorType, q.ReceivedAt.Unix(), q.Size, q.SHA256, raw, q.Truncated).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert quarantine entry: %w", err)
	}
	return id, nil
}

// Quarantined implements Store. It lists every entry: the quarantine is
// meant to be emptied by fixing and re-importing, not to grow.
func (s *SQLite) Quarantined(ctx context.Context) ([]Quarantined, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, source_name, reason, error_type, received_at, size, sha256, truncated
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
func (s *SQLite) QuarantinedRaw(ctx context.Context, id int64) ([]byte, error) {
	var raw []byte
	err := s.r.QueryRowContext(ctx, `SELECT raw FROM quarantine WHERE id = ?`, id).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("quarantine entry %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read quarantine entry %d: %w", id, err)
	}
	return raw, nil
}

// DeleteQuarantined implements Store.
func (s *SQLite) DeleteQuarantined(ctx context.Context, id int64) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM quarantine WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete quarantine entry %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("delete quarantine entry %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("quarantine entry %d: %w", id, ErrNotFound)
	}
	return nil
}
