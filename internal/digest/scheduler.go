package digest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// Deliverer hands a report over for delivery. Package notify's Service
// does (NotifyDeliverer); tests use a fake.
type Deliverer interface {
	// Enqueue queues m for the notification channels: email channels
	// send its Text, HTML and attachments, chat channels post its Title,
	// Summary and Facts.
	Enqueue(ctx context.Context, channelIDs []int64, m notice.Message) error
	// SendTo sends m by email to addresses that are no channel's.
	SendTo(ctx context.Context, to []string, m notice.Message) error
}

// Run statuses.
const (
	RunSent   = "sent"
	RunFailed = "failed"
)

// DefaultTick is how often Scheduler.Run looks for due schedules.
const DefaultTick = time.Minute

// Scheduler sends the stored schedules when they are due. Store, Builder
// and Deliver are required. Its fields are set before first use and not
// changed after.
type Scheduler struct {
	Store   store.Store
	Builder *Builder
	Deliver Deliverer
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	Log *slog.Logger
}

func (s *Scheduler) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Scheduler) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// Run sends the due schedules every tick (DefaultTick when zero) until
// ctx ends; errors are logged.
func (s *Scheduler) Run(ctx context.Context, tick time.Duration) {
	if tick <= 0 {
		tick = DefaultTick
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if n, err := s.RunOnce(ctx); err != nil && ctx.Err() == nil {
			s.log().Warn("scheduled reports", "err", err)
		} else if n > 0 {
			s.log().Info("scheduled reports sent", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce sends each schedule that is due now and that this process
// claims (store.ClaimScheduleRun: of replicas sharing the store one
// does), and returns how many it sent. A run is recorded whatever its
// outcome; a failed one is not retried (its claim stands), and says why.
func (s *Scheduler) RunOnce(ctx context.Context) (int, error) {
	list, err := s.Store.Schedules(ctx)
	if err != nil {
		return 0, err
	}
	now := s.now()
	sent := 0
	var errs []error
	for _, sc := range list {
		due, ok := Due(sc, now)
		if !ok {
			continue
		}
		claimed, err := s.Store.ClaimScheduleRun(ctx, sc.ID, due)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !claimed {
			continue
		}
		run, err := s.Send(ctx, sc, due)
		if err != nil {
			errs = append(errs, err)
		}
		if run.Status == RunSent {
			sent++
		} else {
			s.log().Warn("scheduled report failed", "schedule", sc.ID, "name", sc.Name, "err", run.Error)
		}
	}
	return sent, errors.Join(errs...)
}

// Send builds the report of a schedule, as of due (zero: now, a run on
// request), hands it over for its channels and recipients and records the
// run. A failure to build or deliver is the run's status and error; err
// is for a run that could not be recorded.
func (s *Scheduler) Send(ctx context.Context, sc store.ReportSchedule, due time.Time) (store.ScheduleRun, error) {
	at := due
	if at.IsZero() {
		at = s.now()
	}
	run := store.ScheduleRun{ScheduleID: sc.ID, At: s.now().UTC().Truncate(time.Second), Due: due, Status: RunSent, Recipients: []string{}}
	cur, _ := PeriodOf(Kind(sc.Kind), at)
	run.PeriodStart, run.PeriodEnd = cur.Start, cur.End
	if err := s.deliver(ctx, sc, at, &run); err != nil {
		run.Status, run.Error = RunFailed, err.Error()
	}
	id, err := s.Store.AddScheduleRun(context.WithoutCancel(ctx), run)
	if err != nil {
		return run, fmt.Errorf("record run of schedule %d: %w", sc.ID, err)
	}
	run.ID = id
	return run, nil
}

// deliver builds and hands over the report, and lists in run whom it went
// to.
func (s *Scheduler) deliver(ctx context.Context, sc store.ReportSchedule, at time.Time, run *store.ScheduleRun) error {
	d, err := s.Builder.Build(ctx, Request{Kind: Kind(sc.Kind), At: at, Domains: sc.Domains, Sections: sc.Sections})
	if err != nil {
		return fmt.Errorf("build the report: %w", err)
	}
	d.Title = sc.Name + ": " + d.Title
	var pdf []byte
	if sc.PDF {
		var b bytes.Buffer
		if err := WritePDF(&b, d); err != nil {
			return err
		}
		pdf = b.Bytes()
	}
	m, err := Message(d, pdf)
	if err != nil {
		return err
	}
	var errs []error
	if len(sc.Channels) > 0 {
		if err := s.Deliver.Enqueue(ctx, sc.Channels, m); err != nil {
			errs = append(errs, fmt.Errorf("channels: %w", err))
		} else {
			for _, id := range sc.Channels {
				run.Recipients = append(run.Recipients, "channel:"+strconv.FormatInt(id, 10))
			}
		}
	}
	if len(sc.Recipients) > 0 {
		if err := s.Deliver.SendTo(ctx, sc.Recipients, m); err != nil {
			errs = append(errs, fmt.Errorf("email: %w", err))
		} else {
			run.Recipients = append(run.Recipients, sc.Recipients...)
		}
	}
	return errors.Join(errs...)
}
