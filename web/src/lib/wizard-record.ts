// The wizard's DNS step: the three-tag starting record (v, p, rua). The
// full generator with every tag is on the DNS tools page (/dns).

export type Policy = 'none' | 'quarantine' | 'reject';

export interface StartRecord {
  domain: string;
  rua: string;
  policy: Policy;
}

/** cleanDomain lowercases a domain and strips a scheme, path or trailing dot. */
export function cleanDomain(d: string): string {
  return d
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/\/.*$/, '')
    .replace(/\.$/, '');
}

const domainRe = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;
const mailRe = /^[^\s@,;!]+@([a-z0-9-]+\.)+[a-z0-9-]+$/i;

/** recordProblems lists what is wrong with the form, empty when fine. */
export function recordProblems(r: StartRecord): string[] {
  const p: string[] = [];
  const d = cleanDomain(r.domain);
  if (d && !domainRe.test(d)) p.push(`“${d}” is not a domain name.`);
  const rua = r.rua.trim().replace(/^mailto:/i, '');
  if (rua && !mailRe.test(rua)) p.push(`“${rua}” is not an email address.`);
  return p;
}

/** txtValue is the record's TXT value, without quotes. */
export function txtValue(r: StartRecord): string {
  const rua = r.rua.trim().replace(/^mailto:/i, '') || 'dmarc@' + (cleanDomain(r.domain) || 'example.com');
  return `v=DMARC1; p=${r.policy}; rua=mailto:${rua}`;
}

/** recordName is the DNS name the record is published at. */
export function recordName(domain: string): string {
  return '_dmarc.' + (cleanDomain(domain) || 'example.com');
}

/** zoneLine is the record as a zone-file line: _dmarc.example.com TXT "…". */
export function zoneLine(r: StartRecord): string {
  return `${recordName(r.domain)} TXT "${txtValue(r)}"`;
}

/**
 * externalAuth tells whether the rua address is at another domain than the
 * one reported on: that domain must then publish an authorisation record
 * (RFC 7489 §7.1), named here.
 */
export function externalAuth(r: StartRecord): string | undefined {
  const d = cleanDomain(r.domain);
  const at = r.rua.trim().replace(/^mailto:/i, '').split('@')[1]?.toLowerCase();
  if (!d || !at || at === d || at.endsWith('.' + d) || d.endsWith('.' + at)) return undefined;
  return `${d}._report._dmarc.${at} TXT "v=DMARC1"`;
}
