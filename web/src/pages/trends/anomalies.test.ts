import { describe, expect, it } from 'vitest';
import type { Anomaly } from '../../lib/api';
import {
  adviceFor,
  agoText,
  byAlerts,
  classTone,
  collapse,
  counts,
  countsText,
  daysText,
  detectionNotes,
  detectorRange,
  effectOf,
  expectedText,
  groupByDay,
  hiddenText,
  keyKind,
  kindLabel,
  mapLimit,
  markedBuckets,
  passRateChange,
  periodDays,
  periodText,
  scoreTone,
  shortDay,
  sourcePath,
  sourcesText,
  splitFeedback,
  stateHint,
  stateOf,
  volumeChange,
} from './anomalies';

function an(over: Partial<Anomaly> = {}): Anomaly {
  const day = over.day ?? '2026-12-03';
  return {
    id: 'x',
    kind: 'new_unauthorized',
    key: '203.0.113.10',
    day,
    last_day: day,
    days: 1,
    score: 70,
    confidence: 'high',
    severity: 'medium',
    alert: true,
    expected: false,
    episode_start: day,
    provisional: false,
    explanation: '',
    evidence: [],
    value: 0,
    baseline: 0,
    deviation: 0,
    affected_messages: 0,
    ...over,
  };
}

describe('detectorRange', () => {
  it('ends a range without an end today', () => {
    expect(detectorRange({ domain: 'x', since: '2026-11-08' }, '2026-12-07')).toEqual({ since: '2026-11-08', until: '2026-12-08' });
    expect(detectorRange({ since: '2026-11-08', until: '2026-11-20' }, '2026-12-07')).toEqual({ since: '2026-11-08', until: '2026-11-20' });
    expect(detectorRange({}, '2026-12-07')).toEqual({ since: undefined, until: undefined });
  });
});

describe('kinds', () => {
  it('tells what a key is', () => {
    expect(keyKind('new_unauthorized')).toBe('ip');
    expect(keyKind('source_auth_drop')).toBe('ip');
    expect(keyKind('geographic_shift')).toBe('country');
    expect(keyKind('volume_spike')).toBe('day');
    expect(keyKind('failing_volume')).toBe('day');
  });
  it('names every kind, and an unknown one from its key', () => {
    expect(kindLabel('new_unauthorized')).toBe('New source failing DKIM and SPF');
    expect(kindLabel('geographic_shift')).toBe('Mail from a new country');
    expect(kindLabel('some_new_kind')).toBe('some new kind');
  });
  it('says what to do and what marking expected changes', () => {
    expect(adviceFor('new_unauthorized')).toMatch(/spoofing/);
    expect(adviceFor('unknown_kind')).toMatch(/evidence/);
    expect(effectOf('new_source')).toMatch(/no longer flagged as new/);
    expect(effectOf('source_auth_drop')).toMatch(/passing less/);
    expect(effectOf('geographic_shift')).toMatch(/country/);
    expect(effectOf('volume_spike')).toMatch(/left out of the usual levels/);
  });
});

describe('state', () => {
  it('is expected before alerting, else quiet', () => {
    expect(stateOf({ alert: true, expected: false })).toBe('alerting');
    expect(stateOf({ alert: false, expected: true })).toBe('expected');
    expect(stateOf({ alert: false, expected: false })).toBe('quiet');
  });
  it('says why', () => {
    expect(stateHint(an({ alert: false, expected: true }))).toMatch(/Marked expected/);
    expect(stateHint(an({ score: 88 }))).toBe('Scores 88 of 100: 50 or more alerts.');
    expect(stateHint(an({ alert: false, score: 20 }))).toMatch(/below the 50/);
    expect(stateHint(an({ alert: false, score: 70, day: '2026-12-04', episode_start: '2026-12-03' }))).toMatch(/Continues an alert/);
  });
  it('colours scores', () => {
    expect(scoreTone(100)).toBe('bad');
    expect(scoreTone(80)).toBe('bad');
    expect(scoreTone(50)).toBe('warn');
    expect(scoreTone(49)).toBe('neutral');
  });
});

describe('days', () => {
  it('formats one day and a run of days', () => {
    expect(shortDay('2026-12-03')).toBe('Thu, Dec 3');
    expect(daysText(an())).toBe('Thu, Dec 3');
    expect(daysText(an({ day: '2026-12-01', last_day: '2026-12-03', days: 3 }))).toBe('Tue, Dec 1 – Thu, Dec 3 (3 days)');
    expect(daysText(an({ day: '2026-12-01', last_day: '2026-12-03', days: 1 }))).toMatch(/\(1 day\)$/);
  });
  it('says how long ago', () => {
    expect(agoText('2026-12-07', '2026-12-07')).toBe('today');
    expect(agoText('2026-12-06', '2026-12-07')).toBe('yesterday');
    expect(agoText('2026-12-03', '2026-12-07')).toBe('4 days ago');
  });
});

