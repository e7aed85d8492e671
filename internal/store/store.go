package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// Errors a Store returns wrapped; test for them with errors.Is.
var (
	// ErrDuplicate means a report with the same dedupe key (reporter
	// org_name, report_id, policy domain) is stored already. Reporters
	// resend reports, and the same report often arrives by mail and by
	// file import, so this is an expected outcome, not a failure.
	ErrDuplicate = errors.New("report already stored")
	// ErrNotFound means no report or quarantine entry has the given id.
	ErrNotFound = errors.New("not found")
)

// Store keeps reports. Every method but Close takes a context.
// Implementations are safe for concurrent use.
type Store interface {
	// BeginReport starts storing one report in its own transaction. It
	// returns ErrDuplicate (wrapped, errors.Is works) when a report with
	// the same dedupe key is stored already; the key is (reporter
	// org_name, report_id, policy domain), with report_id replaced by
	// "sha256:"+Incoming.SHA256 when the report has none.
	//
	// The transaction ends when ctx is done. An implementation may allow
	// only one open ReportTx at a time (SQLite does): other writes wait
	// until it commits or rolls back, so a goroutine holding a ReportTx
	// must end it before it writes anything else.
	BeginReport(ctx context.Context, in Incoming) (ReportTx, error)
	// Quarantine keeps an input that could not be parsed, with its reason
	// and raw bytes, so nothing is lost. It returns the entry's id.
	Quarantine(ctx context.Context, q Quarantined) (int64, error)
	// Quarantined lists the quarantine, newest first, with Raw left nil:
	// the list stays small however large the inputs were.
	Quarantined(ctx context.Context) ([]Quarantined, error)
	// QuarantinedRaw returns the raw bytes kept for a quarantine entry
	// (possibly truncated, see Quarantined.Truncated).
	QuarantinedRaw(ctx context.Context, id int64) ([]byte, error)
	// DeleteQuarantined removes a quarantine entry, after a successful
	// re-import.
	DeleteQuarantined(ctx context.Context, id int64) error
	// Report returns one stored report without its records.
	Report(ctx context.Context, id int64) (*StoredReport, error)
	// ReportRaw returns the gzip of the report's original XML, or nil
	// when none was kept (Summary.RawGzip was nil).
	ReportRaw(ctx context.Context, id int64) ([]byte, error)
	// Reports lists stored reports matching f, the newest begin first.
	Reports(ctx context.Context, f ReportFilter) ([]StoredReport, error)
	// Records calls fn for each record of a report in insertion order,
	// streaming (rows.Next), never loading all. An error from fn stops
	// the iteration and is returned as is. fn may call other methods of
	// the Store (reads use their own connections).
	Records(ctx context.Context, reportID int64, fn func(*aggregate.Record) error) error
	// Summary totals the records matching f.
	Summary(ctx context.Context, f AggregateFilter) (Totals, error)
	// Timeline totals the records matching f per day, or per week
	// (starting Monday, UTC), oldest first.
	Timeline(ctx context.Context, f AggregateFilter, weekly bool) ([]TimelinePoint, error)
	// TopSources totals the records matching f per source IP, the most
	// messages first, at most limit sources.
	TopSources(ctx context.Context, f AggregateFilter, limit int) ([]SourceTotals, error)
	// SourceRecords calls fn for the records of source IP ip matching f,
	// newest first, at most limit, each with its report's identity. An
	// error from fn stops the iteration and is returned as is.
	SourceRecords(ctx context.Context, ip string, f AggregateFilter, limit int, fn func(*SourceRecord) error) error
	// Domains lists the policy domains with reports, by name.
	Domains(ctx context.Context) ([]DomainTotals, error)
	// Reporters lists the reporting organizations of the reports
	// matching f (by report begin), the most messages first.
	Reporters(ctx context.Context, f AggregateFilter) ([]ReporterTotals, error)
	// Counts returns the totals of reports, records, messages and
	// quarantine entries.
	Counts(ctx context.Context) (Counts, error)
	// MessageSeen reports whether the message with uid in the mailbox
	// was processed already, so a fetcher skips it without downloading
	// it again.
	MessageSeen(ctx context.Context, k MailboxKey, uid uint32) (bool, error)
	// MarkMessageSeen records that the message was processed (its
	// reports committed or quarantined); marking it again does nothing.
	// It is a write of its own, not part of any ReportTx: mark a message
	// only after its reports were committed, so a crash in between
	// re-fetches it and the dedupe key absorbs the repeat.
	MarkMessageSeen(ctx context.Context, k MailboxKey, uid uint32) error
	// TryLock takes the advisory lock called name without waiting, so
	// that only one of several processes (replicas) fetches a given
	// mailbox at a time. ok is false when another holder has it. unlock
	// releases it; it is never nil, does nothing when ok is false, and
	// may be called more than once. The lock guards nothing in the
	// store itself: holders must cooperate by taking it. Where it is held
	// (one process or the database server) depends on the
	// implementation.
	TryLock(ctx context.Context, name string) (unlock func(), ok bool, err error)
	// DomainSettings returns the settings of a policy domain, compared
	// exactly: the zero settings, with Domain set, when none were stored.
	// It does not tell whether the domain has reports.
	DomainSettings(ctx context.Context, domain string) (DomainSettings, error)
	// SetDomainSettings stores the settings of ds.Domain, replacing any
	// stored before.
	SetDomainSettings(ctx context.Context, ds DomainSettings) error
	// SourceHistory totals the newest limit records of source IP ip
	// across all domains per policy domain and day, the newest day first;
	// partial is true when the IP has more records than limit.
	SourceHistory(ctx context.Context, ip string, limit int) (days []SourceDay, partial bool, err error)
	// CachedReputation returns the cached answer of an IP reputation
	// provider about ip, whatever its age; found is false when none.
	CachedReputation(ctx context.Context, provider, ip string) (e ReputationEntry, found bool, err error)
	// CacheReputation stores e, replacing the entry of its provider and IP.
	CacheReputation(ctx context.Context, e ReputationEntry) error
	// PruneReputation deletes the cached answers fetched before before and
	// returns how many.
	PruneReputation(ctx context.Context, before time.Time) (int64, error)
	// SourceDays lists the source IPs of each day of f, whose Domain is
	// required, with their totals, the newest day first, at most limit
	// rows; partial is true when f has more (the oldest day returned may
	// then be cut).
	SourceDays(ctx context.Context, f AggregateFilter, limit int) (rows []SourceDayTotals, partial bool, err error)
	// DomainSpan returns the first and last day with mail of a domain,
	// zero when it has none.
	DomainSpan(ctx context.Context, domain string) (first, last time.Time, err error)
	// ExpectedAnomalies lists the anomalies of a domain marked expected,
	// by kind and key.
	ExpectedAnomalies(ctx context.Context, domain string) ([]ExpectedAnomaly, error)
	// MarkExpected stores e, replacing the feedback of its domain, kind
	// and key; a zero At is now.
	MarkExpected(ctx context.Context, e ExpectedAnomaly) error
	// UnmarkExpected deletes the feedback of a domain, kind and key;
	// ErrNotFound when there is none.
	UnmarkExpected(ctx context.Context, domain, kind, key string) error
	// AddDNSCheck stores a check of a domain's DNS records and deletes
	// that domain's oldest checks beyond the newest keep (DNSChecksKept
	// when keep is 0 or less), in one transaction; it returns the check's
	// id.
	AddDNSCheck(ctx context.Context, c DNSCheck, keep int) (int64, error)
	// DNSChecks lists the stored checks of a domain, compared exactly,
	// the newest first, at most limit.
	DNSChecks(ctx context.Context, domain string, limit int) ([]DNSCheck, error)
	// LatestDNSChecks returns the newest stored check of every domain, by
	// domain.
	LatestDNSChecks(ctx context.Context) ([]DNSCheck, error)
	// DKIMSelectors lists the DKIM selectors of domain's own signatures
	// (d= equal to domain) in its newest records, at most records read,
	// the most messages first.
	DKIMSelectors(ctx context.Context, domain string, records int) ([]SelectorCount, error)
	// AlertStore keeps the alert engine's rules, alerts and queues.
	AlertStore
	// TLSReportStore keeps SMTP TLS reports.
	TLSReportStore
	// ForensicStore keeps failure (forensic) reports.
	ForensicStore
	// NotifyChannels lists the notification channels by id.
	NotifyChannels(ctx context.Context) ([]NotifyChannel, error)
	// NotifyChannel returns a notification channel; ErrNotFound when none
	// has id.
	NotifyChannel(ctx context.Context, id int64) (NotifyChannel, error)
	// AddNotifyChannel stores a new channel (its ID is ignored) and
	// returns its id.
	AddNotifyChannel(ctx context.Context, c NotifyChannel) (int64, error)
	// UpdateNotifyChannel replaces the settings of channel c.ID, its
	// Created kept; ErrNotFound when there is none.
	UpdateNotifyChannel(ctx context.Context, c NotifyChannel) error
	// DeleteNotifyChannel deletes a channel with its outbox entries and
	// deliveries; ErrNotFound when there is none.
	DeleteNotifyChannel(ctx context.Context, id int64) error
	// EnqueueNotifications adds the entries to the outbox in one
	// transaction (their ID, Attempts and LeaseUntil are ignored).
	EnqueueNotifications(ctx context.Context, list []Notification) error
	// PublishNotification adds n to the outbox once for each enabled
	// channel whose Events are empty or have n.EventType (n.ChannelID is
	// ignored), in one statement, and returns how many.
	PublishNotification(ctx context.Context, n Notification) (int, error)
	// ClaimNotifications leases the outbox entries due at now that no
	// worker holds (LeaseUntil not after now) until leaseUntil, at most
	// limit, the oldest due first: concurrent claims, of this process or
	// of other replicas, never get the same entry.
	ClaimNotifications(ctx context.Context, now, leaseUntil time.Time, limit int) ([]Notification, error)
	// FinishNotification logs d, an attempt of the claimed entry n, and
	// deletes n, or when retryAt is not zero sets its Attempts to
	// d.Attempt and its next attempt to retryAt, unclaimed; in one
	// transaction. The entry is left alone when its lease is no longer
	// n.LeaseUntil (another worker claimed it after the lease lapsed).
	FinishNotification(ctx context.Context, n Notification, d NotifyDelivery, retryAt time.Time) error
	// LogNotifyDelivery logs d (a send test) and returns its id.
	LogNotifyDelivery(ctx context.Context, d NotifyDelivery) (int64, error)
	// NotifyDeliveries lists the newest deliveries of a channel, at most
	// limit. The log keeps NotifyDeliveriesKept per channel.
	NotifyDeliveries(ctx context.Context, channelID int64, limit int) ([]NotifyDelivery, error)
	// NewSources lists the source IPs of a report that no other report
	// of its domain has, the most messages first, at most limit.
	NewSources(ctx context.Context, reportID int64, limit int) ([]NewSource, error)
	// Schedules lists the scheduled reports by id.
	Schedules(ctx context.Context) ([]ReportSchedule, error)
	// Schedule returns one scheduled report; ErrNotFound when none has id.
	Schedule(ctx context.Context, id int64) (ReportSchedule, error)
	// AddSchedule stores a new scheduled report (its ID, LastRun and
	// times are ignored) and returns its id.
	AddSchedule(ctx context.Context, sc ReportSchedule) (int64, error)
	// UpdateSchedule replaces the settings of schedule sc.ID, its
	// LastRun kept; ErrNotFound when there is none.
	UpdateSchedule(ctx context.Context, sc ReportSchedule) error
	// DeleteSchedule deletes a schedule and its runs; ErrNotFound when
	// there is none.
	DeleteSchedule(ctx context.Context, id int64) error
	// ClaimScheduleRun sets the LastRun of an enabled schedule to due
	// when it is earlier, and reports whether it did: of the processes
	// claiming the same due time only one gets true, so a run is sent
	// once however many replicas share the store.
	ClaimScheduleRun(ctx context.Context, id int64, due time.Time) (bool, error)
	// AddScheduleRun records a sending of a schedule and deletes its
	// runs beyond the newest ScheduleRunsKept, in one transaction.
	AddScheduleRun(ctx context.Context, r ScheduleRun) (int64, error)
	// ScheduleRuns lists the newest runs of a schedule, at most limit.
	ScheduleRuns(ctx context.Context, id int64, limit int) ([]ScheduleRun, error)
	// Close releases the store. An open ReportTx must be ended first.
	Close() error
}

