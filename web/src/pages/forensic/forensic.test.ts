import { describe, expect, it } from 'vitest';
import { ApiError, type ForensicDocument, type ForensicLink, type ForensicRetention } from '../../lib/api';
import {
  aggregateText,
  aligned,
  authFailure,
  cleanSearch,
  dateTime,
  dayFilter,
  delivery,
  effectiveRetention,
  explainResult,
  findings,
  headerAuthResults,
  headerLines,
  isDigest,
  isIP,
  maskAddresses,
  orgDomain,
  parseAuthResults,
  policyText,
  privacyFacts,
  retentionErrors,
  retentionText,
  searchErrors,
  searchOf,
  searchQuery,
  searching,
  segments,
  sourcePath,
  unavailable,
} from './forensic';
import fixtures from './forensic.test.json';

// The documents the server stored for the corpus's failure samples
// (GET /api/v1/forensic/{id}), and Netease's under the full policy.
const docs = fixtures as unknown as Record<'domain.de' | 'netease' | 'linkedin' | 'exim' | 'netease_full', ForensicDocument>;

describe('search', () => {
  it('reads the query and cleans the fields as the server stores them', () => {
    const s = searchOf(new URLSearchParams('message_id=%3Cabc@x%3E&sender=Example.COM.&source_ip=%2010.0.0.1%20'));
    expect(cleanSearch(s)).toEqual({ message_id: 'abc@x', sender: 'example.com', source_ip: '10.0.0.1' });
    expect(cleanSearch({ message_id: '', sender: '<***@Mail.example.com>', source_ip: '' }).sender).toBe('***@Mail.example.com');
    expect(searching(searchOf(new URLSearchParams('')))).toBe(false);
    expect(searching({ message_id: '', sender: 'a.b', source_ip: '' })).toBe(true);
    expect(searchQuery({ message_id: 'x', sender: '', source_ip: '' })).toEqual({ message_id: 'x', sender: undefined, source_ip: undefined });
  });

  it('checks IP addresses and sender domains', () => {
    for (const ip of ['10.10.10.10', '0.0.0.0', '2001:db8::1', '::1', '::ffff:203.0.113.68', '2001:db8:0:0:0:0:0:1']) expect(isIP(ip), ip).toBe(true);
    for (const ip of ['10.10.10', '256.1.1.1', '01.2.3.4', 'example.com', '2001:db8::1::2', '1:2:3:4:5:6:7', '12345::1', ''])
      expect(isIP(ip), ip).toBe(false);
    expect(searchErrors({ message_id: 'anything <at> all', sender: 'example.com', source_ip: '2001:db8::5' })).toEqual({});
    expect(searchErrors({ message_id: '', sender: 'not a domain', source_ip: '10.1' })).toEqual({
      source_ip: 'An IPv4 or IPv6 address, such as 203.0.113.7.',
      sender: 'A domain such as example.com, or a MAIL FROM address as stored (***@example.com).',
    });
  });
});

describe('labels', () => {
  it('names failure types and delivery results, with the reported value when it is not the protocol’s', () => {
    expect(authFailure('dmarc').label).toBe('DMARC');
    expect(authFailure('spf').meaning).toMatch(/SPF record/);
    expect(authFailure('other', 'adsp')).toMatchObject({ label: 'Other', meaning: 'The reporter named another failure: “adsp”.' });
    expect(delivery('delivered')).toMatchObject({ label: 'Delivered', tone: 'warn' });
    expect(delivery('reject').label).toBe('Rejected');
    expect(delivery('other', 'smg-policy-action').meaning).toBe('The receiver did something else with it: “smg-policy-action”.');
    expect(delivery('other', 'policy').label).toBe('Policy applied');
    expect(delivery('other').meaning).toBe('The receiver did not say what it did with the message.');
  });
});

