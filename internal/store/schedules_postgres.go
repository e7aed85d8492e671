package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Schedules implements Store.
func (p *Postgres) Schedules(ctx context.Context) ([]ReportSchedule, error) {
	return schedules(ctx, p.rows)
}

// Schedule implements Store.
func (p *Postgres) Schedule(ctx context.Context, id int64) (ReportSchedule, error) {
	return schedule(ctx, p.rows, id)
}

// pgSchedule is sc with text PostgreSQL cannot hold replaced (pgText).
func pgSchedule(sc ReportSchedule) ReportSchedule {
	sc.Name, sc.Kind, sc.Time, sc.TimeZone = pgText(sc.Name), pgText(sc.Kind), pgText(sc.Time), pgText(sc.TimeZone)
	return sc
}

// AddSchedule implements Store.
func (p *Postgres) AddSchedule(ctx context.Context, sc ReportSchedule) (int64, error) {
	return addSchedule(ctx, p.rows, pgSchedule(sc), time.Now())
}

// UpdateSchedule implements Store.
func (p *Postgres) UpdateSchedule(ctx context.Context, sc ReportSchedule) error {
	args, err := scheduleArgs(pgSchedule(sc), time.Now(), false)
	if err != nil {
		return err
	}
	tag, err := p.pool.Exec(ctx, rebind(updateScheduleSQL), append(args, sc.ID)...)
	if err != nil {
		return fmt.Errorf("update schedule %d: %w", sc.ID, err)
	}
	return affected(tag.RowsAffected(), sc.ID)
}

// DeleteSchedule implements Store; its runs go with it (ON DELETE
// CASCADE).
func (p *Postgres) DeleteSchedule(ctx context.Context, id int64) error {
	tag, err := p.pool.Exec(ctx, rebind(deleteScheduleSQL), id)
	if err != nil {
		return fmt.Errorf("delete schedule %d: %w", id, err)
	}
	return affected(tag.RowsAffected(), id)
}

// ClaimScheduleRun implements Store.
func (p *Postgres) ClaimScheduleRun(ctx context.Context, id int64, due time.Time) (bool, error) {
	tag, err := p.pool.Exec(ctx, rebind(claimScheduleSQL), due.Unix(), id, true, due.Unix())
	if err != nil {
		return false, fmt.Errorf("claim run of schedule %d: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// AddScheduleRun implements Store.
func (p *Postgres) AddScheduleRun(ctx context.Context, r ScheduleRun) (id int64, err error) {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("store schedule run: begin: %w", err)
	}
	defer func() {
		if err != nil {
			if rerr := tx.Rollback(context.WithoutCancel(ctx)); !errors.Is(rerr, pgx.ErrTxClosed) {
				err = errors.Join(err, rerr)
			}
		}
	}()
	r.Status, r.Error = pgText(r.Status), pgText(r.Error)
	if id, err = addScheduleRun(ctx, pgRows(tx), pgTxExec(tx), r); err != nil {
		return 0, err
	}
	if err = tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("store schedule run: commit: %w", err)
	}
	return id, nil
}

// ScheduleRuns implements Store.
func (p *Postgres) ScheduleRuns(ctx context.Context, id int64, limit int) ([]ScheduleRun, error) {
	return scheduleRuns(ctx, p.rows, id, limit)
}
