package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ReportSchedule is a scheduled report (roadmap 3.5): which digest is sent
// when, about which domains, to whom. The store keeps it as given; package
// digest checks its fields and tells when it is due. Lists are stored as
// JSON, so they are never nil once read.
type ReportSchedule struct {
	ID   int64
	Name string
	// Kind is "daily", "weekly" or "monthly".
	Kind string
	// Day is the weekday of a weekly schedule (0 Sunday to 6 Saturday) or
	// the day of the month of a monthly one (1 to 28); 0 for a daily one.
	Day int
	// Time is the local time of day it is sent, "HH:MM", in TimeZone (an
	// IANA name such as "Europe/Paris"; "UTC").
	Time     string
	TimeZone string
	// Domains are the policy domains reported on; empty is all.
	Domains []string
	// Sections are the digest's sections included; empty is all.
	Sections []string
	// Recipients are email addresses the report goes to besides those of
	// its channels.
	Recipients []string
	// Channels are the ids of the notification channels it is posted to.
	Channels []int64
	// PDF attaches the report as a PDF to email.
	PDF     bool
	Enabled bool
	// LastRun is the due time of the newest scheduled run claimed
	// (ClaimScheduleRun), zero when it never ran; runs on request leave
	// it alone.
	LastRun   time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ScheduleRun is one sending of a scheduled report, recorded whatever its
// outcome.
type ScheduleRun struct {
	ID         int64
	ScheduleID int64
	// At is when it ran; Due the scheduled time it was for, zero for a
	// run on request.
	At  time.Time
	Due time.Time
	// PeriodStart and PeriodEnd are the period reported on, [start, end).
	PeriodStart, PeriodEnd time.Time
	// Status is "sent" or "failed"; Error says why it failed.
	Status string
	Error  string
	// Recipients are those it was handed over for: email addresses and
	// channels ("channel:3").
	Recipients []string
}

// ScheduleRunsKept is how many runs are kept per schedule: older ones are
// deleted as new ones are recorded. Two years of weekly reports.
const ScheduleRunsKept = 100

const scheduleColumns = `id, name, kind, day, at_time, time_zone, domains, sections, recipients, channels, pdf, enabled,
	last_run, created_at, updated_at`

const (
	addScheduleSQL = `INSERT INTO report_schedules (name, kind, day, at_time, time_zone, domains, sections, recipients,
	channels, pdf, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
	updateScheduleSQL = `UPDATE report_schedules SET name = ?, kind = ?, day = ?, at_time = ?, time_zone = ?, domains = ?,
	sections = ?, recipients = ?, channels = ?, pdf = ?, enabled = ?, updated_at = ? WHERE id = ?`
	deleteScheduleSQL = `DELETE FROM report_schedules WHERE id = ?`
	schedulesSQL      = `SELECT ` + scheduleColumns + ` FROM report_schedules ORDER BY id`
	scheduleSQL       = `SELECT ` + scheduleColumns + ` FROM report_schedules WHERE id = ?`
	// claimScheduleSQL moves last_run to a due time, only when it is
	// earlier: of two processes claiming the same due time, the second
	// finds last_run moved and updates nothing. In PostgreSQL the second
	// UPDATE waits for the first's row lock and re-checks the condition
	// on the committed row (READ COMMITTED), so the claim is atomic across
	// replicas too.
	claimScheduleSQL = `UPDATE report_schedules SET last_run = ?
	WHERE id = ? AND enabled = ? AND (last_run IS NULL OR last_run < ?)`
	addScheduleRunSQL = `INSERT INTO report_schedule_runs (schedule_id, run_at, due_at, period_start, period_end, status,
	error, recipients) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
	pruneScheduleRunsSQL = `DELETE FROM report_schedule_runs WHERE schedule_id = ? AND id NOT IN
	(SELECT id FROM report_schedule_runs WHERE schedule_id = ? ORDER BY run_at DESC, id DESC LIMIT ?)`
	scheduleRunsSQL = `SELECT id, schedule_id, run_at, due_at, period_start, period_end, status, error, recipients
	FROM report_schedule_runs WHERE schedule_id = ? ORDER BY run_at DESC, id DESC LIMIT ?`
)

// scheduleArgs are the arguments of addScheduleSQL and updateScheduleSQL
// (without the id): the columns from name to enabled, then the times.
func scheduleArgs(sc ReportSchedule, now time.Time, add bool) ([]any, error) {
	if sc.Name == "" || sc.Kind == "" || sc.Time == "" || sc.TimeZone == "" {
		return nil, errors.New("store schedule: name, kind, time and time zone are required")
	}
	lists := make([]any, 4)
	for i, v := range []any{sc.Domains, sc.Sections, sc.Recipients, sc.Channels} {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("store schedule %q: %w", sc.Name, err)
		}
		if string(b) == "null" {
			b = []byte("[]")
		}
		lists[i] = string(b)
	}
	args := append([]any{sc.Name, sc.Kind, sc.Day, sc.Time, sc.TimeZone}, lists...)
	args = append(args, sc.PDF, sc.Enabled)
	if add {
		return append(args, now.Unix(), now.Unix()), nil
	}
	return append(args, now.Unix()), nil
}

