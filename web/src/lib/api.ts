// The dashboard's client of the REST API (/api/v1, documented in
// /api/v1/openapi.json). Every call returns parsed JSON or throws an
// ApiError carrying the API's { error: { code, message } }.

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
  }
}

type Params = Record<string, string | number | undefined>;

/**
 * request makes a call with the query params and a JSON body (none when
 * body is undefined) and decodes the answer (204 is {}).
 */
async function request<T>(method: string, path: string, { params, body, signal }: { params?: Params; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url(path, params), { method, signal, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return decode<T>(res);
}

const get = <T>(path: string, params?: Params, signal?: AbortSignal) => request<T>('GET', path, { params, signal });
const send = <T>(method: string, path: string, body?: unknown, signal?: AbortSignal) => request<T>(method, path, { body, signal });

async function decode<T>(res: Response): Promise<T> {
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    throw new ApiError(res.status, 'bad_response', `the server answered ${res.status} with a body that is not JSON`);
  }
  if (!res.ok) {
    const e = (body as { error?: { code?: string; message?: string } }).error;
    throw new ApiError(res.status, e?.code ?? 'http_' + res.status, e?.message ?? res.statusText);
  }
  return body as T;
}

/** url builds an API URL, leaving out empty parameters. */
export function url(path: string, params?: Params): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) {
    if (v !== undefined && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return '/api/v1' + path + (s ? '?' + s : '');
}

export interface Statistics {
  total_messages: number;
  dmarc_pass: number;
  dkim_pass: number;
  dkim_fail: number;
  spf_pass: number;
  spf_fail: number;
  fully_aligned: number;
  fully_failed: number;
  disposition_none: number;
  disposition_quarantine: number;
  disposition_reject: number;
  unique_sources: number;
  pass_rate_dkim: number;
  pass_rate_spf: number;
  pass_rate_overall: number;
}

export interface TimelinePoint extends Statistics {
  start: string; // YYYY-MM-DD
}

export interface Source extends Statistics {
  source_ip: string;
  first_seen: string;
  last_seen: string;
  // Present when the server has IP data (roadmap 1.6).
  asn?: number;
  org?: string;
  country?: string;
  hostname?: string;
  classification?: Classification;
}

export type Confidence = 'high' | 'medium' | 'low';

/**
 * The protocol's source classification, judged from the source's history
 * for one domain (analysis.HistoryClassification).
 */
export interface Classification {
  classification: 'legitimate' | 'forwarding' | 'suspicious' | 'unknown';
  confidence: Confidence;
  /** Sentences, then the raw authentication results ("DKIM pass for …"). */
  evidence: string[];
  /** The sending service the source was identified as; absent when none. */
  service?: ServiceRef;
  /** A known service failing alignment for the domain: set up wrong, not spoofing. */
  misconfigured?: boolean;
  /** What to do about a misconfigured source. */
  fix?: string;
  /** Whether the domain's SPF record authorizes the IP; absent when unknown. */
  spf_authorized?: boolean;
  /** The totals it was judged from: the source's whole history for the domain. */
  history: {
    messages: number;
    /** 0-100. */
    pass_rate: number;
    first_seen?: string;
    last_seen?: string;
    active_days: number;
    records: number;
    /** Only the newest records were read. */
    partial?: boolean;
  };
}

export type ServiceKind =
  | 'mailbox-provider'
  | 'esp'
  | 'marketing'
  | 'crm'
  | 'helpdesk'
  | 'security-gateway'
  | 'forwarder'
  | 'mailing-list';

/** A sending service of the senders catalogue, and how the source matched it. */
export interface ServiceRef {
  id: string;
  name: string;
  kind: ServiceKind;
  /** Of the identification. */
  confidence: Confidence;
  matched_by: ('reverse_dns' | 'asn' | 'spf_domain' | 'dkim_domain')[];
  /** The service's SPF/DKIM/DMARC setup documentation. */
  docs?: string;
}

export type Verdict = 'clean' | 'limited_data' | 'suspicious' | 'bad';

/** A reputation verdict: score 0 (certainly bad) to 100 (fully trusted). */
export interface ReputationAssessment {
  verdict: Verdict;
  color: 'green' | 'yellow' | 'red';
  score: number;
  reasons: string[];
}

/** One external provider's answer (reputation.Result). */
export interface ReputationProvider extends Partial<ReputationAssessment> {
  status: 'ok' | 'not_found' | 'not_configured' | 'not_public' | 'rate_limited' | 'error';
  message?: string;
  fetched_at?: string;
  cached?: boolean;
  /** rate_limited: when a lookup may go out again. */
  retry_at?: string;
  // AbuseIPDB's data.
  abuse_confidence_score?: number;
  total_reports?: number;
  distinct_users?: number;
  last_reported_at?: string;
  usage_type?: string;
  isp?: string;
  is_whitelisted?: boolean;
  is_tor?: boolean;
  // VirusTotal's data.
  malicious?: number;
  suspicious?: number;
  harmless?: number;
  undetected?: number;
  /** Community score, below 0 when judged harmful. */
  reputation?: number;
  last_analysis?: string;
}

/** GET /sources/{ip} reputation (roadmap 2.6): the combined verdict and its parts. */
export interface Reputation extends ReputationAssessment {
  ip: string;
  internal: ReputationAssessment & {
    messages: number;
    dmarc_pass: number;
    fully_failed: number;
    disposition_quarantine: number;
    disposition_reject: number;
    first_seen?: string;
    last_seen?: string;
    days_active: number;
    domain_count: number;
    domains: string[];
    partial: boolean;
  };
  abuseipdb: ReputationProvider;
  virustotal: ReputationProvider;
}

/** What the server knows of an IP from offline data (roadmap 1.6). */
export interface IPInfo {
  asn?: number;
  org?: string;
  country?: string;
  hostname?: string;
}

export interface SourceDetail {
  source: Source;
  /** Why org/country are missing, when the server has no IP data. */
  ip_data?: { available: boolean; reason?: string; attribution?: string };
  domains: { domain: string; classification: Classification; statistics: Statistics }[];
  reporters: Reporter[];
  timeline: TimelinePoint[];
  records: {
    report: number;
    org_name: string;
    domain: string;
    begin: string;
    count: number;
    disposition: string;
    dkim: string;
    spf: string;
    header_from: string;
    envelope_from?: string;
    auth: string;
  }[];
  /** Only the source's newest 2,000 records in the filter were read. */
  partial: boolean;
  /** Null when the server judges no reputation. */
  reputation: Reputation | null;
}

export interface Domain {
  domain: string;
  reports: number;
  messages: number;
  dmarc_pass: number;
  pass_rate: number;
  last_report: string;
}

export interface Reporter {
  org_name: string;
  reports: number;
  messages: number;
}

export interface ValidationMessage {
  error_type: string;
  field?: string;
  expected?: string;
  actual?: string;
  severity: 'error' | 'warning' | 'info';
  action?: string;
  occurrences?: number;
  record_index?: number;
}

export interface Report {
  id: number;
  metadata: {
    reporter: { org_name: string; email: string; extra_contact_info?: string };
    report_id: string;
    date_range: { begin: string; end: string; duration_hours: number };
    errors?: string[];
    generator?: string;
  };
  policy_published: {
    domain: string;
    adkim: string;
    aspf: string;
    policy: string;
    subdomain_policy: string;
    percentage: number;
    nonexistent_subdomain_policy?: string;
    testing?: string;
    discovery_method?: string;
  };
  source: string;
  sha256: string;
  received_at: string;
  validation_status: 'valid' | 'warnings' | 'errors';
  validation_messages?: ValidationMessage[];
  record_count: number;
  message_count: number;
  dmarc_pass: number;
  dkim_pass: number;
  spf_pass: number;
  pass_rate: number;
}

export interface AuthResult {
  domain: string;
  selector?: string;
  result: string;
  scope?: string;
  human_result?: string;
}

export interface ReportRecord {
  source_ip: string;
  count: number;
  policy_evaluated: {
    disposition: string;
    dkim: string;
    spf: string;
    reasons?: { type: string; comment?: string }[];
  };
  identifiers: { header_from: string; envelope_from?: string; envelope_to?: string };
  auth_results: { dkim: AuthResult[] | null; spf: AuthResult[] | null };
}

export interface ReportFilter {
  domain?: string;
  org?: string;
  status?: string;
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
}

export interface UploadResult {
  name: string;
  /** ignored: a mail that holds no report of any kind (a reply, a bounce, list noise): nothing stored, nothing wrong. */
  outcome: 'imported' | 'duplicate' | 'quarantined' | 'ignored';
  /** What was imported: report_id is a TLS report's (tlsApi) for smtp_tls, a failure report's (forensicApi) for forensic. */
  format?: 'aggregate' | 'smtp_tls' | 'forensic';
  report_id?: number;
  quarantine_id?: number;
  records?: number;
  validation_status?: string;
  reason?: string;
}

export interface UploadFile {
  file: string;
  results: UploadResult[];
  error?: { code: string; message: string };
}

export interface Range {
  domain?: string;
  since?: string;
  until?: string;
}

export interface ScoreFactor {
  name: string;
  rate: number;
  weight: number;
  points: number;
  hint: string;
}

export interface Score {
  score: number;
  grade: string;
  zone: 'green' | 'yellow' | 'red' | 'grey';
  confidence: 'high' | 'low';
  confidence_reason?: string;
  factors: ScoreFactor[];
  policy: string;
  /** The policy scored: one level weaker when pct < 100 or t=y. */
  effective_policy?: string;
  multiplier: number;
}

export interface DomainScore {
  domain: string;
  messages: number;
  pass_rate: number;
  last_report: string;
  score: Score;
  trend: { direction: 'improving' | 'declining' | 'stable' | 'unknown'; delta: number };
  history: { day: string; score: number }[];
  /** The sources with the most failing messages, at most 3. */
  failing: Source[];
}

export interface CountryStat {
  /** ISO 3166-1 alpha-2. */
  country: string;
  messages: number;
  dmarc_pass: number;
  sources: number;
}

/** GET /stats/countries (roadmap 2.3): messages by the country of their source IP. */
export interface CountryStats {
  countries: CountryStat[];
  /** Messages whose source IP has no country in the server's IP data. */
  unknown: { messages: number; sources: number };
  ip_data: { available: boolean; reason?: string; attribution?: string };
  /** Set when the server listed only the busiest countries. */
  truncated?: boolean;
}

export const api = {
  scores: (r: Range, signal?: AbortSignal) => get<{ domains: DomainScore[] }>('/scores', { ...r }, signal),
  reports: (f: ReportFilter, signal?: AbortSignal) =>
    get<{ reports: Report[]; next_cursor?: string }>('/reports', { ...f }, signal),
  report: (id: number | string, signal?: AbortSignal) =>
    get<{ report: Report; records: ReportRecord[] }>(`/reports/${id}`, undefined, signal),
  summary: (r: Range, signal?: AbortSignal) => get<{ statistics: Statistics }>('/stats/summary', { ...r }, signal),
  timeline: (r: Range & { bucket?: 'day' | 'week' }, signal?: AbortSignal) =>
    get<{ bucket: string; points: TimelinePoint[] }>('/stats/timeline', { ...r }, signal),
  sources: (r: Range & { limit?: number; classify?: number }, signal?: AbortSignal) =>
    get<{ sources: Source[]; ip_data?: SourceDetail['ip_data'] }>('/stats/sources', { ...r }, signal),
  source: (ip: string, r: Range, signal?: AbortSignal) =>
    get<SourceDetail>(`/sources/${encodeURIComponent(ip)}`, { ...r }, signal),
  domains: (signal?: AbortSignal) => get<{ domains: Domain[] }>('/domains', undefined, signal),
  reporters: (r: Range, signal?: AbortSignal) => get<{ reporters: Reporter[] }>('/reporters', { ...r }, signal),
  countries: (r: Range, signal?: AbortSignal) => get<CountryStats>('/stats/countries', { ...r }, signal),
};

/**
 * upload sends one file to POST /api/v1/reports, reporting progress
 * (0..1) while the bytes go out. XMLHttpRequest, because fetch has no
 * upload progress.
 */
export function upload(file: File, onProgress: (p: number) => void): Promise<UploadFile> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/reports');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiError(0, 'network', 'the upload did not reach the server'));
    xhr.onload = () => {
      let body: any;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        reject(new ApiError(xhr.status, 'bad_response', `the server answered ${xhr.status}`));
        return;
      }
      if (xhr.status >= 400) {
        reject(new ApiError(xhr.status, body?.error?.code ?? 'http_' + xhr.status, body?.error?.message ?? xhr.statusText));
        return;
      }
      resolve(body.files[0]);
    };
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

