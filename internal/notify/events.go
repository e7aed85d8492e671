package notify

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/enrich"
	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// DefaultMaxNewSources caps the source.new events of one report.
const DefaultMaxNewSources = 20

// Reports is what ReportEvents reads of the store (store.Store has it).
type Reports interface {
	Report(ctx context.Context, id int64) (*store.StoredReport, error)
	Reports(ctx context.Context, f store.ReportFilter) ([]store.StoredReport, error)
	NewSources(ctx context.Context, reportID int64, limit int) ([]store.NewSource, error)
}

// IPLookup tells what is known of an IP (*enrich.Enricher has it).
type IPLookup interface {
	Lookup(ctx context.Context, addr netip.Addr) enrich.Info
}

// ReportEvents publishes the events of a report just stored:
// report.received, and source.new for each of its source IPs that no
// other report of its domain has. Ingest calls Stored after each commit,
// so it costs little: nothing is read when no enabled channel wants the
// events, and report.received is one insert.
//
// Limits: the first report of a domain raises no source.new (every
// source would be new; the dashboard shows them), and a report raises at
// most MaxNewSources of them, the sources with the most messages, with
// the log saying how many more there were.
type ReportEvents struct {
	Service *Service
	Store   Reports
	// IPs, when set, names the organization, ASN and country of new
	// sources.
	IPs IPLookup
	// BaseURL is the dashboard's public address, for links; "" none.
	BaseURL string
	// MaxNewSources caps the source.new events of one report; default
	// DefaultMaxNewSources.
	MaxNewSources int
	Log           *slog.Logger
}

func (e *ReportEvents) log() *slog.Logger {
	if e.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Log
}

func (e *ReportEvents) link(path string) string {
	if e.BaseURL == "" {
		return ""
	}
	return e.BaseURL + path
}

// Stored publishes the events of report id. Failures are logged, not
// returned: the report is stored, and ingest goes on.
func (e *ReportEvents) Stored(ctx context.Context, id int64) {
	if err := e.stored(ctx, id); err != nil {
		e.log().Warn("report events", "report", id, "err", err)
	}
}

func (e *ReportEvents) stored(ctx context.Context, id int64) error {
	wants, err := e.Service.Wants(ctx)
	if err != nil || len(wants) == 0 {
		return err
	}
	rep, err := e.Store.Report(ctx, id)
	if err != nil {
		return err
	}
	if slices.Contains(wants, webhook.ReportReceived) {
		if err := e.Service.Publish(ctx, e.reportMessage(rep)); err != nil {
			return err
		}
	}
	if slices.Contains(wants, webhook.SourceNew) {
		return e.newSources(ctx, rep)
	}
	return nil
}

func (e *ReportEvents) reportMessage(rep *store.StoredReport) notice.Message {
	md, domain := rep.Header.Metadata, rep.Header.Policy.Domain
	data := webhook.ReportReceivedData{ID: rep.ID, Domain: domain, OrgName: md.Reporter.OrgName, ReportID: md.ReportID,
		Begin: md.DateRange.Begin.UTC(), End: md.DateRange.End.UTC(), Messages: rep.MessageCount, DMARCPass: rep.PassCount,
		Compliance: percent(rep.PassCount, rep.MessageCount), Records: rep.RecordCount, Status: rep.Status,
		URL: e.link("/reports/" + strconv.FormatInt(rep.ID, 10))}
	severity := notice.Info
	if rep.Status == store.StatusErrors {
		severity = notice.Warning
	}
	return e.message(webhook.ReportReceived, data, notice.Message{
		Title:    fmt.Sprintf("%s: report from %s, %.1f%% DMARC pass", domain, data.OrgName, data.Compliance),
		Severity: severity,
		Summary: fmt.Sprintf("%s reported %d messages for %s from %s to %s; %d passed DMARC.", data.OrgName, data.Messages,
			domain, data.Begin.Format(time.DateOnly), data.End.Format(time.DateOnly), data.DMARCPass),
		Facts: []webhook.Fact{{Name: "Reporter", Value: data.OrgName}, {Name: "Messages", Value: strconv.FormatInt(data.Messages, 10)},
			{Name: "DMARC pass", Value: fmt.Sprintf("%.1f%%", data.Compliance)}, {Name: "Validation", Value: data.Status}},
		URL: data.URL,
	})
}

