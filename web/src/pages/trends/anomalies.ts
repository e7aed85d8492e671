// The words and shapes of the Trends page's "What changed" card and
// anomaly list (roadmap 4.2): labels of the detector's kinds, the state
// of an anomaly (alerting, expected, quiet), its days, what to do about
// it, the list grouped by day, the trend's sentences, and the anomaly
// days to mark on the charts. The detector's own explanation and evidence
// are shown as it wrote them.

import type { Anomaly, AnomalyKind, AnomalyList, Range, TrendDirection, TrendReport } from '../../lib/api';
import { addDays, bucketStart, type Bucket } from '../../lib/chart-data';
import { num, pct } from '../../lib/format';

/** The score from which an anomaly alerts, and the list's default minimum. */
export const alertScore = 50;

/**
 * detectorRange is the filter's range as the trend and anomaly endpoints
 * take it: a range with a start and no end ends today (until tomorrow),
 * as the filter means, not at the domain's last day with mail, which
 * would be before the start for a domain without mail in the range.
 * Without a start the endpoints choose (the last 7 or 30 days with mail).
 */
export function detectorRange(r: Range, today: string): { since?: string; until?: string } {
  if (r.since && !r.until) return { since: r.since, until: addDays(today, 1) };
  return { since: r.since, until: r.until };
}

/** What an anomaly's key is: a day, a source IP or a country code. */
export type KeyKind = 'day' | 'ip' | 'country';

export function keyKind(kind: AnomalyKind | string): KeyKind {
  switch (kind) {
    case 'new_unauthorized':
    case 'new_source':
    case 'source_auth_drop':
      return 'ip';
    case 'geographic_shift':
      return 'country';
  }
  return 'day';
}

const labels: Record<AnomalyKind, string> = {
  volume_spike: 'Volume spike',
  volume_drop: 'Volume drop',
  pass_rate_drop: 'Pass rate drop',
  failing_volume: 'More mail failing',
  new_sources: 'Many new sources',
  new_unauthorized: 'New source failing DKIM and SPF',
  new_source: 'New sender',
  source_auth_drop: 'Source stopped passing',
  geographic_shift: 'Mail from a new country',
};

/** kindLabel names a kind of anomaly for people. */
export function kindLabel(kind: AnomalyKind | string): string {
  return labels[kind as AnomalyKind] ?? kind.replace(/_/g, ' ');
}

const advice: Record<AnomalyKind, string> = {
  volume_spike:
    'Look at the new and failing sources of that day. A campaign or a new sender explains it; if you planned it, mark it expected.',
  volume_drop: 'Check that your mail still goes out and that reporters still send reports. If the day was a holiday, mark it expected.',
  pass_rate_drop:
    'Find the sources that failed that day: a changed SPF record or a broken DKIM key of your own, or spoofing. Mark it expected once explained.',
  failing_volume:
    'Someone sent more mail failing DMARC than usual: often spoofing. A DMARC policy of quarantine or reject stops it from being delivered.',
  new_sources: 'Many addresses sent mail as this domain for the first time. If it is not a provider you added, it is likely spoofing.',
  new_unauthorized:
    'If this address is not yours, it is spoofing your domain, and a quarantine or reject policy stops it. If it is a service you use, set up SPF and DKIM for it, then mark it expected.',
  new_source: 'A sender you may have just added. If it is yours, finish its SPF or DKIM setup, then mark it expected.',
  source_auth_drop: "A sender that used to pass now fails: check its DKIM key and that your SPF record still includes it.",
  geographic_shift: 'If you have no servers or senders there, the mail is likely spoofing. If you do, mark it expected.',
};

/** adviceFor says what to do about an anomaly of a kind. */
export function adviceFor(kind: AnomalyKind | string): string {
  return advice[kind as AnomalyKind] ?? 'Look at the evidence and the sources of the day.';
}

/** effectOf says what marking an anomaly of a kind expected changes. */
export function effectOf(kind: AnomalyKind | string): string {
  switch (keyKind(kind)) {
    case 'ip':
      return kind === 'source_auth_drop'
        ? 'This source will no longer alert for passing less.'
        : 'This source will count as a known sender: it is no longer flagged as new, on any day.';
    case 'country':
      return 'Mail from this country will no longer be flagged.';
  }
  return 'This day will no longer alert, and it is left out of the usual levels the detector learns.';
}

export type State = 'alerting' | 'expected' | 'quiet';

