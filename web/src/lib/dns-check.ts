// The DNS page's record check (GET /api/v1/dns...): how statuses, record
// kinds and the changes between two checks read, and the DKIM selectors
// the form starts with. Pure functions; the components only show them.

import type { DnsChange, DnsCheck, DnsKind, DnsRecordCheck, DnsResult, DnsStatus } from './api';

export interface StatusInfo {
  /** An Icon name for the eye (✓, !, ✗, –, i); the label says the same in words. */
  icon: string;
  label: string;
  tone: 'good' | 'warn' | 'bad' | 'neutral';
}

const statuses: Record<DnsStatus, StatusInfo> = {
  ok: { icon: 'check', label: 'OK', tone: 'good' },
  warning: { icon: 'alert', label: 'Warning', tone: 'warn' },
  error: { icon: 'x', label: 'Error', tone: 'bad' },
  missing: { icon: 'minus', label: 'Not published', tone: 'neutral' },
  info: { icon: 'info', label: 'Not checked', tone: 'neutral' },
};

/** statusInfo says how a status reads; an unknown one reads as itself. */
export function statusInfo(s: DnsStatus | string): StatusInfo {
  return statuses[s as DnsStatus] ?? { icon: 'info', label: s, tone: 'neutral' };
}

const kinds: Record<DnsKind, string> = {
  dmarc: 'DMARC',
  spf: 'SPF',
  dkim: 'DKIM',
  'mta-sts': 'MTA-STS',
  'tls-rpt': 'TLS-RPT',
  bimi: 'BIMI',
};

/** selectorOf returns the DKIM selector of a key's DNS name, "" for none. */
export function selectorOf(name: string): string {
  const i = name.indexOf('._domainkey.');
  return i > 0 ? name.slice(0, i) : '';
}

/** kindLabel names a record kind, a DKIM key by its selector: "DKIM s1". */
export function kindLabel(kind: DnsKind | string, name = ''): string {
  const k = kinds[kind as DnsKind] ?? kind;
  const sel = kind === 'dkim' ? selectorOf(name) : '';
  return sel ? `${k} ${sel}` : k;
}

/** orderedChecks lists a result's checks in display order. */
export function orderedChecks(r: DnsResult): DnsRecordCheck[] {
  return [r.dmarc, r.spf, ...(r.dkim ?? []), r.mta_sts, r.tls_rpt, r.bimi].filter(Boolean);
}

const quote = (s: string) => `“${s}”`;
const problem = (sev: string) => (sev === 'error' ? 'error' : sev === 'warning' ? 'warning' : 'note');

/** describeChange says one change in a sentence. */
export function describeChange(c: DnsChange): string {
  const what = kindLabel(c.kind, c.name);
  const before = (c.records_before ?? []).join(' | ');
  const after = (c.records_after ?? []).join(' | ');
  switch (c.type) {
    case 'record':
      if (!before) return `${what} record published: ${quote(after)}`;
      if (!after) return `${what} record removed (it was ${quote(before)})`;
      return `${what} record changed from ${quote(before)} to ${quote(after)}`;
    case 'status':
      return `${what} went from ${statusInfo(c.status_before ?? '').label} to ${statusInfo(c.status_after ?? '').label}`;
    case 'finding_added':
      return `New ${what} ${problem(c.finding?.severity ?? '')}: ${c.finding?.message ?? ''}`;
    case 'finding_removed':
      return c.finding?.severity === 'info'
        ? `${what} note gone: ${c.finding?.message ?? ''}`
        : `${what} ${problem(c.finding?.severity ?? '')} resolved: ${c.finding?.message ?? ''}`;
    case 'check_added':
      return `${what} checked for the first time`;
    case 'check_removed':
      return `${what} no longer checked`;
  }
  return `${what} changed`;
}

const plural = (n: number, one: string, many = one + 's') => `${n} ${n === 1 ? one : many}`;

/**
 * summarizeChanges says in one line what changed since the check before:
 * "DMARC record changed · 1 new problem · 2 resolved". Notes (info
 * findings) and selectors checked once only are counted as other changes.
 */
export function summarizeChanges(check: Pick<DnsCheck, 'previous_at' | 'changes'>): string {
  if (!check.previous_at) return 'First check';
  const cs = check.changes ?? [];
  if (!cs.length) return 'No changes';
  const records = [...new Set(cs.filter((c) => c.type === 'record').map((c) => kindLabel(c.kind, c.name)))];
  const isProblem = (c: DnsChange) => c.finding && c.finding.severity !== 'info';
  const added = cs.filter((c) => c.type === 'finding_added' && isProblem(c)).length;
  const removed = cs.filter((c) => c.type === 'finding_removed' && isProblem(c)).length;
  const parts: string[] = [];
  if (records.length) parts.push(`${records.join(', ')} ${records.length === 1 ? 'record' : 'records'} changed`);
  if (added) parts.push(plural(added, 'new problem'));
  if (removed) parts.push(`${removed} resolved`);
  const other = cs.filter((c) => c.type !== 'record' && c.type !== 'status' && !(isProblem(c) && c.type.startsWith('finding'))).length;
  if (other) parts.push(plural(other, 'other change'));
  if (!parts.length) parts.push('Status changed');
  return parts.join(' · ');
}

/** The most DKIM selectors one check takes (the server's limit). */
export const maxSelectors = 10;

/**
 * parseSelectors reads the selectors field: names separated by commas or
 * spaces, in lower case, each once. A selector is DNS labels of letters,
 * digits, hyphens and underscores (RFC 6376 section 3.1).
 */
export function parseSelectors(text: string): { selectors: string[]; error?: string } {
  const selectors = [...new Set(text.split(/[\s,]+/).map((s) => s.trim().toLowerCase()).filter(Boolean))];
  const bad = selectors.find((s) => !/^[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*$/.test(s));
  if (bad) return { selectors, error: `${quote(bad)} is not a selector: use letters, digits, hyphens, underscores and dots.` };
  if (selectors.length > maxSelectors) return { selectors, error: `At most ${maxSelectors} selectors at a time.` };
  return { selectors };
}

/**
 * initialSelectors are the selectors the form starts with for a domain:
 * those its newest check asked for, else the five its reports saw most.
 */
export function initialSelectors(latest: DnsResult | undefined, seen: { selector: string }[]): string[] {
  const asked = (latest?.dkim ?? []).map((k) => k.selector || selectorOf(k.name)).filter(Boolean);
  return asked.length ? asked : seen.slice(0, 5).map((s) => s.selector);
}

/** counts totals a result's checks by tone, for the summary line. */
export function counts(r: DnsResult): Record<StatusInfo['tone'], number> {
  const out = { good: 0, warn: 0, bad: 0, neutral: 0 };
  for (const c of orderedChecks(r)) out[statusInfo(c.status).tone]++;
  return out;
}
