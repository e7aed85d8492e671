package store

import "strings"

// The schema, written once for both databases. Each step's SQL names its
// types by the tokens below, which schemaSQL expands per database; the rest
// is SQL both accept. SQLite keeps the text of every CREATE TABLE in
// sqlite_schema, comments and spacing included, so the SQLite expansion of a
// released step must stay the exact text that step has always run: change
// neither the steps' text nor the tokens' SQLite expansions, add a step.
//
// Times are Unix seconds in a 64-bit integer in both databases, so both
// stores share their queries and their meaning. JSON columns are TEXT
// holding the same bytes in both rather than PostgreSQL jsonb: jsonb
// refuses the \u0000 escape that JSON of a malformed report may carry, and
// costs a parse per value on import; cast to jsonb (column::jsonb) to query
// inside them. In PostgreSQL the uidvalidity and uid of imap_seen are
// BIGINT because they are uint32.
var schemaSteps = []migration{
	{version: 1, name: "reports", sql: `
CREATE TABLE reports (
	id {{id}},
	org_name TEXT NOT NULL,
	email TEXT NOT NULL,
	extra_contact_info TEXT NOT NULL,
	report_id TEXT NOT NULL,  -- as sent, may be empty
	report_key TEXT NOT NULL, -- report_id, or 'sha256:' || digest when empty
	domain TEXT NOT NULL,
	adkim TEXT NOT NULL,
	aspf TEXT NOT NULL,
	policy TEXT NOT NULL,
	subdomain_policy TEXT NOT NULL,
	percentage INTEGER NOT NULL,
	nonexistent_subdomain_policy TEXT NOT NULL,
	failure_options TEXT NOT NULL,
	testing TEXT NOT NULL,
	discovery_method TEXT NOT NULL,
	date_begin {{int}} NOT NULL, -- Unix seconds, UTC
	date_end {{int}} NOT NULL,
	duration_hours {{real}} NOT NULL,
	generator TEXT NOT NULL,
	version TEXT NOT NULL,
	namespace TEXT NOT NULL,
	metadata_errors TEXT, -- JSON array of strings, NULL when none
	source_name TEXT NOT NULL,
	sha256 TEXT NOT NULL,
	received_at {{int}} NOT NULL,
	status TEXT NOT NULL,
	messages TEXT, -- JSON array of validation messages, NULL when none
	record_count {{int}} NOT NULL,
	message_count {{int}} NOT NULL,
	pass_count {{int}} NOT NULL,
	dkim_pass_count {{int}} NOT NULL,
	spf_pass_count {{int}} NOT NULL,
	raw_gzip {{blob}},
	UNIQUE (org_name, report_key, domain)
);
CREATE INDEX reports_domain_begin ON reports (domain, date_begin);
CREATE INDEX reports_org_name ON reports (org_name);
CREATE INDEX reports_begin ON reports (date_begin);
`},
	{version: 2, name: "records", sql: `
CREATE TABLE records (
	id {{id}},
	-- Deferred: checked at COMMIT, so inserting records needs no statement journal (see insertRecordsSQL).
	report_id {{int}} NOT NULL REFERENCES reports (id) ON DELETE CASCADE{{deferred}},
	domain TEXT NOT NULL, -- the report's policy domain
	day {{int}} NOT NULL, -- the report's begin, truncated to the UTC day, Unix seconds
	source_ip TEXT NOT NULL,
	count {{int}} NOT NULL,
	disposition TEXT NOT NULL,
	dkim TEXT NOT NULL,
	spf TEXT NOT NULL,
	header_from TEXT NOT NULL,
	envelope_from TEXT NOT NULL,
	envelope_to TEXT NOT NULL,
	reasons TEXT,      -- JSON, NULL when none
	dkim_results TEXT, -- JSON, NULL when none
	spf_results TEXT   -- JSON, NULL when none
);
CREATE INDEX records_report_id ON records (report_id);
CREATE INDEX records_source_ip ON records (source_ip);
CREATE INDEX records_domain_day ON records (domain, day);
`},
	{version: 3, name: "quarantine", sql: `
CREATE TABLE quarantine (
	id {{id}},
	source_name TEXT NOT NULL,
	reason TEXT NOT NULL,
	error_type TEXT NOT NULL,
	received_at {{int}} NOT NULL,
	size {{int}} NOT NULL,
	sha256 TEXT NOT NULL,
	raw {{blob}},
	truncated {{bool}} NOT NULL -- 0 or 1
);
CREATE INDEX quarantine_received_at ON quarantine (received_at);
`},
	{version: 4, name: "imap_seen", sql: `
-- IMAP messages already processed, per mailbox generation (MailboxKey).
CREATE TABLE imap_seen (
	account TEXT NOT NULL,
	mailbox TEXT NOT NULL,
	uidvalidity {{int}} NOT NULL,
	uid {{int}} NOT NULL,
	seen_at {{int}} NOT NULL, -- Unix seconds, for pruning old generations
	PRIMARY KEY (account, mailbox, uidvalidity, uid)
){{without_rowid}};
`},
	{version: 5, name: "rollups", sql: `
-- Daily rollups of records, maintained at ingest (rollup.go).
CREATE TABLE rollup_days (
	domain TEXT NOT NULL,
	day {{int}} NOT NULL,
` + v5Counters + `	PRIMARY KEY (domain, day)
){{without_rowid}};
CREATE TABLE rollup_sources (
	domain TEXT NOT NULL,
	day {{int}} NOT NULL,
	source_ip TEXT NOT NULL,
` + v5Counters + `	PRIMARY KEY (domain, day, source_ip)
){{without_rowid}};
-- Backfill from the records stored before.
INSERT INTO rollup_days (domain, day, ` + v5CounterNames + `)
SELECT domain, day, ` + v5CounterSums + `
FROM records GROUP BY domain, day;
INSERT INTO rollup_sources (domain, day, source_ip, ` + v5CounterNames + `)
SELECT domain, day, source_ip, ` + v5CounterSums + `
FROM records GROUP BY domain, day, source_ip;
`},
	{version: 6, name: "domain_settings", sql: `
-- Settings chosen per policy domain in the dashboard (settings.go).
CREATE TABLE domain_settings (
	domain TEXT PRIMARY KEY,
	badge INTEGER NOT NULL DEFAULT 0, -- 0 or 1: the public badge is enabled
	updated_at {{int}} NOT NULL       -- Unix seconds
);
`},
	{version: 7, name: "source_sketches", sql: `
-- The sketch of each domain and day's distinct source IPs (sketch.go),
-- merged at ingest; backfilled from rollup_sources by backfillSketches.
ALTER TABLE rollup_days ADD COLUMN sources {{blob}};
`, backfill: backfillSketches},
	{version: 8, name: "anomaly_feedback", sql: `
-- Anomalies people marked as expected (feedback.go), which the anomaly
-- detector honours.
CREATE TABLE anomaly_feedback (
	domain TEXT NOT NULL,
	kind TEXT NOT NULL,         -- the anomaly's kind, such as new_source
	item_key TEXT NOT NULL,     -- what it is about: a source IP, a day (YYYY-MM-DD), a country
	marked_by TEXT NOT NULL,
	marked_at {{int}} NOT NULL, -- Unix seconds
	note TEXT NOT NULL,
	PRIMARY KEY (domain, kind, item_key)
){{without_rowid}};
`},
	{version: 9, name: "reputation_cache", sql: `
-- Answers of external IP reputation services (reputation.go), the newest
-- per provider and IP, kept for their time to live and then pruned.
CREATE TABLE reputation_cache (
	provider TEXT NOT NULL,      -- "abuseipdb", "virustotal"
	ip TEXT NOT NULL,            -- canonical text form
	fetched_at {{int}} NOT NULL, -- Unix seconds
	status TEXT NOT NULL,        -- "ok", "not_found", "error", "rate_limited"
	json TEXT NOT NULL,          -- the answer as package reputation keeps it
	PRIMARY KEY (provider, ip)
){{without_rowid}};
CREATE INDEX reputation_cache_fetched_at ON reputation_cache (fetched_at);
`},
	{version: 10, name: "top_lists", sql: `
-- The top list of each domain and day: its source IPs with the most
-- messages and their counters (toplist.go), merged at ingest; TopSources
-- answers from them when it can (topsources.go). Backfilled from
-- rollup_sources by backfillTopLists.
ALTER TABLE rollup_days ADD COLUMN top {{blob}};
`, backfill: backfillTopLists},
	{version: 11, name: "dns_checks", sql: `
-- The history of the checks of each domain's DNS records (dnschecks.go):
-- the newest DNSChecksKept per domain, older ones pruned as new ones come.
CREATE TABLE dns_checks (
	id {{id}},
	domain TEXT NOT NULL,        -- as checked: lower case, A-labels
	checked_at {{int}} NOT NULL, -- Unix seconds
	origin TEXT NOT NULL,        -- who asked: "api", "schedule"
	status TEXT NOT NULL,        -- the check's overall status: "ok", "warning", "error"
	result TEXT NOT NULL         -- JSON, the result as package dnscheck makes it
);
CREATE INDEX dns_checks_domain ON dns_checks (domain, checked_at, id);
`},
	{version: 12, name: "notify", sql: `
-- Notification channels, their outbox and their delivery log (notify.go).
-- A channel's secret settings are sealed (package secretbox) before they
-- come here.
CREATE TABLE notify_channels (
	id {{id}},
	name TEXT NOT NULL,
	kind TEXT NOT NULL,          -- "webhook", "slack", "discord", "teams", "email"
	enabled {{int}} NOT NULL,    -- 0 or 1
	events TEXT NOT NULL,        -- JSON array of the event types it gets, [] for all
	config TEXT NOT NULL,        -- JSON, the settings that are not secret
	secrets TEXT NOT NULL,       -- the sealed JSON of the secret settings, '' when none
	created_at {{int}} NOT NULL, -- Unix seconds
	updated_at {{int}} NOT NULL
);
-- Messages waiting for their delivery or their next attempt.
CREATE TABLE notify_outbox (
	id {{id}},
	channel_id {{int}} NOT NULL REFERENCES notify_channels (id) ON DELETE CASCADE,
	event_id TEXT NOT NULL,
	event_type TEXT NOT NULL,
	message TEXT NOT NULL,        -- JSON, a notice.Message
	attempts {{int}} NOT NULL,    -- made so far
	next_at {{int}} NOT NULL,     -- Unix seconds: the next attempt is due
	lease_until {{int}} NOT NULL, -- Unix seconds: claimed by a worker until then, 0 unclaimed
	created_at {{int}} NOT NULL
);
CREATE INDEX notify_outbox_due ON notify_outbox (next_at, id);
CREATE INDEX notify_outbox_channel ON notify_outbox (channel_id);
-- Every attempt, the newest NotifyDeliveriesKept per channel.
CREATE TABLE notify_deliveries (
	id {{id}},
	channel_id {{int}} NOT NULL REFERENCES notify_channels (id) ON DELETE CASCADE,
	notification_id {{int}} NOT NULL, -- the outbox entry's id, 0 for a send test
	event_id TEXT NOT NULL,
	event_type TEXT NOT NULL,
	attempt {{int}} NOT NULL,         -- from 1
	outcome TEXT NOT NULL,            -- "delivered", "retrying", "failed"
	status_code {{int}} NOT NULL,     -- HTTP status or SMTP reply code, 0 when none
	error TEXT NOT NULL,
	duration_ms {{int}} NOT NULL,
	at {{int}} NOT NULL,              -- Unix seconds
	test {{int}} NOT NULL             -- 1 for a send test
);
CREATE INDEX notify_deliveries_channel ON notify_deliveries (channel_id, id);
`},
	{version: 13, name: "alerts", sql: `
-- The alert engine (alerts.go, package alert): its rules, the alerts they
-- raised with their history, notifications waiting for their channel
-- (quiet hours, the rate limit), the messages sent per channel, and when
-- each domain's first report came.
CREATE TABLE alert_rules (
	id {{id}},
	name TEXT NOT NULL,
	type TEXT NOT NULL,        -- the condition: "compliance_below", "new_source", ...
	domain TEXT NOT NULL,      -- a policy domain, "" for all
	settings TEXT NOT NULL,    -- JSON, the type's thresholds
	channels TEXT NOT NULL,    -- JSON array of notification channel ids
	severity TEXT NOT NULL,    -- "info", "warning", "critical"; "" for the condition's own
	enabled {{bool}} NOT NULL,
	created_at {{int}} NOT NULL,
	updated_at {{int}} NOT NULL
);
-- No foreign key to the rule: the history outlives it.
CREATE TABLE alerts (
	id {{id}},
	rule_id {{int}} NOT NULL,
	rule_name TEXT NOT NULL,
	condition_key TEXT NOT NULL, -- tells a rule's conditions apart: a source IP, a DNS finding
	domain TEXT NOT NULL,
	type TEXT NOT NULL,
	severity TEXT NOT NULL,
	title TEXT NOT NULL,
	summary TEXT NOT NULL,
	facts TEXT NOT NULL,         -- JSON array of {name, value}
	state TEXT NOT NULL,         -- "open", "acknowledged", "resolved"
	opened_at {{int}} NOT NULL,  -- Unix seconds
	last_seen {{int}} NOT NULL,  -- the condition last found to hold
	acked_at {{int}},
	acked_by TEXT NOT NULL,
	resolved_at {{int}},
	resolved_by TEXT NOT NULL,   -- "" when it resolved as its condition cleared
	cleared_at {{int}},          -- the condition cleared; NULL while it holds (active)
	notified {{bool}} NOT NULL   -- queued for its channels
);
-- One active alert per rule and condition: the de-duplication.
CREATE UNIQUE INDEX alerts_active ON alerts (rule_id, condition_key) WHERE cleared_at IS NULL;
CREATE INDEX alerts_state ON alerts (state, id);
CREATE INDEX alerts_domain ON alerts (domain, id);
CREATE TABLE alert_queue (
	channel_id {{int}} NOT NULL,
	alert_id {{int}} NOT NULL,
	queued_at {{int}} NOT NULL,
	PRIMARY KEY (channel_id, alert_id)
){{without_rowid}};
-- Messages sent per channel, for the rate limit; kept a day.
CREATE TABLE alert_sends (
	channel_id {{int}} NOT NULL,
	sent_at {{int}} NOT NULL,
	alerts {{int}} NOT NULL
);
CREATE INDEX alert_sends_channel ON alert_sends (channel_id, sent_at);
-- When each domain's first report was received: "first report from a new
-- domain". The domains stored before are noted now, so none of them is new.
CREATE TABLE alert_domains (
	domain TEXT PRIMARY KEY,
	first_report {{int}} NOT NULL
){{without_rowid}};
INSERT INTO alert_domains (domain, first_report) SELECT domain, MIN(received_at) FROM reports GROUP BY domain;
`},
	{version: 14, name: "report_schedules", sql: `
-- Scheduled reports (schedules.go): what digest goes to whom and when,
-- and every sending of one, the newest ScheduleRunsKept per schedule.
CREATE TABLE report_schedules (
	id {{id}},
	name TEXT NOT NULL,
	kind TEXT NOT NULL,       -- "daily", "weekly", "monthly"
	day {{int}} NOT NULL,     -- weekday 0 (Sunday) to 6, or day of the month 1 to 28; 0 for daily
	at_time TEXT NOT NULL,    -- "HH:MM", local time in time_zone
	time_zone TEXT NOT NULL,  -- IANA name, "UTC"
	domains TEXT NOT NULL,    -- JSON array of policy domains, [] for all
	sections TEXT NOT NULL,   -- JSON array of digest sections, [] for all
	recipients TEXT NOT NULL, -- JSON array of email addresses
	channels TEXT NOT NULL,   -- JSON array of notification channel ids
	pdf {{bool}} NOT NULL,
	enabled {{bool}} NOT NULL,
	last_run {{int}},         -- Unix seconds: the due time of the newest scheduled run claimed; NULL never
	created_at {{int}} NOT NULL,
	updated_at {{int}} NOT NULL
);
CREATE TABLE report_schedule_runs (
	id {{id}},
	schedule_id {{int}} NOT NULL REFERENCES report_schedules (id) ON DELETE CASCADE,
	run_at {{int}} NOT NULL,       -- Unix seconds
	due_at {{int}},                -- the scheduled time it was for; NULL for a run on request
	period_start {{int}} NOT NULL, -- the period reported on, [start, end)
	period_end {{int}} NOT NULL,
	status TEXT NOT NULL,          -- "sent", "failed"
	error TEXT NOT NULL,
	recipients TEXT NOT NULL       -- JSON array: email addresses and "channel:ID"
);
CREATE INDEX report_schedule_runs_schedule ON report_schedule_runs (schedule_id, run_at, id);
`},
	{version: 15, name: "tls_reports", sql: `
CREATE TABLE tls_reports (
	id {{id}},
	org_name TEXT NOT NULL,
	report_id TEXT NOT NULL,
	contact_info TEXT NOT NULL,
	begin_at {{int}} NOT NULL,    -- Unix seconds
	end_at {{int}} NOT NULL,
	received_at {{int}} NOT NULL,
	source_name TEXT NOT NULL,
	report TEXT NOT NULL,         -- the parsed report as JSON (package tlsrpt)
	raw_gzip {{blob}},            -- the JSON as sent, gzipped; NULL when not kept
	successful {{int}} NOT NULL,  -- sessions of all its policies
	failed {{int}} NOT NULL,
	UNIQUE (org_name, report_id)
);
CREATE TABLE tls_policies (
	id {{id}},
	tls_report_id {{int}} NOT NULL REFERENCES tls_reports (id) ON DELETE CASCADE,
	policy_domain TEXT NOT NULL,
	policy_type TEXT NOT NULL,
	begin_at {{int}} NOT NULL,    -- the report's, for ranges
	successful {{int}} NOT NULL,
	failed {{int}} NOT NULL
);
CREATE INDEX tls_policies_domain ON tls_policies (policy_domain, begin_at);
CREATE INDEX tls_policies_report ON tls_policies (tls_report_id);
CREATE TABLE tls_failures (
	policy_id {{int}} NOT NULL REFERENCES tls_policies (id) ON DELETE CASCADE,
	policy_domain TEXT NOT NULL,
	begin_at {{int}} NOT NULL,
	org_name TEXT NOT NULL,
	result_type TEXT NOT NULL,
	receiving_mx_hostname TEXT NOT NULL,
	receiving_ip TEXT NOT NULL,
	sending_mta_ip TEXT NOT NULL,
	reason_code TEXT NOT NULL,
	sessions {{int}} NOT NULL
);
CREATE INDEX tls_failures_domain ON tls_failures (policy_domain, begin_at);
CREATE INDEX tls_failures_policy ON tls_failures (policy_id);
`},
	{version: 16, name: "forensic_reports", sql: `
-- Failure (forensic) reports (forensic.go): the report as package forensic
-- redacted it, never a body or a recipient address, with the columns it
-- is searched by.
CREATE TABLE forensic_reports (
	id {{id}},
	dedupe_key TEXT NOT NULL UNIQUE, -- chosen by ingest: a digest of the report mail's identity
	received_at {{int}} NOT NULL,    -- Unix seconds
	arrival_at {{int}} NOT NULL,     -- Arrival-Date, else the report mail's Date, else received_at
	day {{int}} NOT NULL,            -- arrival_at truncated to the UTC day, as records.day
	domain TEXT NOT NULL,            -- Reported-Domain, lower case
	source_ip TEXT NOT NULL,
	message_id TEXT NOT NULL,        -- of the reported message, without angle brackets
	mail_from TEXT NOT NULL,         -- Original-Mail-From as redacted, lower case
	mail_from_domain TEXT NOT NULL,
	from_domain TEXT NOT NULL,       -- of the reported message's From
	feedback_type TEXT NOT NULL,
	auth_failure TEXT NOT NULL,
	delivery_result TEXT NOT NULL,
	user_agent TEXT NOT NULL,        -- the reporting software
	reporter TEXT NOT NULL,          -- the report mail's From as redacted
	redaction TEXT NOT NULL,         -- the policy applied: off, addresses, full
	status TEXT NOT NULL,            -- "valid" or "warnings"
	messages TEXT,                   -- JSON array of validation messages, NULL when none
	source_name TEXT NOT NULL,
	report TEXT NOT NULL             -- the redacted report as JSON (package forensic)
);
CREATE INDEX forensic_reports_domain ON forensic_reports (domain, day, source_ip);
CREATE INDEX forensic_reports_source_ip ON forensic_reports (source_ip, day);
CREATE INDEX forensic_reports_message_id ON forensic_reports (message_id);
CREATE INDEX forensic_reports_arrival ON forensic_reports (arrival_at);
-- Per-domain retention of failure reports, overriding serve's default.
CREATE TABLE forensic_retention (
	domain TEXT PRIMARY KEY,
	days {{int}} NOT NULL,           -- 0: kept until deleted by hand
	updated_at {{int}} NOT NULL
);
`},
}

