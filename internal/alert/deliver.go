package alert

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/notify"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/textfmt"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// maxListed bounds the held alerts a summary names one by one.
const maxListed = 20

// route queues the alerts not yet queued (those opened in this round, and
// any a crash left) for their rule's channels: those it lists, or, when
// it lists none, every enabled channel subscribed to alert.triggered.
func (e *Engine) route(ctx context.Context, now time.Time) error {
	active, err := e.Store.ActiveAlerts(ctx, 0)
	if err != nil {
		return err
	}
	var todo []store.Alert
	for _, a := range active {
		if !a.Notified && a.State != store.AlertResolved {
			todo = append(todo, a)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	var channels []notify.Channel
	if e.Notifier != nil {
		if channels, err = e.Notifier.Channels(ctx); err != nil {
			return err
		}
	}
	var errs []error
	rules := map[int64][]int64{}
	for _, a := range todo {
		to, ok := rules[a.RuleID]
		if !ok {
			sr, err := e.Store.AlertRule(ctx, a.RuleID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				errs = append(errs, err)
				continue
			}
			to = destinations(sr.Channels, channels)
			rules[a.RuleID] = to
		}
		errs = append(errs, e.Store.QueueAlert(ctx, a.ID, to, now))
	}
	return errors.Join(errs...)
}

// destinations are the channels an alert goes to: the enabled ones of
// listed, or, when listed is empty, every enabled channel subscribed to
// alert.triggered.
func destinations(listed []int64, channels []notify.Channel) []int64 {
	var out []int64
	for _, c := range channels {
		if !c.Enabled {
			continue
		}
		if len(listed) > 0 && slices.Contains(listed, c.ID) ||
			len(listed) == 0 && (len(c.Events) == 0 || slices.Contains(c.Events, webhook.AlertTriggered)) {
			out = append(out, c.ID)
		}
	}
	return out
}

// Flush sends the queued alerts that are due: see flush. Run calls it
// every minute, so held alerts go out soon after the quiet hours end or
// a send of the last hour ages out.
func (e *Engine) Flush(ctx context.Context) error {
	return e.locked(ctx, func() error { return e.flush(ctx, e.now()) })
}

// flush sends each channel its queue in one message, unless the channel
// is in its quiet hours or had its MaxPerHour messages in the last hour:
// then the queue waits. A channel that is gone or disabled gets nothing:
// its queue is dropped.
func (e *Engine) flush(ctx context.Context, now time.Time) error {
	if e.Notifier == nil {
		return nil
	}
	queue, err := e.Store.QueuedAlerts(ctx)
	if err != nil || len(queue) == 0 {
		return err
	}
	list, err := e.Notifier.Channels(ctx)
	if err != nil {
		return err
	}
	channels := map[int64]notify.Channel{}
	for _, c := range list {
		channels[c.ID] = c
	}
	var errs []error
	for i := 0; i < len(queue); {
		j := i
		for j < len(queue) && queue[j].ChannelID == queue[i].ChannelID {
			j++
		}
		errs = append(errs, e.flushChannel(ctx, now, channels, queue[i:j]))
		i = j
	}
	return errors.Join(errs...)
}

// flushChannel sends the queue of one channel, oldest first, if it may.
func (e *Engine) flushChannel(ctx context.Context, now time.Time, channels map[int64]notify.Channel, queue []store.QueuedAlert) error {
	id := queue[0].ChannelID
	ids := make([]int64, len(queue))
	for i, q := range queue {
		ids[i] = q.AlertID
	}
	c, ok := channels[id]
	if !ok || !c.Enabled {
		e.log().Info("alerts dropped: channel gone or disabled", "channel", id, "alerts", len(ids))
		return e.Store.AlertsSent(ctx, id, ids, now)
	}
	if c.QuietHours.Active(now) {
		return nil
	}
	if c.MaxPerHour > 0 {
		n, err := e.Store.AlertSends(ctx, id, now.Add(-time.Hour))
		if err != nil || n >= c.MaxPerHour {
			return err
		}
	}
	var alerts []store.Alert
	for _, aid := range ids {
		a, err := e.Store.Alert(ctx, aid)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		alerts = append(alerts, a)
	}
	if len(alerts) > 0 {
		m, err := e.message(c, alerts, queue[0].Queued)
		if err != nil {
			return err
		}
		if err := e.Notifier.Enqueue(ctx, []int64{id}, m); err != nil {
			return fmt.Errorf("send alerts to channel %d: %w", id, err)
		}
	}
	return e.Store.AlertsSent(ctx, id, ids, now)
}

// alertID is the id of an alert in events: "alert_42".
func alertID(id int64) string { return "alert_" + strconv.FormatInt(id, 10) }

// severityOrder orders severities, the worst last.
var severityOrder = map[string]int{notice.Info: 0, notice.Warning: 1, notice.Critical: 2}

// message is the message of alerts to channel c: the newest alert, and,
// when the channel held others (quiet hours, the rate limit), their
// summary, held since the oldest was queued at since.
func (e *Engine) message(c notify.Channel, alerts []store.Alert, since time.Time) (notice.Message, error) {
	slices.SortFunc(alerts, func(a, b store.Alert) int { return cmp.Compare(b.ID, a.ID) })
	newest := alerts[0]
	var facts []webhook.Fact
	if err := json.Unmarshal(newest.Facts, &facts); err != nil {
		return notice.Message{}, fmt.Errorf("facts of alert %d: %w", newest.ID, err)
	}
	data := webhook.AlertTriggeredData{AlertID: alertID(newest.ID), Rule: newest.RuleName, Type: newest.Type, Domain: newest.Domain,
		Severity: newest.Severity, Title: newest.Title, Summary: newest.Summary, Facts: facts}
	if newest.Domain != "" {
		data.URL = e.link("/domains/" + newest.Domain)
	}
	if more := alerts[1:]; len(more) > 0 {
		for _, a := range more {
			if severityOrder[a.Severity] > severityOrder[data.Severity] {
				data.Severity = a.Severity
			}
		}
		n := int64(len(more))
		data.Title += " (and " + textfmt.Count(n, "more alert", "more alerts") + ")"
		var b strings.Builder
		fmt.Fprintf(&b, "%s\n\n%s %s:", newest.Summary, textfmt.Count(n, "more alert", "more alerts"), heldWhy(c, since))
		for i, a := range more {
			if i == maxListed {
				fmt.Fprintf(&b, "\n- and %s", textfmt.Count(n-maxListed, "other", "others"))
				break
			}
			fmt.Fprintf(&b, "\n- [%s] %s", a.Severity, a.Title)
			if a.State == store.AlertResolved {
				b.WriteString(" (resolved)")
			}
		}
		data.Summary = b.String()
		ids := make([]string, len(more))
		for i, a := range more {
			ids[i] = alertID(a.ID)
		}
		data.Facts = append(slices.Clip(data.Facts), webhook.Fact{Name: "More alerts", Value: strings.Join(ids, ", ")})
	}
	ev, err := webhook.New(webhook.AlertTriggered, newest.Opened, data)
	if err != nil {
		return notice.Message{}, err
	}
	return notice.Message{Event: ev, Title: data.Title, Severity: data.Severity, Summary: data.Summary, Facts: data.Facts,
		URL: data.URL}, nil
}

// heldWhy says why a channel held alerts queued since since.
func heldWhy(c notify.Channel, since time.Time) string {
	if q := c.QuietHours; q.Active(since) {
		return fmt.Sprintf("held during the quiet hours (%s to %s, %s)", q.Start, q.End, cmp.Or(q.TZ, "UTC"))
	}
	if c.MaxPerHour > 0 {
		return "held by the limit of " + textfmt.Count(int64(c.MaxPerHour), "message", "messages") + " an hour"
	}
	return "since the last message"
}
