import { describe, expect, it } from 'vitest';
import { label, matches, rows, sortRows, totals, volume } from './geo-data';

const list = rows([
  { country: 'US', messages: 1234, dmarc_pass: 1200, sources: 17 },
  { country: 'de', messages: 100, dmarc_pass: 40, sources: 3 },
  { country: 'XK', messages: 5, dmarc_pass: 5, sources: 1 },
  { country: 'SG', messages: 100, dmarc_pass: 100, sources: 2 },
]);

describe('country rows', () => {
  it('joins names, atlas ids, failures and pass rates', () => {
    expect(list[0]).toMatchObject({ country: 'US', name: 'United States', numeric: '840', failed: 34 });
    expect(list[0].passRate).toBeCloseTo(97.24, 2);
    expect(list[1]).toMatchObject({ country: 'DE', name: 'Germany', numeric: '276', failed: 60, passRate: 40 });
    expect(list[2]).toMatchObject({ name: 'Kosovo', numeric: undefined });
  });
  it('shades by all or failing messages', () => {
    expect(volume(list[1], 'all')).toBe(100);
    expect(volume(list[1], 'failing')).toBe(60);
  });
  it('labels a country for screen readers', () => {
    expect(label(list[0])).toBe('United States: 1,234 messages, 97% pass');
    expect(label(list[1], 'failing')).toBe('Germany: 100 messages, 40% pass, 60 failed');
  });
  it('sorts by any column, ties by messages then name', () => {
    expect(sortRows(list, 'messages', true).map((r) => r.country)).toEqual(['US', 'DE', 'SG', 'XK']);
    expect(sortRows(list, 'name', false).map((r) => r.country)).toEqual(['DE', 'XK', 'SG', 'US']);
    expect(sortRows(list, 'passRate', false).map((r) => r.country)).toEqual(['DE', 'US', 'SG', 'XK']);
    expect(sortRows(list, 'failed', true)[0].country).toBe('DE');
  });
  it('sums totals with the unknown messages', () => {
    expect(totals(list, 10)).toMatchObject({ messages: 1449, located: 1439, failed: 94, countries: 4 });
    expect(totals(list, 0).top?.country).toBe('US');
    expect(totals([], 3)).toMatchObject({ messages: 3, countries: 0, top: undefined });
  });
  it('matches the search by name or code', () => {
    expect(matches(list[0], 'united')).toBe(true);
    expect(matches(list[0], 'us')).toBe(true);
    expect(matches(list[1], 'us')).toBe(false);
    expect(matches(list[1], '')).toBe(true);
  });
});
