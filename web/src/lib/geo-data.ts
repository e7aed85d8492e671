// The country statistics of the Map page (roadmap 2.3): each country's
// pass rate and failures, what is shaded (all messages or failing only),
// the list view's sorting and the words a screen reader hears.

import type { CountryStat } from './api';
import { isoName, numericOf } from './geo-iso';

export interface CountryRow extends CountryStat {
  name: string;
  /** The atlas feature id (3-digit numeric), undefined when not on the map. */
  numeric?: string;
  failed: number;
  /** DMARC pass rate, 0..100. */
  passRate: number;
}

export function rows(list: CountryStat[]): CountryRow[] {
  return list.map((c) => {
    const code = c.country.toUpperCase();
    return {
      ...c,
      country: code,
      name: isoName(code),
      numeric: numericOf(code),
      failed: Math.max(0, c.messages - c.dmarc_pass),
      passRate: c.messages > 0 ? (c.dmarc_pass * 100) / c.messages : 0,
    };
  });
}

export type Result = 'all' | 'failing';

/** volume is what the map shades a country by: all its messages, or the failing ones. */
export function volume(r: CountryRow, result: Result): number {
  return result === 'failing' ? r.failed : r.messages;
}

export type SortKey = 'name' | 'messages' | 'failed' | 'passRate' | 'sources';

/** sortRows sorts a copy; ties fall back to messages, then name. */
export function sortRows(list: CountryRow[], key: SortKey, desc: boolean): CountryRow[] {
  const dir = desc ? -1 : 1;
  return [...list].sort((a, b) => {
    const c = key === 'name' ? a.name.localeCompare(b.name) : a[key] - b[key];
    if (c !== 0) return c * dir;
    return b.messages - a.messages || a.name.localeCompare(b.name);
  });
}

const nf = new Intl.NumberFormat('en-US');

/** ratePct rounds a pass rate for people: 99.6 → "99.6%", 97 → "97%". */
export function ratePct(p: number): string {
  return `${Math.round(p * 10) / 10}%`;
}

/** label is a country's accessible name: "United States: 1,234 messages, 97% pass". */
export function label(r: CountryRow, result: Result = 'all'): string {
  const base = `${r.name}: ${nf.format(r.messages)} ${r.messages === 1 ? 'message' : 'messages'}, ${ratePct(Math.round(r.passRate))} pass`;
  return result === 'failing' ? `${base}, ${nf.format(r.failed)} failed` : base;
}

export interface Totals {
  messages: number;
  located: number;
  failed: number;
  countries: number;
  top?: CountryRow;
}

/** totals sums the countries and the unknown messages. */
export function totals(list: CountryRow[], unknown: number): Totals {
  let located = 0;
  let failed = 0;
  let top: CountryRow | undefined;
  for (const r of list) {
    located += r.messages;
    failed += r.failed;
    if (!top || r.messages > top.messages) top = r;
  }
  return { messages: located + unknown, located, failed, countries: list.filter((r) => r.messages > 0).length, top };
}

/** matches tells whether a country matches the search box (name or code). */
export function matches(r: CountryRow, q: string): boolean {
  const s = q.trim().toLowerCase();
  return !s || r.name.toLowerCase().includes(s) || r.country.toLowerCase() === s;
}