// Incoming describes a report about to be stored: its header and where it
// came from.
type Incoming struct {
	Header *aggregate.Header
	// SourceName says where the report came from: a file path, or
	// "mail > attachment" names.
	SourceName string
	// SHA256 is the hex SHA-256 of the report's XML bytes. It is required
	// only when the report has no report_id (it then identifies the
	// report); otherwise Summary.SHA256 can supply it once all the bytes
	// were read.
	SHA256     string
	ReceivedAt time.Time
}

// MailboxKey identifies one IMAP mailbox generation: when UIDVALIDITY
// changes, UIDs start over (RFC 9051 section 2.3.1.1), so messages seen
// under an older UIDVALIDITY say nothing about the current one. Account
// names the IMAP account (for example user@host) and Mailbox the mailbox
// as the server names it; both are compared exactly.
type MailboxKey struct {
	Account, Mailbox string
	UIDValidity      uint32
}

// ReportTx stores the records of one report. It is used by one goroutine.
type ReportTx interface {
	// Add stores one record. Records are written in batches, so an error
	// may surface only at a later Add or at Commit.
	Add(ctx context.Context, r *aggregate.Record) error
	// Commit stores the report's final state and commits; it returns the
	// report's id.
	Commit(ctx context.Context, s Summary) (int64, error)
	// Rollback discards the report. It is safe after Commit (a no-op), so
	// it can be deferred.
	Rollback() error
}