// message is m with the event of typ and data, now.
func (e *ReportEvents) message(typ string, data any, m notice.Message) notice.Message {
	ev, err := webhook.New(typ, e.Service.now(), data)
	if err != nil {
		e.log().Warn("report event", "event", typ, "err", err)
	}
	m.Event = ev
	return m
}

func (e *ReportEvents) newSources(ctx context.Context, rep *store.StoredReport) error {
	domain := rep.Header.Policy.Domain
	// The first report of a domain: every source would be new.
	earlier, err := e.Store.Reports(ctx, store.ReportFilter{Domain: domain, Limit: 2})
	if err != nil || len(earlier) < 2 {
		return err
	}
	limit := e.MaxNewSources
	if limit <= 0 {
		limit = DefaultMaxNewSources
	}
	list, err := e.Store.NewSources(ctx, rep.ID, limit+1)
	if err != nil {
		return err
	}
	if len(list) > limit {
		e.log().Info("new sources beyond the events' limit", "report", rep.ID, "domain", domain, "limit", limit)
		list = list[:limit]
	}
	for _, s := range list {
		if err := e.Service.Publish(ctx, e.sourceMessage(ctx, s)); err != nil {
			return err
		}
	}
	return nil
}

func (e *ReportEvents) sourceMessage(ctx context.Context, s store.NewSource) notice.Message {
	data := webhook.SourceNewData{Domain: s.Domain, SourceIP: s.SourceIP, FirstSeen: s.Day, Messages: s.Messages,
		DMARCPass: s.DMARCPass, URL: e.link("/sources/" + s.SourceIP)}
	if addr, err := netip.ParseAddr(s.SourceIP); err == nil && e.IPs != nil {
		info := e.IPs.Lookup(ctx, addr)
		data.Organization, data.ASN, data.Country = info.Org, info.ASN, info.Country
	}
	who := s.SourceIP
	if data.Organization != "" {
		who += " (" + data.Organization + ")"
	}
	severity, advice := notice.Info, "It passes DMARC: probably a service you started to use."
	if s.DMARCPass < s.Messages {
		severity, advice = notice.Warning, "Not all of its mail passes DMARC: if you do not know it, it may be spoofing your domain; if you do, authorize it (SPF, DKIM)."
	}
	facts := []webhook.Fact{{Name: "Source", Value: who}, {Name: "Messages", Value: strconv.FormatInt(s.Messages, 10)},
		{Name: "DMARC pass", Value: fmt.Sprintf("%.1f%%", percent(s.DMARCPass, s.Messages))}}
	if data.Country != "" {
		facts = append(facts, webhook.Fact{Name: "Country", Value: data.Country})
	}
	return e.message(webhook.SourceNew, data, notice.Message{
		Title:    fmt.Sprintf("%s: new sending source %s", s.Domain, s.SourceIP),
		Severity: severity,
		Summary:  fmt.Sprintf("%s sent %d messages as %s, the first seen from it. %s", who, s.Messages, s.Domain, advice),
		Facts:    facts,
		URL:      data.URL,
	})
}

// percent is part of whole in percent, to one decimal; 0 for no whole.
func percent(part, whole int64) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part*1000/whole) / 10
}

// Wants lists the event types at least one enabled channel gets from
// Publish, so that producers skip the work of events nobody wants.
func (s *Service) Wants(ctx context.Context) ([]string, error) {
	list, err := s.Store.NotifyChannels(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range list {
		if !c.Enabled {
			continue
		}
		if len(c.Events) == 0 {
			return webhook.Types(), nil
		}
		for _, e := range c.Events {
			if !slices.Contains(out, e) {
				out = append(out, e)
			}
		}
	}
	return out, nil
}
