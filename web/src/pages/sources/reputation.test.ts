import { describe, expect, it } from 'vitest';
import type { Reputation, ReputationProvider } from '../../lib/api';
import { answered, internalLines, keyVar, providerBadge, providerLines, until, verdictLight, verdictText } from './reputation';

const now = Date.parse('2026-11-25T12:00:00Z');

describe('verdict', () => {
  it.each([
    ['clean', 'Clean', 'good'],
    ['limited_data', 'Limited data', 'warn'],
    ['suspicious', 'Suspicious', 'warn'],
    ['bad', 'Bad', 'bad'],
    ['new_verdict', 'new verdict', 'warn'],
  ])('%s → %s, %s', (v, text, light) => {
    expect(verdictText(v)).toBe(text);
    expect(verdictLight(v)).toBe(light);
  });
});

describe('until', () => {
  it.each([
    ['2026-11-25T12:00:20Z', 'in 1 min'],
    ['2026-11-25T12:14:30Z', 'in 15 min'],
    ['2026-11-25T13:00:00Z', 'in 1 h'],
    ['2026-11-25T14:05:00Z', 'in 2 h 5 min'],
    ['2026-11-25T11:00:00Z', 'in 1 min'], // already past: the next request may go
  ])('%s → %s', (iso, want) => expect(until(iso, now)).toBe(want));
});

describe('providerLines', () => {
  it('says how to enable a provider without a key', () => {
    expect(keyVar('abuseipdb')).toBe('PARSE_DMARC_ABUSEIPDB_KEY');
    expect(providerLines('abuseipdb', { status: 'not_configured', message: 'x' }, now)).toEqual([
      'Not enabled: add PARSE_DMARC_ABUSEIPDB_KEY to enable',
    ]);
    expect(providerLines('virustotal', { status: 'not_configured' }, now)).toEqual(['Not enabled: add PARSE_DMARC_VIRUSTOTAL_KEY to enable']);
  });
  it('explains the statuses that carry no data', () => {
    expect(providerLines('abuseipdb', { status: 'not_public' }, now)).toEqual(['Not asked: a private or reserved address is never sent out']);
    expect(
      providerLines('virustotal', { status: 'rate_limited', retry_at: '2026-11-25T12:30:00Z', message: 'VirusTotal: 4 lookups a minute' }, now),
    ).toEqual(['Rate limited: next lookup in 30 min (12:30 UTC)', 'VirusTotal: 4 lookups a minute']);
    expect(providerLines('virustotal', { status: 'rate_limited' }, now)).toEqual(['Rate limited']);
    expect(
      providerLines('abuseipdb', { status: 'rate_limited', retry_at: '2026-11-25T12:10:00Z', message: "AbuseIPDB says the key's quota is spent (HTTP 429); next lookup in 9m55s" }, now),
    ).toEqual(['Rate limited: next lookup in 10 min (12:10 UTC)', "AbuseIPDB says the key's quota is spent (HTTP 429)"]);
    expect(providerLines('abuseipdb', { status: 'error', message: 'AbuseIPDB answered HTTP 500' }, now)).toEqual([
      'Lookup failed: AbuseIPDB answered HTTP 500',
    ]);
    expect(providerLines('abuseipdb', { status: 'not_found', fetched_at: '2026-11-25T09:00:00Z', cached: true }, now)).toEqual([
      'No record of this address',
      'Checked 3 hours ago (cached)',
    ]);
  });
  it("tells AbuseIPDB's data", () => {
    expect(
      providerLines(
        'abuseipdb',
        {
          status: 'ok',
          abuse_confidence_score: 87,
          total_reports: 1234,
          distinct_users: 56,
          last_reported_at: '2026-11-24T08:00:00Z',
          is_tor: true,
          usage_type: 'Data Center/Web Hosting/Transit',
          fetched_at: '2026-11-25T11:59:30Z',
        },
        now,
      ),
    ).toEqual([
      'Abuse confidence 87%, 1,234 reports from 56 users in 90 days, last reported Nov 24, 2026',
      'A Tor exit node · Data Center/Web Hosting/Transit',
      'Checked 30 seconds ago',
    ]);
    expect(providerLines('abuseipdb', { status: 'ok', abuse_confidence_score: 0, total_reports: 0, is_whitelisted: true }, now)).toEqual([
      'Abuse confidence 0%, no reports in 90 days',
      'Whitelisted as a known service',
    ]);
    expect(providerLines('abuseipdb', { status: 'ok', abuse_confidence_score: 10, total_reports: 1, distinct_users: 1 }, now)).toEqual([
      'Abuse confidence 10%, 1 report from 1 user in 90 days',
    ]);
  });
  it("tells VirusTotal's data", () => {
    expect(
      providerLines('virustotal', { status: 'ok', malicious: 3, suspicious: 1, harmless: 60, undetected: 30, reputation: -12, last_analysis: '2026-11-20T00:00:00Z' }, now),
    ).toEqual(['3 of 94 security vendors flag it malicious, 1 suspicious', 'community score -12 · last analysed Nov 20, 2026']);
    expect(providerLines('virustotal', { status: 'ok', malicious: 1, suspicious: 0, harmless: 1, undetected: 0 }, now)).toEqual([
      '1 of 2 security vendors flags it malicious, 0 suspicious',
    ]);
    expect(providerLines('virustotal', { status: 'ok', malicious: 0, suspicious: 0, harmless: 70, undetected: 20, reputation: 0 }, now)).toEqual([
      'None of 90 security vendors flags it',
    ]);
  });
});

