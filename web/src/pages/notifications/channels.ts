// Notification channels in the Notifications page: the kinds and what
// each needs, the form (secrets write-only: empty keeps what is stored),
// its checks as the server makes them (package notify, channel.go), the
// body sent, the API's validation errors placed on their fields, quiet
// hours in words, delivery results in words, and how a receiver verifies
// a webhook's signature (package webhook).

import type { Channel, ChannelInput, ChannelKind, Delivery, EventType, QuietHours } from '../../lib/api';
import { ago } from '../../lib/format';
import { splitFieldError, type FieldError } from '../../lib/field-error';

export interface KindInfo {
  kind: ChannelKind;
  label: string;
  icon: string;
  /** What it is for, one sentence. */
  about: string;
  /** The URL field's help; empty for email. */
  urlHelp: string;
}

export const kinds: KindInfo[] = [
  {
    kind: 'webhook',
    label: 'Webhook',
    icon: 'external',
    about: 'JSON events to your own endpoint: a SIEM, a ticketing system or your automation, signed with a secret.',
    urlHelp: 'The endpoint that receives a POST with the event as JSON.',
  },
  {
    kind: 'slack',
    label: 'Slack',
    icon: 'chat',
    about: 'Messages in a Slack channel through an incoming webhook.',
    urlHelp: 'In Slack: Apps → Incoming Webhooks → Add New Webhook to Workspace, pick the channel, copy the URL (https://hooks.slack.com/services/…).',
  },
  {
    kind: 'discord',
    label: 'Discord',
    icon: 'chat',
    about: 'Messages in a Discord channel through a channel webhook.',
    urlHelp: 'In Discord: the channel’s Edit Channel → Integrations → Webhooks → New Webhook → Copy Webhook URL (https://discord.com/api/webhooks/…).',
  },
  {
    kind: 'teams',
    label: 'Microsoft Teams',
    icon: 'chat',
    about: 'Cards in a Teams channel through a Workflows webhook.',
    urlHelp: 'In Teams: the channel’s ⋯ → Workflows → “Post to a channel when a webhook request is received”, then copy the URL it shows.',
  },
  { kind: 'email', label: 'Email', icon: 'mail', about: 'Email through your SMTP server, to one or more addresses.', urlHelp: '' },
];

export function kindInfo(kind: ChannelKind | string): KindInfo {
  return kinds.find((k) => k.kind === kind) ?? { kind: kind as ChannelKind, label: kind, icon: 'external', about: '', urlHelp: '' };
}

export const eventTypes: EventType[] = ['alert.triggered', 'compliance.changed', 'source.new', 'report.received'];

export const eventLabel: Record<string, string> = {
  'alert.triggered': 'Alerts',
  'compliance.changed': 'Compliance crossed a threshold',
  'source.new': 'New sending sources',
  'report.received': 'Every report received',
  ping: 'Test ping',
};

export interface HeaderRow {
  name: string;
  value: string;
  /** A header stored with a value: an empty value keeps it. */
  stored: boolean;
}

export interface ChannelForm {
  name: string;
  kind: ChannelKind;
  enabled: boolean;
  allEvents: boolean;
  events: EventType[];
  /** Typed; empty keeps the stored URL. */
  url: string;
  urlSet: boolean;
  urlHint: string;
  secret: string;
  secretSet: boolean;
  clearSecret: boolean;
  headers: HeaderRow[];
  host: string;
  port: string;
  tls: 'starttls' | 'tls' | 'none';
  username: string;
  password: string;
  passwordSet: boolean;
  clearPassword: boolean;
  from: string;
  /** Addresses separated by commas or lines. */
  to: string;
  maxPerHour: string;
  quiet: boolean;
  quietStart: string;
  quietEnd: string;
  quietTz: string;
}