describe('groupByDay', () => {
  it('groups newest first, alerting before expected before quiet, then by score', () => {
    const list = [
      an({ key: 'q', day: '2026-12-03', alert: false, score: 20 }),
      an({ key: 'old', day: '2026-11-20', score: 60 }),
      an({ key: 'e', day: '2026-12-03', alert: false, expected: true, score: 90 }),
      an({ key: 'a60', day: '2026-12-03', score: 60 }),
      an({ key: 'a90', day: '2026-12-03', score: 90 }),
    ];
    const g = groupByDay(list);
    expect(g.map((x) => x.day)).toEqual(['2026-12-03', '2026-11-20']);
    expect(g[0].anomalies.map((a) => a.key)).toEqual(['a90', 'a60', 'e', 'q']);
    expect(g[0].alerting).toBe(2);
    expect(g[1].alerting).toBe(1);
  });
  it('is empty for no anomalies', () => {
    expect(groupByDay([])).toEqual([]);
  });
});

describe('collapse', () => {
  const burst = (n: number) => Array.from({ length: n }, (_, i) => an({ key: '203.0.113.' + i, score: 100 - i }));
  it('leaves a short list whole', () => {
    const l = [...burst(6), an({ kind: 'pass_rate_drop', key: '2026-12-03' })];
    expect(collapse(l)).toEqual({ shown: l, hidden: [] });
  });
  it('keeps the first of a kind beyond the limit, and every expected one', () => {
    const l = [...burst(9), an({ key: 'e', alert: false, expected: true }), an({ kind: 'pass_rate_drop', key: '2026-12-03' })];
    const c = collapse(l);
    expect(c.shown.map((a) => a.key)).toEqual(['203.0.113.0', '203.0.113.1', '203.0.113.2', '203.0.113.3', 'e', '2026-12-03']);
    expect(c.hidden).toEqual([{ kind: 'new_unauthorized', count: 5 }]);
    expect(hiddenText(c.hidden)).toBe('Show 5 more new sources failing DKIM and SPF');
    expect(hiddenText([{ kind: 'volume_spike', count: 2 }])).toBe('Show 2 more of this kind');
    expect(hiddenText([...c.hidden, { kind: 'new_source', count: 2 }])).toBe('Show 7 more');
  });
});

describe('counts', () => {
  it('counts each state and sums them up', () => {
    const c = counts([an(), an(), an({ alert: false, expected: true }), an({ alert: false })]);
    expect(c).toEqual({ alerting: 2, expected: 1, quiet: 1 });
    expect(countsText(c)).toBe('2 alerts, 1 marked expected, 1 quiet');
    expect(countsText({ alerting: 1, expected: 0, quiet: 0 })).toBe('1 alert');
    expect(countsText({ alerting: 0, expected: 0, quiet: 0 })).toBe('Nothing unusual');
  });
});

describe('detectionNotes', () => {
  it('says what the detector could not judge', () => {
    const n = detectionNotes({
      learning: true,
      learning_until: '2026-11-06',
      provisional_days: ['2026-12-05', '2026-12-06'],
      skipped: ['geographic_shift: no IP data, so the countries of the sources are unknown'],
    });
    expect(n).toEqual([
      "The detector is still learning this domain's usual mail: it reports anomalies from Fri, Nov 6 on, 14 days after its first report.",
      'Sat, Dec 5 and Sun, Dec 6 are provisional: reports of those days may still arrive.',
      'Not checked: geographic_shift: no IP data, so the countries of the sources are unknown.',
    ]);
    expect(detectionNotes({ learning: false, learning_until: '', provisional_days: ['2026-12-06'], skipped: [] })).toEqual([
      'Sun, Dec 6 is provisional: reports of that day may still arrive.',
    ]);
    expect(detectionNotes({ learning: false, learning_until: '', provisional_days: [], skipped: [] })).toEqual([]);
  });
});

describe('feedback', () => {
  it('takes the feedback line out of the evidence', () => {
    const ev = ['30 messages: DKIM pass 0.0%', 'marked expected by admin on 2026-12-07: pen test', 'flagged on 2 days'];
    expect(splitFeedback(ev)).toEqual({ evidence: ['30 messages: DKIM pass 0.0%', 'flagged on 2 days'], feedback: ev[1] });
    expect(splitFeedback(['a'])).toEqual({ evidence: ['a'] });
  });
  it('says who marked it, when and why', () => {
    expect(expectedText({ by: 'admin', at: '2026-12-07T10:00:00Z', note: 'our pen test' })).toBe('Marked expected by admin on Dec 7, 2026: “our pen test”');
    expect(expectedText({ by: '', at: '2026-12-07T10:00:00Z', note: '' })).toBe('Marked expected on Dec 7, 2026.');
    expect(expectedText(undefined)).toBe('Marked expected.');
  });
});