// The counter columns both rollup tables had when step 5 created them, and
// the sums that backfilled them from records. They are the step's own
// constants, not derived from counterColumns, so that a later change of the
// counters cannot change what a released step does.
const (
	v5Counters = `	messages {{int}} NOT NULL,
	dmarc_pass {{int}} NOT NULL,
	dkim_pass {{int}} NOT NULL,
	dkim_fail {{int}} NOT NULL,
	spf_pass {{int}} NOT NULL,
	spf_fail {{int}} NOT NULL,
	fully_aligned {{int}} NOT NULL,
	fully_failed {{int}} NOT NULL,
	disposition_none {{int}} NOT NULL, -- DMARCbis "pass" included
	disposition_quarantine {{int}} NOT NULL,
	disposition_reject {{int}} NOT NULL,
`
	v5CounterNames = `messages, dmarc_pass, dkim_pass, dkim_fail, spf_pass, spf_fail,
	fully_aligned, fully_failed, disposition_none, disposition_quarantine, disposition_reject`
	v5CounterSums = `SUM(count),
	SUM(CASE WHEN dkim = 'pass' OR spf = 'pass' THEN count ELSE 0 END),
	SUM(CASE WHEN dkim = 'pass' THEN count ELSE 0 END),
	SUM(CASE WHEN dkim = 'fail' THEN count ELSE 0 END),
	SUM(CASE WHEN spf = 'pass' THEN count ELSE 0 END),
	SUM(CASE WHEN spf = 'fail' THEN count ELSE 0 END),
	SUM(CASE WHEN dkim = 'pass' AND spf = 'pass' THEN count ELSE 0 END),
	SUM(CASE WHEN dkim = 'fail' AND spf = 'fail' THEN count ELSE 0 END),
	SUM(CASE WHEN disposition IN ('none', 'pass') THEN count ELSE 0 END),
	SUM(CASE WHEN disposition = 'quarantine' THEN count ELSE 0 END),
	SUM(CASE WHEN disposition = 'reject' THEN count ELSE 0 END)`
)