/** stateOf is an anomaly's state: marked expected, alerting, or quiet (below 50, or continuing an earlier alert). */
export function stateOf(a: Pick<Anomaly, 'alert' | 'expected'>): State {
  return a.expected ? 'expected' : a.alert ? 'alerting' : 'quiet';
}

export const stateLabel: Record<State, string> = { alerting: 'Alerting', expected: 'Expected', quiet: 'Quiet' };
export const stateTone: Record<State, 'bad' | 'good' | 'neutral'> = { alerting: 'bad', expected: 'good', quiet: 'neutral' };

/** stateHint says why an anomaly has its state. */
export function stateHint(a: Pick<Anomaly, 'alert' | 'expected' | 'score' | 'episode_start' | 'day'>): string {
  if (a.expected) return 'Marked expected: it does not alert.';
  if (a.alert) return `Scores ${a.score} of 100: 50 or more alerts.`;
  if (a.score >= alertScore && a.episode_start !== a.day) return 'Continues an alert of an earlier day, which alerted once.';
  return `Scores ${a.score} of 100: listed, but below the 50 that alerts.`;
}

/** scoreTone colours a score: 80 and more bad, 50 and more warn. */
export function scoreTone(score: number): 'bad' | 'warn' | 'neutral' {
  return score >= 80 ? 'bad' : score >= alertScore ? 'warn' : 'neutral';
}

function ms(d: string): number {
  return Date.parse(d.slice(0, 10) + 'T00:00:00Z');
}

/** shortDay formats a YYYY-MM-DD day as "Thu, Dec 3". */
export function shortDay(d: string): string {
  return new Date(ms(d)).toLocaleDateString('en-US', { weekday: 'short', month: 'short', day: 'numeric', timeZone: 'UTC' });
}

/** daysText says when an anomaly was flagged: "Thu, Dec 3" or "Tue, Dec 1 – Thu, Dec 3 (3 days)". */
export function daysText(a: Pick<Anomaly, 'day' | 'last_day' | 'days'>): string {
  if (!a.last_day || a.last_day === a.day) return shortDay(a.day);
  return `${shortDay(a.day)} – ${shortDay(a.last_day)} (${a.days} ${a.days === 1 ? 'day' : 'days'})`;
}

/** agoText says how long ago a day was, from today (both YYYY-MM-DD). */
export function agoText(d: string, today: string): string {
  const n = Math.round((ms(today) - ms(d)) / 86400_000);
  if (n <= 0) return 'today';
  if (n === 1) return 'yesterday';
  return `${n} days ago`;
}

const stateOrder: Record<State, number> = { alerting: 0, expected: 1, quiet: 2 };

/** A day of the list: its anomalies, alerting first, then by score. */
export interface DayGroup {
  day: string;
  anomalies: Anomaly[];
  alerting: number;
}

/**
 * groupByDay groups anomalies by the day they were (first) flagged,
 * newest first; in a day, alerting before expected before quiet, then the
 * highest score, then by kind and key.
 */
export function groupByDay(list: Anomaly[]): DayGroup[] {
  const by = new Map<string, Anomaly[]>();
  for (const a of list) {
    const g = by.get(a.day);
    if (g) g.push(a);
    else by.set(a.day, [a]);
  }
  return [...by.entries()]
    .sort((a, b) => (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0))
    .map(([day, as]) => ({
      day,
      anomalies: as.sort(
        (x, y) =>
          stateOrder[stateOf(x)] - stateOrder[stateOf(y)] || y.score - x.score || x.kind.localeCompare(y.kind) || x.key.localeCompare(y.key),
      ),
      alerting: as.filter((a) => a.alert).length,
    }));
}

/** What a day's list leaves out until expanded: how many of a kind. */
export interface Hidden {
  kind: AnomalyKind;
  count: number;
}

/**
 * collapse keeps a day's list readable when a burst brings dozens of
 * anomalies of one kind (new sources): of a kind with more than limit,
 * the first keep (the list's order: alerting, then by score) and every
 * expected one are shown, the rest counted in hidden.
 */
export function collapse(list: Anomaly[], limit = 6, keep = 4): { shown: Anomaly[]; hidden: Hidden[] } {
  const total = new Map<AnomalyKind, number>();
  for (const a of list) total.set(a.kind, (total.get(a.kind) ?? 0) + 1);
  const seen = new Map<AnomalyKind, number>();
  const shown: Anomaly[] = [];
  const hidden = new Map<AnomalyKind, number>();
  for (const a of list) {
    const n = (seen.get(a.kind) ?? 0) + 1;
    seen.set(a.kind, n);
    if ((total.get(a.kind) ?? 0) <= limit || n <= keep || a.expected) shown.push(a);
    else hidden.set(a.kind, (hidden.get(a.kind) ?? 0) + 1);
  }
  return { shown, hidden: [...hidden.entries()].map(([kind, count]) => ({ kind, count })) };
}