// readSchedules runs q, which selects scheduleColumns, through run.
func readSchedules(ctx context.Context, run rowSource, q string, args ...any) ([]ReportSchedule, error) {
	var out []ReportSchedule
	err := run(ctx, q, args, func(scan func(...any) error) error {
		var sc ReportSchedule
		var domains, sections, recipients, channels string
		var last *int64
		var created, updated int64
		if err := scan(&sc.ID, &sc.Name, &sc.Kind, &sc.Day, &sc.Time, &sc.TimeZone, &domains, &sections, &recipients,
			&channels, &sc.PDF, &sc.Enabled, &last, &created, &updated); err != nil {
			return err
		}
		sc.Domains, sc.Sections, sc.Recipients, sc.Channels = []string{}, []string{}, []string{}, []int64{}
		for _, l := range []struct {
			text string
			dest any
		}{{domains, &sc.Domains}, {sections, &sc.Sections}, {recipients, &sc.Recipients}, {channels, &sc.Channels}} {
			if err := json.Unmarshal([]byte(l.text), l.dest); err != nil {
				return fmt.Errorf("schedule %d: %w", sc.ID, err)
			}
		}
		if last != nil {
			sc.LastRun = time.Unix(*last, 0).UTC()
		}
		sc.CreatedAt, sc.UpdatedAt = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
		out = append(out, sc)
		return nil
	})
	return out, err
}

// schedules lists all schedules by id.
func schedules(ctx context.Context, run rowSource) ([]ReportSchedule, error) {
	list, err := readSchedules(ctx, run, schedulesSQL)
	if err != nil {
		return nil, fmt.Errorf("read schedules: %w", err)
	}
	return list, nil
}

// schedule reads one schedule, ErrNotFound when there is none.
func schedule(ctx context.Context, run rowSource, id int64) (ReportSchedule, error) {
	list, err := readSchedules(ctx, run, scheduleSQL, id)
	return only(list, err, fmt.Sprintf("schedule %d", id))
}

// addSchedule inserts sc through run and returns its id.
func addSchedule(ctx context.Context, run rowSource, sc ReportSchedule, now time.Time) (int64, error) {
	args, err := scheduleArgs(sc, now, true)
	if err != nil {
		return 0, err
	}
	var id int64
	found, err := scanOne(ctx, run, addScheduleSQL, args, &id)
	if err == nil && !found {
		err = errors.New("no id returned")
	}
	if err != nil {
		return 0, fmt.Errorf("store schedule %q: %w", sc.Name, err)
	}
	return id, nil
}

// runArgs are the arguments of addScheduleRunSQL.
func runArgs(r ScheduleRun) ([]any, error) {
	if r.ScheduleID == 0 || r.Status == "" {
		return nil, errors.New("store schedule run: schedule and status are required")
	}
	rcpt := r.Recipients
	if rcpt == nil {
		rcpt = []string{}
	}
	b, err := json.Marshal(rcpt)
	if err != nil {
		return nil, fmt.Errorf("store run of schedule %d: %w", r.ScheduleID, err)
	}
	var due *int64
	if !r.Due.IsZero() {
		d := r.Due.Unix()
		due = &d
	}
	return []any{r.ScheduleID, r.At.Unix(), due, r.PeriodStart.Unix(), r.PeriodEnd.Unix(), r.Status, r.Error, string(b)}, nil
}