describe('providerBadge, answered', () => {
  it.each([
    [{ status: 'ok', verdict: 'bad' }, 'Bad', 'bad', true],
    [{ status: 'ok', verdict: 'clean' }, 'Clean', 'good', true],
    [{ status: 'ok' }, 'answered', 'neutral', true],
    [{ status: 'not_found' }, 'no record', 'neutral', true],
    [{ status: 'not_configured' }, 'not enabled', 'neutral', false],
    [{ status: 'not_public' }, 'not asked', 'neutral', false],
    [{ status: 'rate_limited' }, 'rate limited', 'warn', false],
    [{ status: 'error' }, 'failed', 'bad', false],
  ] as const)('%j', (r, text, tone, ok) => {
    expect(providerBadge(r as ReputationProvider)).toEqual({ text, tone });
    expect(answered(r as ReputationProvider)).toBe(ok);
  });
});

describe('internalLines', () => {
  const base: Reputation['internal'] = {
    verdict: 'bad',
    color: 'red',
    score: 0,
    reasons: [],
    messages: 1706,
    dmarc_pass: 0,
    fully_failed: 1706,
    disposition_quarantine: 1333,
    disposition_reject: 0,
    first_seen: '2026-10-26',
    last_seen: '2026-11-24',
    days_active: 30,
    domain_count: 2,
    domains: ['shop.example', 'mail.example'],
    partial: false,
  };
  it('sums up the history', () => {
    expect(internalLines(base)).toEqual([
      '1,706 messages on 30 days (Oct 26, 2026 – Nov 24, 2026), as 2 domains',
      '0% passed DMARC; 1,706 messages failed both DKIM and SPF',
      'Receivers quarantined 1,333 and rejected 0',
    ]);
    expect(
      internalLines({
        ...base,
        messages: 1,
        dmarc_pass: 1,
        fully_failed: 0,
        disposition_quarantine: 0,
        days_active: 1,
        last_seen: '2026-10-26',
        domain_count: 1,
        partial: true,
      }),
    ).toEqual(['1 message on 1 day (Oct 26, 2026), as 1 domain', '100% passed DMARC; 0 messages failed both DKIM and SPF', 'From its newest records only']);
    expect(internalLines({ ...base, messages: 0 })).toEqual(['Not in your reports']);
  });
});