// Summary is what is known about a report only after all its records were
// read.
type Summary struct {
	// Status is the validation status: "valid", "warnings" or "errors".
	Status string
	// Messages are the validation messages, stored as JSON.
	Messages []aggregate.Message
	// RawGzip is an optional gzip of the original XML, nil when it was too
	// large to keep.
	RawGzip []byte
	// SHA256 is the hex SHA-256 of the report's XML bytes, which a
	// streaming reader knows only at the end. When set it replaces
	// Incoming.SHA256 (it never changes the dedupe key).
	SHA256 string
}

// Statuses of a stored report, as the parsing protocol names them
// (parse_metadata.validation_status).
const (
	StatusValid    = "valid"
	StatusWarnings = "warnings"
	StatusErrors   = "errors"
)

// Quarantined is an input that could not be parsed, kept with the reason so
// it can be fixed and re-imported.
type Quarantined struct {
	ID         int64
	SourceName string
	// Reason is the error that refused the input, for people.
	Reason string
	// ErrorType classifies Reason for filtering (a parsing protocol
	// error_type, or the importer's own, such as "corrupt" or "limit").
	ErrorType  string
	ReceivedAt time.Time
	// Size is the number of bytes kept in Raw.
	Size   int64
	SHA256 string
	Raw    []byte
	// Truncated means Raw holds only the start of the input: it was
	// larger than the importer's cap.
	Truncated bool
}

