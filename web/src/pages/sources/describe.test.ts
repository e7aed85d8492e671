import { describe, expect, it } from 'vitest';
import type { Classification, ServiceRef } from '../../lib/api';
import {
  historyText,
  identifiedBy,
  joinAnd,
  kindLabel,
  linkify,
  matchesService,
  noService,
  resultTone,
  serviceLabel,
  serviceOptions,
  spfText,
  splitEvidence,
} from './describe';

const sendgrid: ServiceRef = {
  id: 'sendgrid',
  name: 'Twilio SendGrid',
  kind: 'esp',
  confidence: 'high',
  matched_by: ['asn', 'spf_domain'],
  docs: 'https://www.twilio.com/docs/sendgrid/ui/account-and-settings/how-to-set-up-domain-authentication',
};

function cls(over: Partial<Classification> = {}): Classification {
  return {
    classification: 'unknown',
    confidence: 'medium',
    evidence: [],
    history: { messages: 10, pass_rate: 0, active_days: 1, records: 1 },
    ...over,
  };
}

describe('kindLabel', () => {
  it.each([
    ['esp', 'ESP'],
    ['mailbox-provider', 'mailbox provider'],
    ['security-gateway', 'security gateway'],
    ['crm', 'CRM'],
    ['some-new-kind', 'some new kind'],
  ])('%s → %s', (k, want) => expect(kindLabel(k)).toBe(want));
});

describe('joinAnd', () => {
  it.each([
    [[], ''],
    [['a'], 'a'],
    [['a', 'b'], 'a and b'],
    [['a', 'b', 'c'], 'a, b and c'],
  ])('%j', (parts, want) => expect(joinAnd(parts)).toBe(want));
});

describe('identifiedBy', () => {
  it('names every signal and the confidence', () => {
    expect(identifiedBy(sendgrid)).toBe("By its network (AS number) and an SPF pass for the service's domain, high confidence");
    expect(identifiedBy({ ...sendgrid, confidence: 'low', matched_by: ['dkim_domain'] })).toBe(
      "By a DKIM signature of the service's domain, low confidence",
    );
    expect(identifiedBy({ ...sendgrid, matched_by: ['reverse_dns', 'asn', 'spf_domain'] })).toBe(
      "By its reverse DNS name, its network (AS number) and an SPF pass for the service's domain, high confidence",
    );
  });
  it('keeps a signal it does not know', () => {
    expect(identifiedBy({ ...sendgrid, matched_by: ['helo_name' as never] })).toBe('By helo name, high confidence');
  });
});

describe('serviceLabel', () => {
  it('hedges a low-confidence identification', () => {
    expect(serviceLabel(sendgrid)).toBe('Twilio SendGrid');
    expect(serviceLabel({ ...sendgrid, confidence: 'medium' })).toBe('Twilio SendGrid');
    expect(serviceLabel({ ...sendgrid, confidence: 'low' })).toBe('possibly Twilio SendGrid');
  });
});

describe('spfText', () => {
  it('says the SPF verdict, or nothing when unknown', () => {
    expect(spfText('example.com', true)).toBe("Authorized by example.com's SPF record");
    expect(spfText('example.com', false)).toBe("Not authorized by example.com's SPF record");
    expect(spfText('example.com', undefined)).toBeNull();
  });
});

describe('historyText', () => {
  it('sums up the history', () => {
    expect(
      historyText({ messages: 27442, pass_rate: 100, first_seen: '2026-10-26', last_seen: '2026-11-24', active_days: 30, records: 60 }),
    ).toBe('27,442 messages, 100% passed DMARC, Oct 26, 2026 – Nov 24, 2026 (30 days)');
    expect(historyText({ messages: 1, pass_rate: 0, first_seen: '2024-06-13', last_seen: '2024-06-13', active_days: 1, records: 1 })).toBe(
      '1 message, 0% passed DMARC, on Jun 13, 2024 (1 day)',
    );
    expect(historyText({ messages: 5000, pass_rate: 12.345, active_days: 0, records: 2000, partial: true })).toBe(
      '5,000 messages, 12.3% passed DMARC; its newest 2,000 records only',
    );
    expect(historyText({ messages: 0, pass_rate: 0, active_days: 0, records: 0 })).toBe('No messages');
  });
});

