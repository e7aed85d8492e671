// Scheduled reports (roadmap 3.5) in the dashboard: the kinds and
// sections of a report, a schedule's time in words ("Every Monday at
// 08:00 Europe/Paris") and its next sending computed in its time zone as
// package digest does (LastDue), the periods a report covers (digest's
// PeriodOf and Kind.Label), where it goes, the form with the server's
// checks (digest.Validate) and the API's messages placed on their fields,
// and the runs in words.

import type { Channel, DigestKind, DigestQuery, DigestSection, ReportSchedule, ScheduleInput, ScheduleRun, Weekday } from '../../lib/api';
import { addresses } from '../notifications/channels';
import { splitFieldError, type FieldError } from '../../lib/field-error';

export interface KindInfo {
  kind: DigestKind;
  /** The report's name, as its title says. */
  label: string;
  /** The API's period parameter of GET /digest. */
  period: DigestQuery['period'];
  /** What it covers, one sentence. */
  about: string;
}

export const kinds: KindInfo[] = [
  { kind: 'daily', label: 'Daily summary', period: 'day', about: 'The day before (UTC), against the day before it.' },
  { kind: 'weekly', label: 'Weekly digest', period: 'week', about: 'The week before, Monday to Sunday, against the week before it.' },
  { kind: 'monthly', label: 'Monthly executive report', period: 'month', about: 'The calendar month before, against the month before it.' },
];

export function kindInfo(kind: DigestKind | string): KindInfo {
  return kinds.find((k) => k.kind === kind) ?? kinds[1];
}

export interface SectionInfo {
  id: DigestSection;
  label: string;
  about: string;
}

/** The sections in the report's order. */
export const sections: SectionInfo[] = [
  { id: 'summary', label: 'Summary', about: 'the headline numbers against the period before, the compliance trend and the notable events' },
  { id: 'domains', label: 'Domains', about: 'each domain’s compliance, health score, direction and next policy step' },
  { id: 'issues', label: 'Top issues', about: 'the legitimate senders failing DMARC the most, each with its fix' },
  { id: 'sources', label: 'Sources', about: 'the sources with the most mail and the new ones' },
  { id: 'dns', label: 'DNS records', about: 'each domain’s DMARC, SPF and DKIM status and what changed' },
];
export const allSections: DigestSection[] = sections.map((s) => s.id);

/** Weekdays as the API names them, Sunday 0 as in Go. */
export const weekdays: Weekday[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
/** The weekdays in the order the form lists them, Monday first. */
export const weekdayOrder: Weekday[] = [...weekdays.slice(1), 'sunday'];

export function weekdayLabel(d: Weekday | string): string {
  return d ? d.charAt(0).toUpperCase() + d.slice(1) : '';
}

/** ordinal: 1st, 2nd, 3rd, 4th, 11th, 21st, 22nd. */
export function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${s}`;
}

type When = Pick<ReportSchedule, 'kind' | 'weekday' | 'day_of_month' | 'time' | 'time_zone'>;

/** whenText says when a schedule sends: "Every Monday at 08:00 Europe/Paris". */
export function whenText(s: When): string {
  const at = `at ${s.time} ${s.time_zone || 'UTC'}`;
  switch (s.kind) {
    case 'weekly':
      return `Every ${weekdayLabel(s.weekday ?? '')} ${at}`;
    case 'monthly':
      return `Every month on the ${ordinal(s.day_of_month ?? 1)} ${at}`;
  }
  return `Every day ${at}`;
}

/** domainsText: "All domains", "example.com", "a.example and b.example", "a.example, b.example and 2 more". */
export function domainsText(domains: string[]): string {
  if (!domains.length) return 'All domains';
  if (domains.length === 1) return domains[0];
  if (domains.length === 2) return `${domains[0]} and ${domains[1]}`;
  return `${domains[0]}, ${domains[1]} and ${domains.length - 2} more`;
}

/** sectionsText: "All sections" or "Summary, Top issues". */
export function sectionsText(list: string[]): string {
  if (!list.length || allSections.every((s) => list.includes(s))) return 'All sections';
  return sections
    .filter((s) => list.includes(s.id))
    .map((s) => s.label)
    .join(', ');
}

/** What a kind of channel receives of a report. */
export function channelGets(kind: Channel['kind'] | string, pdf: boolean): string {
  switch (kind) {
    case 'email':
      return pdf ? 'the full report, with the PDF' : 'the full report';
    case 'webhook':
      return 'a report.digest event (JSON)';
  }
  return 'a short summary with the headline numbers';
}

export interface Destination {
  /** "email" for a recipient of the schedule's own, else the channel's kind; "missing" for a deleted channel. */
  kind: string;
  label: string;
  /** The channel's id; 0 for an email address. */
  id: number;
  paused: boolean;
}

/** destinations lists where a schedule goes: its channels (by name, those deleted said so) then its own addresses. */
export function destinations(s: Pick<ReportSchedule, 'channels' | 'recipients'>, channels: Pick<Channel, 'id' | 'name' | 'kind' | 'enabled'>[]): Destination[] {
  const out: Destination[] = s.channels.map((id) => {
    const c = channels.find((x) => x.id === id);
    return c ? { kind: c.kind, label: c.name, id, paused: !c.enabled } : { kind: 'missing', label: `Channel #${id} (deleted)`, id, paused: false };
  });
  for (const r of s.recipients) out.push({ kind: 'email', label: r, id: 0, paused: false });
  return out;
}