/** The connection test of the onboarding wizard (POST /api/v1/imap/test). */
export interface ImapTestRequest {
  addr: string; // host:port
  tls: 'tls' | 'starttls' | 'plain';
  username: string;
  password: string;
  mailbox: string;
}

export interface ImapTestStep {
  step: 'connect' | 'tls' | 'login' | 'select';
  ok: boolean;
  message: string;
}

export interface ImapTestResult {
  ok: boolean;
  steps: ImapTestStep[];
  /** Messages in the mailbox, when it could be opened. */
  messages: number;
}

/**
 * imapTest asks the server to connect to a mailbox, log in and open it,
 * step by step. The password is sent once and kept by neither side. A 404
 * ApiError means the server cannot test connections.
 */
export function imapTest(req: ImapTestRequest, signal?: AbortSignal): Promise<ImapTestResult> {
  return send<ImapTestResult>('POST', '/imap/test', req, signal);
}

/** Whether a domain's public compliance badge is enabled (roadmap 1.7). */
export interface BadgeSetting {
  domain: string;
  enabled: boolean;
  /** The badge's path, /badge/DOMAIN.svg. */
  url: string;
  /** Markdown embedding the badge by the absolute URL the server sees. */
  markdown: string;
}

/** badgeSetting reads GET /api/v1/domains/{domain}/badge (404 for a domain without reports). */
export function badgeSetting(domain: string, signal?: AbortSignal): Promise<BadgeSetting> {
  return get<BadgeSetting>(`/domains/${encodeURIComponent(domain)}/badge`, undefined, signal);
}

