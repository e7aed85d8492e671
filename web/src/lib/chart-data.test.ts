import { describe, expect, it } from 'vitest';
import type { TimelinePoint } from './api';
import {
  addDays,
  align,
  bucketStarts,
  column,
  describeBreakdown,
  describeComparison,
  describeRate,
  describeVolume,
  fillGaps,
  hasData,
  isolated,
  mondayOf,
  span,
} from './chart-data';

function pt(start: string, total: number, pass: number): TimelinePoint {
  return {
    start,
    total_messages: total,
    dmarc_pass: pass,
    dkim_pass: pass,
    dkim_fail: total - pass,
    spf_pass: pass,
    spf_fail: total - pass,
    fully_aligned: pass,
    fully_failed: total - pass,
    disposition_none: total,
    disposition_quarantine: 0,
    disposition_reject: 0,
    unique_sources: 1,
    pass_rate_dkim: total ? (pass * 100) / total : 0,
    pass_rate_spf: total ? (pass * 100) / total : 0,
    pass_rate_overall: total ? (pass * 100) / total : 0,
  };
}

describe('days and weeks', () => {
  it('adds days across months and years', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });
  it('finds the Monday of a week like the API (weeks start on Monday)', () => {
    expect(mondayOf('2024-06-03')).toBe('2024-06-03'); // a Monday
    expect(mondayOf('2024-06-09')).toBe('2024-06-03'); // Sunday
    expect(mondayOf('2024-06-05')).toBe('2024-06-03');
    expect(mondayOf('2025-01-01')).toBe('2024-12-30'); // across a year
    expect(mondayOf('1970-01-01')).toBe('1969-12-29');
  });
  it('lists daily and weekly buckets inclusively', () => {
    expect(bucketStarts('2024-06-01', '2024-06-03', 'day')).toEqual(['2024-06-01', '2024-06-02', '2024-06-03']);
    expect(bucketStarts('2024-06-05', '2024-06-20', 'week')).toEqual(['2024-06-03', '2024-06-10', '2024-06-17']);
    expect(bucketStarts('2024-06-05', '2024-06-05', 'week')).toEqual(['2024-06-03']);
    expect(bucketStarts('2024-06-05', '2024-06-01', 'day')).toEqual([]);
  });
});

describe('span', () => {
  const today = '2024-06-30';
  it('takes the filter range, until exclusive', () => {
    expect(span({ since: '2024-06-01', until: '2024-06-08' }, [], today)).toEqual({ from: '2024-06-01', to: '2024-06-07' });
  });
  it('runs an open range to today', () => {
    expect(span({ since: '2024-06-24' }, [[pt('2024-06-25', 1, 1)]], today)).toEqual({ from: '2024-06-24', to: '2024-06-30' });
  });
  it('covers the data of every series for all time', () => {
    expect(span({}, [[pt('2020-01-05', 1, 1)], [pt('2019-03-01', 1, 1), pt('2021-01-01', 1, 1)]], today)).toEqual({
      from: '2019-03-01',
      to: '2021-01-01',
    });
    expect(span({}, [[], []], today)).toBeUndefined();
  });
});

describe('gaps', () => {
  it('fills missing buckets with null, not zero', () => {
    const a = pt('2024-06-01', 10, 9);
    const c = pt('2024-06-03', 4, 2);
    const filled = fillGaps([a, c], ['2024-06-01', '2024-06-02', '2024-06-03', '2024-06-04']);
    expect(filled).toEqual([a, null, c, null]);
    expect(column(filled, (p) => p.total_messages)).toEqual([10, null, 4, null]);
  });
  it('finds the points a line cannot draw', () => {
    expect(isolated([1, null, 2, 3, null, 4])).toEqual([0, 5]);
    expect(isolated([null, 1, null])).toEqual([1]);
    expect(isolated([1, 2])).toEqual([]);
    expect(isolated([])).toEqual([]);
  });
});

describe('align', () => {
  it('puts several domains on one x axis', () => {
    const a = [pt('2024-06-01', 10, 9), pt('2024-06-03', 10, 10)];
    const b = [pt('2024-06-02', 5, 1)];
    const r = align([a, b], { since: '2024-06-01', until: '2024-06-05' }, 'day', '2024-06-30');
    expect(r.starts).toEqual(['2024-06-01', '2024-06-02', '2024-06-03', '2024-06-04']);
    expect(r.xs[0]).toBe(Date.UTC(2024, 5, 1) / 1000);
    expect(r.xs[1] - r.xs[0]).toBe(86400);
    expect(r.rows.map((row) => column(row, (p) => p.total_messages))).toEqual([
      [10, null, 10, null],
      [null, 5, null, null],
    ]);
    expect(r.rows.every((row) => row.length === r.xs.length)).toBe(true);
    expect(hasData(r)).toBe(true);
  });
  it('aligns weeks to Mondays even when the range starts mid-week', () => {
    const r = align([[pt('2024-06-10', 7, 7)]], { since: '2024-06-05', until: '2024-06-21' }, 'week', '2024-06-30');
    expect(r.starts).toEqual(['2024-06-03', '2024-06-10', '2024-06-17']);
    expect(column(r.rows[0], (p) => p.total_messages)).toEqual([null, 7, null]);
    expect(r.xs[1] - r.xs[0]).toBe(7 * 86400);
  });
  it('is empty without data', () => {
    const r = align([[]], {}, 'day', '2024-06-30');
    expect(r.starts).toEqual([]);
    expect(hasData(r)).toBe(false);
  });
});

describe('summaries', () => {
  it('says how compliance moved', () => {
    expect(describeRate('Compliance', [71.2, null, 80, 94.4])).toBe('Compliance rose from 71% to 94% over the period.');
    expect(describeRate('Compliance', [90, 60])).toBe('Compliance fell from 90% to 60% over the period.');
    expect(describeRate('Compliance', [90.2, 89.8])).toBe('Compliance held at 90% over the period.');
    expect(describeRate('Compliance', [null, 50, null])).toBe('Compliance was 50% in the only period with data.');
    expect(describeRate('Compliance', [null])).toBe('No compliance data in this range.');
  });
  it('sums volume and names the busiest bucket', () => {
    expect(describeVolume(['2024-06-01', '2024-06-02', '2024-06-03'], [1000, null, 2500], 'day')).toBe(
      '3,500 messages over the period; the busiest day was Jun 3, 2024 with 2,500.',
    );
    expect(describeVolume(['2024-06-03'], [7], 'week')).toBe('7 messages over the period; the busiest week was the week of Jun 3, 2024 with 7.');
    expect(describeVolume(['2024-06-03'], [null], 'day')).toBe('No messages in this range.');
  });
  it('sums pass and fail', () => {
    expect(describeBreakdown([pt('2024-06-01', 80, 60), null, pt('2024-06-03', 20, 20)])).toBe(
      'Of 100 messages, 80 (80%) passed DMARC and 20 (20%) failed; 80% had aligned SPF and 80% aligned DKIM.',
    );
    expect(describeBreakdown([null])).toBe('No messages in this range.');
  });
  it('compares domains by their latest compliance', () => {
    const rows = [
      [pt('2024-06-01', 10, 5), pt('2024-06-02', 10, 9)],
      [pt('2024-06-01', 10, 10), null],
      [null, null],
    ];
    expect(describeComparison(['a.example', 'b.example', 'c.example'], rows)).toBe(
      'At the end of the period b.example has the highest compliance (100%) and a.example the lowest (90%).',
    );
    expect(describeComparison(['c.example'], [[null]])).toBe('None of the chosen domains has data in this range.');
  });
});