/** runRecipientText names a run's recipient: a channel ("channel:3") by its name. */
export function runRecipientText(r: string, channels: Pick<Channel, 'id' | 'name'>[]): string {
  const m = /^channel:(\d+)$/.exec(r);
  if (!m) return r;
  const c = channels.find((x) => x.id === Number(m[1]));
  return c ? c.name : `Channel #${m[1]}`;
}

// Dates: the periods are whole UTC days, handled as Date at 00:00 UTC.

function utcDay(t: Date): Date {
  return new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
}
function addDays(t: Date, n: number): Date {
  return new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() + n));
}
function iso(t: Date): string {
  return t.toISOString().slice(0, 10);
}

export interface Period {
  /** The first day, YYYY-MM-DD. */
  start: string;
  /** The day after the last, YYYY-MM-DD. */
  end: string;
}

/** periodOf is the last complete period of kind before at (digest.PeriodOf). */
export function periodOf(kind: DigestKind, at: Date): Period {
  const day = utcDay(at);
  if (kind === 'weekly') {
    const end = addDays(day, -((day.getUTCDay() + 6) % 7));
    return { start: iso(addDays(end, -7)), end: iso(end) };
  }
  if (kind === 'monthly') {
    const end = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), 1));
    return { start: iso(new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - 1, 1))), end: iso(end) };
  }
  return { start: iso(addDays(day, -1)), end: iso(day) };
}