const plurals: Partial<Record<AnomalyKind, string>> = {
  new_unauthorized: 'new sources failing DKIM and SPF',
  new_source: 'new senders',
  source_auth_drop: 'sources that stopped passing',
  geographic_shift: 'new countries',
};

/** hiddenText says what "show more" shows: "3 more new sources failing DKIM and SPF". */
export function hiddenText(h: Hidden[]): string {
  const n = h.reduce((s, x) => s + x.count, 0);
  if (h.length === 1) return `Show ${num(n)} more ${plurals[h[0].kind] ?? 'of this kind'}`;
  return `Show ${num(n)} more`;
}

/** counts counts the anomalies of each state. */
export function counts(list: Pick<Anomaly, 'alert' | 'expected'>[]): Record<State, number> {
  const c: Record<State, number> = { alerting: 0, expected: 0, quiet: 0 };
  for (const a of list) c[stateOf(a)]++;
  return c;
}

function plural(n: number, one: string, many = one + 's'): string {
  return `${num(n)} ${n === 1 ? one : many}`;
}

/** countsText sums up a list: "3 alerts, 1 marked expected, 12 quiet". */
export function countsText(c: Record<State, number>): string {
  const parts: string[] = [];
  if (c.alerting) parts.push(plural(c.alerting, 'alert'));
  if (c.expected) parts.push(`${num(c.expected)} marked expected`);
  if (c.quiet) parts.push(`${num(c.quiet)} quiet`);
  return parts.length ? parts.join(', ') : 'Nothing unusual';
}

/** detectionNotes are the sentences saying what the detector could not judge. */
export function detectionNotes(l: Pick<AnomalyList, 'learning' | 'learning_until' | 'provisional_days' | 'skipped'>): string[] {
  const out: string[] = [];
  if (l.learning) {
    out.push(
      `The detector is still learning this domain's usual mail: it reports anomalies from ${shortDay(l.learning_until)} on, 14 days after its first report.`,
    );
  }
  const p = l.provisional_days ?? [];
  if (p.length) {
    const days = p.map(shortDay);
    const list = days.length === 1 ? days[0] : days.slice(0, -1).join(', ') + ' and ' + days[days.length - 1];
    out.push(`${list} ${p.length === 1 ? 'is' : 'are'} provisional: reports of ${p.length === 1 ? 'that day' : 'those days'} may still arrive.`);
  }
  for (const s of l.skipped ?? []) out.push('Not checked: ' + s + '.');
  return out;
}

/**
 * splitFeedback takes the line the detector adds to the evidence of an
 * expected anomaly ("marked expected by …") out, to show it apart.
 */
export function splitFeedback(evidence: string[]): { evidence: string[]; feedback?: string } {
  const i = evidence.findIndex((e) => e.startsWith('marked expected by '));
  if (i < 0) return { evidence };
  return { evidence: evidence.filter((_, j) => j !== i), feedback: evidence[i] };
}

/** expectedText says who marked an anomaly expected, when and why. */
export function expectedText(f: { by: string; at: string; note: string } | undefined): string {
  if (!f) return 'Marked expected.';
  const when = new Date(f.at).toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
  let s = `Marked expected ${f.by ? 'by ' + f.by + ' ' : ''}on ${when}`;
  s += f.note ? `: “${f.note}”` : '.';
  return s;
}

// The trend card.

/** periodText is a period [start, end) as its days: "Nov 30 – Dec 6, 2026". */
export function periodText(p: { start: string; end: string }): string {
  const first = p.start.slice(0, 10);
  const last = addDays(p.end.slice(0, 10), -1);
  const f = (d: string, year: boolean) =>
    new Date(ms(d)).toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: year ? 'numeric' : undefined, timeZone: 'UTC' });
  if (first === last) return f(first, true);
  return `${f(first, first.slice(0, 4) !== last.slice(0, 4))} – ${f(last, true)}`;
}

/** periodDays is the length of a period [start, end) in days. */
export function periodDays(p: { start: string; end: string }): number {
  return Math.round((ms(p.end) - ms(p.start)) / 86400_000);
}