/** setBadge enables or disables a domain's public badge (PUT). */
export function setBadge(domain: string, enabled: boolean, signal?: AbortSignal): Promise<BadgeSetting> {
  return send<BadgeSetting>('PUT', `/domains/${encodeURIComponent(domain)}/badge`, { enabled }, signal);
}

/** DNS record checks (GET /api/v1/dns...), as package dnscheck and dnswatch make them. */
export type DnsStatus = 'ok' | 'warning' | 'error' | 'missing' | 'info';
export type DnsKind = 'dmarc' | 'spf' | 'dkim' | 'mta-sts' | 'tls-rpt' | 'bimi';

export interface DnsFinding {
  severity: 'error' | 'warning' | 'info';
  /** Stable identifier, e.g. spf.too_many_lookups. */
  code: string;
  message: string;
  /** What to do, often with the corrected record; absent when nothing is to be done. */
  fix?: string;
}

/** The check of one kind of record at one name (each kind adds fields of its own). */
export interface DnsRecordCheck {
  kind: DnsKind;
  name: string;
  status: DnsStatus;
  records: string[];
  summary?: string;
  findings: DnsFinding[];
  /** DKIM only. */
  selector?: string;
}

export interface DnsResult {
  domain: string;
  status: 'ok' | 'warning' | 'error';
  dmarc: DnsRecordCheck;
  spf: DnsRecordCheck;
  dkim: DnsRecordCheck[];
  mta_sts: DnsRecordCheck;
  tls_rpt: DnsRecordCheck;
  bimi: DnsRecordCheck;
  queries: number;
}

export interface DnsChange {
  kind: DnsKind;
  name: string;
  type: 'record' | 'status' | 'finding_added' | 'finding_removed' | 'check_added' | 'check_removed';
  records_before?: string[];
  records_after?: string[];
  status_before?: DnsStatus;
  status_after?: DnsStatus;
  finding?: DnsFinding;
}

export interface DnsCheck {
  id: number;
  domain: string;
  checked_at: string;
  origin: 'api' | 'schedule';
  status: 'ok' | 'warning' | 'error';
  records: { kind: DnsKind; name: string; status: DnsStatus }[];
  /** When the check the changes compare with was made; null for the first. */
  previous_at: string | null;
  changes: DnsChange[];
  /** In the answer of a check and of the latest checks; not in the history. */
  result?: DnsResult;
}

export interface DnsHistory {
  domain: string;
  /** DKIM selectors the domain's reports saw signing its mail, the most messages first. */
  selectors_seen: { selector: string; messages: number }[];
  checks: DnsCheck[];
}

export const dnsApi = {
  /** The newest stored check of every domain, with its result. */
  latest: (signal?: AbortSignal) => get<{ checks: DnsCheck[] }>('/dns', undefined, signal),
  /** Checks a domain now; any lets a domain without reports be checked. */
  check: (domain: string, selectors: string[], any: boolean, signal?: AbortSignal) =>
    get<DnsCheck>(`/dns/${encodeURIComponent(domain)}`, { selector: selectors.join(','), any: any ? '1' : undefined }, signal),
  history: (domain: string, limit: number, signal?: AbortSignal) =>
    get<DnsHistory>(`/dns/${encodeURIComponent(domain)}/history`, { limit }, signal),
};

/** Remediation (roadmap 2.5, package remedy): "Fix this" for a source, and the policy advisor. */
export type FixCategory =
  | 'legitimate_misconfiguration'
  | 'third_party_setup'
  | 'potential_spoofing'
  | 'dns_configuration'
  | 'forwarding'
  | 'nothing_to_fix';

/** How DKIM or SPF did for DMARC: pass (aligned), not_aligned, fail or none. */
export type MechanismResult = 'pass' | 'not_aligned' | 'fail' | 'none';

export interface FixMechanism {
  result: MechanismResult;
  /** The raw results behind it (at most 3 distinct). */
  results?: { domain: string; selector?: string; result: string }[];
  /** Not aligned only because the published mode is strict. */
  relaxed_would_align?: boolean;
}