const monthNames = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const dayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** periodLabel names a period as the report does (digest's Kind.Label): "Week of 16 to 22 November 2026", "November 2026", "Tuesday 24 November 2026". */
export function periodLabel(kind: DigestKind, p: Period): string {
  const start = new Date(p.start + 'T00:00:00Z');
  const last = addDays(new Date(p.end + 'T00:00:00Z'), -1);
  const dm = (t: Date) => `${t.getUTCDate()} ${monthNames[t.getUTCMonth()]}`;
  const full = (t: Date) => `${dm(t)} ${t.getUTCFullYear()}`;
  if (kind === 'weekly') {
    if (start.getUTCMonth() === last.getUTCMonth() && start.getUTCFullYear() === last.getUTCFullYear()) return `Week of ${start.getUTCDate()} to ${full(last)}`;
    if (start.getUTCFullYear() === last.getUTCFullYear()) return `Week of ${dm(start)} to ${full(last)}`;
    return `Week of ${full(start)} to ${full(last)}`;
  }
  if (kind === 'monthly') return `${monthNames[start.getUTCMonth()]} ${start.getUTCFullYear()}`;
  return `${dayNames[start.getUTCDay()]} ${full(start)}`;
}

/** kindOfPeriod tells a run's kind by its length: a day, a week, else a month. */
export function kindOfPeriod(p: Period): DigestKind {
  const days = Math.round((Date.parse(p.end) - Date.parse(p.start)) / 86400000);
  return days <= 1 ? 'daily' : days === 7 ? 'weekly' : 'monthly';
}

export interface PreviewPeriod {
  /** The API's at: "" for the newest (the one Send now sends), else the period's end. */
  at: string;
  label: string;
}

/** previewPeriods are the last n complete periods of kind before now, the newest first. */
export function previewPeriods(kind: DigestKind, now: Date, n = 6): PreviewPeriod[] {
  const out: PreviewPeriod[] = [];
  let at = now;
  for (let i = 0; i < n; i++) {
    const p = periodOf(kind, at);
    out.push({ at: i === 0 ? '' : p.end, label: periodLabel(kind, p) + (i === 0 ? ' (latest)' : '') });
    at = new Date(p.start + 'T00:00:00Z');
  }
  return out;
}

// Time zones: wall-clock times in a zone, by Intl.

interface Wall {
  y: number;
  m: number; // 1-12
  d: number;
  h: number;
  min: number;
  weekday: number; // Sunday 0
}

const partsCache = new Map<string, Intl.DateTimeFormat>();
function wallFormat(tz: string): Intl.DateTimeFormat {
  let f = partsCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    partsCache.set(tz, f);
  }
  return f;
}

/** wall is the local date and time at t in zone tz. */
export function wall(t: Date, tz: string): Wall {
  const parts = wallFormat(tz || 'UTC').formatToParts(t);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    y: Number(get('year')),
    m: Number(get('month')),
    d: Number(get('day')),
    h: Number(get('hour')) % 24,
    min: Number(get('minute')),
    weekday: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday')),
  };
}

/** offset is how far tz's wall clock is ahead of UTC at t, in milliseconds. */
function offset(t: number, tz: string): number {
  const w = wall(new Date(t), tz);
  return Date.UTC(w.y, w.m - 1, w.d, w.h, w.min) - Math.floor(t / 60000) * 60000;
}

/**
 * zonedTime is the instant of a wall-clock time in tz. A time a daylight
 * saving change skips comes out an hour later, as Go's time.Date
 * normalizes it.
 */
export function zonedTime(y: number, m: number, d: number, h: number, min: number, tz: string): Date {
  const guess = Date.UTC(y, m - 1, d, h, min);
  const o1 = offset(guess, tz);
  let t = guess - o1;
  const o2 = offset(t, tz);
  if (o2 !== o1) {
    const t2 = guess - o2;
    // Take the reading whose wall clock says the time asked for; in a gap
    // neither does, and the later instant is Go's.
    t = offset(t2, tz) === o2 ? t2 : Math.max(t, t2);
  }
  return new Date(t);
}

const clock = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** validZone reports whether tz is a time zone this browser knows. */
export function validZone(tz: string): boolean {
  if (!tz) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * nextRun is when a schedule is next due after now: its time of day in
 * its time zone, every day, on its weekday or on its day of the month
 * (digest.LastDue a period later). null when the settings are incomplete.
 */
export function nextRun(s: When, now: Date): Date | null {
  const c = clock.exec(s.time);
  const tz = s.time_zone || 'UTC';
  if (!c || !validZone(tz)) return null;
  const dayWanted = s.kind === 'weekly' ? weekdays.indexOf(s.weekday as Weekday) : s.kind === 'monthly' ? (s.day_of_month ?? 0) : -1;
  if ((s.kind === 'weekly' && dayWanted < 0) || (s.kind === 'monthly' && (dayWanted < 1 || dayWanted > 28))) return null;
  const today = wall(now, tz);
  for (let i = 0; i <= 62; i++) {
    const date = new Date(Date.UTC(today.y, today.m - 1, today.d + i));
    if (s.kind === 'weekly' && date.getUTCDay() !== dayWanted) continue;
    if (s.kind === 'monthly' && date.getUTCDate() !== dayWanted) continue;
    const t = zonedTime(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), Number(c[1]), Number(c[2]), tz);
    if (t.getTime() > now.getTime()) return t;
  }
  return null;
}

