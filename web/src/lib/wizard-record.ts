// The wizard's DNS step: the three-tag starting record (v, p, rua), made
// by the DNS tools' generator (dmarc-record.ts), whose full form is on
// /dns. Empty fields show example values so the record always reads well.

import { buildDmarc, defaultForm, normalizeDomain, relativeHost, type DmarcResult, type Policy } from './dmarc-record';

export type { Policy };

export interface StartRecord {
  domain: string;
  rua: string;
  policy: Policy;
}

/** cleanDomain lowercases a domain and strips a scheme, path or trailing dot. */
export function cleanDomain(d: string): string {
  return normalizeDomain(d);
}

function build(r: StartRecord): DmarcResult {
  const domain = cleanDomain(r.domain) || 'example.com';
  const rua = r.rua.trim() || 'dmarc@' + domain;
  return buildDmarc({ ...defaultForm(), domain, p: r.policy, rua });
}

/** recordProblems lists what is wrong with what was typed, empty when fine. */
export function recordProblems(r: StartRecord): string[] {
  const res = build(r);
  const p: string[] = [];
  if (r.domain.trim() && res.errors.domain) p.push(res.errors.domain);
  if (r.rua.trim() && res.errors.rua) p.push(res.errors.rua);
  return p;
}

/** txtValue is the record's TXT value, without quotes. */
export function txtValue(r: StartRecord): string {
  return build(r).value;
}

/** recordName is the DNS name the record is published at. */
export function recordName(domain: string): string {
  return '_dmarc.' + (cleanDomain(domain) || 'example.com');
}

/** shortName is the name for DNS panels that add the zone themselves. */
export function shortName(domain: string): string {
  return relativeHost(cleanDomain(domain) || 'example.com', '_dmarc');
}

/** zoneLine is the record as a zone-file line: _dmarc.example.com TXT "…". */
export function zoneLine(r: StartRecord): string {
  return `${recordName(r.domain)} TXT "${txtValue(r)}"`;
}

/**
 * externalAuth is the record the report address's domain must publish
 * when it is outside the reported domain (RFC 7489 §7.1), as a zone line.
 */
export function externalAuth(r: StartRecord): string | undefined {
  if (!r.domain.trim() || !r.rua.trim()) return undefined;
  const v = build(r).verifications[0];
  return v ? `${v.host} TXT "${v.value}"` : undefined;
}
