// Words for the "no reports in this range" notices of the Overview, Trends
// and Map pages (lib/RangeNotice.svelte).
import { day } from './format';
import { presetLabels, type Preset } from './filters.svelte';

/** rangeWhen says when a range is: "in the last 30 days", "between Jan 1, 2024 and Feb 1, 2024". */
export function rangeWhen(preset: Preset, since: string, until: string): string {
  if (preset !== 'custom') return `in the ${presetLabels[preset].toLowerCase()}`;
  if (!since && !until) return 'in this range';
  return `between ${since ? day(since) : 'the first report'} and ${until ? day(until) : 'today'}`;
}

/** newestReport is the latest last_report of the domains ('' when there are none). */
export function newestReport(domains: { last_report: string }[] | undefined): string {
  return (domains ?? []).reduce((m, d) => (d.last_report > m ? d.last_report : m), '');
}
