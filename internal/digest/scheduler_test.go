package digest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/digest/digesttest"
	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

func TestLastDue(t *testing.T) {
	t.Parallel()
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, tc := range []struct {
		kind string
		day  int
		at   string
		tz   string
		now  time.Time
		want time.Time
	}{
		{"daily", 0, "08:00", "UTC", time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)},
		{"daily", 0, "08:00", "UTC", time.Date(2026, 11, 25, 7, 59, 0, 0, time.UTC), time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)},
		// 08:00 in Paris is 07:00 UTC in winter.
		{"daily", 0, "08:00", "Europe/Paris", time.Date(2026, 11, 25, 7, 30, 0, 0, time.UTC), time.Date(2026, 11, 25, 8, 0, 0, 0, paris)},
		// Monday 1: the Wednesday's newest Monday.
		{"weekly", 1, "08:30", "UTC", time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)},
		{"weekly", 3, "10:00", "UTC", time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC)},
		{"monthly", 1, "06:00", "UTC", time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)},
		{"monthly", 28, "06:00", "UTC", time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC), time.Date(2026, 12, 28, 6, 0, 0, 0, time.UTC)},
		// The spring change in Paris skips 02:30: it is taken as 03:30.
		{"daily", 0, "02:30", "Europe/Paris", time.Date(2026, 3, 29, 12, 0, 0, 0, time.UTC), time.Date(2026, 3, 29, 3, 30, 0, 0, paris)},
	} {
		got, err := LastDue(store.ReportSchedule{Kind: tc.kind, Day: tc.day, Time: tc.at, TimeZone: tc.tz}, tc.now)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("%s %d %s %s at %v: %v %v, want %v", tc.kind, tc.day, tc.at, tc.tz, tc.now, got, err, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	ok := store.ReportSchedule{Name: " Board ", Kind: "week", Day: 1, Time: "08:00", Recipients: []string{"CISO <ciso@example.com>"}}
	if err := Validate(&ok); err != nil || ok.Kind != "weekly" || ok.TimeZone != "UTC" || ok.Name != "Board" ||
		ok.Recipients[0] != "ciso@example.com" || len(ok.Sections) != len(AllSections) {
		t.Errorf("valid: %+v %v", ok, err)
	}
	for name, edit := range map[string]func(*store.ReportSchedule){
		"no name":    func(s *store.ReportSchedule) { s.Name = "" },
		"kind":       func(s *store.ReportSchedule) { s.Kind = "hourly" },
		"weekday":    func(s *store.ReportSchedule) { s.Day = 7 },
		"month day":  func(s *store.ReportSchedule) { s.Kind, s.Day = "monthly", 31 },
		"time":       func(s *store.ReportSchedule) { s.Time = "8:00" },
		"time zone":  func(s *store.ReportSchedule) { s.TimeZone = "Mars/Olympus" },
		"section":    func(s *store.ReportSchedule) { s.Sections = []string{"charts"} },
		"recipient":  func(s *store.ReportSchedule) { s.Recipients = []string{"not an address"} },
		"nowhere":    func(s *store.ReportSchedule) { s.Recipients = nil },
		"channel id": func(s *store.ReportSchedule) { s.Channels = []int64{0} },
	} {
		sc := store.ReportSchedule{Name: "x", Kind: "weekly", Day: 1, Time: "08:00", Recipients: []string{"a@example.com"}}
		edit(&sc)
		if err := Validate(&sc); !errors.Is(err, ErrSchedule) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// fakeDeliverer records what it is handed.
type fakeDeliverer struct {
	mu       sync.Mutex
	enqueued [][]int64
	mailed   [][]string
	msgs     []notice.Message
	fail     error
}

func (f *fakeDeliverer) Enqueue(_ context.Context, ids []int64, m notice.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.enqueued, f.msgs = append(f.enqueued, ids), append(f.msgs, m)
	return nil
}

func (f *fakeDeliverer) SendTo(_ context.Context, to []string, m notice.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.mailed = append(f.mailed, to)
	return nil
}

// TestScheduler runs a weekly schedule after three weeks of downtime: it
// is sent once, for its newest due time, by one of two schedulers sharing
// the store, and not again until its next due time; a run on request is
// recorded and leaves the schedule's last run alone; a failed delivery is
// a failed run.
func TestScheduler(t *testing.T) {
	t.Parallel()
	b := newBuilder(t, &digesttest.Options{})
	ctx := t.Context()
	sc := store.ReportSchedule{Name: "Board", Kind: "weekly", Day: 1, Time: "08:30", TimeZone: "Europe/Paris",
		Domains: []string{digesttest.Domain}, Recipients: []string{"ciso@example.com"}, Channels: []int64{4, 9}, PDF: true, Enabled: true}
	if err := Validate(&sc); err != nil {
		t.Fatal(err)
	}
	id, err := b.Store.AddSchedule(ctx, sc)
	if err != nil {
		t.Fatal(err)
	}
	// Created now (the store's clock): due times before now are not sent.
	now := time.Now().AddDate(0, 0, 21)
	var clock struct {
		sync.Mutex
		t time.Time
	}
	clock.t = now
	tick := func() time.Time { clock.Lock(); defer clock.Unlock(); return clock.t }
	fake := &fakeDeliverer{}
	ss := []*Scheduler{{Store: b.Store, Builder: b, Deliver: fake, Now: tick}, {Store: b.Store, Builder: b, Deliver: fake, Now: tick}}
	var wg sync.WaitGroup
	counts := make([]int, len(ss))
	for i, s := range ss {
		wg.Go(func() {
			n, err := s.RunOnce(ctx)
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		})
	}
	wg.Wait()
	if counts[0]+counts[1] != 1 || len(fake.msgs) != 1 {
		t.Fatalf("sent %v, %d messages; want one", counts, len(fake.msgs))
	}
	m := fake.msgs[0]
	if !slices.Equal(fake.enqueued[0], []int64{4, 9}) || !slices.Equal(fake.mailed[0], []string{"ciso@example.com"}) ||
		m.Text == "" || m.HTML == "" || len(m.Attachments) != 1 || m.Attachments[0].ContentType != "application/pdf" ||
		m.Event.Type != EventType || len(m.Facts) == 0 || m.Title == "" {
		t.Errorf("message %q to %v and %v, %d attachments", m.Title, fake.enqueued, fake.mailed, len(m.Attachments))
	}
	due, _ := LastDue(sc, now)
	got, _ := b.Store.Schedule(ctx, id)
	if !got.LastRun.Equal(due) {
		t.Errorf("last run %v, want %v", got.LastRun, due)
	}
	if n, err := ss[0].RunOnce(ctx); n != 0 || err != nil {
		t.Errorf("second round sent %d (%v)", n, err)
	}
	runs, err := b.Store.ScheduleRuns(ctx, id, 10)
	if err != nil || len(runs) != 1 || runs[0].Status != RunSent || !runs[0].Due.Equal(due) ||
		!slices.Equal(runs[0].Recipients, []string{"channel:4", "channel:9", "ciso@example.com"}) {
		t.Fatalf("runs %+v %v", runs, err)
	}
	cur, _ := PeriodOf(Weekly, due)
	if !runs[0].PeriodStart.Equal(cur.Start) {
		t.Errorf("period %v, want %v", runs[0].PeriodStart, cur.Start)
	}

	// A week later it is due again.
	clock.Lock()
	clock.t = now.AddDate(0, 0, 7)
	clock.Unlock()
	fake.fail = errors.New("SMTP 554")
	if n, err := ss[1].RunOnce(ctx); n != 0 || err != nil {
		t.Errorf("failing round: %d %v", n, err)
	}
	// On request: recorded, last run unchanged.
	run, err := ss[0].Send(ctx, got, time.Time{})
	if err != nil || run.Status != RunFailed || run.Due.IsZero() == false {
		t.Errorf("run on request %+v %v", run, err)
	}
	runs, _ = b.Store.ScheduleRuns(ctx, id, 10)
	if len(runs) != 3 || runs[1].Status != RunFailed || runs[1].Error == "" || !slices.Equal(runs[1].Recipients, []string{"channel:4", "channel:9"}) {
		t.Errorf("runs %+v", runs)
	}
	if got2, _ := b.Store.Schedule(ctx, id); !got2.LastRun.Equal(due.AddDate(0, 0, 7)) {
		t.Errorf("last run %v after a run on request", got2.LastRun)
	}
}