export interface Change {
  /** The headline: "5,880", "85.2%". */
  value: string;
  /** Against the previous period: "up 5.1% from 5,595". */
  change: string;
  direction: TrendDirection | 'up' | 'down' | 'flat';
  tone: 'good' | 'bad' | 'neutral';
}

/** volumeChange compares the period's messages with the previous period's. */
export function volumeChange(v: TrendReport['trends']['total_volume']): Change {
  const value = num(v.current);
  if (v.previous === 0 || v.change_percent === null) {
    return { value, change: 'no mail in the previous period to compare with', direction: 'flat', tone: 'neutral' };
  }
  const c = v.change_percent;
  if (Math.abs(c) < 0.05) return { value, change: `the same as the previous period`, direction: 'flat', tone: 'neutral' };
  const by = `${Math.abs(c) >= 10 ? Math.round(Math.abs(c)) : Math.round(Math.abs(c) * 10) / 10}%`;
  return { value, change: `${c > 0 ? 'up' : 'down'} ${by} from ${num(v.previous)}`, direction: c > 0 ? 'up' : 'down', tone: 'neutral' };
}

const directionWord: Record<TrendDirection, string> = {
  improving: 'improving',
  declining: 'declining',
  stable: 'stable',
  unknown: 'no trend yet',
};

/** passRateChange compares the DMARC pass rates, in points, with the API's direction. */
export function passRateChange(p: TrendReport['trends']['pass_rate']): Change & { word: string } {
  const word = directionWord[p.direction] ?? p.direction;
  const tone = p.direction === 'improving' ? 'good' : p.direction === 'declining' ? 'bad' : 'neutral';
  if (p.direction === 'unknown') {
    return { value: p.current ? pct(p.current) : '–', change: 'not enough mail in one of the periods to compare', direction: p.direction, tone, word };
  }
  const pts = Math.round(Math.abs(p.change_points) * 10) / 10;
  const change =
    pts === 0
      ? `the same as the previous period (${pct(p.previous)})`
      : `${pts} ${pts === 1 ? 'point' : 'points'} ${p.change_points > 0 ? 'higher' : 'lower'} than ${pct(p.previous)}`;
  return { value: pct(p.current), change, direction: p.direction, tone, word };
}

/** sourcesText says how many sources are new or gone, and how many are listed. */
export function sourcesText(shown: number, total: number, what: 'new' | 'gone'): string {
  if (total === 0) return what === 'new' ? 'No new sources' : 'No source stopped sending';
  const head = what === 'new' ? `${plural(total, 'new source')}` : `${plural(total, 'source')} stopped sending`;
  return shown < total ? `${head}, the ${num(shown)} busiest:` : head;
}

/** classTone colours the trend's classification of a source. */
export function classTone(c: string): 'good' | 'bad' | 'neutral' {
  return c === 'legitimate' ? 'good' : c === 'suspicious' ? 'bad' : 'neutral';
}

/** sourcePath is the dashboard's page of a source IP. */
export function sourcePath(ip: string): string {
  return '/sources/' + encodeURIComponent(ip);
}

// The charts.

/**
 * markedBuckets are the indexes of the buckets (starts, YYYY-MM-DD) that
 * hold a day an anomaly alerts on, or was marked expected on (expected
 * ones are marked too, so the chart explains its bump), each once, in
 * order. Quiet anomalies are not marked.
 */
export function markedBuckets(list: Pick<Anomaly, 'day' | 'alert' | 'expected'>[], starts: string[], bucket: Bucket): number[] {
  const at = new Map(starts.map((s, i) => [s, i]));
  const out = new Set<number>();
  for (const a of list) {
    if (!a.alert && !a.expected) continue;
    const i = at.get(bucketStart(a.day, bucket));
    if (i !== undefined) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

// Every domain at once.

/** A domain's alerts, for the list of all domains. */
export interface DomainAlerts {
  domain: string;
  alerting: Anomaly[];
  error?: string;
}

/**
 * byAlerts orders the domains with alerts first, the most first (then
 * the highest score, then by name); those without alerts follow by name.
 */
export function byAlerts(list: DomainAlerts[]): DomainAlerts[] {
  const top = (d: DomainAlerts) => Math.max(0, ...d.alerting.map((a) => a.score));
  return [...list].sort((a, b) => b.alerting.length - a.alerting.length || top(b) - top(a) || a.domain.localeCompare(b.domain));
}

/**
 * mapLimit runs f over items with at most limit calls in flight, keeping
 * the order of items in the results.
 */
export async function mapLimit<T, R>(items: T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