const two = (n: number) => String(n).padStart(2, '0');

/**
 * nextText says when that is, in the schedule's zone and, when the
 * browser's clock differs, in the reader's: "Monday 17 November, 08:00
 * Europe/Paris (07:00 your time)".
 */
export function nextText(t: Date, tz: string, browserTz: string): string {
  const zone = tz || 'UTC';
  const date = (w: Wall) => `${dayNames[w.weekday]} ${w.d} ${monthNames[w.m - 1]}`;
  const there = wall(t, zone);
  let s = `${date(there)}, ${two(there.h)}:${two(there.min)} ${zone}`;
  if (browserTz && browserTz !== zone) {
    const here = wall(t, browserTz);
    const sameDay = here.y === there.y && here.m === there.m && here.d === there.d;
    if (!sameDay) s += ` (${date(here)}, ${two(here.h)}:${two(here.min)} your time)`;
    else if (here.h !== there.h || here.min !== there.min) s += ` (${two(here.h)}:${two(here.min)} your time)`;
  }
  return s;
}

/** The form of a schedule: text fields as typed. */
export interface ScheduleForm {
  name: string;
  kind: DigestKind;
  weekday: Weekday;
  dayOfMonth: string;
  time: string;
  timeZone: string;
  allDomains: boolean;
  domains: string[];
  sections: DigestSection[];
  /** Addresses separated by commas or lines. */
  recipients: string;
  channels: number[];
  pdf: boolean;
  enabled: boolean;
}

/** newScheduleForm: a weekly digest on Monday at 08:00 in tz, every domain and section, with a PDF. */
export function newScheduleForm(tz = 'UTC'): ScheduleForm {
  return {
    name: '',
    kind: 'weekly',
    weekday: 'monday',
    dayOfMonth: '1',
    time: '08:00',
    timeZone: tz,
    allDomains: true,
    domains: [],
    sections: [...allSections],
    recipients: '',
    channels: [],
    pdf: true,
    enabled: true,
  };
}

/** scheduleForm is the form of a stored schedule. */
export function scheduleForm(s: ReportSchedule): ScheduleForm {
  return {
    name: s.name,
    kind: s.kind,
    weekday: s.weekday ?? 'monday',
    dayOfMonth: String(s.day_of_month || 1),
    time: s.time,
    timeZone: s.time_zone || 'UTC',
    allDomains: !s.domains.length,
    domains: [...s.domains],
    sections: s.sections.length ? [...s.sections] : [...allSections],
    recipients: s.recipients.join(', '),
    channels: [...s.channels],
    pdf: s.pdf,
    enabled: s.enabled,
  };
}