/** newChannelForm is the form of a new channel of kind; tz is the browser's time zone for quiet hours. */
export function newChannelForm(kind: ChannelKind, tz = 'UTC'): ChannelForm {
  return {
    name: '',
    kind,
    enabled: true,
    // Alerts only: every report or source on a chat channel is noise.
    allEvents: false,
    events: ['alert.triggered'],
    url: '',
    urlSet: false,
    urlHint: '',
    secret: '',
    secretSet: false,
    clearSecret: false,
    headers: [],
    host: '',
    port: '',
    tls: 'starttls',
    username: '',
    password: '',
    passwordSet: false,
    clearPassword: false,
    from: '',
    to: '',
    maxPerHour: '0',
    quiet: false,
    quietStart: '22:00',
    quietEnd: '07:00',
    quietTz: tz,
  };
}

/** channelForm is the form of a stored channel: its secrets empty, told as set. */
export function channelForm(c: Channel, tz = 'UTC'): ChannelForm {
  const f = newChannelForm(c.kind, tz);
  return {
    ...f,
    name: c.name,
    enabled: c.enabled,
    allEvents: c.events.length === 0,
    events: c.events.length ? [...c.events] : f.events,
    urlSet: c.url_set,
    urlHint: c.url_hint ?? '',
    secretSet: c.secret_set,
    headers: c.header_names.map((name) => ({ name, value: '', stored: true })),
    host: c.email?.host ?? '',
    port: c.email?.port ? String(c.email.port) : '',
    tls: c.email?.tls ?? 'starttls',
    username: c.email?.username ?? '',
    passwordSet: c.email?.password_set ?? false,
    from: c.email?.from ?? '',
    to: (c.email?.to ?? []).join(', '),
    maxPerHour: String(c.max_per_hour ?? 0),
    quiet: !!c.quiet_hours,
    quietStart: c.quiet_hours?.start ?? f.quietStart,
    quietEnd: c.quiet_hours?.end ?? f.quietEnd,
    quietTz: c.quiet_hours ? c.quiet_hours.tz || 'UTC' : tz,
  };
}

/** addresses splits the recipients field. */
export function addresses(s: string): string[] {
  return s
    .split(/[,;\n]/)
    .map((x) => x.trim())
    .filter(Boolean);
}

const headerName = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const reserved = ['content-type', 'content-length', 'host', 'user-agent', 'transfer-encoding', 'connection'];
const clock = /^([01]\d|2[0-3]):[0-5]\d$/;
const email = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$|^[^<>]*<[^\s@<>]+@[^\s@<>]+>$/;

/** urlError checks an endpoint URL as the server does; "" when it is fine. */
export function urlError(s: string): string {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return 'An http:// or https:// URL is required.';
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || !u.hostname) return 'An http:// or https:// URL is required.';
  if (u.username || u.password) return 'Put credentials in a custom header, not in the URL.';
  return '';
}

/** urlWarning notes a URL that does not look like the kind's (it is still accepted: proxies and tests). */
export function urlWarning(kind: ChannelKind, s: string): string {
  let host = '';
  let protocol = '';
  try {
    const u = new URL(s);
    host = u.hostname;
    protocol = u.protocol;
  } catch {
    return '';
  }
  const want: Partial<Record<ChannelKind, [RegExp, string]>> = {
    slack: [/^hooks\.slack\.com$/, 'https://hooks.slack.com/services/…'],
    discord: [/^(discord\.com|discordapp\.com|ptb\.discord\.com|canary\.discord\.com)$/, 'https://discord.com/api/webhooks/…'],
    teams: [/(\.logic\.azure\.com|\.powerplatform\.com|\.webhook\.office\.com)$/, 'a Teams Workflows URL (…logic.azure.com/…)'],
  };
  const w = want[kind];
  if (w && !w[0].test(host)) return `This does not look like a ${kindInfo(kind).label} webhook URL (${w[1]}); it will be used all the same.`;
  if (protocol === 'http:' && !/^(localhost|127\.|\[::1\])/.test(host)) return 'Plain http:// sends the events unencrypted; use https:// if the endpoint has it.';
  return '';
}