describe('Authentication-Results', () => {
  it('parses the authserv-id, methods, results, comments and properties', () => {
    const [f] = parseAuthResults(docs.netease.authentication_results);
    expect(f.authserv).toBe('163.com');
    expect(f.results).toEqual([
      { method: 'dkim', result: 'pass', comment: 'verify result: all signatures verified', props: [['header.d', 'entrata.com']] },
      { method: 'spf', result: 'pass', comment: '', props: [['smtp.mailfrom', '***@email.entrata.com']] },
    ]);
  });

  it('keeps a semicolon inside a comment and reads a field without authserv-id', () => {
    const f = parseAuthResults(docs.linkedin.authentication_results);
    expect(f).toEqual([{ authserv: '', results: [{ method: 'dmarc', result: 'fail', comment: 'p=none; dis=none', props: [['header.from', 'example.com']] }] }]);
    expect(explainResult(f[0].results[0])).toBe(
      'DMARC failed for example.com: neither SPF nor DKIM passed for a domain aligned with it. Its policy is p=none; the receiver took no action.',
    );
  });

  it('reads quoted values, versions and several fields, and skips "none"', () => {
    const f = parseAuthResults('mx.example; spf/1=Fail smtp.mailfrom="a b@x.example" reason="not \\"allowed\\""\nother.example; none\n\n');
    expect(f).toEqual([
      { authserv: 'mx.example', results: [{ method: 'spf', result: 'fail', comment: '', props: [['smtp.mailfrom', 'a b@x.example'], ['reason', 'not "allowed"']] }] },
      { authserv: 'other.example', results: [] },
    ]);
  });

  it('explains each result in plain words', () => {
    const [h] = headerAuthResults(docs.linkedin.original_headers);
    expect(h.authserv).toBe('mail516.prod.linkedin.com');
    expect(h.results.map((r) => r.method)).toEqual(['iprev', 'spf', 'dkim', 'tls', 'dmarc']);
    expect(h.results.map((r) => explainResult(r))).toEqual([
      "The sending server's reverse DNS name matches its IP address.",
      'The SPF record of mail02.someserver.com says nothing about the sending server (?all). (The MAIL FROM was empty, so the HELO name was checked.)',
      'The message was not DKIM signed.',
      'The message came over an encrypted (TLS) connection.',
      'DMARC failed for example.com: neither SPF nor DKIM passed for a domain aligned with it. Its policy is p=none; the receiver took no action.',
    ]);
    // Under the full policy the header's values are [redacted]: no result to read.
    expect(headerAuthResults(docs.netease_full.original_headers)).toEqual([]);
  });
});

describe('alignment', () => {
  it('approximates organizational domains', () => {
    expect(orgDomain('mail.example.com')).toBe('example.com');
    expect(orgDomain('a.b.example.co.uk')).toBe('example.co.uk');
    expect(aligned('bounce.example.com', 'example.com')).toBe(true);
    expect(aligned('a.example.com', 'b.example.com')).toBe(true);
    expect(aligned('email.entrata.com', 'cardinal.com')).toBe(false);
    expect(aligned('', 'example.com')).toBe(false);
  });
});

