// The global filter of every page: a policy domain (all when empty) and a
// time range. Remembered in localStorage so a reload keeps the view.

import type { Range } from './api';

export type Preset = '7' | '30' | '90' | '365' | 'all' | 'custom';

const key = 'pd-filters';

interface Saved {
  domain: string;
  preset: Preset;
  since: string;
  until: string;
}

function load(): Saved {
  const d: Saved = { domain: '', preset: '30', since: '', until: '' };
  try {
    return { ...d, ...JSON.parse(localStorage.getItem(key) ?? '{}') };
  } catch {
    return d;
  }
}

/** isoDay formats a Date as YYYY-MM-DD in UTC (report days are UTC). */
export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** daysAgo is the UTC day n days before today. */
export function daysAgo(n: number, now = new Date()): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  d.setUTCDate(d.getUTCDate() - n);
  return isoDay(d);
}

/** rangeOf turns a preset into the API's since/until (until exclusive). */
export function rangeOf(preset: Preset, since: string, until: string, now = new Date()): { since?: string; until?: string } {
  switch (preset) {
    case 'all':
      return {};
    case 'custom': {
      // The form's "to" day is inclusive; the API's until is exclusive.
      let u: string | undefined;
      if (until) {
        const d = new Date(until + 'T00:00:00Z');
        d.setUTCDate(d.getUTCDate() + 1);
        u = isoDay(d);
      }
      return { since: since || undefined, until: u };
    }
    default:
      return { since: daysAgo(Number(preset) - 1, now) };
  }
}

export const presetLabels: Record<Preset, string> = {
  '7': 'Last 7 days',
  '30': 'Last 30 days',
  '90': 'Last 90 days',
  '365': 'Last 12 months',
  all: 'All time',
  custom: 'Custom range',
};

class Filters {
  domain = $state('');
  preset = $state<Preset>('30');
  since = $state('');
  until = $state('');
  /** The text of the search box; each page filters its list by it. */
  search = $state('');
  /** Bumped by "refresh" (r) so pages reload their data. */
  version = $state(0);

  range = $derived<Range>({ domain: this.domain || undefined, ...rangeOf(this.preset, this.since, this.until) });

  constructor() {
    const s = load();
    this.domain = s.domain;
    this.preset = s.preset;
    this.since = s.since;
    this.until = s.until;
    $effect.root(() => {
      $effect(() => {
        const v: Saved = { domain: this.domain, preset: this.preset, since: this.since, until: this.until };
        try {
          localStorage.setItem(key, JSON.stringify(v));
        } catch {
          // Not remembered.
        }
      });
    });
  }

  refresh() {
    this.version++;
  }
}

export const filters = new Filters();