/** validateChannel checks the form as the server does; errors by field as the API names them ("email.host"). */
export function validateChannel(f: ChannelForm): Record<string, string> {
  const e: Record<string, string> = {};
  const name = f.name.trim();
  if (!name || name.length > 100) e.name = 'Give the channel a name of 1 to 100 characters.';
  if (f.kind !== 'email') {
    const url = f.url.trim();
    if (!url && !f.urlSet) e.url = 'The webhook URL is required.';
    else if (url) {
      const err = urlError(url);
      if (err) e.url = err;
    }
  }
  if (!f.allEvents && f.events.length === 0) e.events = 'Pick at least one event, or all of them.';
  if (f.kind === 'webhook') {
    const seen = new Set<string>();
    for (const h of f.headers) {
      const n = h.name.trim();
      if (!n && !h.value) continue;
      if (!headerName.test(n)) e.headers = `“${n}” is not a header name: letters, digits and - only.`;
      else if (n.toLowerCase().startsWith('x-parse-dmarc-') || reserved.includes(n.toLowerCase())) e.headers = `${n} is set by Parse DMARC.`;
      else if (seen.has(n.toLowerCase())) e.headers = `${n} is given twice.`;
      else if (/[\r\n\0]/.test(h.value)) e.headers = `The value of ${n} has a line break.`;
      else if (!h.value && !h.stored) e.headers = `${n} needs a value.`;
      if (e.headers) break;
      seen.add(n.toLowerCase());
    }
  }
  if (f.kind === 'email') {
    const host = f.host.trim();
    if (!host || (/[ /:]/.test(host) && !host.startsWith('['))) e['email.host'] = "The SMTP server's host name is required, such as smtp.example.com.";
    const port = f.port.trim();
    if (port && (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535)) e['email.port'] = 'A port from 1 to 65535, or empty for the default.';
    if ((f.password || (f.passwordSet && !f.clearPassword)) && !f.username.trim()) e['email.username'] = 'A password needs a username.';
    if (!email.test(f.from.trim())) e['email.from'] = 'The sender address is required, such as dmarc@example.com.';
    const to = addresses(f.to);
    if (!to.length) e['email.to'] = 'At least one recipient is required.';
    else {
      const bad = to.find((a) => !email.test(a));
      if (bad) e['email.to'] = `“${bad}” is not an email address.`;
    }
  }
  const max = f.maxPerHour.trim();
  if (max && !/^\d+$/.test(max)) e.max_per_hour = 'A whole number: 0 for no limit.';
  if (f.quiet) {
    if (!clock.test(f.quietStart)) e['quiet_hours.start'] = 'A time of day as HH:MM.';
    if (!clock.test(f.quietEnd)) e['quiet_hours.end'] = 'A time of day as HH:MM.';
    if (!f.quietTz) e['quiet_hours.tz'] = 'Pick a time zone.';
    if (!e['quiet_hours.start'] && !e['quiet_hours.end'] && f.quietStart === f.quietEnd) e['quiet_hours.end'] = 'The end is the start: that is no quiet hours.';
  }
  return e;
}

/**
 * channelInput is the body of the form: for a new channel everything; for
 * a stored one (isNew false) the secrets only when typed (or cleared), and
 * headers whose value is left empty as null (keep the stored value).
 */
export function channelInput(f: ChannelForm, isNew: boolean): ChannelInput {
  const body: ChannelInput = { name: f.name.trim(), enabled: f.enabled, max_per_hour: Number(f.maxPerHour.trim() || 0) };
  if (isNew) body.kind = f.kind;
  body.events = f.allEvents ? [] : [...f.events].sort();
  body.quiet_hours = f.quiet ? { start: f.quietStart, end: f.quietEnd, tz: f.quietTz === 'UTC' ? '' : f.quietTz } : null;
  if (f.kind !== 'email') {
    if (f.url.trim()) body.url = f.url.trim();
  }
  if (f.kind === 'webhook') {
    if (f.secret) body.secret = f.secret;
    else if (f.clearSecret && !isNew) body.secret = '';
    const headers: Record<string, string | null> = {};
    for (const h of f.headers) {
      const n = h.name.trim();
      if (!n) continue;
      headers[n] = h.value ? h.value : h.stored && !isNew ? null : '';
    }
    if (!isNew || Object.keys(headers).length) body.headers = headers;
  }
  if (f.kind === 'email') {
    body.email = {
      host: f.host.trim(),
      tls: f.tls,
      username: f.username.trim(),
      from: f.from.trim(),
      to: addresses(f.to),
    };
    if (f.port.trim()) body.email.port = Number(f.port.trim());
    if (f.password) body.email.password = f.password;
    else if (f.clearPassword && !isNew) body.email.password = '';
  }
  return body;
}

