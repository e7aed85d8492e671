import { describe, expect, it } from 'vitest';
import { buildSpf, countLookups, defaultSpf, lookupTerms, senders, validIp4, validIp6, type SpfForm } from './spf-record';

const spf = (o: Partial<SpfForm> = {}): SpfForm => ({ ...defaultSpf(), ...o });

describe('addresses', () => {
  it.each([
    ['192.0.2.10', true],
    ['192.0.2.0/24', true],
    ['0.0.0.0/0', true],
    ['255.255.255.255/32', true],
    ['256.0.0.1', false],
    ['192.0.2.1/33', false],
    ['192.0.2', false],
    ['01.2.3.4', false],
    ['2001:db8::1', false],
  ])('ip4 %s → %s', (s, ok) => expect(validIp4(s)).toBe(ok));

  it.each([
    ['2001:db8::1', true],
    ['2001:db8::/32', true],
    ['::1', true],
    ['::', true],
    ['fe80::', true],
    ['2001:0db8:0000:0000:0000:ff00:0042:8329', true],
    ['::ffff:192.0.2.1', true],
    ['2001:db8::/129', false],
    ['2001:db8:::1', false],
    ['2001::db8::1', false],
    ['2001:db8:0:0:0:0:0:0:1', false],
    ['2001:db8:0:0:0:0:1', false],
    [':2001:db8::1', false],
    ['gggg::1', false],
    ['192.0.2.1', false],
  ])('ip6 %s → %s', (s, ok) => expect(validIp6(s)).toBe(ok));
});

describe('lookup counting', () => {
  it.each([
    ['v=spf1 -all', 0],
    ['v=spf1 a mx -all', 2],
    ['v=spf1 +a -mx ~ptr ?exists:%{i}.x.example.com -all', 4],
    ['v=spf1 a:mail.example.com mx/24 a/24 -all', 3],
    ['v=spf1 include:_spf.google.com include:sendgrid.net ~all', 2],
    ['v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 redirect=_spf.example.com', 1],
    ['v=spf1 all', 0],
    ['v=spf1 exp=explain.example.com -all', 0],
    ['v=spf1 amazonses.com ~all', 0],
  ])('%s costs %d', (rec, n) => expect(countLookups(rec)).toBe(n));

  it('names the terms', () => expect(lookupTerms('v=spf1 a ip4:1.2.3.4 include:x.com -all')).toEqual(['a', 'include:x.com']));
});

describe('buildSpf', () => {
  it.each<[Partial<SpfForm>, string, number]>([
    [{}, 'v=spf1 ~all', 0],
    [{ all: '-' }, 'v=spf1 -all', 0],
    [{ a: true, mx: true }, 'v=spf1 a mx ~all', 2],
    [{ senders: ['google'] }, 'v=spf1 include:_spf.google.com ~all', 1],
    [{ senders: ['microsoft', 'google'] }, 'v=spf1 include:_spf.google.com include:spf.protection.outlook.com ~all', 2],
    [{ ip4: '192.0.2.1, 198.51.100.0/24', ip6: '2001:DB8::/32' }, 'v=spf1 ip4:192.0.2.1 ip4:198.51.100.0/24 ip6:2001:db8::/32 ~all', 0],
    [{ include: 'include:_spf.example.net spf.example.org', senders: ['sendgrid'] }, 'v=spf1 include:sendgrid.net include:_spf.example.net include:spf.example.org ~all', 3],
    [{ include: '_spf.google.com', senders: ['google'] }, 'v=spf1 include:_spf.google.com ~all', 1],
    [{ mx: true, ip4: 'ip4:192.0.2.1', all: '-' }, 'v=spf1 mx ip4:192.0.2.1 -all', 1],
  ])('%j → %s', (o, value, lookups) => {
    const r = buildSpf(spf(o));
    expect(r.value).toBe(value);
    expect(r.lookups).toBe(lookups);
    expect(r.errors).toEqual({});
  });

  it('leaves out and reports bad entries', () => {
    const r = buildSpf(spf({ ip4: '192.0.2.1 300.1.1.1', ip6: 'nope', include: 'bad_', a: true }));
    expect(r.value).toBe('v=spf1 a ip4:192.0.2.1 ~all');
    expect(r.errors.ip4).toContain('300.1.1.1');
    expect(r.errors.ip6).toContain('nope');
    expect(r.errors.include).toContain('bad_');
  });

  it('warns over 10 lookups', () => {
    const r = buildSpf(spf({ senders: senders.map((s) => s.id), a: true, mx: true }));
    expect(r.lookups).toBe(senders.length + 2);
    expect(r.warnings.some((w) => w.includes('DNS lookups'))).toBe(true);
    expect(buildSpf(spf({ senders: senders.slice(0, 8).map((s) => s.id), a: true, mx: true })).warnings.some((w) => w.includes('DNS lookups'))).toBe(false);
  });

  it('splits a long record into 255-character strings', () => {
    const ips = Array.from({ length: 30 }, (_, i) => `198.51.100.${i}`).join(' ');
    const r = buildSpf(spf({ ip4: ips }));
    expect(r.value.length).toBeGreaterThan(255);
    expect(r.strings.length).toBe(Math.ceil(r.value.length / 255));
    expect(r.strings.every((s) => s.length <= 255)).toBe(true);
    expect(r.strings.join('')).toBe(r.value);
    expect(r.warnings.some((w) => w.includes('quoted strings'))).toBe(true);
    expect(buildSpf(spf()).strings).toEqual(['v=spf1 ~all']);
  });

  it('warns when nothing may send', () => expect(buildSpf(spf({ all: '-' })).warnings[0]).toContain('no server'));
});
