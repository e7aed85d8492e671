// Package configfile reads the settings file of GitOps users (serve
// --channels): notification channels, alert rules and scheduled reports
// as JSON, kept in Git, applied by name at every start. What the file
// names it owns: each entry replaces every setting of the stored one of
// its name, or is created. What it does not name stays as the dashboard
// or the API left it; nothing is deleted.
//
//	{
//	  "channels":    [{"name": "ops", "kind": "slack", "url": "${SLACK_URL}", "enabled": true}],
//	  "alert_rules": [{"name": "Compliance", "type": "compliance_below", "settings": {"threshold": 90}, "channels": ["ops"], "enabled": true}],
//	  "schedules":   [{"name": "Weekly", "kind": "weekly", "weekday": "monday", "time": "08:00", "time_zone": "Europe/Paris", "channels": ["ops"], "pdf": true}]
//	}
//
// Channels are package notify's (secrets as ${ENV} references, so the
// file holds none), rules package alert's and schedules package digest's
// ScheduleSpec, as the API takes them, but for their "channels": names
// of channels (of the file or made in the dashboard) rather than ids.
package configfile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/alert"
	"github.com/parse-dmarc/parse-dmarc/internal/digest"
	"github.com/parse-dmarc/parse-dmarc/internal/notify"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// File is a settings file, read and checked.
type File struct {
	Path      string
	Channels  []notify.Channel
	Rules     []Rule
	Schedules []Schedule
}

// Rule is an alert rule of the file.
type Rule struct {
	alert.Rule
	// Channels are channel names.
	Channels []string `json:"channels"`
}

// Schedule is a scheduled report of the file.
type Schedule struct {
	digest.ScheduleSpec
	// Channels are channel names.
	Channels []string `json:"channels"`
}

// Load reads and checks the file at path; getenv expands the channels'
// ${NAME} secrets. Errors name the file and the entry.
func Load(path string, getenv func(string) string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("settings file: %w", err)
	}
	var raw struct {
		Channels  json.RawMessage `json:"channels"`
		Rules     []Rule          `json:"alert_rules"`
		Schedules []Schedule      `json:"schedules"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("settings file %s: %w", path, err)
	}
	f := &File{Path: path, Rules: raw.Rules, Schedules: raw.Schedules}
	if f.Channels, err = notify.DecodeChannels(raw.Channels, "settings file "+path, getenv); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i := range f.Rules {
		r := &f.Rules[i]
		where := fmt.Sprintf("settings file %s, alert rule %d (%s)", path, i+1, r.Name)
		r.ID = 0
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if seen[r.Name] {
			return nil, fmt.Errorf("%s: the name is used twice", where)
		}
		seen[r.Name] = true
	}
	clear(seen)
	for i, s := range f.Schedules {
		where := fmt.Sprintf("settings file %s, schedule %d (%s)", path, i+1, s.Name)
		// Channel names become ids at Apply; stand-ins let Validate see
		// that the report has somewhere to go.
		s.ScheduleSpec.Channels = make([]int64, len(s.Channels))
		for j := range s.ScheduleSpec.Channels {
			s.ScheduleSpec.Channels[j] = int64(j + 1)
		}
		sc, err := s.Schedule()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if seen[sc.Name] {
			return nil, fmt.Errorf("%s: the name is used twice", where)
		}
		seen[sc.Name] = true
	}
	return f, nil
}

// Targets are where a file is applied: Alerts and Store may be nil when
// the file has no rules or schedules.
type Targets struct {
	Notify *notify.Service
	Alerts *alert.Engine
	Store  store.Store
}

// Count is how many entries of a kind Apply created and updated.
type Count struct{ Created, Updated int }

// Summary counts what Apply did.
type Summary struct{ Channels, Rules, Schedules Count }

// Apply makes the stored channels, rules and schedules match the file by
// name, channels first so that rules and schedules can name them.
func (f *File) Apply(ctx context.Context, t Targets) (Summary, error) {
	var sum Summary
	var err error
	if sum.Channels.Created, sum.Channels.Updated, err = t.Notify.Apply(ctx, f.Channels); err != nil {
		return sum, fmt.Errorf("settings file %s: %w", f.Path, err)
	}
	channels, err := t.Notify.Channels(ctx)
	if err != nil {
		return sum, err
	}
	ids := map[string]int64{}
	for _, c := range channels {
		ids[c.Name] = c.ID
	}
	resolve := func(what string, names []string) ([]int64, error) {
		out := []int64{}
		for _, n := range names {
			id, ok := ids[strings.TrimSpace(n)]
			if !ok {
				return nil, fmt.Errorf("settings file %s, %s: no channel is named %q", f.Path, what, n)
			}
			out = append(out, id)
		}
		return out, nil
	}
	if len(f.Rules) > 0 {
		if sum.Rules, err = f.applyRules(ctx, t.Alerts, resolve); err != nil {
			return sum, err
		}
	}
	if len(f.Schedules) > 0 {
		if sum.Schedules, err = f.applySchedules(ctx, t.Store, resolve); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

func (f *File) applyRules(ctx context.Context, e *alert.Engine, resolve func(string, []string) ([]int64, error)) (Count, error) {
	var n Count
	stored, err := e.Rules(ctx)
	if err != nil {
		return n, err
	}
	byName := map[string]int64{}
	for _, r := range stored {
		byName[r.Name] = r.ID
	}
	for _, fr := range f.Rules {
		r := fr.Rule
		if r.Channels, err = resolve("alert rule "+r.Name, fr.Channels); err != nil {
			return n, err
		}
		if id, ok := byName[r.Name]; ok {
			_, err = e.UpdateRule(ctx, id, r)
			n.Updated++
		} else {
			_, err = e.CreateRule(ctx, r)
			n.Created++
		}
		if err != nil {
			return n, fmt.Errorf("settings file %s, alert rule %s: %w", f.Path, r.Name, err)
		}
	}
	return n, nil
}

func (f *File) applySchedules(ctx context.Context, st store.Store, resolve func(string, []string) ([]int64, error)) (Count, error) {
	var n Count
	stored, err := st.Schedules(ctx)
	if err != nil {
		return n, err
	}
	byName := map[string]int64{}
	for _, s := range stored {
		byName[s.Name] = s.ID
	}
	for _, fs := range f.Schedules {
		spec := fs.ScheduleSpec
		if spec.Channels, err = resolve("schedule "+spec.Name, fs.Channels); err != nil {
			return n, err
		}
		sc, err := spec.Schedule()
		if err != nil {
			return n, fmt.Errorf("settings file %s, schedule %s: %w", f.Path, spec.Name, err)
		}
		if id, ok := byName[sc.Name]; ok {
			sc.ID = id
			err = st.UpdateSchedule(ctx, sc)
			n.Updated++
		} else {
			_, err = st.AddSchedule(ctx, sc)
			n.Created++
		}
		if err != nil {
			return n, fmt.Errorf("settings file %s, schedule %s: %w", f.Path, sc.Name, err)
		}
	}
	return n, nil
}