/** The form's fields the API's validation messages name. */
const apiFields = [
  'name',
  'kind',
  'url',
  'headers',
  'secret',
  'events',
  'email',
  'email.host',
  'email.port',
  'email.tls',
  'email.username',
  'email.password',
  'email.from',
  'email.to',
  'max_per_hour',
  'quiet_hours',
  'quiet_hours.start',
  'quiet_hours.end',
  'quiet_hours.tz',
  'type',
  'domain',
  'settings',
  'channels',
  'severity',
];

/**
 * fieldError places an API validation message ("email.host: the SMTP
 * server's host name is required") on its field; field "" when it names
 * none the form has.
 */
export function fieldError(message: string): FieldError {
  return splitFieldError(message, (f) => (apiFields.includes(f) || /^settings\.[a-z_]+$/.test(f) ? f : undefined));
}

/** minutesIn is the local time of day at t in zone tz, in minutes after midnight. */
export function minutesIn(t: Date, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: tz || 'UTC', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(t);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}

function toMinutes(s: string): number {
  const [h, m] = s.split(':').map(Number);
  return h * 60 + m;
}

/** quietActive reports whether t is within the quiet hours (in their time zone). */
export function quietActive(q: QuietHours | null | undefined, t: Date): boolean {
  if (!q || !clock.test(q.start) || !clock.test(q.end) || q.start === q.end) return false;
  const now = minutesIn(t, q.tz || 'UTC');
  const s = toMinutes(q.start);
  const e = toMinutes(q.end);
  return s < e ? now >= s && now < e : now >= s || now < e;
}

/** quietText says when alerts wait: "Quiet 22:00–07:00 Europe/Berlin (overnight)", and whether they wait now. */
export function quietText(q: QuietHours | null | undefined, now?: Date): string {
  if (!q) return 'No quiet hours';
  if (q.start === q.end) return 'No quiet hours (start and end are the same)';
  const span = toMinutes(q.end) - toMinutes(q.start);
  const hours = ((span + 1440) % 1440) / 60;
  let s = `Quiet ${q.start}–${q.end} ${q.tz || 'UTC'}${span < 0 ? ', overnight' : ''} (${Number.isInteger(hours) ? hours : hours.toFixed(1)} h)`;
  if (now && quietActive(q, now)) s += `: quiet now, alerts wait until ${q.end}`;
  return s;
}

/** limitText: "At most 10 alerts an hour" or "No rate limit". */
export function limitText(n: number): string {
  return n > 0 ? `At most ${n} ${n === 1 ? 'alert' : 'alerts'} an hour` : 'No rate limit';
}

/** limitHint explains the rate limit as typed. */
export function limitHint(typed: string): string {
  const n = Number(typed.trim() || 0);
  if (!Number.isInteger(n) || n < 0) return '0 for no limit, or the most alerts an hour.';
  if (n === 0) return 'No limit (0). With a limit, alerts beyond it wait and arrive as one summary.';
  return `${limitText(n)}; more wait and arrive as one summary.`;
}

/** timeZones lists the zones for the quiet hours select: UTC first, then the browser's list, with current kept. */
export function timeZones(current = '', supported: () => string[] = () => Intl.supportedValuesOf('timeZone')): string[] {
  let list: string[] = [];
  try {
    list = supported();
  } catch {
    list = [];
  }
  const set = new Set(list.filter((z) => z !== 'UTC'));
  if (current && current !== 'UTC') set.add(current);
  return ['UTC', ...[...set].sort()];
}

