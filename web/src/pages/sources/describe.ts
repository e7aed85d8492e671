// Plain-words views of a source's classification (GET /sources/{ip},
// /stats/sources?classify=): the service it was identified as, how, the
// domain's SPF verdict, the evidence split into sentences and raw
// authentication results, and links in the fix text.

import type { Classification, ServiceRef } from '../../lib/api';
import { num, pct, day } from '../../lib/format';

const kinds: Record<string, string> = {
  'mailbox-provider': 'mailbox provider',
  esp: 'ESP',
  marketing: 'marketing',
  crm: 'CRM',
  helpdesk: 'help desk',
  'security-gateway': 'security gateway',
  forwarder: 'forwarder',
  'mailing-list': 'mailing list',
};

/** kindLabel names a service kind for people: "esp" → "ESP". */
export function kindLabel(kind: string): string {
  return kinds[kind] ?? kind.replace(/-/g, ' ');
}

const signals: Record<string, string> = {
  reverse_dns: 'its reverse DNS name',
  asn: 'its network (AS number)',
  spf_domain: "an SPF pass for the service's domain",
  dkim_domain: "a DKIM signature of the service's domain",
};

/** joinAnd lists parts in prose: "a", "a and b", "a, b and c". */
export function joinAnd(parts: string[]): string {
  if (parts.length <= 1) return parts[0] ?? '';
  return parts.slice(0, -1).join(', ') + ' and ' + parts[parts.length - 1];
}

/**
 * identifiedBy says how a service was identified and how sure that is:
 * "By its network (AS number) and an SPF pass for the service's domain, high confidence".
 */
export function identifiedBy(s: ServiceRef): string {
  const how = joinAnd((s.matched_by ?? []).map((m) => signals[m] ?? m.replace(/_/g, ' ')));
  return (how ? 'By ' + how + ', ' : '') + s.confidence + ' confidence';
}

/**
 * serviceLabel is a service as the source list shows it: its name, hedged
 * when the identification is of low confidence (a DKIM signature alone).
 */
export function serviceLabel(s: ServiceRef): string {
  return s.confidence === 'low' ? `possibly ${s.name}` : s.name;
}

/**
 * spfText says whether domain's SPF record authorizes the source, or null
 * when that is not known (no record, a DNS error, not asked).
 */
export function spfText(domain: string, authorized: boolean | undefined): string | null {
  if (authorized === undefined) return null;
  return authorized ? `Authorized by ${domain}'s SPF record` : `Not authorized by ${domain}'s SPF record`;
}

/** historyText sums up the history a classification was judged from. */
export function historyText(h: Classification['history']): string {
  if (!h || h.messages === 0) return 'No messages';
  let s = `${num(h.messages)} ${h.messages === 1 ? 'message' : 'messages'}, ${pct(h.pass_rate)} passed DMARC`;
  if (h.first_seen && h.last_seen) {
    s += h.first_seen === h.last_seen ? `, on ${day(h.first_seen)}` : `, ${day(h.first_seen)} – ${day(h.last_seen)}`;
    s += ` (${num(h.active_days)} ${h.active_days === 1 ? 'day' : 'days'})`;
  }
  if (h.partial) s += `; its newest ${num(h.records)} records only`;
  return s;
}

/** One raw authentication result of the evidence: "DKIM pass for example.com (selector s1)". */
export interface AuthLine {
  method: 'DKIM' | 'SPF';
  result: string;
  /** The rest of the line: "for example.com (selector s1)". */
  text: string;
}

// The server's fact lines: "DKIM pass for d (selector s)[, unrelated to
// header_from]" or "SPF fail, no domain reported".
const authLine = /^(DKIM|SPF) ([a-z]+)((?: for |, no domain reported).*)$/;

/**
 * splitEvidence separates the evidence's sentences from the raw
 * authentication results the server appends after them.
 */
export function splitEvidence(evidence: string[]): { sentences: string[]; auth: AuthLine[] } {
  let i = evidence.length;
  while (i > 0 && authLine.test(evidence[i - 1])) i--;
  const auth = evidence.slice(i).map((l): AuthLine => {
    const m = authLine.exec(l)!;
    return { method: m[1] as AuthLine['method'], result: m[2], text: m[3].replace(/^, /, '').trim() };
  });
  return { sentences: evidence.slice(0, i), auth };
}

/** resultTone colours an authentication result: pass good, fail bad, others neutral. */
export function resultTone(result: string): 'good' | 'bad' | 'warn' | 'neutral' {
  if (result === 'pass') return 'good';
  if (result === 'fail' || result === 'permerror') return 'bad';
  if (result === 'softfail' || result === 'temperror') return 'warn';
  return 'neutral';
}

/** A piece of text: plain, or an http(s) URL to link. */
export type Segment = { text: string; url?: string };

/**
 * linkify splits text at its http(s) URLs, so a fix's "See https://…" is
 * a link; a trailing full stop or bracket stays text.
 */
export function linkify(text: string): Segment[] {
  const out: Segment[] = [];
  const re = /https?:\/\/[^\s<>"]+/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    let u = m[0];
    const trail = /[.,;:!?)\]]+$/.exec(u);
    if (trail) u = u.slice(0, -trail[0].length);
    if (m.index > last) out.push({ text: text.slice(last, m.index) });
    out.push({ text: u, url: u });
    last = m.index + u.length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}

/** An option of the source list's service filter. */
export interface ServiceOption {
  id: string;
  label: string;
  count: number;
}

/** noService is the service filter's value for sources without one. */
export const noService = '-';

/**
 * serviceOptions lists the services of the loaded, classified sources,
 * the most sources first, then "No known service" when some have none.
 */
export function serviceOptions(sources: { classification?: Classification }[]): ServiceOption[] {
  const by = new Map<string, ServiceOption>();
  let none = 0;
  for (const s of sources) {
    const c = s.classification;
    if (!c) continue; // not classified: beyond the classified part of the list
    const svc = c.service;
    if (!svc) {
      none++;
      continue;
    }
    const o = by.get(svc.id) ?? { id: svc.id, label: svc.name, count: 0 };
    o.count++;
    by.set(svc.id, o);
  }
  const out = [...by.values()].sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
  if (none > 0) out.push({ id: noService, label: 'No known service', count: none });
  return out;
}

/** matchesService says whether a source passes the service filter ("" is all). */
export function matchesService(c: Classification | undefined, filter: string): boolean {
  if (!filter) return true;
  if (filter === noService) return !!c && !c.service;
  return c?.service?.id === filter;
}