// createSchemaMigrations makes the table recording the applied steps. It
// is not a step: migrate needs it before the first one.
const createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at {{int}} NOT NULL
)`

// The type tokens of the schema, expanded for SQLite and for PostgreSQL.
var (
	sqliteTypes = strings.NewReplacer(
		"{{id}}", "INTEGER PRIMARY KEY", // the rowid
		"{{int}}", "INTEGER", // SQLite integers are 64 bits
		"{{real}}", "REAL",
		"{{blob}}", "BLOB",
		"{{bool}}", "INTEGER", // 0 or 1
		"{{without_rowid}}", " WITHOUT ROWID", // tables with a primary key of their own
		// Checked at COMMIT: see insertRecordsSQL. PostgreSQL, writing
		// records by COPY, has no statement journal to spare.
		"{{deferred}}", " DEFERRABLE INITIALLY DEFERRED",
	)
	postgresTypes = strings.NewReplacer(
		"{{id}}", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
		"{{int}}", "BIGINT",
		"{{real}}", "DOUBLE PRECISION",
		"{{blob}}", "BYTEA",
		"{{bool}}", "BOOLEAN",
		"{{without_rowid}}", "",
		"{{deferred}}", "",
	)
)

// schemaSQL is steps with their SQL expanded by types.
func schemaSQL(steps []migration, types *strings.Replacer) []migration {
	out := make([]migration, len(steps))
	for i, m := range steps {
		m.sql = types.Replace(m.sql)
		out[i] = m
	}
	return out
}

var (
	// sqliteMigrations is the schema of the SQLite store.
	sqliteMigrations = schemaSQL(schemaSteps, sqliteTypes)
	// postgresMigrations is the schema of the PostgreSQL store.
	postgresMigrations = schemaSQL(schemaSteps, postgresTypes)
)