/** One pattern of failure of a source's mail. */
export interface FixFailure {
  type: 'both' | 'spf_not_aligned' | 'spf_fail' | 'dkim_not_aligned' | 'dkim_fail';
  /** In a few words: "DKIM and SPF not aligned". */
  title: string;
  dkim: FixMechanism;
  spf: FixMechanism;
  header_from: string;
  adkim: string;
  aspf: string;
  messages: number;
  records: number;
}

/** A DNS change to make, or a record to make sure of. */
export interface FixRecord {
  name: string;
  type: string;
  /** Empty when the service generates it (the note says where to find it). */
  value: string;
  /** What is published now, when it is replaced. */
  current?: string;
  action: 'add' | 'replace' | 'keep' | 'fix';
  /** What DNS holds at the name now. */
  status: 'missing' | 'present' | 'invalid' | 'unknown';
  note?: string;
}

export interface FixStep {
  title: string;
  detail?: string;
  records?: FixRecord[];
}

/** The change of the domain's SPF record a fix proposes, checked against the lookup limit. */
export interface SpfChange {
  domain: string;
  /** The mechanism to add: "include:sendgrid.net", "ip4:…". */
  term: string;
  current?: string;
  proposed?: string;
  already?: boolean;
  pass_all_replaced?: string;
  checked: boolean;
  current_lookups: number;
  lookups: number;
  lookup_limit: number;
  exceeds_limit?: boolean;
  findings?: DnsFinding[];
  alternatives?: string[];
  note?: string;
}

/** GET /sources/{ip}/fix?domain=: why one source's mail fails for one domain, and how to fix it. */
export interface Fix {
  source_ip: string;
  domain: string;
  host: { hostname?: string; asn?: number; as_org?: string };
  classification: Classification;
  service?: {
    id: string;
    name: string;
    kind: ServiceKind;
    confidence: Confidence;
    spf_include?: string;
    dkim: { custom: boolean; method?: string; selectors?: string[]; note?: string };
    docs?: string;
  };
  messages: number;
  failing: number;
  passing_on_one_mechanism: number;
  failures: FixFailure[];
  category: FixCategory;
  category_title: string;
  summary: string;
  explanation: string[] | null;
  steps: FixStep[];
  records: FixRecord[];
  spf_change?: SpfChange;
  docs?: string;
  verification: { command?: string; steps: string[] };
  /** For potential spoofing: whether the domain can enforce its policy yet. */
  policy?: { verdict: AdviceVerdict; current: string; next?: string; reasons: string[] };
  dns: { checked: boolean; error?: string };
  /** Only the source's newest records were read. */
  partial?: boolean;
}

export type AdviceVerdict = 'ready' | 'ready_with_caution' | 'not_yet' | 'complete';

/** A DMARC policy: p, sp, np, pct, the alignment modes and t. */
export interface PolicyState {
  p: string;
  sp: string;
  np?: string;
  pct: number;
  adkim: string;
  aspf: string;
  t?: string;
}

export interface AdviceSource {
  source_ip: string;
  messages: number;
  failing: number;
  classification: Classification['classification'];
  confidence: Confidence;
  service?: string;
  misconfigured?: boolean;
  /** What the source needs, in short; its fix says it in full. */
  fix?: string;
}

/** The mail of a kind of source. */
export interface AdviceGroup {
  messages: number;
  failing: number;
  /** Failing as a percentage of all mail. */
  share_of_all: number;
  overridden?: number;
  source_count: number;
  /** The failing sources, the most failing first. */
  sources: AdviceSource[];
  note?: string;
}

/** GET /domains/{domain}/advice?days=: whether the domain can tighten its DMARC policy. */
export interface Advice {
  domain: string;
  days: number;
  since: string;
  /** The day after the period's last. */
  until: string;
  verdict: AdviceVerdict;
  reasons: string[];
  /** The legitimate sources whose failures keep the verdict from ready. */
  blocking: AdviceSource[];
  current: {
    reports?: PolicyState;
    report_date?: string;
    dns?: PolicyState;
    record?: string;
    record_name?: string;
    inherited?: boolean;
    effective: PolicyState;
  };
  /** The step to take; absent when the verdict is complete. */
  next?: PolicyState & { step: string; name: string; record: string; notes?: string[] };
  totals: { messages: number; passing: number; failing: number; pass_rate: number };
  legitimate_failing_share: number;
  legitimate: AdviceGroup;
  forwarding: AdviceGroup;
  spoofing: AdviceGroup;
  unclassified: AdviceGroup;
  other: AdviceGroup;
  subdomain_failing: number;
  data: {
    days: number;
    min_days: number;
    messages: number;
    min_messages: number;
    reporters: number;
    min_reporters: number;
    sufficient: boolean;
  };
  thresholds: { target?: string; max_legitimate_failing: number; noise_legitimate_failing: number; max_forwarding_failing: number };
  dns: { checked: boolean; error?: string };
}

export const remedyApi = {
  /** The fix of a source's mail for domain (empty: the domain with most of its mail). */
  fix: (ip: string, domain: string, signal?: AbortSignal) => get<Fix>(`/sources/${encodeURIComponent(ip)}/fix`, { domain }, signal),
  /** The policy advisor's answer for domain over the last days (default 30). */
  advice: (domain: string, days: number | undefined, signal?: AbortSignal) =>
    get<Advice>(`/domains/${encodeURIComponent(domain)}/advice`, { days }, signal),
};

/** Trends and anomalies (GET /api/v1/trends, /api/v1/anomalies; packages trend and anomaly). */
export type AnomalyKind =
  | 'volume_spike'
  | 'new_unauthorized'
  | 'pass_rate_drop'
  | 'geographic_shift'
  | 'volume_drop'
  | 'failing_volume'
  | 'new_sources'
  | 'new_source'
  | 'source_auth_drop';

/** Who marked an anomaly expected, when and why. */
export interface ExpectedAnomaly {
  domain: string;
  kind: AnomalyKind;
  key: string;
  by: string;
  at: string;
  note: string;
}