describe('findings', () => {
  it('says the message authenticated as another domain (Netease: SendGrid for entrata.com, From cardinal.com)', () => {
    expect(findings(docs.netease)).toEqual([
      {
        tone: 'bad',
        text: 'DKIM passed for entrata.com and SPF passed for email.entrata.com, but neither is cardinal.com or a domain of the same organization: the message authenticated, but not as cardinal.com (not aligned).',
      },
    ]);
  });

  it('reads the header’s results when the reporter gave only the DMARC result (LinkedIn)', () => {
    expect(findings(docs.linkedin)).toEqual([
      {
        tone: 'bad',
        text: 'In the message header, mail516.prod.linkedin.com recorded: SPF gave “neutral” for mail02.someserver.com and DKIM had no result: nothing authenticated the message as example.com.',
      },
    ]);
  });

  it('says when only the DMARC result is known (domain.de)', () => {
    expect(findings(docs['domain.de'])).toEqual([
      {
        tone: 'neutral',
        text: 'The reporter gave only the DMARC result, not the SPF and DKIM results behind it. The aggregate data of the same source and day shows which failed.',
      },
    ]);
  });

  it('uses the header’s results of an Exim report, else its alignment lines', () => {
    expect(findings(docs.exim)[0].text).toBe(
      'In the message header, node04.mailgate.example.net recorded: SPF gave “softfail” for example.com: nothing authenticated the message as example.com.',
    );
    const bare = { ...docs.exim, original_headers: 'Subject: x' };
    expect(findings(bare)).toEqual([
      { tone: 'bad', text: 'The reporter found SPF and DKIM not aligned with example.com: nothing authenticated the message as example.com.' },
    ]);
  });

  it('flags aligned passes the reporter still calls a DMARC failure, and a DKIM domain without results', () => {
    const doc = { ...docs.netease, authentication_results: 'mx; spf=pass smtp.mailfrom=bounce.cardinal.com' };
    expect(findings(doc)[0]).toMatchObject({ tone: 'warn', text: expect.stringMatching(/^SPF passed for bounce\.cardinal\.com, aligned with cardinal\.com, yet/) });
    const none = { ...docs.netease, authentication_results: '', original_headers: '' };
    expect(findings(none)).toEqual([
      { tone: 'neutral', text: 'The reporter gave no authentication results: only the failure type is known.' },
      { tone: 'warn', text: 'The message was DKIM signed by entrata.com, a domain not aligned with cardinal.com.' },
    ]);
  });
});

describe('the stored header', () => {
  it('splits it into fields, joining lines the server did not unfold', () => {
    expect(headerLines('From: a\nSubject: b: c\n  more\nX-Empty:\n')).toEqual([
      { name: 'From', value: 'a' },
      { name: 'Subject', value: 'b: c more' },
      { name: 'X-Empty', value: '' },
    ]);
    expect(headerLines(docs.linkedin.original_headers).find((h) => h.name === 'To')).toEqual({ name: 'To', value: '***@linkedin.com' });
  });

  it('marks the redacted parts and digests', () => {
    expect(segments('Sender <***@example.com>')).toEqual([
      { text: 'Sender <', kind: 'plain' },
      { text: '***', kind: 'redacted' },
      { text: '@example.com>', kind: 'plain' },
    ]);
    expect(segments('[redacted]')).toEqual([{ text: '[redacted]', kind: 'redacted' }]);
    expect(segments(docs.netease_full.message.subject)).toEqual([{ text: 'sha256:1dafca6d9a5e078b', kind: 'digest' }]);
    expect(segments('')).toEqual([]);
    expect(isDigest(docs.netease_full.message.message_id)).toBe(true);
    expect(isDigest(docs.netease.message.subject)).toBe(false);
  });

  it('masks addresses the server left in names', () => {
    expect(maskAddresses('upload:DMARC Failure Report for domain.de (mail-from=sharepoint@domain.de, ip=10.10.10.10).eml')).toBe(
      'upload:DMARC Failure Report for domain.de (***@domain.de, ip=10.10.10.10).eml',
    );
    expect(maskAddresses('no address here')).toBe('no address here');
  });

  it('says what each policy removed', () => {
    expect(policyText('addresses').text).toMatch(/^Every address was reduced to \*\*\*@domain/);
    expect(policyText('full').text).toMatch(/digests/);
    expect(policyText('off').text).toMatch(/recipient addresses, which are always reduced/);
    expect(policyText('').name).toBe('unknown');
    expect(privacyFacts(docs.netease.privacy)).toEqual([
      'The message body was never stored.',
      '2 recipient addresses were redacted wherever they appeared (***@domain).',
      'Also left out: human-readable part.',
    ]);
    expect(privacyFacts({ ...docs.netease_full.privacy, recipients_redacted: 1, removed: [], headers_truncated: true })).toEqual([
      'The message body was never stored.',
      '1 recipient address was redacted wherever it appeared (removed).',
      'The header was longer than 256 KiB and was cut.',
    ]);
  });
});

