// Plain-words views of an IP's reputation (GET /sources/{ip} reputation,
// roadmap 2.6): the traffic-light verdict and what each provider said or
// why it was not asked.

import type { Reputation, ReputationProvider, Verdict } from '../../lib/api';
import { num, day, ago, pct, rate } from '../../lib/format';

/** The traffic light of a verdict, as a tone class of app.css. */
export type Light = 'good' | 'warn' | 'bad';

const verdicts: Record<Verdict, { text: string; light: Light }> = {
  clean: { text: 'Clean', light: 'good' },
  limited_data: { text: 'Limited data', light: 'warn' },
  suspicious: { text: 'Suspicious', light: 'warn' },
  bad: { text: 'Bad', light: 'bad' },
};

/** verdictText names a verdict: "limited_data" → "Limited data". */
export function verdictText(v: string): string {
  return verdicts[v as Verdict]?.text ?? v.replace(/_/g, ' ');
}

/** verdictLight is a verdict's traffic light: green clean, yellow limited data or suspicious, red bad. */
export function verdictLight(v: string): Light {
  return verdicts[v as Verdict]?.light ?? 'warn';
}

/** The external providers the server may ask, by their key in the API. */
export const providers = [
  { id: 'abuseipdb', name: 'AbuseIPDB', site: 'https://www.abuseipdb.com', page: (ip: string) => `https://www.abuseipdb.com/check/${encodeURIComponent(ip)}` },
  { id: 'virustotal', name: 'VirusTotal', site: 'https://www.virustotal.com', page: (ip: string) => `https://www.virustotal.com/gui/ip-address/${encodeURIComponent(ip)}` },
] as const;

export type ProviderId = (typeof providers)[number]['id'];

/** keyVar is the variable that enables a provider: PARSE_DMARC_ABUSEIPDB_KEY. */
export function keyVar(id: ProviderId): string {
  return `PARSE_DMARC_${id.toUpperCase()}_KEY`;
}

/** plural: "1 report", "3 reports". */
function plural(n: number, one: string, many = one + 's'): string {
  return `${num(n)} ${n === 1 ? one : many}`;
}

/** until says how long from now until iso: "in 12 min", "in 2 h 5 min". */
export function until(iso: string, now = Date.now()): string {
  const m = Math.max(1, Math.ceil((new Date(iso).getTime() - now) / 60000));
  if (m < 60) return `in ${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `in ${h} h ${m % 60} min` : `in ${h} h`;
}

/**
 * providerLines says what a provider answered, or why it was not asked,
 * in short lines: the status first, then its data.
 */
export function providerLines(id: ProviderId, r: ReputationProvider, now = Date.now()): string[] {
  switch (r.status) {
    case 'not_configured':
      return [`Not enabled: add ${keyVar(id)} to enable`];
    case 'not_public':
      return ['Not asked: a private or reserved address is never sent out'];
    case 'rate_limited':
      return [
        r.retry_at
          ? `Rate limited: next lookup ${until(r.retry_at, now)} (${new Date(r.retry_at).toISOString().slice(11, 16)} UTC)`
          : 'Rate limited',
        // The server's message, without the wait it says too.
        ...(r.message ? [r.message.replace(/; next lookup in \S+$/, '')] : []),
      ];
    case 'error':
      return ['Lookup failed' + (r.message ? ': ' + r.message : '')];
    case 'not_found':
      return ['No record of this address', ...checked(r, now)];
    case 'ok':
      return [...(id === 'abuseipdb' ? abuseLines(r) : vtLines(r)), ...checked(r, now)];
  }
  return [r.message ?? r.status];
}

function abuseLines(r: ReputationProvider): string[] {
  const out: string[] = [];
  const reports = r.total_reports ?? 0;
  let first = `Abuse confidence ${r.abuse_confidence_score ?? 0}%`;
  first += reports
    ? `, ${plural(reports, 'report')}${r.distinct_users ? ` from ${plural(r.distinct_users, 'user')}` : ''} in 90 days`
    : ', no reports in 90 days';
  if (r.last_reported_at) first += `, last reported ${day(r.last_reported_at)}`;
  out.push(first);
  const flags = [r.is_whitelisted && 'whitelisted as a known service', r.is_tor && 'a Tor exit node', r.usage_type, r.isp].filter(Boolean);
  if (flags.length) {
    const l = flags.join(' · ');
    out.push(l[0].toUpperCase() + l.slice(1));
  }
  return out;
}

function vtLines(r: ReputationProvider): string[] {
  const mal = r.malicious ?? 0;
  const sus = r.suspicious ?? 0;
  const vendors = mal + sus + (r.harmless ?? 0) + (r.undetected ?? 0);
  let first = `${num(mal)} of ${plural(vendors, 'security vendor')} ${mal === 1 ? 'flags' : 'flag'} it malicious, ${num(sus)} suspicious`;
  if (mal === 0 && sus === 0) first = `None of ${plural(vendors, 'security vendor')} flags it`;
  const out = [first];
  const more = [];
  if (r.reputation !== undefined && r.reputation !== 0) more.push(`community score ${r.reputation}`);
  if (r.last_analysis) more.push(`last analysed ${day(r.last_analysis)}`);
  if (more.length) out.push(more.join(' · '));
  return out;
}

/** checked says when the provider answered: "Checked 3 hours ago (cached)". */
function checked(r: ReputationProvider, now: number): string[] {
  if (!r.fetched_at) return [];
  return [`Checked ${ago(r.fetched_at, now)}${r.cached ? ' (cached)' : ''}`];
}

/** A provider's status as a short pill: its verdict when it answered. */
export function providerBadge(r: ReputationProvider): { text: string; tone: Light | 'neutral' } {
  switch (r.status) {
    case 'ok':
      return r.verdict ? { text: verdictText(r.verdict), tone: verdictLight(r.verdict) } : { text: 'answered', tone: 'neutral' };
    case 'not_found':
      return { text: 'no record', tone: 'neutral' };
    case 'not_configured':
      return { text: 'not enabled', tone: 'neutral' };
    case 'not_public':
      return { text: 'not asked', tone: 'neutral' };
    case 'rate_limited':
      return { text: 'rate limited', tone: 'warn' };
    case 'error':
      return { text: 'failed', tone: 'bad' };
  }
  return { text: String(r.status).replace(/_/g, ' '), tone: 'neutral' };
}

/** answered says whether the provider's data is shown, and so credited. */
export function answered(r: ReputationProvider): boolean {
  return r.status === 'ok' || r.status === 'not_found';
}

/** internalLines sums up what the store's reports tell of the address. */
export function internalLines(i: Reputation['internal']): string[] {
  if (!i.messages) return ['Not in your reports'];
  let first = `${plural(i.messages, 'message')} on ${plural(i.days_active, 'day')}`;
  if (i.first_seen && i.last_seen && i.first_seen !== i.last_seen) first += ` (${day(i.first_seen)} – ${day(i.last_seen)})`;
  else if (i.first_seen) first += ` (${day(i.first_seen)})`;
  first += `, as ${plural(i.domain_count, 'domain')}`;
  const lines = [first, `${pct(rate(i.dmarc_pass, i.messages))} passed DMARC; ${plural(i.fully_failed, 'message')} failed both DKIM and SPF`];
  const blocked = i.disposition_quarantine + i.disposition_reject;
  if (blocked > 0) lines.push(`Receivers quarantined ${num(i.disposition_quarantine)} and rejected ${num(i.disposition_reject)}`);
  if (i.partial) lines.push('From its newest records only');
  return lines;
}
