import { describe, expect, it } from 'vitest';
import { newestReport, rangeWhen } from './range-text';

describe('rangeWhen', () => {
  it('names a preset', () => {
    expect(rangeWhen('30', '', '')).toBe('in the last 30 days');
    expect(rangeWhen('365', '', '')).toBe('in the last 12 months');
  });
  it('names the days of a custom range', () => {
    expect(rangeWhen('custom', '2024-01-01', '2024-02-01')).toBe('between Jan 1, 2024 and Feb 1, 2024');
    expect(rangeWhen('custom', '', '2024-02-01')).toBe('between the first report and Feb 1, 2024');
    expect(rangeWhen('custom', '2024-01-01', '')).toBe('between Jan 1, 2024 and today');
    expect(rangeWhen('custom', '', '')).toBe('in this range');
  });
});

describe('newestReport', () => {
  it('is the latest last_report', () => {
    expect(newestReport([{ last_report: '2024-01-02T00:00:00Z' }, { last_report: '2024-03-01T00:00:00Z' }])).toBe('2024-03-01T00:00:00Z');
  });
  it('is empty without domains', () => {
    expect(newestReport(undefined)).toBe('');
    expect(newestReport([])).toBe('');
  });
});