describe('the aggregate data', () => {
  const link: ForensicLink = {
    day: '2019-04-30',
    found: true,
    totals: {
      total_messages: 8,
      dmarc_pass: 3,
      dkim_pass: 3,
      dkim_fail: 5,
      spf_pass: 0,
      spf_fail: 8,
      fully_aligned: 0,
      fully_failed: 5,
      disposition_none: 8,
      disposition_quarantine: 0,
      disposition_reject: 0,
      unique_sources: 1,
    },
    source_page: '/sources/10.10.10.10?domain=example.com&since=2019-04-30&until=2019-05-01',
    source_api: '/api/v1/sources/10.10.10.10?domain=example.com&since=2019-04-30&until=2019-05-01',
    related: [3],
  };

  it('says how many messages the source sent that day and how many failed', () => {
    expect(aggregateText(link, 'example.com', '10.10.10.10')).toEqual({
      text: 'On Apr 30, 2019, the aggregate reports count 8 messages from 10.10.10.10 for example.com: 5 failed DMARC.',
      failing: 5,
      messages: 8,
    });
    const all = { ...link, totals: { ...link.totals!, total_messages: 1, dmarc_pass: 0 } };
    expect(aggregateText(all, 'example.com', '10.10.10.10').text).toMatch(/count 1 message from .*: all 1 failed DMARC\.$/);
    const none = { ...link, totals: { ...link.totals!, dmarc_pass: 8 } };
    expect(aggregateText(none, 'example.com', '10.10.10.10').text).toMatch(/all passed DMARC\.$/);
    expect(aggregateText({ ...link, found: false, totals: null }, 'example.com', '10.10.10.10').text).toMatch(
      /^No aggregate report counts 10\.10\.10\.10 for example\.com on Apr 30, 2019 yet\./,
    );
  });

  it('links to the source page with the day as the filter', () => {
    expect(sourcePath(link)).toBe('/sources/10.10.10.10');
    expect(dayFilter('example.com', '2019-04-30')).toEqual({ domain: 'example.com', preset: 'custom', since: '2019-04-30', until: '2019-04-30' });
  });
});

describe('availability', () => {
  it('tells a server that does not serve them from a missing report', () => {
    expect(unavailable(new ApiError(403, 'forbidden', 'no'))?.kind).toBe('disabled');
    expect(unavailable(new ApiError(403, 'forbidden', 'no'), true)?.kind).toBe('disabled');
    expect(unavailable(new ApiError(404, 'not_found', 'no'))?.kind).toBe('missing');
    expect(unavailable(new ApiError(404, 'not_found', 'no'), true)?.kind).toBe('gone');
    expect(unavailable(new ApiError(500, 'internal', 'boom'))).toBeUndefined();
    expect(unavailable(new Error('offline'))).toBeUndefined();
  });
});

describe('retention', () => {
  const r: ForensicRetention = { default_days: 90, domains: [{ domain: 'example.com', days: 0, updated_at: '2026-01-01T00:00:00Z' }] };

  it('says how long reports are kept', () => {
    expect(retentionText(90)).toBe('90 days');
    expect(retentionText(1)).toBe('1 day');
    expect(retentionText(0)).toBe('until deleted');
    expect(effectiveRetention(r, 'Example.com')).toEqual({ days: 0, own: true });
    expect(effectiveRetention(r, 'other.example')).toEqual({ days: 90, own: false });
  });

  it('checks a domain and days', () => {
    expect(retentionErrors('example.com', '30')).toEqual({});
    expect(retentionErrors('Sub.Example.com.', '0')).toEqual({});
    expect(retentionErrors('', '30').domain).toMatch(/^Enter the domain/);
    expect(retentionErrors('a@b.com', '30').domain).toMatch(/no @/);
    expect(retentionErrors('example.com', '-1').days).toMatch(/from 0/);
    expect(retentionErrors('example.com', '36501').days).toBeDefined();
    expect(retentionErrors('example.com', '1.5').days).toBeDefined();
  });
});

describe('dateTime', () => {
  it('formats in UTC', () => {
    expect(dateTime('2019-04-30T02:09:00Z')).toBe('Apr 30, 2019, 02:09 UTC');
    expect(dateTime(null)).toBe('–');
  });
});
