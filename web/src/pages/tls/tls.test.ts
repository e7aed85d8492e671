import { describe, expect, it } from 'vitest';
import type { TLSDay, TLSExplanation, TLSFailureTotal } from '../../lib/api';
import {
  describeSessions,
  duration,
  failureGroups,
  forDomain,
  policyLabel,
  problemKind,
  rateText,
  rateTone,
  sessionSeries,
  stsLines,
  successRate,
  tlsRptRecord,
} from './tls';

const session: TLSExplanation = { title: 'STARTTLS not offered', meaning: 'm', fix: 'Enable STARTTLS', policy: false };
const sts: TLSExplanation = { title: 'MTA-STS policy not fetched', meaning: 'm', fix: 'Serve mta-sts.DOMAIN', policy: true };

function fail(over: Partial<TLSFailureTotal>): TLSFailureTotal {
  return {
    domain: 'company-y.example',
    result_type: 'starttls-not-supported',
    receiving_mx_hostname: 'mx2.mail.company-y.example',
    reason_codes: [],
    sessions: 1,
    reporters: 1,
    first_seen: '2016-04-01T00:00:00Z',
    last_seen: '2016-04-01T23:59:59Z',
    explanation: session,
    ...over,
  };
}

function day(d: string, ok: number, failed: number): TLSDay {
  return { day: d, successful_sessions: ok, failed_sessions: failed, success_rate: successRate(ok, failed), reports: 1 };
}

describe('rates', () => {
  it('computes like the API: 2 decimals, 100 without sessions', () => {
    expect(successRate(5326, 303)).toBe(94.62);
    expect(successRate(0, 0)).toBe(100);
    expect(successRate(0, 3)).toBe(0);
  });
  it('formats and colours them, stricter than DMARC', () => {
    expect(rateText(94.62)).toBe('94.62%');
    expect(rateText(100)).toBe('100%');
    expect(rateTone(99.5)).toBe('good');
    expect(rateTone(94.62)).toBe('warn');
    expect(rateTone(50)).toBe('bad');
  });
});

describe('sessionSeries', () => {
  const days = [day('2024-01-08', 90, 10), day('2024-01-09', 0, 3), day('2024-01-11', 50, 0)];
  it('fills every day of the range, null where no report began', () => {
    const s = sessionSeries(days, { since: '2024-01-05', until: '2024-01-12' }, 'day', '2024-02-01');
    expect(s.starts).toEqual(['2024-01-05', '2024-01-06', '2024-01-07', '2024-01-08', '2024-01-09', '2024-01-10', '2024-01-11']);
    expect(s.rate).toEqual([null, null, null, 90, 0, null, 100]);
    expect(s.failed).toEqual([null, null, null, 10, 3, null, 0]);
    expect(s.xs[3]).toBe(Date.UTC(2024, 0, 8) / 1000);
  });
  it('sums weeks from Monday and recomputes their rate', () => {
    const s = sessionSeries(days, {}, 'week', '2024-02-01');
    expect(s.starts.at(-1)).toBe('2024-01-08');
    expect(s.successful.at(-1)).toBe(140);
    expect(s.failed.at(-1)).toBe(13);
    expect(s.rate.at(-1)).toBe(91.5);
  });
  it('shows at least a week of days or seven weeks, ending with the data', () => {
    const d = sessionSeries([day('2016-04-01', 5326, 303)], {}, 'day', '2024-02-01');
    expect(d.starts).toEqual(['2016-03-26', '2016-03-27', '2016-03-28', '2016-03-29', '2016-03-30', '2016-03-31', '2016-04-01']);
    expect(d.rate).toEqual([null, null, null, null, null, null, 94.62]);
    const w = sessionSeries([day('2016-04-01', 5326, 303)], {}, 'week', '2024-02-01');
    expect(w.starts).toHaveLength(7);
    expect(w.starts[0]).toBe('2016-02-15');
    expect(w.starts[6]).toBe('2016-03-28');
  });
  it('is empty without days and an open range', () => {
    expect(sessionSeries([], {}, 'day', '2024-02-01').starts).toEqual([]);
  });
  it('says the total and the worst period', () => {
    const s = sessionSeries(days, { since: '2024-01-07', until: '2024-01-12' }, 'day', '2024-02-01');
    expect(describeSessions(s, 'day')).toBe('91.5% of 153 sessions succeeded; 13 failed. The lowest day was Jan 9, 2024 at 0%.');
    const one = sessionSeries([day('2016-04-01', 5326, 303)], {}, 'day', '2024-02-01');
    expect(describeSessions(one, 'day')).toBe('94.62% of 5,629 sessions succeeded; 303 failed, all reported for Apr 1, 2016.');
    const clean = sessionSeries([day('2016-04-01', 5, 0)], {}, 'week', '2024-02-01');
    expect(describeSessions(clean, 'week')).toMatch(/^100% of 5 sessions succeeded: no sender/);
    expect(describeSessions(sessionSeries([], {}, 'day', '2024-02-01'), 'day')).toMatch(/No SMTP TLS report/);
  });
});

