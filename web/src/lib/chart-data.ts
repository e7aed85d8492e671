// Shaping the timeline API's points for the Trends charts (roadmap 2.2):
// one x axis of every bucket (day, or week from Monday, as the API
// buckets) across the range, null where a bucket has no data so lines
// break instead of dropping to zero, several domains aligned on the same
// axis, and the sentences under each chart that say what it shows.

import type { Range, TimelinePoint } from './api';

export type Bucket = 'day' | 'week';

const DAY = 86400_000;

function ms(iso: string): number {
  return Date.parse(iso.slice(0, 10) + 'T00:00:00Z');
}

function iso(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

/** addDays moves a YYYY-MM-DD day by n days (UTC). */
export function addDays(day: string, n: number): string {
  return iso(ms(day) + n * DAY);
}

/** mondayOf is the Monday starting the week of a day, the API's week bucket. */
export function mondayOf(day: string): string {
  const t = ms(day);
  const dow = (new Date(t).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return iso(t - dow * DAY);
}

/** bucketStart is the start of the bucket holding a day. */
export function bucketStart(day: string, bucket: Bucket): string {
  return bucket === 'week' ? mondayOf(day) : day.slice(0, 10);
}

/** bucketStarts lists every bucket from the one holding from to the one holding to, both inclusive. */
export function bucketStarts(from: string, to: string, bucket: Bucket): string[] {
  const step = bucket === 'week' ? 7 : 1;
  const out: string[] = [];
  const end = ms(bucketStart(to, bucket));
  for (let t = ms(bucketStart(from, bucket)); t <= end; t += step * DAY) out.push(iso(t));
  return out;
}

/**
 * span is the first and last day the charts cover: the filter's range
 * (until is exclusive; an open end is today when since is set), else
 * the days the data covers. Undefined when there is nothing to cover.
 */
export function span(range: Range, series: { start: string }[][], today: string): { from: string; to: string } | undefined {
  let lo = '';
  let hi = '';
  for (const pts of series) {
    for (const p of pts) {
      if (!lo || p.start < lo) lo = p.start;
      if (!hi || p.start > hi) hi = p.start;
    }
  }
  const from = range.since ?? lo;
  const to = range.until ? addDays(range.until, -1) : range.since ? (hi > today ? hi : today) : hi;
  if (!from || !to || to < from) return undefined;
  return { from, to };
}

/** fillGaps puts each point at its bucket's place among starts, null where none. */
export function fillGaps<T extends { start: string }>(points: T[], starts: string[]): (T | null)[] {
  const at = new Map(points.map((p) => [p.start.slice(0, 10), p]));
  return starts.map((s) => at.get(s) ?? null);
}

export interface Aligned {
  /** The bucket starts, YYYY-MM-DD. */
  starts: string[];
  /** The same as Unix seconds, uPlot's x values. */
  xs: number[];
  /** One row per series, a point or null per bucket. */
  rows: (TimelinePoint | null)[][];
}

/**
 * align puts one or more timelines (the filter's, or one per domain) on
 * one x axis covering the range, so every series has a value or a gap
 * at every x.
 */
export function align(series: TimelinePoint[][], range: Range, bucket: Bucket, today: string): Aligned {
  const s = span(range, series, today);
  const starts = s ? bucketStarts(s.from, s.to, bucket) : [];
  return { starts, xs: starts.map((d) => ms(d) / 1000), rows: series.map((pts) => fillGaps(pts, starts)) };
}

/** column picks one number of every point, null in the gaps. */
export function column(row: (TimelinePoint | null)[], pick: (p: TimelinePoint) => number): (number | null)[] {
  return row.map((p) => (p ? pick(p) : null));
}

/**
 * isolated lists the indexes of values with a gap (or the edge) on both
 * sides: a line cannot show them, so the chart draws them as dots.
 */
export function isolated(values: (number | null | undefined)[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (values[i] == null) continue;
    if ((i === 0 || values[i - 1] == null) && (i === values.length - 1 || values[i + 1] == null)) out.push(i);
  }
  return out;
}

/** hasData tells whether any point of any row carries messages. */
export function hasData(a: Aligned): boolean {
  return a.rows.some((r) => r.some((p) => p !== null && p.total_messages > 0));
}

function firstLast(values: (number | null)[]): [number, number] | undefined {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length ? [v[0], v[v.length - 1]] : undefined;
}

const r0 = (p: number) => `${Math.round(p)}%`;
const n0 = (n: number) => new Intl.NumberFormat('en-US').format(n);

/** longDay formats a YYYY-MM-DD day as "Jun 3, 2024". */
export function longDay(day: string): string {
  return new Date(ms(day)).toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
}

/**
 * describeRate says how a percentage moved from the first bucket with
 * data to the last: "Compliance rose from 71% to 94% over the period."
 */
export function describeRate(label: string, values: (number | null)[]): string {
  const fl = firstLast(values);
  if (!fl) return `No ${label.toLowerCase()} data in this range.`;
  const [a, b] = fl;
  const n = values.filter((v) => v !== null).length;
  if (n === 1) return `${label} was ${r0(a)} in the only period with data.`;
  if (Math.round(a) === Math.round(b)) return `${label} held at ${r0(b)} over the period.`;
  return `${label} ${b > a ? 'rose' : 'fell'} from ${r0(a)} to ${r0(b)} over the period.`;
}

/** describeVolume sums the messages and names the busiest bucket. */
export function describeVolume(starts: string[], values: (number | null)[], bucket: Bucket): string {
  let total = 0;
  let top = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null) continue;
    total += v;
    if (top < 0 || v > (values[top] ?? 0)) top = i;
  }
  if (top < 0) return 'No messages in this range.';
  const when = bucket === 'week' ? `the week of ${longDay(starts[top])}` : longDay(starts[top]);
  return `${n0(total)} messages over the period; the busiest ${bucket} was ${when} with ${n0(values[top] ?? 0)}.`;
}

/** describeBreakdown sums pass and fail over the period. */
export function describeBreakdown(row: (TimelinePoint | null)[]): string {
  let total = 0;
  let pass = 0;
  let spf = 0;
  let dkim = 0;
  for (const p of row) {
    if (!p) continue;
    total += p.total_messages;
    pass += p.dmarc_pass;
    spf += p.spf_pass;
    dkim += p.dkim_pass;
  }
  if (total === 0) return 'No messages in this range.';
  const pc = (x: number) => r0((x * 100) / total);
  return `Of ${n0(total)} messages, ${n0(pass)} (${pc(pass)}) passed DMARC and ${n0(total - pass)} (${pc(total - pass)}) failed; ${pc(spf)} had aligned SPF and ${pc(dkim)} aligned DKIM.`;
}

/** describeComparison names the domains with the highest and lowest latest compliance. */
export function describeComparison(domains: string[], rows: (TimelinePoint | null)[][]): string {
  const latest: { d: string; v: number }[] = [];
  rows.forEach((row, i) => {
    const fl = firstLast(column(row, (p) => p.pass_rate_overall));
    if (fl) latest.push({ d: domains[i], v: fl[1] });
  });
  if (latest.length === 0) return 'None of the chosen domains has data in this range.';
  if (latest.length === 1) return `${latest[0].d} ends the period at ${r0(latest[0].v)} compliance.`;
  latest.sort((a, b) => b.v - a.v);
  const hi = latest[0];
  const lo = latest[latest.length - 1];
  return `At the end of the period ${hi.d} has the highest compliance (${r0(hi.v)}) and ${lo.d} the lowest (${r0(lo.v)}).`;
}