// StoredReport is a stored report without its records (see Store.Records).
type StoredReport struct {
	ID         int64
	Header     aggregate.Header
	SourceName string
	SHA256     string
	Status     string
	ReceivedAt time.Time
	Messages   []aggregate.Message
	// RecordCount is the number of records (rows).
	RecordCount int64
	// MessageCount is the sum of the records' counts.
	MessageCount int64
	// PassCount counts messages that passed DMARC (Record.Passed).
	PassCount int64
	// DKIMPassCount and SPFPassCount count messages with an aligned DKIM
	// or SPF pass (policy_evaluated).
	DKIMPassCount, SPFPassCount int64
}

// ReportFilter selects reports; zero fields select everything.
type ReportFilter struct {
	// Domain is the policy domain, compared exactly (the decoder stores
	// it lower case).
	Domain string
	// OrgName is the reporter's org_name, compared exactly.
	OrgName string
	// Since and Until select reports whose date range begins at or after
	// Since and before Until.
	Since, Until time.Time
	// Status is a validation status ("valid", "warnings", "errors").
	Status string
	// Limit caps the number of reports; zero or less means no cap.
	Limit int
	// BeforeID continues a listing: only reports after the one with this
	// id, in the listing's order (newest begin first), are returned.
	BeforeID int64
}

// Counts are the store's totals.
type Counts struct {
	Reports     int64
	Records     int64
	Messages    int64 // sum of the records' counts
	Quarantined int64
}

// reportKey is the report_id part of the dedupe key: the report's own
// report_id, or the digest of its bytes when it has none.
func reportKey(in Incoming) (string, error) {
	if id := in.Header.Metadata.ReportID; id != "" {
		return id, nil
	}
	if in.SHA256 == "" {
		return "", errors.New("report has no report_id and no SHA-256 to identify it")
	}
	return "sha256:" + in.SHA256, nil
}

// validStatus checks a Summary.Status.
func validStatus(s string) error {
	switch s {
	case StatusValid, StatusWarnings, StatusErrors:
		return nil
	}
	return fmt.Errorf("unknown report status %q", s)
}

// tally accumulates a report's counters while its records are added, so
// Commit writes them without reading the records back.
type tally struct {
	records, messages, pass, dkimPass, spfPass int64
}

func (t *tally) add(r *aggregate.Record) {
	t.records++
	t.messages += r.Count
	if r.Passed() {
		t.pass += r.Count
	}
	if r.PolicyEvaluated.DKIM == "pass" {
		t.dkimPass += r.Count
	}
	if r.PolicyEvaluated.SPF == "pass" {
		t.spfPass += r.Count
	}
}