describe('splitEvidence', () => {
  it('separates the trailing authentication results from the sentences', () => {
    const ev = [
      'Identified as Google Workspace / Gmail by AS15169 (Google LLC)',
      'All 420 messages passed DMARC on 2024-06-13',
      'SPF pass for the record is mentioned mid-sentence here',
      'Seen on 1 day',
      'DKIM pass for example.com (selector google)',
      'DKIM fail for spoof.example (selector s1), unrelated to header_from',
      'SPF softfail, no domain reported',
      'SPF none for rphvac.com, unrelated to header_from',
    ];
    const { sentences, auth } = splitEvidence(ev);
    expect(sentences).toEqual(ev.slice(0, 4));
    expect(auth).toEqual([
      { method: 'DKIM', result: 'pass', text: 'for example.com (selector google)' },
      { method: 'DKIM', result: 'fail', text: 'for spoof.example (selector s1), unrelated to header_from' },
      { method: 'SPF', result: 'softfail', text: 'no domain reported' },
      { method: 'SPF', result: 'none', text: 'for rphvac.com, unrelated to header_from' },
    ]);
  });
  it('takes only the trailing run: a fact-like sentence before others stays a sentence', () => {
    const ev = ['SPF pass for example.com', 'Seen on 2 days'];
    expect(splitEvidence(ev)).toEqual({ sentences: ev, auth: [] });
    expect(splitEvidence([])).toEqual({ sentences: [], auth: [] });
  });
  it('tones the results', () => {
    expect(['pass', 'fail', 'permerror', 'softfail', 'temperror', 'none', 'neutral'].map(resultTone)).toEqual([
      'good',
      'bad',
      'bad',
      'warn',
      'warn',
      'neutral',
      'neutral',
    ]);
  });
});

describe('linkify', () => {
  it('links the URLs, leaving trailing punctuation as text', () => {
    expect(linkify('Set up DKIM. See https://example.com/docs.')).toEqual([
      { text: 'Set up DKIM. See ' },
      { text: 'https://example.com/docs', url: 'https://example.com/docs' },
      { text: '.' },
    ]);
    expect(linkify('See https://a.example/x?y=1 (or http://b.example/z)')).toEqual([
      { text: 'See ' },
      { text: 'https://a.example/x?y=1', url: 'https://a.example/x?y=1' },
      { text: ' (or ' },
      { text: 'http://b.example/z', url: 'http://b.example/z' },
      { text: ')' },
    ]);
    expect(linkify('no link, javascript:alert(1)')).toEqual([{ text: 'no link, javascript:alert(1)' }]);
    expect(linkify('')).toEqual([]);
  });
});

describe('service filter', () => {
  const sources = [
    { classification: cls({ service: sendgrid }) },
    { classification: cls({ service: { ...sendgrid, id: 'google', name: 'Google Workspace / Gmail' } }) },
    { classification: cls({ service: sendgrid }) },
    { classification: cls() },
    {}, // not classified
  ];
  it('lists the services, the most sources first, then none', () => {
    expect(serviceOptions(sources)).toEqual([
      { id: 'sendgrid', label: 'Twilio SendGrid', count: 2 },
      { id: 'google', label: 'Google Workspace / Gmail', count: 1 },
      { id: noService, label: 'No known service', count: 1 },
    ]);
    expect(serviceOptions([{}])).toEqual([]);
  });
  it('filters by service, by none, or not at all', () => {
    const kept = (f: string) => sources.filter((s) => matchesService(s.classification, f)).length;
    expect(kept('')).toBe(5);
    expect(kept('sendgrid')).toBe(2);
    expect(kept(noService)).toBe(1);
    expect(kept('mailgun')).toBe(0);
  });
});