/** One finding of the anomaly detector. */
export interface Anomaly {
  /** Stable: the same domain, kind and key have the same id in every run. */
  id: string;
  kind: AnomalyKind;
  /** A day (YYYY-MM-DD), a source IP or a country code, by kind. */
  key: string;
  /** The first and last day it was flagged, and on how many. */
  day: string;
  last_day: string;
  days: number;
  /** 0-100; 50 alerts. */
  score: number;
  confidence: Confidence;
  severity: 'high' | 'medium' | 'low';
  alert: boolean;
  expected: boolean;
  episode_start: string;
  /** Judged on a day whose reports may still arrive. */
  provisional: boolean;
  /** The protocol threshold it crossed, if any. */
  rule?: string;
  explanation: string;
  evidence: string[];
  value: number;
  baseline: number;
  deviation: number;
  affected_messages: number;
  feedback?: ExpectedAnomaly;
}

/** The baselines of one class of days. */
export interface UsualDays {
  days: number;
  volume: number;
  pass_rate: number;
  failing: number;
  new_sources: number;
}

export interface AnomalyList {
  domain: string;
  since: string;
  until: string;
  as_of: string;
  /** Nothing is reported before this day (the domain's first 14 days). */
  learning_until: string;
  learning: boolean;
  provisional_days: string[];
  /** Rules that did not run, and why. */
  skipped: string[];
  usual_weekdays: UsualDays;
  usual_weekend: UsualDays;
  /** Newest day first, then by score. */
  anomalies: Anomaly[];
  expected: ExpectedAnomaly[];
}

export type TrendDirection = 'improving' | 'declining' | 'stable' | 'unknown';

export interface TrendPeriod {
  start: string;
  /** Exclusive. */
  end: string;
  reports_analyzed: number;
}

/** The protocol's trend object of one domain. */
export interface TrendReport {
  domain: string;
  period: TrendPeriod;
  previous_period: TrendPeriod;
  trends: {
    total_volume: { current: number; previous: number; change_percent: number | null };
    /** Percent; change in points. */
    pass_rate: { current: number; previous: number; change_points: number; direction: TrendDirection };
    new_sources: { ip: string; first_seen: string; classification: string; volume: number; pass_rate: number }[];
    disappeared_sources: { ip: string; last_seen: string; was_classified: string; volume: number }[];
    anomalies: {
      type: AnomalyKind;
      severity: string;
      description: string;
      affected_records: number;
      id: string;
      key: string;
      day: string;
      score: number;
      alert: boolean;
      expected: boolean;
    }[];
    new_sources_total: number;
    disappeared_sources_total: number;
    sources_partial?: boolean;
  };
  detection: { learning_until: string; learning: boolean; provisional_days: string[]; skipped: string[] };
}

/** The answer of marking an anomaly expected or undoing it. */
export interface AnomalyFeedback {
  id: string;
  expected: boolean;
  feedback?: ExpectedAnomaly;
}

export const trendApi = {
  /** The trend of one domain over r against the period of the same length before. */
  trend: (domain: string, r: Range, signal?: AbortSignal) => get<TrendReport>('/trends', { ...r, domain }, signal),
  /** The anomalies of one domain; minScore leaves out those scoring less. */
  anomalies: (domain: string, r: Range, minScore?: number, signal?: AbortSignal) =>
    get<AnomalyList>('/anomalies', { ...r, domain, min_score: minScore }, signal),
  /** Marks an anomaly expected (again: replaces the note); it no longer alerts. */
  markExpected: (a: { domain: string; kind: AnomalyKind; key: string; note: string }, signal?: AbortSignal) =>
    send<AnomalyFeedback>('POST', '/anomalies/expected', a, signal),
  /** Undoes markExpected: the anomaly alerts again (404 when it was not marked). */
  unmarkExpected: (a: { domain: string; kind: AnomalyKind; key: string }, signal?: AbortSignal) =>
    request<AnomalyFeedback>('DELETE', '/anomalies/expected', { params: a, signal }),
};

/** SMTP TLS reports (RFC 8460): what senders saw of the TLS sessions with a domain's MX hosts. */

/** What a result type means and what to fix (tlsrpt.Explain). */
export interface TLSExplanation {
  title: string;
  meaning: string;
  fix: string;
  /** A failure of the policy (MTA-STS fetch or validation, DANE records) rather than of a session. */
  policy: boolean;
}

/** A policy domain with SMTP TLS reports. */
export interface TLSDomain {
  domain: string;
  reports: number;
  successful_sessions: number;
  failed_sessions: number;
  /** 0-100, 2 decimals; 100 when there were no sessions. */
  success_rate: number;
  last_seen: string;
}

/** A stored SMTP TLS report in a list. */
export interface TLSReport {
  id: number;
  org_name: string;
  report_id: string;
  date_begin: string;
  date_end: string;
  received_at: string;
  source_name: string;
  domains: string[];
  successful_sessions: number;
  failed_sessions: number;
  validation_status: 'valid' | 'warnings' | 'errors';
}

/** A day of sessions, by the reports' begin day. */
export interface TLSDay {
  day: string; // YYYY-MM-DD
  successful_sessions: number;
  failed_sessions: number;
  success_rate: number;
  reports: number;
}

/** The failed sessions of a result type at an MX host of a domain. */
export interface TLSFailureTotal {
  domain: string;
  result_type: string;
  /** Empty when the reporters named no host (policy fetch errors). */
  receiving_mx_hostname: string;
  reason_codes: string[];
  sessions: number;
  reporters: number;
  first_seen: string;
  last_seen: string;
  explanation: TLSExplanation;
}

export interface TLSSummary {
  totals: { successful_sessions: number; failed_sessions: number; success_rate: number; reports: number };
  days: TLSDay[];
  /** The most sessions first, at most 100. */
  failures: TLSFailureTotal[];
}

/** A failure detail of a report, explained. */
export interface TLSFailure {
  result_type: string;
  sending_mta_ip?: string;
  receiving_mx_hostname?: string;
  receiving_mx_helo?: string;
  receiving_ip?: string;
  failed_session_count: number;
  additional_information?: string;
  failure_reason_code?: string;
  explanation: TLSExplanation;
}

