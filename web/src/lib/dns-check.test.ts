import { describe, expect, test } from 'vitest';
import type { DnsChange, DnsRecordCheck, DnsResult } from './api';
import { counts, describeChange, initialSelectors, kindLabel, orderedChecks, parseSelectors, selectorOf, statusInfo, summarizeChanges } from './dns-check';

const rc = (kind: DnsRecordCheck['kind'], name: string, status: DnsRecordCheck['status'], selector?: string): DnsRecordCheck => ({
  kind,
  name,
  status,
  records: [],
  findings: [],
  selector,
});

const result: DnsResult = {
  domain: 'example.com',
  status: 'error',
  dmarc: rc('dmarc', '_dmarc.example.com', 'warning'),
  spf: rc('spf', 'example.com', 'ok'),
  dkim: [rc('dkim', 's1._domainkey.example.com', 'error', 's1'), rc('dkim', 'google._domainkey.example.com', 'ok', 'google')],
  mta_sts: rc('mta-sts', '_mta-sts.example.com', 'missing'),
  tls_rpt: rc('tls-rpt', '_smtp._tls.example.com', 'missing'),
  bimi: rc('bimi', 'default._bimi.example.com', 'missing'),
  queries: 12,
};

describe('statuses and kinds', () => {
  test('every status has an icon and words', () => {
    expect(statusInfo('ok')).toEqual({ icon: 'check', label: 'OK', tone: 'good' });
    expect(statusInfo('warning').tone).toBe('warn');
    expect(statusInfo('error').icon).toBe('x');
    expect(statusInfo('missing').icon).toBe('minus');
    expect(statusInfo('missing').label).toBe('Not published');
    expect(statusInfo('info').label).toBe('Not checked');
    expect(statusInfo('new').label).toBe('new');
  });
  test('kinds, DKIM by selector', () => {
    expect(kindLabel('mta-sts', '_mta-sts.example.com')).toBe('MTA-STS');
    expect(kindLabel('dkim', 's1._domainkey.example.com')).toBe('DKIM s1');
    expect(kindLabel('dkim', '')).toBe('DKIM');
    expect(selectorOf('a.b._domainkey.example.com')).toBe('a.b');
    expect(selectorOf('example.com')).toBe('');
  });
  test('display order and counts', () => {
    expect(orderedChecks(result).map((c) => kindLabel(c.kind, c.name))).toEqual(['DMARC', 'SPF', 'DKIM s1', 'DKIM google', 'MTA-STS', 'TLS-RPT', 'BIMI']);
    expect(counts(result)).toEqual({ good: 2, warn: 1, bad: 1, neutral: 3 });
  });
});

describe('changes', () => {
  const ch = (c: Partial<DnsChange>): DnsChange => ({ kind: 'dmarc', name: '_dmarc.example.com', type: 'record', ...c });
  test('each change in a sentence', () => {
    const cases: [DnsChange, string][] = [
      [ch({ records_after: ['v=DMARC1; p=none'] }), 'DMARC record published: “v=DMARC1; p=none”'],
      [ch({ records_before: ['v=DMARC1; p=none'] }), 'DMARC record removed (it was “v=DMARC1; p=none”)'],
      [ch({ records_before: ['a'], records_after: ['b', 'c'] }), 'DMARC record changed from “a” to “b | c”'],
      [ch({ kind: 'spf', name: 'example.com', type: 'status', status_before: 'ok', status_after: 'error' }), 'SPF went from OK to Error'],
      [
        ch({ type: 'finding_added', finding: { severity: 'warning', code: 'dmarc.policy_none', message: 'p=none only monitors.' } }),
        'New DMARC warning: p=none only monitors.',
      ],
      [ch({ type: 'finding_removed', finding: { severity: 'error', code: 'x', message: 'No record.' } }), 'DMARC error resolved: No record.'],
      [ch({ type: 'finding_removed', finding: { severity: 'info', code: 'x', message: 'Inherited.' } }), 'DMARC note gone: Inherited.'],
      [ch({ kind: 'dkim', name: 's2._domainkey.example.com', type: 'check_added' }), 'DKIM s2 checked for the first time'],
      [ch({ kind: 'dkim', name: 's2._domainkey.example.com', type: 'check_removed' }), 'DKIM s2 no longer checked'],
    ];
    for (const [c, want] of cases) expect(describeChange(c)).toBe(want);
  });

  test('a line for a check', () => {
    expect(summarizeChanges({ previous_at: null, changes: [] })).toBe('First check');
    expect(summarizeChanges({ previous_at: '2026-11-24T00:00:00Z', changes: [] })).toBe('No changes');
    const changes: DnsChange[] = [
      ch({ records_before: ['a'], records_after: ['b'] }),
      ch({ kind: 'spf', name: 'example.com', records_after: ['v=spf1 -all'] }),
      ch({ type: 'status', status_before: 'error', status_after: 'warning' }),
      ch({ type: 'finding_added', finding: { severity: 'warning', code: 'a', message: 'a' } }),
      ch({ type: 'finding_removed', finding: { severity: 'error', code: 'b', message: 'b' } }),
      ch({ type: 'finding_removed', finding: { severity: 'error', code: 'c', message: 'c' } }),
      ch({ type: 'finding_added', finding: { severity: 'info', code: 'd', message: 'd' } }),
    ];
    expect(summarizeChanges({ previous_at: '2026-11-24T00:00:00Z', changes })).toBe('DMARC, SPF records changed · 1 new problem · 2 resolved · 1 other change');
    expect(summarizeChanges({ previous_at: 'x', changes: [ch({ type: 'status', status_before: 'ok', status_after: 'error' })] })).toBe('Status changed');
  });
});

describe('selectors', () => {
  test('parsed from the field', () => {
    expect(parseSelectors(' S1, google  s1,,')).toEqual({ selectors: ['s1', 'google'] });
    expect(parseSelectors('')).toEqual({ selectors: [] });
    expect(parseSelectors('2024a.mail k_1').selectors).toEqual(['2024a.mail', 'k_1']);
    expect(parseSelectors('bad/one').error).toMatch(/not a selector/);
    expect(parseSelectors(Array.from({ length: 11 }, (_, i) => 's' + i).join(',')).error).toMatch(/At most 10/);
  });
  test('start with those asked last, else those the reports saw', () => {
    const seen = ['a', 'b', 'c', 'd', 'e', 'f'].map((selector) => ({ selector, messages: 1 }));
    expect(initialSelectors(result, seen)).toEqual(['s1', 'google']);
    expect(initialSelectors({ ...result, dkim: [rc('dkim', '', 'info')] }, seen)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(initialSelectors(undefined, [])).toEqual([]);
  });
});