/** browserZone is the browser's time zone, UTC when it says none. */
export function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export const deliveryLabel: Record<Delivery['status'], string> = { delivered: 'Delivered', retrying: 'Will retry', failed: 'Failed' };
export const deliveryTone: Record<Delivery['status'], 'good' | 'warn' | 'bad'> = { delivered: 'good', retrying: 'warn', failed: 'bad' };

/** durationText: "35 ms", "1.2 s". */
export function durationText(ms: number): string {
  return ms < 1000 ? `${Math.max(0, Math.round(ms))} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** codeText names the answer: "HTTP 204", "SMTP 250", "no answer". */
export function codeText(d: Pick<Delivery, 'status_code'>, kind: ChannelKind | string): string {
  if (!d.status_code) return 'no answer';
  return `${kind === 'email' ? 'SMTP' : 'HTTP'} ${d.status_code}`;
}

/** deliveryText is one delivery in a sentence: "Delivered (HTTP 204) in 35 ms". */
export function deliveryText(d: Delivery, kind: ChannelKind | string): string {
  const code = d.status_code ? ` (${codeText(d, kind)})` : '';
  const s = `${deliveryLabel[d.status] ?? d.status}${code} in ${durationText(d.duration_ms)}`;
  return d.error ? `${s}: ${d.error}` : s;
}

/** lastDeliveryText is a channel's last delivery for the list: "Delivered 5 minutes ago", "Never sent". */
export function lastDeliveryText(d: Delivery | undefined, now = Date.now()): string {
  if (!d) return 'Nothing sent yet';
  return `${deliveryLabel[d.status] ?? d.status} ${ago(d.at, now)}${d.test ? ' (test)' : ''}`;
}

/** destinationText says where a channel sends: the URL's host or the recipients. */
export function destinationText(c: Channel): string {
  if (c.kind === 'email') return c.email ? `${c.email.to.join(', ')} via ${c.email.host}` : '';
  return c.url_hint ?? (c.url_set ? 'URL set' : 'no URL');
}

/** eventsText names the events a channel takes. */
export function eventsText(c: Pick<Channel, 'kind' | 'events'>): string {
  if (!c.events.length) return 'All events';
  return c.events.map((e) => eventLabel[e] ?? e).join(', ');
}

/** prettyJSON indents a payload for the preview. */
export function prettyJSON(v: unknown): string {
  return JSON.stringify(v, null, 2);
}

/** How a receiver verifies a delivery, as package webhook signs it. */
export const verifyNode = `import { createHmac, timingSafeEqual } from 'node:crypto';

// secret: the channel's signing secret. rawBody: the request body as
// received (a Buffer), before any JSON parsing.
function verify(secret, headers, rawBody) {
  const ts = headers['x-parse-dmarc-timestamp'];
  const sig = headers['x-parse-dmarc-signature'] ?? '';
  // Refuse old requests: a captured one cannot be replayed later.
  if (!/^\\d+$/.test(ts ?? '') || Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const mac = createHmac('sha256', secret).update(ts + '.').update(rawBody).digest('hex');
  const want = Buffer.from('sha256=' + mac);
  const got = Buffer.from(sig);
  return got.length === want.length && timingSafeEqual(got, want);
}`;

export const verifyPython = `import hashlib, hmac, time

def verify(secret: bytes, headers, raw_body: bytes) -> bool:
    ts = headers.get("X-Parse-DMARC-Timestamp", "")
    sig = headers.get("X-Parse-DMARC-Signature", "")
    # Refuse old requests: a captured one cannot be replayed later.
    if not ts.isdigit() or abs(time.time() - int(ts)) > 300:
        return False
    mac = hmac.new(secret, ts.encode() + b"." + raw_body, hashlib.sha256)
    return hmac.compare_digest("sha256=" + mac.hexdigest(), sig)`;