/** A policy of a report and the sessions under it. */
export interface TLSPolicy {
  policy_type: 'sts' | 'tlsa' | 'no-policy-found' | string;
  /** The MTA-STS policy's lines or the TLSA records, as the reporter saw them. */
  policy_string?: string[];
  policy_domain: string;
  mx_host?: string[];
  total_successful_session_count: number;
  total_failure_session_count: number;
  success_rate: number;
  failure_details: TLSFailure[];
}

export interface TLSMessage {
  severity: 'error' | 'warning';
  field: string;
  message: string;
}

export interface TLSReportDetail {
  report: TLSReport;
  contact_info: string;
  policies: TLSPolicy[];
  messages: TLSMessage[];
}

export const tlsApi = {
  domains: (signal?: AbortSignal) => get<{ domains: TLSDomain[] }>('/tls/domains', undefined, signal),
  summary: (r: Range, signal?: AbortSignal) => get<TLSSummary>('/tls/summary', { ...r }, signal),
  /** A page of reports, the last stored first; next_before is the next page's cursor, 0 on the last. */
  reports: (r: Range & { limit?: number; before?: number }, signal?: AbortSignal) =>
    get<{ reports: TLSReport[]; next_before: number }>('/tls/reports', { ...r, before: r.before || undefined }, signal),
  report: (id: number | string, signal?: AbortSignal) => get<TLSReportDetail>(`/tls/reports/${id}`, undefined, signal),
  /** The original JSON, for a download link. */
  rawUrl: (id: number | string) => url(`/tls/reports/${id}/raw`),
};

/** Alerts (roadmap 2.1, package alert): the alert history, acknowledging and resolving, and the rules that raise alerts. */
export type Severity = 'info' | 'warning' | 'critical';
export type AlertState = 'open' | 'acknowledged' | 'resolved';
export type RuleType =
  | 'compliance_below'
  | 'new_source'
  | 'volume_change'
  | 'failure_rate_increase'
  | 'new_domain'
  | 'anomaly'
  | 'dns_regression'
  | 'tls_success_below'
  | 'tls_new_failure';

export interface AlertFact {
  name: string;
  value: string;
}

export interface Alert {
  id: number;
  rule_id: number;
  /** The rule's name when the alert opened. */
  rule: string;
  /** What the condition is about: "compliance", "source:192.0.2.7", "anomaly:volume_spike:2026-11-20"… */
  key: string;
  domain: string;
  type: RuleType | string;
  severity: Severity;
  title: string;
  summary: string;
  facts: AlertFact[];
  state: AlertState;
  /** Its condition has not cleared (an alert resolved by hand stays active, and silent, until it does). */
  active: boolean;
  opened_at: string;
  last_seen: string;
  acknowledged_at?: string;
  acknowledged_by?: string;
  resolved_at?: string;
  /** Absent when it resolved as its condition cleared. */
  resolved_by?: string;
  cleared_at?: string;
  /** Queued for its channels (quiet hours and the rate limit may hold it). */
  notified: boolean;
}

export interface AlertPage {
  alerts: Alert[];
  /** The cursor of the next page; absent on the last. */
  next_cursor?: string;
}

export interface AlertFilter {
  state?: AlertState;
  domain?: string;
  rule?: number;
  limit?: number;
  cursor?: string;
}

/** An alert rule; settings are those of its type with every default filled in. */
export interface AlertRule {
  id?: number;
  name: string;
  type: RuleType;
  /** "" watches every domain. */
  domain: string;
  settings: Record<string, unknown>;
  /** Channel ids; empty: every enabled channel subscribed to alert.triggered. */
  channels: number[];
  /** "" or absent: the condition's own. */
  severity?: Severity | '';
  enabled: boolean;
  created?: string;
  updated?: string;
}

export type AlertRuleInput = Partial<Pick<AlertRule, 'name' | 'type' | 'domain' | 'settings' | 'channels' | 'severity' | 'enabled'>>;

/** Notification channels (roadmap 2.1, 2.8; package notify) and the webhook event catalogue (package webhook). */
export type ChannelKind = 'webhook' | 'slack' | 'discord' | 'teams' | 'email';
export type EventType = 'report.received' | 'compliance.changed' | 'source.new' | 'alert.triggered';

/** A daily span of local time in which alerts wait; end before start crosses midnight. */
export interface QuietHours {
  start: string;
  end: string;
  /** IANA time zone; empty: UTC. */
  tz?: string;
}

/** A channel as the API shows it: secrets are write-only, told as whether they are set. */
export interface Channel {
  id: number;
  name: string;
  kind: ChannelKind;
  enabled: boolean;
  /** Empty: every event type. */
  events: EventType[];
  url_set: boolean;
  /** The URL's scheme and host, "/…" when it has more. */
  url_hint?: string;
  header_names: string[];
  secret_set: boolean;
  email?: { host: string; port: number; tls: 'starttls' | 'tls' | 'none'; username: string; password_set: boolean; from: string; to: string[] };
  max_per_hour: number;
  quiet_hours: QuietHours | null;
  /** Why the channel cannot send, such as secrets sealed by another key. */
  problem?: string;
  created: string;
  updated: string;
}

/** The body of creating or changing a channel: in a change, what is left out stays; a header given as null keeps its value. */
export interface ChannelInput {
  name?: string;
  kind?: ChannelKind;
  enabled?: boolean;
  events?: EventType[];
  url?: string;
  headers?: Record<string, string | null>;
  secret?: string;
  email?: { host: string; port?: number; tls?: string; username?: string; password?: string; from: string; to: string[] };
  max_per_hour?: number;
  quiet_hours?: QuietHours | null;
}

/** An attempt to deliver a message, as the delivery log keeps it. */
export interface Delivery {
  id: number;
  channel_id: number;
  event_id: string;
  event: string;
  attempt: number;
  status: 'delivered' | 'retrying' | 'failed';
  /** HTTP status or SMTP reply code; absent when there was no answer. */
  status_code?: number;
  error?: string;
  duration_ms: number;
  at: string;
  /** A send test. */
  test?: boolean;
}

