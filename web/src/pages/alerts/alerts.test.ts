import { describe, expect, it } from 'vitest';
import type { Alert } from '../../lib/api';
import {
  alertLinks,
  attentionOrder,
  conditionOf,
  countText,
  domainsOf,
  factIP,
  isIP,
  notifiedText,
  openedText,
  parseState,
  sourceOf,
  stateText,
} from './alerts';
import { badgeText } from '../../lib/badge-text';

function al(over: Partial<Alert> = {}): Alert {
  return {
    id: 1,
    rule_id: 1,
    rule: 'Compliance below 90%',
    key: 'compliance',
    domain: 'example.com',
    type: 'compliance_below',
    severity: 'critical',
    title: 'example.com: DMARC compliance 72% (below 90%)',
    summary: 'Compliance dropped.',
    facts: [],
    state: 'open',
    active: true,
    opened_at: '2026-11-24T10:00:00Z',
    last_seen: '2026-11-24T10:00:00Z',
    notified: true,
    ...over,
  };
}

const now = Date.parse('2026-11-24T13:00:00Z');

describe('parseState', () => {
  it('keeps the three states and drops the rest', () => {
    expect(parseState('open')).toBe('open');
    expect(parseState('resolved')).toBe('resolved');
    expect(parseState('acknowledged')).toBe('acknowledged');
    expect(parseState('closed')).toBe('');
    expect(parseState(null)).toBe('');
  });
});

describe('attentionOrder', () => {
  it('puts the most severe first, then the most recently seen', () => {
    const list = [
      al({ id: 1, severity: 'info', last_seen: '2026-11-24T12:00:00Z' }),
      al({ id: 2, severity: 'critical', last_seen: '2026-11-24T09:00:00Z' }),
      al({ id: 3, severity: 'warning', last_seen: '2026-11-24T11:00:00Z' }),
      al({ id: 4, severity: 'critical', last_seen: '2026-11-24T11:30:00Z' }),
    ];
    expect(attentionOrder(list).map((a) => a.id)).toEqual([4, 2, 3, 1]);
    expect(list[0].id).toBe(1); // a copy
  });
});

describe('what an alert is about', () => {
  it('strips the domain from the key when present', () => {
    expect(conditionOf({ key: 'example.com:source:192.0.2.7', domain: 'example.com' })).toBe('source:192.0.2.7');
    expect(conditionOf({ key: 'source:192.0.2.7', domain: 'example.com' })).toBe('source:192.0.2.7');
  });

  it('tells addresses', () => {
    expect(isIP('192.0.2.7')).toBe(true);
    expect(isIP('2001:db8::1')).toBe(true);
    expect(isIP('256.1.1.1')).toBe(false);
    expect(isIP('example.com')).toBe(false);
    expect(isIP('2026-11-20')).toBe(false);
    expect(factIP('192.0.2.100 (Unknown - AS64500): 120 messages')).toBe('192.0.2.100');
    expect(factIP('203.0.113.9: 12 messages')).toBe('203.0.113.9');
    expect(factIP('1,247')).toBeUndefined();
  });

  it('finds the source in the key, an anomaly of an address, or the facts', () => {
    expect(sourceOf(al({ key: 'source:203.0.113.24', type: 'new_source' }))).toBe('203.0.113.24');
    expect(sourceOf(al({ key: 'anomaly:new_unauthorized:203.0.113.24', type: 'anomaly' }))).toBe('203.0.113.24');
    expect(sourceOf(al({ key: 'anomaly:volume_spike:2026-11-20', type: 'anomaly' }))).toBeUndefined();
    expect(sourceOf(al({ facts: [{ name: 'Top failure source', value: '185.220.101.7 (Unknown - AS1): 30 messages' }] }))).toBe('185.220.101.7');
    expect(sourceOf(al({ facts: [{ name: 'Failed messages', value: '1,247' }] }))).toBeUndefined();
  });

  it('links the source, the trends or DNS checks of the domain, and the advisor for compliance', () => {
    const c = alertLinks(al({ facts: [{ name: 'Top failure source', value: '185.220.101.7 (Tor - AS1): 30 messages' }] }));
    expect(c.map((l) => l.href)).toEqual(['/sources/185.220.101.7', '/trends?domain=example.com', '/policy?domain=example.com']);
    expect(c[0].label).toBe('Source 185.220.101.7');
    const d = alertLinks(al({ type: 'dns_regression', key: 'dns:spf:too_many_lookups' }));
    expect(d.map((l) => l.href)).toEqual(['/dns?check=example.com#check']);
    expect(alertLinks(al({ domain: '', key: 'x', type: 'new_domain' }))).toEqual([]);
    expect(alertLinks(al({ type: 'tls_new_failure', key: 'tls:failure:certificate-expired:mx.example.com' })).map((l) => l.href)).toEqual([
      '/tls?domain=example.com',
    ]);
  });
});

describe('sentences', () => {
  it('says when it opened and was last seen', () => {
    expect(openedText(al(), now)).toBe('Opened 3 hours ago');
    expect(openedText(al({ last_seen: '2026-11-24T12:55:00Z' }), now)).toBe('Opened 3 hours ago, last seen 5 minutes ago');
  });

  it('says who acknowledged or resolved it', () => {
    expect(stateText(al(), now)).toBe('Open: the condition still holds');
    expect(stateText(al({ active: false }), now)).toBe('Open: the condition cleared');
    expect(stateText(al({ state: 'acknowledged', acknowledged_by: 'admin', acknowledged_at: '2026-11-24T12:00:00Z' }), now)).toBe(
      'Acknowledged by admin 1 hour ago',
    );
    expect(stateText(al({ state: 'resolved', resolved_at: '2026-11-24T12:00:00Z', active: false }), now)).toBe(
      'Resolved 1 hour ago: the condition cleared',
    );
    expect(stateText(al({ state: 'resolved', resolved_by: 'api', resolved_at: '2026-11-24T12:00:00Z', active: true }), now)).toMatch(
      /^Resolved by api 1 hour ago; the condition still holds/,
    );
  });

  it('counts', () => {
    expect(badgeText(0)).toBe('');
    expect(badgeText(7)).toBe('7');
    expect(badgeText(100)).toBe('99+');
    expect(countText(1, 'open')).toBe('1 open alert');
    expect(countText(3, 'open')).toBe('3 open alerts');
    expect(notifiedText({ notified: true })).toBe('Sent to its channels');
  });

  it('lists the domains to filter by', () => {
    expect(domainsOf(['b.example', 'a.example'], [{ domain: 'c.example' }, { domain: '' }, { domain: 'a.example' }], 'd.example')).toEqual([
      'a.example',
      'b.example',
      'c.example',
      'd.example',
    ]);
  });
});
