package store

import (
	"context"
	"fmt"
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
