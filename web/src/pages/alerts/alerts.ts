// The Alerts page's logic: labels and tones of severities and states,
// the order of the alerts that need attention, what an alert links to
// (the source it is about, the domain's trends or DNS checks), and the
// sentences of when it opened, was acknowledged and resolved.

import type { Alert, AlertState, Severity } from '../../lib/api';
import { ago } from '../../lib/format';
import { keyKind, sourcePath } from '../trends/anomalies';

export const severityLabel: Record<Severity, string> = { critical: 'Critical', warning: 'Warning', info: 'Info' };
export const severityTone: Record<Severity, 'bad' | 'warn' | 'neutral'> = { critical: 'bad', warning: 'warn', info: 'neutral' };
export const severityIcon: Record<Severity, string> = { critical: 'alert', warning: 'alert', info: 'info' };

export const stateLabel: Record<AlertState, string> = { open: 'Open', acknowledged: 'Acknowledged', resolved: 'Resolved' };
export const stateTone: Record<AlertState, 'bad' | 'warn' | 'good'> = { open: 'bad', acknowledged: 'warn', resolved: 'good' };

/** The state filter of the page: "" shows what needs attention, then the history. */
export type StateFilter = '' | AlertState;

export const stateFilters: { value: StateFilter; label: string }[] = [
  { value: '', label: 'All' },
  { value: 'open', label: 'Open' },
  { value: 'acknowledged', label: 'Acknowledged' },
  { value: 'resolved', label: 'Resolved' },
];

/** parseState reads ?state=, anything unknown being "". */
export function parseState(s: string | null): StateFilter {
  return s === 'open' || s === 'acknowledged' || s === 'resolved' ? s : '';
}

const rank: Record<string, number> = { critical: 0, warning: 1, info: 2 };

/** attentionOrder sorts alerts that need attention: the most severe first, then the most recently seen. */
export function attentionOrder(list: Alert[]): Alert[] {
  return [...list].sort((a, b) => (rank[a.severity] ?? 3) - (rank[b.severity] ?? 3) || b.last_seen.localeCompare(a.last_seen) || b.id - a.id);
}

/** conditionOf is what the alert is about without its domain: "source:192.0.2.7", "compliance". */
export function conditionOf(a: Pick<Alert, 'key' | 'domain'>): string {
  return a.domain && a.key.startsWith(a.domain + ':') ? a.key.slice(a.domain.length + 1) : a.key;
}

const ipv4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;

/** isIP reports whether s is an IPv4 or IPv6 address (loosely for IPv6: hex groups and colons). */
export function isIP(s: string): boolean {
  return ipv4.test(s) || (/^[0-9a-f:.]+$/i.test(s) && s.includes(':') && s.split(':').length >= 3);
}

/** factIP is the address a fact's value starts with ("192.0.2.7 (Example - AS64500): 120 messages"). */
export function factIP(value: string): string | undefined {
  const first = value.trim().split(/[\s(]/)[0].replace(/:$/, '');
  return isIP(first) ? first : undefined;
}

/** sourceOf is the source IP an alert is about, from its condition or its facts. */
export function sourceOf(a: Pick<Alert, 'key' | 'domain' | 'facts'>): string | undefined {
  const c = conditionOf(a);
  if (c.startsWith('source:')) return c.slice('source:'.length);
  const m = /^anomaly:([^:]+):(.+)$/.exec(c);
  if (m && keyKind(m[1]) === 'ip' && isIP(m[2])) return m[2];
  for (const f of a.facts ?? []) {
    if (f.name === 'Source' || f.name === 'Top failure source') {
      const ip = factIP(f.value);
      if (ip) return ip;
    }
  }
  return undefined;
}

export interface AlertLink {
  label: string;
  href: string;
  icon: string;
}

/** alertLinks are the dashboard pages an alert is about, as far as its type, condition and facts tell. */
export function alertLinks(a: Pick<Alert, 'key' | 'domain' | 'facts' | 'type'>): AlertLink[] {
  const out: AlertLink[] = [];
  const ip = sourceOf(a);
  if (ip) out.push({ label: `Source ${ip}`, href: sourcePath(ip), icon: 'sources' });
  if (a.domain) {
    if (a.type === 'tls_success_below' || a.type === 'tls_new_failure') {
      out.push({ label: `TLS reports of ${a.domain}`, href: `/tls?domain=${encodeURIComponent(a.domain)}`, icon: 'lock' });
    } else if (a.type === 'dns_regression') {
      out.push({ label: `DNS records of ${a.domain}`, href: `/dns?check=${encodeURIComponent(a.domain)}#check`, icon: 'dns' });
    } else {
      out.push({ label: `Trends of ${a.domain}`, href: `/trends?domain=${encodeURIComponent(a.domain)}`, icon: 'trends' });
    }
    if (a.type === 'compliance_below' || a.type === 'failure_rate_increase') {
      out.push({ label: 'Policy advisor', href: `/policy?domain=${encodeURIComponent(a.domain)}`, icon: 'policy' });
    }
  }
  return out;
}

/** openedText: "Opened 3 hours ago, last seen 5 minutes ago" (the last only when it differs). */
export function openedText(a: Pick<Alert, 'opened_at' | 'last_seen'>, now = Date.now()): string {
  const opened = ago(a.opened_at, now);
  const seen = ago(a.last_seen, now);
  return a.last_seen > a.opened_at && seen !== opened ? `Opened ${opened}, last seen ${seen}` : `Opened ${opened}`;
}

/** stateText says who acknowledged or resolved the alert and when, or how it resolved. */
export function stateText(a: Alert, now = Date.now()): string {
  switch (a.state) {
    case 'acknowledged':
      return `Acknowledged${a.acknowledged_by ? ' by ' + a.acknowledged_by : ''}${a.acknowledged_at ? ' ' + ago(a.acknowledged_at, now) : ''}`;
    case 'resolved': {
      const when = a.resolved_at ? ' ' + ago(a.resolved_at, now) : '';
      if (!a.resolved_by) return `Resolved${when}: the condition cleared`;
      return `Resolved by ${a.resolved_by}${when}` + (a.active ? '; the condition still holds, so it opens no new alert until it clears' : '');
    }
  }
  return a.active ? 'Open: the condition still holds' : 'Open: the condition cleared';
}

/** notifiedText says whether the alert went to its channels. */
export function notifiedText(a: Pick<Alert, 'notified'>): string {
  return a.notified ? 'Sent to its channels' : 'Not sent: no channel takes it, or it waits for quiet hours or the rate limit';
}

/** countText: "3 open alerts", "1 acknowledged alert". */
export function countText(n: number, what: string): string {
  return `${n} ${what} ${n === 1 ? 'alert' : 'alerts'}`;
}

/** domainsOf lists the domains to filter by: those with reports and those of alerts, sorted, each once. */
export function domainsOf(reported: string[], alerts: Pick<Alert, 'domain'>[], current = ''): string[] {
  const set = new Set(reported);
  for (const a of alerts) if (a.domain) set.add(a.domain);
  if (current) set.add(current);
  return [...set].sort();
}