describe('failureGroups', () => {
  const rfc = [
    fail({ sessions: 200 }),
    fail({ result_type: 'certificate-expired', receiving_mx_hostname: 'mx1.mail.company-y.example', sessions: 100, explanation: { ...session, title: 'Certificate expired' } }),
    fail({
      result_type: 'validation-failure',
      receiving_mx_hostname: 'mx-backup.mail.company-y.example',
      sessions: 3,
      reason_codes: ['X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED'],
      explanation: { ...session, title: 'Validation failed' },
    }),
  ];
  it('puts the most sessions first with their share', () => {
    const g = failureGroups(rfc);
    expect(g.map((x) => [x.resultType, x.sessions, x.share])).toEqual([
      ['starttls-not-supported', 200, 66],
      ['certificate-expired', 100, 33],
      ['validation-failure', 3, 1],
    ]);
    expect(g[0].hosts[0].host).toBe('mx2.mail.company-y.example');
    expect(g[2].reasonCodes).toEqual(['X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED']);
    expect(g[0].kind.kind).toBe('session');
  });
  it('groups the hosts of a result type, merging reason codes and dates', () => {
    const g = failureGroups([
      fail({ receiving_mx_hostname: 'a.example', sessions: 2, reason_codes: ['x'], first_seen: '2024-01-02T00:00:00Z', last_seen: '2024-01-03T00:00:00Z' }),
      fail({ receiving_mx_hostname: 'b.example', sessions: 5, reporters: 3, reason_codes: ['x', 'y'], first_seen: '2024-01-01T00:00:00Z' }),
      fail({ domain: 'other.example', sessions: 1 }),
    ]);
    expect(g).toHaveLength(2);
    expect(g[0].hosts.map((h) => h.host)).toEqual(['b.example', 'a.example']);
    expect(g[0]).toMatchObject({ sessions: 7, reporters: 3, reasonCodes: ['x', 'y'], firstSeen: '2024-01-01T00:00:00Z', lastSeen: '2024-01-03T00:00:00Z' });
    expect(g[1].domain).toBe('other.example');
  });
  it('marks policy problems with their family', () => {
    const g = failureGroups([fail({ result_type: 'sts-policy-fetch-error', receiving_mx_hostname: '', explanation: sts, reason_codes: ['bad https response code: 404'] })]);
    expect(g[0].kind).toMatchObject({ kind: 'policy', family: 'MTA-STS', label: 'MTA-STS policy problem' });
    expect(problemKind('tlsa-invalid', { ...sts, policy: true }).family).toBe('DANE');
    expect(problemKind('dnssec-invalid', { ...sts, policy: false }).kind).toBe('policy');
    expect(problemKind('certificate-expired', session).kind).toBe('session');
    expect(failureGroups([])).toEqual([]);
  });
});

describe('words', () => {
  it('puts the domain into an explanation', () => {
    expect(forDomain('Serve https://mta-sts.DOMAIN/.well-known/mta-sts.txt', 'example.com')).toBe('Serve https://mta-sts.example.com/.well-known/mta-sts.txt');
    expect(forDomain('mta-sts.DOMAIN', '')).toBe('mta-sts.DOMAIN');
  });
  it('names policy types', () => {
    expect(policyLabel('sts')).toBe('MTA-STS');
    expect(policyLabel('tlsa')).toBe('DANE (TLSA)');
    expect(policyLabel('no-policy-found')).toBe('No policy found');
    expect(policyLabel('odd')).toBe('odd');
  });
  it('words durations', () => {
    expect(duration(86400)).toBe('1 day');
    expect(duration(604800)).toBe('1 week');
    expect(duration(31557600)).toBe('about 365 days');
    expect(duration(7200)).toBe('2 hours');
    expect(duration(61)).toBe('61 seconds');
  });
});

describe('stsLines', () => {
  it('explains the RFC example policy', () => {
    const l = stsLines(['version: STSv1', 'mode: testing', 'mx: *.mail.company-y.example', 'max_age: 86400']);
    expect(l.map((x) => x.key)).toEqual(['version', 'mode', 'mx', 'max_age']);
    expect(l[1].meaning).toMatch(/switch to enforce/);
    expect(l[2].meaning).toBe('Any host one label under mail.company-y.example.');
    expect(l[3].meaning).toMatch(/^Senders keep the policy for 1 day; a week or more/);
    expect(l.some((x) => x.problem)).toBe(false);
  });
  it('flags what is wrong', () => {
    const l = stsLines(['version: STSv2', 'mode: strict', 'max_age: soon', 'garbage']);
    expect(l.map((x) => x.problem)).toEqual([true, true, true, true]);
    expect(l[3]).toMatchObject({ key: '', value: 'garbage' });
    expect(stsLines(['mode: enforce'])[0].meaning).toMatch(/not delivered/);
  });
});

describe('tlsRptRecord', () => {
  it('builds the record with mailto: and https addresses', () => {
    expect(tlsRptRecord('Example.com.', 'tls@example.com')).toEqual({
      host: '_smtp._tls.example.com',
      value: 'v=TLSRPTv1; rua=mailto:tls@example.com',
      errors: {},
    });
    expect(tlsRptRecord('example.com', 'mailto:a@example.com, https://reports.example.net/tls').value).toBe(
      'v=TLSRPTv1; rua=mailto:a@example.com,https://reports.example.net/tls',
    );
  });
  it('says what is wrong', () => {
    expect(tlsRptRecord('', 'a@b.example').errors.domain).toMatch(/Enter the domain/);
    expect(tlsRptRecord('not a domain', 'a@b.example')).toMatchObject({ host: '', errors: { domain: expect.stringMatching(/not a domain name/) } });
    expect(tlsRptRecord('example.com', '').errors.rua).toMatch(/Enter the address/);
    expect(tlsRptRecord('example.com', 'http://x.example/r').errors.rua).toMatch(/must use https/);
    expect(tlsRptRecord('example.com', 'nobody').errors.rua).toMatch(/neither a mail address/);
    expect(tlsRptRecord('example.com', '').value).toBe('v=TLSRPTv1; rua=mailto:…');
  });
});