/** What a generic webhook receives. */
export interface WebhookEvent {
  id: string;
  event: string;
  timestamp: string;
  data: Record<string, unknown>;
}

export interface WebhookCatalogue {
  events: { event: EventType; description: string; example: WebhookEvent }[];
  /** Header name → what it carries. */
  headers: Record<string, string>;
  channel_kinds: ChannelKind[];
}

export const alertsApi = {
  /** A page of alerts, the newest first. */
  list: (f: AlertFilter, signal?: AbortSignal) => get<AlertPage>('/alerts', { ...f }, signal),
  get: (id: number, signal?: AbortSignal) => get<Alert>(`/alerts/${id}`, undefined, signal),
  /** Someone is on it; 409 when it is resolved. */
  ack: (id: number) => send<Alert>('POST', `/alerts/${id}/ack`),
  resolve: (id: number) => send<Alert>('POST', `/alerts/${id}/resolve`),
  /** Rules worth having (not stored) and the rule types. */
  presets: (signal?: AbortSignal) => get<{ presets: AlertRule[]; types: RuleType[] }>('/alerts/presets', undefined, signal),
  rules: (signal?: AbortSignal) => get<{ rules: AlertRule[] }>('/alerts/rules', undefined, signal),
  rule: (id: number, signal?: AbortSignal) => get<AlertRule>(`/alerts/rules/${id}`, undefined, signal),
  createRule: (r: AlertRuleInput) => send<AlertRule>('POST', '/alerts/rules', r),
  updateRule: (id: number, r: AlertRuleInput) => send<AlertRule>('PUT', `/alerts/rules/${id}`, r),
  deleteRule: (id: number) => send<object>('DELETE', `/alerts/rules/${id}`),
};

export const channelsApi = {
  list: (signal?: AbortSignal) => get<{ channels: Channel[] }>('/channels', undefined, signal),
  get: (id: number, signal?: AbortSignal) => get<Channel>(`/channels/${id}`, undefined, signal),
  create: (c: ChannelInput) => send<Channel>('POST', '/channels', c),
  update: (id: number, c: ChannelInput) => send<Channel>('PUT', `/channels/${id}`, c),
  remove: (id: number) => send<object>('DELETE', `/channels/${id}`),
  /** Sends a ping (or an event type's example) now and answers the delivery, delivered or not. */
  test: (id: number, event?: EventType) => send<Delivery>('POST', `/channels/${id}/test`, event ? { event } : undefined),
  /** The delivery log, newest first. */
  deliveries: (id: number, limit = 100, signal?: AbortSignal) => get<{ deliveries: Delivery[] }>(`/channels/${id}/deliveries`, { limit }, signal),
  /** The event types with example payloads, and the headers of a delivery. */
  events: (signal?: AbortSignal) => get<WebhookCatalogue>('/webhooks/events', undefined, signal),
};

/** Scheduled reports (roadmap 3.5, package digest): schedules, their sendings, and the report to preview or download. */
export type DigestKind = 'daily' | 'weekly' | 'monthly';
export type DigestSection = 'summary' | 'domains' | 'issues' | 'sources' | 'dns';
export type Weekday = 'sunday' | 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday';

/** A schedule as the API shows it. */
export interface ReportSchedule {
  id: number;
  name: string;
  kind: DigestKind;
  /** The day of a weekly schedule. */
  weekday?: Weekday;
  /** The day of a monthly schedule, 1 to 28. */
  day_of_month?: number;
  /** "HH:MM" in time_zone. */
  time: string;
  /** IANA name such as "Europe/Paris". */
  time_zone: string;
  /** Empty: every domain. */
  domains: string[];
  /** In display order (the API fills in every section when none was given). */
  sections: DigestSection[];
  /** Email addresses besides those of its channels. */
  recipients: string[];
  /** Notification channel ids. */
  channels: number[];
  /** A PDF attached to email. */
  pdf: boolean;
  enabled: boolean;
  /** The due time of the newest scheduled sending; null when it never ran. */
  last_run: string | null;
  /** When it is due next; null when disabled. */
  next_run: string | null;
  created_at: string;
  updated_at: string;
}

/** The body of creating or replacing a schedule: the settings of ReportSchedule, enabled optional. */
export type ScheduleInput = Omit<ReportSchedule, 'id' | 'enabled' | 'last_run' | 'next_run' | 'created_at' | 'updated_at'> & { enabled?: boolean };

/** One sending of a schedule, recorded whatever its outcome. */
export interface ScheduleRun {
  id: number;
  at: string;
  /** The scheduled time it was for; null for "Send now". */
  due: string | null;
  /** The days reported on, [start, end) as YYYY-MM-DD. */
  period: [string, string];
  status: 'sent' | 'failed';
  error?: string;
  /** Email addresses and channels ("channel:3") it was handed to. */
  recipients: string[];
}

/** Which report: the last complete day, week or month before at (default now). */
export interface DigestQuery {
  period: 'day' | 'week' | 'month';
  /** Empty: every domain. */
  domains?: string[];
  /** Empty: every section. */
  sections?: string[];
  /** YYYY-MM-DD. */
  at?: string;
}

/** digestUrl is the address of a report as json, text, html or pdf (the PDF is served as a download). */
export function digestUrl(q: DigestQuery, format: 'json' | 'text' | 'html' | 'pdf'): string {
  const p = new URLSearchParams({ period: q.period });
  for (const d of q.domains ?? []) p.append('domain', d);
  if (q.sections?.length) p.set('section', q.sections.join(','));
  if (q.at) p.set('at', q.at);
  p.set('format', format);
  return '/api/v1/digest?' + p.toString();
}

