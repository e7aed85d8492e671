// Number, date and rate formatting shared by every page.

const nf = new Intl.NumberFormat('en-US');
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export function num(n: number | undefined): string {
  return n === undefined ? '–' : nf.format(n);
}

export function short(n: number): string {
  return n < 10000 ? nf.format(n) : compact.format(n);
}

/** pct formats a percentage (0..100) with at most one decimal. */
export function pct(p: number | undefined): string {
  if (p === undefined || Number.isNaN(p)) return '–';
  return (Math.round(p * 10) / 10).toString() + '%';
}

/** rate is part/whole as a percentage, 0 when whole is 0. */
export function rate(part: number, whole: number): number {
  return whole > 0 ? (part * 100) / whole : 0;
}

/** tone maps a pass rate to a colour class: good ≥ 90, warn ≥ 70, else bad. */
export function tone(p: number): 'good' | 'warn' | 'bad' {
  return p >= 90 ? 'good' : p >= 70 ? 'warn' : 'bad';
}

/** day formats an ISO date or timestamp as "Jun 13, 2024" (UTC). */
export function day(iso: string): string {
  const d = new Date(iso.length === 10 ? iso + 'T00:00:00Z' : iso);
  return d.toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
}

/** dayRange formats a report's date range compactly. */
export function dayRange(begin: string, end: string): string {
  const b = day(begin);
  const e = day(end);
  return b === e ? b : `${b} – ${e}`;
}

/** ago formats a timestamp relative to now: "3 days ago". */
export function ago(iso: string, now = Date.now()): string {
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  const steps: [number, Intl.RelativeTimeFormatUnit][] = [
    [60, 'second'],
    [60, 'minute'],
    [24, 'hour'],
    [30, 'day'],
    [12, 'month'],
    [Infinity, 'year'],
  ];
  let v = s;
  for (const [n, unit] of steps) {
    if (Math.abs(v) < n) return rtf.format(-Math.round(v), unit);
    v /= n;
  }
  return '';
}
