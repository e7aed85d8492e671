package store

import (
	"errors"
	"sync"
	"testing"
	"time"
)

// TestSchedules stores, lists, updates and deletes a scheduled report,
// claims its runs (a due time once only, across two stores on the same
// database, as two replicas), records runs and keeps the newest.
func TestSchedules(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		open := b.newDB(t)
		s, other := open(t, 0), open(t, 0)
		ctx := t.Context()
		sc := ReportSchedule{Name: "Weekly to the board", Kind: "weekly", Day: 1, Time: "08:30", TimeZone: "Europe/Paris",
			Domains: []string{"example.com"}, Recipients: []string{"ciso@example.com"}, Channels: []int64{3, 7},
			PDF: true, Enabled: true}
		id, err := s.AddSchedule(ctx, sc)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Schedule(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.CreatedAt.IsZero() || !got.LastRun.IsZero() {
			t.Errorf("times: %+v", got)
		}
		sc.ID, sc.Sections, sc.CreatedAt, sc.UpdatedAt = id, []string{}, got.CreatedAt, got.UpdatedAt
		equal(t, "stored", got, sc)

		if _, err := s.AddSchedule(ctx, ReportSchedule{Name: "no kind"}); err == nil {
			t.Error("a schedule without kind was stored")
		}
		if _, err := s.Schedule(ctx, id+100); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown id: %v", err)
		}

		// Claims: once per due time, by one of two stores at once.
		due := time.Date(2026, 11, 23, 7, 30, 0, 0, time.UTC)
		var wg sync.WaitGroup
		wins := make([]bool, 8)
		for i := range wins {
			st := []Store{s, other}[i%2]
			wg.Go(func() {
				ok, err := st.ClaimScheduleRun(ctx, id, due)
				if err != nil {
					t.Error(err)
				}
				wins[i] = ok
			})
		}
		wg.Wait()
		n := 0
		for _, w := range wins {
			if w {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d claims of one due time won, want 1", n)
		}
		if ok, err := s.ClaimScheduleRun(ctx, id, due.Add(-7*24*time.Hour)); ok || err != nil {
			t.Errorf("an earlier due time was claimed: %v %v", ok, err)
		}
		if ok, err := s.ClaimScheduleRun(ctx, id, due.Add(7*24*time.Hour)); !ok || err != nil {
			t.Errorf("the next due time was not claimed: %v %v", ok, err)
		}

		// An update keeps LastRun; a disabled schedule is not claimed.
		sc.Name, sc.Enabled, sc.Channels = "Weekly", false, nil
		if err := s.UpdateSchedule(ctx, sc); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Schedule(ctx, id)
		if got.Name != "Weekly" || got.Enabled || len(got.Channels) != 0 || got.Channels == nil ||
			!got.LastRun.Equal(due.Add(7*24*time.Hour)) {
			t.Errorf("updated: %+v", got)
		}
		if ok, err := s.ClaimScheduleRun(ctx, id, due.Add(14*24*time.Hour)); ok || err != nil {
			t.Errorf("a disabled schedule was claimed: %v %v", ok, err)
		}
		if err := s.UpdateSchedule(ctx, ReportSchedule{ID: id + 100, Name: "x", Kind: "daily", Time: "08:00", TimeZone: "UTC"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("update of an unknown id: %v", err)
		}

		// Runs, the newest first, pruned to ScheduleRunsKept.
		start := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
		for i := range ScheduleRunsKept + 2 {
			r := ScheduleRun{ScheduleID: id, At: due.Add(time.Duration(i) * time.Minute), PeriodStart: start,
				PeriodEnd: start.AddDate(0, 0, 7), Status: "sent", Recipients: []string{"ciso@example.com", "channel:3"}}
			if i == ScheduleRunsKept+1 {
				r.Status, r.Error, r.Due, r.Recipients = "failed", "SMTP: 554 refused", due, nil
			}
			if _, err := s.AddScheduleRun(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		runs, err := s.ScheduleRuns(ctx, id, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != ScheduleRunsKept {
			t.Fatalf("%d runs kept, want %d", len(runs), ScheduleRunsKept)
		}
		equal(t, "newest run", runs[0], ScheduleRun{ID: runs[0].ID, ScheduleID: id, At: due.Add(time.Duration(ScheduleRunsKept+1) * time.Minute),
			Due: due, PeriodStart: start, PeriodEnd: start.AddDate(0, 0, 7), Status: "failed", Error: "SMTP: 554 refused", Recipients: []string{}})
		if runs[1].Due.IsZero() == false || len(runs[1].Recipients) != 2 {
			t.Errorf("second run: %+v", runs[1])
		}
		if list, _ := s.ScheduleRuns(ctx, id, 2); len(list) != 2 {
			t.Errorf("limit 2: %d runs", len(list))
		}

		list, err := s.Schedules(ctx)
		if err != nil || len(list) != 1 {
			t.Fatalf("list: %+v %v", list, err)
		}
		if err := s.DeleteSchedule(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteSchedule(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("second delete: %v", err)
		}
		if runs, err := s.ScheduleRuns(ctx, id, 10); err != nil || len(runs) != 0 {
			t.Errorf("runs of a deleted schedule: %d %v", len(runs), err)
		}
	})
}