export const schedulesApi = {
  list: (signal?: AbortSignal) => get<{ schedules: ReportSchedule[] }>('/schedules', undefined, signal),
  get: (id: number, signal?: AbortSignal) => get<ReportSchedule>(`/schedules/${id}`, undefined, signal),
  create: (s: ScheduleInput) => send<ReportSchedule>('POST', '/schedules', s),
  update: (id: number, s: ScheduleInput) => send<ReportSchedule>('PUT', `/schedules/${id}`, s),
  remove: (id: number) => send<object>('DELETE', `/schedules/${id}`),
  /** Sends the report of the last complete period now and answers the run, sent or failed (501 when the server cannot send). */
  run: (id: number) => send<ScheduleRun>('POST', `/schedules/${id}/run`),
  /** The sendings, newest first. */
  runs: (id: number, limit = 20, signal?: AbortSignal) => get<{ runs: ScheduleRun[] }>(`/schedules/${id}/runs`, { limit }, signal),
  /** The report as the HTML email body, to preview. */
  async digestHtml(q: DigestQuery, signal?: AbortSignal): Promise<string> {
    const res = await fetch(digestUrl(q, 'html'), { signal, headers: { Accept: 'text/html' } });
    if (!res.ok) await decode<never>(res);
    return res.text();
  },
};

/**
 * Failure (forensic, RUF) reports (RFC 6591), as stored: redacted at arrival
 * under the server's policy (--forensic-redact), never a message body or a
 * recipient address. The routes answer 403 (code "forbidden") when the
 * server runs with --no-forensic-api or without a password off loopback.
 */
export type ForensicRedaction = 'off' | 'addresses' | 'full';

/** A failure report in a list: its search columns and the reported message's summary. */
export interface ForensicReport {
  id: number;
  received_at: string;
  /** When the reporter received the message (UTC); the day is the key of the aggregate data. */
  arrival_date: string;
  reported_domain: string;
  source_ip: string;
  /** Without angle brackets; a digest ("sha256:…") under the full policy. */
  message_id: string;
  from: string;
  from_domain: string;
  /** The SMTP MAIL FROM, redacted; empty for the null reverse-path. */
  original_mail_from: string;
  /** As stored: a digest ("sha256:…") under the full policy. */
  subject: string;
  feedback_type: string;
  /** dmarc, dkim, spf or other. */
  auth_failure: string;
  /** delivered, spam, reject or other. */
  delivery_result: string;
  user_agent: string;
  reporter_from: string;
  /** arf, or exim-text for Exim's plain-text reports. */
  format: string;
  redaction: ForensicRedaction | string;
  source_name: string;
  validation_status: 'valid' | 'warnings' | 'errors';
}

/** The report in the parsing protocol's forensic shape, as stored. */
export interface ForensicDocument {
  feedback_type: string;
  user_agent: string;
  version: string;
  original_mail_from: string;
  arrival_date: string | null;
  source_ip: string;
  reported_domain: string;
  /** The reporter's Authentication-Results (RFC 8601); several joined by newlines. */
  authentication_results: string;
  delivery_result: string;
  auth_failure: string;
  /** The reported message's header as stored, one "Name: value" line per field. */
  original_headers: string;
  format: string;
  privacy: {
    redaction: ForensicRedaction | string;
    body_removed: boolean;
    recipients_redacted: number;
    headers_truncated: boolean;
    removed: string[];
  };
  reporter: { from: string; date: string | null; message_id: string };
  message: { from: string; from_domain: string; subject: string; date: string | null; message_id: string };
  reported_domains?: string[];
  /** ***@domain; absent under the full policy. */
  original_rcpt_to?: string[];
  original_envelope_id?: string;
  reporting_mta?: string;
  source_port?: number;
  incidents: number;
  delivery_result_reported?: string;
  auth_failure_reported?: string;
  dkim?: { domain?: string; identity?: string; selector?: string; selector_dns?: string; adsp_dns?: string };
  spf_dns?: string[];
  identity_alignment?: string;
  reported_uri?: string[];
  /** The "Name: value" lines of a plain-text (exim-text) report. */
  text_fields?: { name: string; value: string }[];
}

/** What the aggregate reports say of a failure report's source on its domain and day. */
export interface ForensicLink {
  /** YYYY-MM-DD (UTC) of the arrival. */
  day: string;
  /** False when no aggregate report has that source on that day (yet). */
  found: boolean;
  totals: Omit<Statistics, 'pass_rate_dkim' | 'pass_rate_spf' | 'pass_rate_overall'> | null;
  /** The dashboard's source page for that domain and day, and its API route. */
  source_page: string;
  source_api: string;
  /** The failure reports of the same domain, source and day, this one included (at most 20). */
  related: number[];
}

export interface ForensicReportDetail {
  report: ForensicReport;
  document: ForensicDocument;
  messages: ValidationMessage[];
  aggregate: ForensicLink;
}

export interface ForensicQuery extends Range {
  source_ip?: string;
  message_id?: string;
  /** A domain (of the From or the MAIL FROM) or the MAIL FROM as stored. */
  sender?: string;
  limit?: number;
  before?: number;
}

export interface ForensicRetention {
  /** serve's --forensic-retention; 0: kept until deleted. */
  default_days: number;
  domains: { domain: string; days: number; updated_at: string }[];
}

export const forensicApi = {
  /** The failure reports of the filter, the last stored first; next_before continues (0 on the last page). */
  list: (q: ForensicQuery, signal?: AbortSignal) => get<{ reports: ForensicReport[]; next_before: number }>('/forensic', { ...q }, signal),
  get: (id: number | string, signal?: AbortSignal) => get<ForensicReportDetail>(`/forensic/${id}`, undefined, signal),
  /** Deletes the report at once. */
  remove: (id: number | string) => send<object>('DELETE', `/forensic/${id}`),
  counts: (q: Omit<ForensicQuery, 'limit' | 'before'>, signal?: AbortSignal) =>
    get<{ counts: { domain: string; source_ip: string; day: string; reports: number }[] }>('/forensic/counts', { ...q }, signal),
  retention: (signal?: AbortSignal) => get<ForensicRetention>('/forensic/retention', undefined, signal),
  /** The domain's reports are kept this many days (0: until deleted) instead of the default. */
  setRetention: (domain: string, days: number) =>
    send<{ domain: string; days: number; updated_at: string }>('PUT', `/forensic/retention/${encodeURIComponent(domain)}`, { days }),
  /** The domain has the default retention again (404 when it had none of its own). */
  clearRetention: (domain: string) => send<object>('DELETE', `/forensic/retention/${encodeURIComponent(domain)}`),
};
