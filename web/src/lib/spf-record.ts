// SPF record builder (the bonus of roadmap 1.2): common senders, custom
// ip4/ip6/include, a and mx, the all qualifier; counts the DNS-lookup terms
// against the limit of 10 (RFC 7208 section 4.6.4) and splits the value
// into 255-character strings.

import { domainError, normalizeDomain, splitTxt } from './dmarc-record';

export interface Sender {
  id: string;
  name: string;
  include: string;
}

export const senders: Sender[] = [
  { id: 'google', name: 'Google Workspace', include: '_spf.google.com' },
  { id: 'microsoft', name: 'Microsoft 365', include: 'spf.protection.outlook.com' },
  { id: 'ses', name: 'Amazon SES', include: 'amazonses.com' },
  { id: 'sendgrid', name: 'SendGrid', include: 'sendgrid.net' },
  { id: 'mailchimp', name: 'Mailchimp / Mandrill', include: 'servers.mcsv.net' },
  { id: 'mailgun', name: 'Mailgun', include: 'mailgun.org' },
  { id: 'postmark', name: 'Postmark', include: 'spf.mtasv.net' },
  { id: 'zoho', name: 'Zoho Mail', include: 'zoho.com' },
  { id: 'fastmail', name: 'Fastmail', include: 'spf.messagingengine.com' },
];

export type AllQualifier = '~' | '-';

export interface SpfForm {
  /** Ids from senders. */
  senders: string[];
  a: boolean;
  mx: boolean;
  /** IPv4 addresses or CIDR ranges, separated by commas or white space. */
  ip4: string;
  ip6: string;
  /** Other domains to include, separated by commas or white space. */
  include: string;
  all: AllQualifier;
}

export function defaultSpf(): SpfForm {
  return { senders: [], a: false, mx: false, ip4: '', ip6: '', include: '', all: '~' };
}

/** The most DNS-querying terms one SPF check may cause (RFC 7208 section 4.6.4). */
export const lookupLimit = 10;
/** The longest DNS character-string. */
export const stringLimit = 255;

/** validIp4 accepts a dotted IPv4 address with an optional /0–32 prefix. */
export function validIp4(s: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(s);
  if (!m) return false;
  for (let i = 1; i <= 4; i++) if (Number(m[i]) > 255 || (m[i].length > 1 && m[i][0] === '0')) return false;
  return m[5] === undefined || Number(m[5]) <= 32;
}

/** validIp6 accepts an IPv6 address (with :: and an embedded IPv4 tail) and an optional /0–128 prefix. */
export function validIp6(s: string): boolean {
  const [addr, prefix, ...rest] = s.split('/');
  if (rest.length || (prefix !== undefined && (!/^\d{1,3}$/.test(prefix) || Number(prefix) > 128))) return false;
  let groups = addr.split(':');
  let max = 8;
  const last = groups[groups.length - 1];
  if (last.includes('.')) {
    if (!validIp4(last) || last.includes('/')) return false;
    groups = groups.slice(0, -1);
    max = 6;
    if (groups[groups.length - 1] === '') groups.push('');
  }
  const dbl = addr.indexOf('::');
  if (dbl !== addr.lastIndexOf('::')) return false;
  const hex = /^[0-9a-f]{1,4}$/i;
  if (dbl >= 0) {
    const parts = groups.filter((g) => g !== '');
    if (parts.length > max - 1) return false;
    // "::" may start or end the address; a lone ":" may not.
    if ((addr.startsWith(':') && !addr.startsWith('::')) || (addr.endsWith(':') && !addr.endsWith('::'))) return false;
    return parts.every((g) => hex.test(g));
  }
  return groups.length === max && groups.every((g) => hex.test(g));
}

/** lookupTerms lists the terms of an SPF record that cost a DNS lookup: include, a, mx, ptr, exists and redirect. */
export function lookupTerms(record: string): string[] {
  return record
    .trim()
    .split(/\s+/)
    .filter((t) => {
      const term = t.replace(/^[+?~-]/, '').toLowerCase();
      return /^(include:|exists:|redirect=)/.test(term) || /^(a|mx|ptr)([:/]|$)/.test(term);
    });
}

/** countLookups is how many DNS lookups the record's own terms cost (includes may cost more inside). */
export function countLookups(record: string): number {
  return lookupTerms(record).length;
}

export interface SpfResult {
  value: string;
  /** The value as DNS character-strings of at most 255 characters. */
  strings: string[];
  lookups: number;
  errors: Partial<Record<'ip4' | 'ip6' | 'include', string>>;
  warnings: string[];
}

const split = (s: string) => s.split(/[\s,;]+/).filter(Boolean);

/** buildSpf makes the record: v=spf1, a, mx, ip4, ip6, includes (common senders, then custom), all. Bad entries are left out and reported. */
export function buildSpf(f: SpfForm): SpfResult {
  const errors: SpfResult['errors'] = {};
  const warnings: string[] = [];
  const terms = ['v=spf1'];
  if (f.a) terms.push('a');
  if (f.mx) terms.push('mx');

  const ip4 = split(f.ip4).map((s) => s.replace(/^ip4:/i, ''));
  const bad4 = ip4.filter((s) => !validIp4(s));
  if (bad4.length) errors.ip4 = `Not an IPv4 address or range: ${bad4.join(', ')}. Write 192.0.2.10 or 192.0.2.0/24.`;
  for (const ip of ip4) if (validIp4(ip)) terms.push('ip4:' + ip);

  const ip6 = split(f.ip6).map((s) => s.replace(/^ip6:/i, ''));
  const bad6 = ip6.filter((s) => !validIp6(s));
  if (bad6.length) errors.ip6 = `Not an IPv6 address or range: ${bad6.join(', ')}. Write 2001:db8::1 or 2001:db8::/32.`;
  for (const ip of ip6) if (validIp6(ip)) terms.push('ip6:' + ip.toLowerCase());

  const seen = new Set<string>();
  for (const s of senders) {
    if (f.senders.includes(s.id) && !seen.has(s.include)) {
      seen.add(s.include);
      terms.push('include:' + s.include);
    }
  }
  const inc = split(f.include).map((s) => normalizeDomain(s.replace(/^include:/i, '')));
  const badInc = inc.filter((d) => domainError(d) && !/^[a-z0-9_-]+(\.[a-z0-9_-]+)+$/.test(d));
  if (badInc.length) errors.include = `Not a domain name: ${badInc.join(', ')}.`;
  for (const d of inc) {
    if (badInc.includes(d) || seen.has(d)) continue;
    seen.add(d);
    terms.push('include:' + d);
  }
  terms.push(f.all + 'all');

  const value = terms.join(' ');
  const lookups = countLookups(value);
  const strings = splitTxt(value, stringLimit);
  if (lookups > lookupLimit)
    warnings.push(
      `This record needs ${lookups} DNS lookups; SPF allows ${lookupLimit}. Receivers then fail SPF (permerror). Remove a sender or replace a, mx or include with ip4/ip6 ranges.`,
    );
  if (strings.length > 1)
    warnings.push(
      `The record is ${value.length} characters long: DNS strings hold at most ${stringLimit}, so it is published as ${strings.length} quoted strings that receivers join. Some DNS panels do the split themselves.`,
    );
  if (terms.length === 2) warnings.push('This record allows no server to send for your domain. That is right only for a domain that sends no mail.');
  return { value, strings, lookups, errors, warnings };
}