describe('trend', () => {
  it('formats periods with exclusive ends', () => {
    const p = { start: '2026-11-30T00:00:00Z', end: '2026-12-07T00:00:00Z' };
    expect(periodText(p)).toBe('Nov 30 – Dec 6, 2026');
    expect(periodDays(p)).toBe(7);
    expect(periodText({ start: '2025-12-28T00:00:00Z', end: '2026-01-04T00:00:00Z' })).toBe('Dec 28, 2025 – Jan 3, 2026');
    expect(periodText({ start: '2026-12-06T00:00:00Z', end: '2026-12-07T00:00:00Z' })).toBe('Dec 6, 2026');
  });
  it('compares volumes', () => {
    expect(volumeChange({ current: 5880, previous: 5595, change_percent: 5.09 })).toEqual({
      value: '5,880',
      change: 'up 5.1% from 5,595',
      direction: 'up',
      tone: 'neutral',
    });
    expect(volumeChange({ current: 100, previous: 400, change_percent: -75 }).change).toBe('down 75% from 400');
    expect(volumeChange({ current: 1, previous: 0, change_percent: null })).toMatchObject({ value: '1', direction: 'flat' });
    expect(volumeChange({ current: 5, previous: 5, change_percent: 0 }).change).toBe('the same as the previous period');
  });
  it('compares pass rates with their direction', () => {
    expect(passRateChange({ current: 85.15, previous: 89.38, change_points: -4.23, direction: 'declining' })).toEqual({
      value: '85.2%',
      change: '4.2 points lower than 89.4%',
      direction: 'declining',
      tone: 'bad',
      word: 'declining',
    });
    expect(passRateChange({ current: 96, previous: 95, change_points: 1, direction: 'stable' })).toMatchObject({
      change: '1 point higher than 95%',
      tone: 'neutral',
    });
    expect(passRateChange({ current: 95, previous: 90, change_points: 5, direction: 'improving' }).tone).toBe('good');
    expect(passRateChange({ current: 0, previous: 90, change_points: 0, direction: 'unknown' })).toMatchObject({ value: '–', word: 'no trend yet' });
    expect(passRateChange({ current: 90, previous: 90, change_points: 0, direction: 'stable' }).change).toBe('the same as the previous period (90%)');
  });
  it('counts sources', () => {
    expect(sourcesText(0, 0, 'new')).toBe('No new sources');
    expect(sourcesText(0, 0, 'gone')).toBe('No source stopped sending');
    expect(sourcesText(3, 3, 'new')).toBe('3 new sources');
    expect(sourcesText(5, 12, 'new')).toBe('12 new sources, the 5 busiest:');
    expect(sourcesText(1, 1, 'gone')).toBe('1 source stopped sending');
  });
  it('colours classes and links sources', () => {
    expect(classTone('suspicious')).toBe('bad');
    expect(classTone('legitimate')).toBe('good');
    expect(classTone('unknown')).toBe('neutral');
    expect(sourcePath('2001:db8::1')).toBe('/sources/2001%3Adb8%3A%3A1');
  });
});

describe('markedBuckets', () => {
  const list = [an({ day: '2026-12-03' }), an({ day: '2026-12-01', alert: false, expected: true }), an({ day: '2026-12-02', alert: false }), an({ day: '2026-12-03' })];
  it('marks the days alerting or expected, once', () => {
    expect(markedBuckets(list, ['2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03'], 'day')).toEqual([1, 3]);
  });
  it('marks the week holding the day', () => {
    expect(markedBuckets(list, ['2026-11-23', '2026-11-30'], 'week')).toEqual([1]);
  });
  it('leaves out days beyond the chart', () => {
    expect(markedBuckets(list, ['2026-11-29'], 'day')).toEqual([]);
  });
});

describe('all domains', () => {
  it('orders domains by alerts, then top score, then name', () => {
    const d = byAlerts([
      { domain: 'b.example', alerting: [] },
      { domain: 'c.example', alerting: [an({ score: 60 })] },
      { domain: 'a.example', alerting: [] },
      { domain: 'd.example', alerting: [an({ score: 90 })] },
      { domain: 'e.example', alerting: [an(), an()] },
    ]);
    expect(d.map((x) => x.domain)).toEqual(['e.example', 'd.example', 'c.example', 'a.example', 'b.example']);
  });
  it('runs at most limit calls at once, in order', async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 3, 2, 4], 2, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 30, 20, 40]);
    expect(most).toBe(2);
    expect(await mapLimit([], 3, async (n: number) => n)).toEqual([]);
  });
});