// addScheduleRun records r through run and exec, which belong to one
// transaction, and prunes the schedule's runs to the newest
// ScheduleRunsKept.
func addScheduleRun(ctx context.Context, run rowSource, exec execer, r ScheduleRun) (int64, error) {
	args, err := runArgs(r)
	if err != nil {
		return 0, err
	}
	var id int64
	found, err := scanOne(ctx, run, addScheduleRunSQL, args, &id)
	if err == nil && !found {
		err = errors.New("no id returned")
	}
	if err != nil {
		return 0, fmt.Errorf("store run of schedule %d: %w", r.ScheduleID, err)
	}
	if err := exec(ctx, pruneScheduleRunsSQL, r.ScheduleID, r.ScheduleID, ScheduleRunsKept); err != nil {
		return 0, fmt.Errorf("prune runs of schedule %d: %w", r.ScheduleID, err)
	}
	return id, nil
}

// scheduleRuns lists the newest runs of a schedule, at most limit.
func scheduleRuns(ctx context.Context, run rowSource, id int64, limit int) ([]ScheduleRun, error) {
	out := []ScheduleRun{}
	err := run(ctx, scheduleRunsSQL, []any{id, max(limit, 1)}, func(scan func(...any) error) error {
		var r ScheduleRun
		var at, start, end int64
		var due *int64
		var rcpt string
		if err := scan(&r.ID, &r.ScheduleID, &at, &due, &start, &end, &r.Status, &r.Error, &rcpt); err != nil {
			return err
		}
		r.At, r.PeriodStart, r.PeriodEnd = time.Unix(at, 0).UTC(), time.Unix(start, 0).UTC(), time.Unix(end, 0).UTC()
		if due != nil {
			r.Due = time.Unix(*due, 0).UTC()
		}
		r.Recipients = []string{}
		if err := json.Unmarshal([]byte(rcpt), &r.Recipients); err != nil {
			return fmt.Errorf("run %d: %w", r.ID, err)
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read runs of schedule %d: %w", id, err)
	}
	return out, nil
}

// affected is the outcome of a write by id that changed n rows.
func affected(n, id int64) error {
	if n == 0 {
		return fmt.Errorf("schedule %d: %w", id, ErrNotFound)
	}
	return nil
}

// Schedules implements Store.
func (s *SQLite) Schedules(ctx context.Context) ([]ReportSchedule, error) {
	return schedules(ctx, s.rows)
}

// Schedule implements Store.
func (s *SQLite) Schedule(ctx context.Context, id int64) (ReportSchedule, error) {
	return schedule(ctx, s.rows, id)
}

// AddSchedule implements Store.
func (s *SQLite) AddSchedule(ctx context.Context, sc ReportSchedule) (int64, error) {
	return addSchedule(ctx, sqlRows(s.w), sc, time.Now())
}

// UpdateSchedule implements Store.
func (s *SQLite) UpdateSchedule(ctx context.Context, sc ReportSchedule) error {
	args, err := scheduleArgs(sc, time.Now(), false)
	if err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, updateScheduleSQL, append(args, sc.ID)...)
	if err != nil {
		return fmt.Errorf("update schedule %d: %w", sc.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update schedule %d: %w", sc.ID, err)
	}
	return affected(n, sc.ID)
}

// DeleteSchedule implements Store; its runs go with it (ON DELETE
// CASCADE).
func (s *SQLite) DeleteSchedule(ctx context.Context, id int64) error {
	res, err := s.w.ExecContext(ctx, deleteScheduleSQL, id)
	if err != nil {
		return fmt.Errorf("delete schedule %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("delete schedule %d: %w", id, err)
	}
	return affected(n, id)
}

// ClaimScheduleRun implements Store.
func (s *SQLite) ClaimScheduleRun(ctx context.Context, id int64, due time.Time) (bool, error) {
	res, err := s.w.ExecContext(ctx, claimScheduleSQL, due.Unix(), id, true, due.Unix())
	if err != nil {
		return false, fmt.Errorf("claim run of schedule %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim run of schedule %d: %w", id, err)
	}
	return n == 1, nil
}

// AddScheduleRun implements Store.
func (s *SQLite) AddScheduleRun(ctx context.Context, r ScheduleRun) (id int64, err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store schedule run: begin: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, ignoreTxDone(tx.Rollback()))
		}
	}()
	if id, err = addScheduleRun(ctx, sqlRows(tx), sqlTxExec(tx), r); err != nil {
		return 0, err
	}
	if err = tx.Commit(); err != nil {
		return 0, fmt.Errorf("store schedule run: commit: %w", err)
	}
	return id, nil
}

// ScheduleRuns implements Store.
func (s *SQLite) ScheduleRuns(ctx context.Context, id int64, limit int) ([]ScheduleRun, error) {
	return scheduleRuns(ctx, s.rows, id, limit)
}