// An address as net/mail reads the common forms: a@b.example or Name <a@b.example>.
const email = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$|^[^<>]*<[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+>$/;

/** validateSchedule checks the form as the server does; errors by the API's field names, "destinations" when it goes nowhere. */
export function validateSchedule(f: ScheduleForm): Record<string, string> {
  const e: Record<string, string> = {};
  const name = f.name.trim();
  if (!name) e.name = 'Give the schedule a name.';
  else if (name.length > 200) e.name = 'Keep the name to 200 characters.';
  if (f.kind === 'weekly' && !weekdays.includes(f.weekday)) e.weekday = 'Pick a day of the week.';
  if (f.kind === 'monthly') {
    const d = Number(f.dayOfMonth);
    if (!/^\d+$/.test(f.dayOfMonth.trim()) || d < 1 || d > 28) e.day_of_month = 'Pick a day from 1 to 28, so that every month has it.';
  }
  if (!clock.test(f.time)) e.time = 'A time of day, 00:00 to 23:59.';
  if (!validZone(f.timeZone)) e.time_zone = 'Pick a time zone.';
  if (!f.allDomains && !f.domains.length) e.domains = 'Tick at least one domain, or report on all of them.';
  if (!f.sections.length) e.sections = 'Tick at least one section.';
  const bad = addresses(f.recipients).filter((a) => !email.test(a));
  if (bad.length) e.recipients = `${bad.length === 1 ? 'This is not an email address' : 'These are not email addresses'}: ${bad.join(', ')}.`;
  else if (!addresses(f.recipients).length && !f.channels.length) e.destinations = 'Add an email address or tick a channel: the report needs somewhere to go.';
  return e;
}

/** scheduleInput is the body of creating or replacing the schedule of f. */
export function scheduleInput(f: ScheduleForm): ScheduleInput {
  const body: ScheduleInput = {
    name: f.name.trim(),
    kind: f.kind,
    time: f.time,
    time_zone: f.timeZone,
    domains: f.allDomains ? [] : [...f.domains].sort(),
    sections: allSections.filter((s) => f.sections.includes(s)),
    recipients: addresses(f.recipients),
    channels: [...f.channels],
    pdf: f.pdf,
    enabled: f.enabled,
  };
  if (f.kind === 'weekly') body.weekday = f.weekday;
  if (f.kind === 'monthly') body.day_of_month = Number(f.dayOfMonth);
  return body;
}

/** inputOf is the body that replaces s with only enabled changed (PUT takes the whole schedule). */
export function inputOf(s: ReportSchedule, enabled = s.enabled): ScheduleInput {
  return { ...scheduleInput(scheduleForm(s)), enabled };
}

const apiFields: Record<string, string> = {
  name: 'name',
  kind: 'kind',
  weekday: 'weekday',
  day_of_month: 'day_of_month',
  time: 'time',
  time_zone: 'time_zone',
  sections: 'sections',
  recipients: 'recipients',
  channels: 'channels',
  'recipients or channels': 'destinations',
};

/**
 * fieldError places an API validation message ("time_zone: "Mars/Base"
 * is not an IANA time zone") on its field; field "" when it names none.
 */
export function fieldError(message: string): FieldError {
  return splitFieldError(message, (f) => apiFields[f]);
}

/** The query of the report a schedule (or its form) sends. */
export function digestQuery(s: Pick<ScheduleInput, 'kind' | 'domains' | 'sections'>, at = ''): DigestQuery {
  return {
    period: kindInfo(s.kind).period,
    domains: s.domains,
    sections: s.sections.length === allSections.length ? [] : s.sections,
    at: at || undefined,
  };
}

export const runTone: Record<ScheduleRun['status'], 'good' | 'bad'> = { sent: 'good', failed: 'bad' };
export const runLabel: Record<ScheduleRun['status'], string> = { sent: 'Sent', failed: 'Failed' };

/** runPeriodText names a run's period: "Week of 16 to 22 November 2026". */
export function runPeriodText(r: Pick<ScheduleRun, 'period'>): string {
  const p = { start: r.period[0], end: r.period[1] };
  return periodLabel(kindOfPeriod(p), p);
}

/** runResultText says how a "Send now" went, in a sentence. */
export function runResultText(r: ScheduleRun, channels: Pick<Channel, 'id' | 'name'>[]): string {
  const what = runPeriodText(r);
  if (r.status === 'failed') return `Not sent: ${r.error || 'the server gave no reason'}.`;
  const to = r.recipients.map((x) => runRecipientText(x, channels));
  const list = to.length <= 3 ? to.join(', ') : `${to.slice(0, 3).join(', ')} and ${to.length - 3} more`;
  const of = what.startsWith('Week of') ? 'the week of' + what.slice(7) : what;
  return `Sent the report of ${of} to ${list || 'no one'}.`;
}

/** triggerText says why a run happened. */
export function triggerText(r: Pick<ScheduleRun, 'due'>): string {
  return r.due ? 'On schedule' : 'Sent by hand';
}
