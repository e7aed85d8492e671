// The TLS page's logic (SMTP TLS reports, RFC 8460), kept apart from the
// components so it can be tested: the success rate day by day or week by
// week on the Trends charts' axis, the failures grouped by what to fix,
// what a policy says, and the TLS-RPT record a domain publishes to get
// reports.

import type { Range, TLSDay, TLSExplanation, TLSFailureTotal } from '../../lib/api';
import { addDays, bucketStart, bucketStarts, longDay, span, type Bucket } from '../../lib/chart-data';
import { num } from '../../lib/format';

/**
 * rateTone colours a TLS success rate. Stricter than DMARC's pass rate:
 * a failed session is mail sent in clear text, or not delivered at all
 * under an enforced policy. 99% and more is good, 90% and more a warning.
 */
export function rateTone(rate: number): 'good' | 'warn' | 'bad' {
  return rate >= 99 ? 'good' : rate >= 90 ? 'warn' : 'bad';
}

/** successRate is the successful share of sessions in percent, 2 decimals; 100 when there were none (the API's rule). */
export function successRate(ok: number, failed: number): number {
  const n = ok + failed;
  return n === 0 ? 100 : Math.round((ok * 10000) / n) / 100;
}

/** rateText formats a success rate with up to 2 decimals: 94.62%, 100%. */
export function rateText(rate: number): string {
  return `${Math.round(rate * 100) / 100}%`;
}

export interface SessionSeries {
  /** The bucket starts, YYYY-MM-DD. */
  starts: string[];
  /** The same as Unix seconds, uPlot's x values. */
  xs: number[];
  /** Success rate per bucket, null where no report began. */
  rate: (number | null)[];
  successful: (number | null)[];
  failed: (number | null)[];
}

/** The fewest buckets a chart shows: a lone day is a point on a week, not the whole width. */
export const MIN_BUCKETS = 7;

/**
 * sessionSeries puts the summary's days on one axis covering the range
 * (as the Trends charts do), summing them into weeks from Monday when
 * bucket is week: null where no report began, so lines break there. An
 * axis shorter than MIN_BUCKETS is extended into the past.
 */
export function sessionSeries(days: TLSDay[], range: Range, bucket: Bucket, today: string): SessionSeries {
  const s = span(range, [days.map((d) => ({ start: d.day }))], today);
  let starts = s ? bucketStarts(s.from, s.to, bucket) : [];
  if (starts.length > 0 && starts.length < MIN_BUCKETS) {
    const step = bucket === 'week' ? 7 : 1;
    starts = bucketStarts(addDays(starts[starts.length - 1], -(MIN_BUCKETS - 1) * step), starts[starts.length - 1], bucket);
  }
  const sums = new Map<string, { ok: number; failed: number }>();
  for (const d of days) {
    const k = bucketStart(d.day, bucket);
    const v = sums.get(k) ?? { ok: 0, failed: 0 };
    v.ok += d.successful_sessions;
    v.failed += d.failed_sessions;
    sums.set(k, v);
  }
  const at = (k: string) => sums.get(k);
  return {
    starts,
    xs: starts.map((d) => Date.parse(d + 'T00:00:00Z') / 1000),
    rate: starts.map((k) => {
      const v = at(k);
      return v ? successRate(v.ok, v.failed) : null;
    }),
    successful: starts.map((k) => at(k)?.ok ?? null),
    failed: starts.map((k) => at(k)?.failed ?? null),
  };
}

/** describeSessions is the sentence under the success-rate chart: the total and the worst period. */
export function describeSessions(s: SessionSeries, bucket: Bucket): string {
  let ok = 0;
  let failed = 0;
  let worst = -1;
  let n = 0;
  for (let i = 0; i < s.starts.length; i++) {
    const r = s.rate[i];
    if (r === null) continue;
    n++;
    ok += s.successful[i] ?? 0;
    failed += s.failed[i] ?? 0;
    if (worst < 0 || r < (s.rate[worst] ?? 100)) worst = i;
  }
  if (n === 0) return 'No SMTP TLS report began in this range.';
  const total = ok + failed;
  const head = `${rateText(successRate(ok, failed))} of ${num(total)} session${total === 1 ? '' : 's'} succeeded`;
  if (failed === 0) return `${head}: no sender reported a failed TLS session.`;
  const when = bucket === 'week' ? `the week of ${longDay(s.starts[worst])}` : longDay(s.starts[worst]);
  if (n === 1) return `${head}; ${num(failed)} failed, all reported for ${when}.`;
  return `${head}; ${num(failed)} failed. The lowest ${bucket} was ${when} at ${rateText(s.rate[worst] ?? 0)}.`;
}

/** The kind of problem a result type is: the policy (MTA-STS or DANE) or the TLS session itself. */
export interface ProblemKind {
  kind: 'policy' | 'session';
  /** MTA-STS or DANE for a policy problem. */
  family?: 'MTA-STS' | 'DANE';
  label: string;
  /** What the kind means, for a tooltip or a line of text. */
  hint: string;
}

const dane = new Set(['tlsa-invalid', 'dnssec-invalid', 'dane-required']);

/** problemKind tells whether a failure is of the policy (MTA-STS, DANE) or of the session. */
export function problemKind(resultType: string, e: TLSExplanation): ProblemKind {
  if (e.policy || resultType.startsWith('sts-') || dane.has(resultType)) {
    const family = dane.has(resultType) ? 'DANE' : 'MTA-STS';
    return {
      kind: 'policy',
      family,
      label: `${family} policy problem`,
      hint:
        family === 'DANE'
          ? 'The DANE records (TLSA, DNSSEC) could not be used: fix them in DNS.'
          : 'The MTA-STS policy could not be fetched or trusted: fix the policy file or its web server.',
    };
  }
  return { kind: 'session', label: 'TLS session problem', hint: 'The MX host answered, but the encrypted session with it failed: fix the mail server.' };
}

/**
 * forDomain puts the domain into an explanation's text where it says
 * DOMAIN (mta-sts.DOMAIN); text for several domains is kept as it is.
 */
export function forDomain(text: string, domain: string): string {
  return domain ? text.replaceAll('DOMAIN', domain) : text;
}

/** One MX host of a failure group. */
export interface FailureHost {
  /** Empty when the reporters named no host. */
  host: string;
  sessions: number;
  reporters: number;
  reasonCodes: string[];
  firstSeen: string;
  lastSeen: string;
}

/** The failures of one result type at one domain, its MX hosts the most sessions first. */
export interface FailureGroup {
  key: string;
  domain: string;
  resultType: string;
  explanation: TLSExplanation;
  kind: ProblemKind;
  sessions: number;
  /** Share of all failed sessions listed, 0-100. */
  share: number;
  /** The most reporters of a host: reporters of different hosts may be the same. */
  reporters: number;
  reasonCodes: string[];
  firstSeen: string;
  lastSeen: string;
  hosts: FailureHost[];
}

/**
 * failureGroups groups the summary's failures by domain and result type
 * (the meaning and the fix are the same for every host), each with its
 * MX hosts, the most sessions first; ties by title, then host.
 */
export function failureGroups(failures: TLSFailureTotal[]): FailureGroup[] {
  const by = new Map<string, FailureGroup>();
  let all = 0;
  for (const f of failures) {
    all += f.sessions;
    const key = f.domain + '\u0000' + f.result_type;
    let g = by.get(key);
    if (!g) {
      g = {
        key,
        domain: f.domain,
        resultType: f.result_type,
        explanation: f.explanation,
        kind: problemKind(f.result_type, f.explanation),
        sessions: 0,
        share: 0,
        reporters: 0,
        reasonCodes: [],
        firstSeen: f.first_seen,
        lastSeen: f.last_seen,
        hosts: [],
      };
      by.set(key, g);
    }
    g.sessions += f.sessions;
    g.reporters = Math.max(g.reporters, f.reporters);
    for (const c of f.reason_codes) if (!g.reasonCodes.includes(c)) g.reasonCodes.push(c);
    if (f.first_seen < g.firstSeen) g.firstSeen = f.first_seen;
    if (f.last_seen > g.lastSeen) g.lastSeen = f.last_seen;
    g.hosts.push({
      host: f.receiving_mx_hostname,
      sessions: f.sessions,
      reporters: f.reporters,
      reasonCodes: [...f.reason_codes],
      firstSeen: f.first_seen,
      lastSeen: f.last_seen,
    });
  }
  const out = [...by.values()];
  for (const g of out) {
    g.share = all > 0 ? Math.round((g.sessions * 1000) / all) / 10 : 0;
    g.hosts.sort((a, b) => b.sessions - a.sessions || a.host.localeCompare(b.host));
  }
  return out.sort((a, b) => b.sessions - a.sessions || a.explanation.title.localeCompare(b.explanation.title) || a.domain.localeCompare(b.domain));
}

/** policyLabel names a policy type of RFC 8460 section 4.4. */
export function policyLabel(type: string): string {
  switch (type) {
    case 'sts':
      return 'MTA-STS';
    case 'tlsa':
      return 'DANE (TLSA)';
    case 'no-policy-found':
      return 'No policy found';
    default:
      return type;
  }
}

/** policyHint says what a policy type means for the sessions under it. */
export function policyHint(type: string): string {
  switch (type) {
    case 'sts':
      return 'The sender applied the MTA-STS policy it fetched from mta-sts.DOMAIN: it checks the MX host names and their certificates.';
    case 'tlsa':
      return "The sender applied the domain's DANE TLSA records, validated with DNSSEC.";
    case 'no-policy-found':
      return 'The sender found neither an MTA-STS policy nor DANE records, so it could fall back to clear text; these sessions are opportunistic TLS.';
    default:
      return 'A policy type RFC 8460 does not define.';
  }
}

/** One line of an MTA-STS policy, with what it means. */
export interface PolicyLine {
  key: string;
  value: string;
  /** Plain English; empty for lines that need none. */
  meaning: string;
  problem?: boolean;
}

/** duration words a number of seconds: 86400 → "1 day", 604800 → "1 week". */
export function duration(seconds: number): string {
  const units: [number, string][] = [
    [604800, 'week'],
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [n, u] of units) {
    if (seconds >= 86400 && n < 86400) break;
    if (seconds >= n && seconds % n === 0) {
      const v = seconds / n;
      return `${num(v)} ${u}${v === 1 ? '' : 's'}`;
    }
  }
  if (seconds >= 86400) return `about ${num(Math.round(seconds / 86400))} days`;
  return `${num(seconds)} second${seconds === 1 ? '' : 's'}`;
}

/**
 * stsLines reads the policy strings of an MTA-STS policy (RFC 8461
 * section 3.2: "key: value" lines) and says what each means. Lines that
 * are not "key: value" are kept whole with an empty key.
 */
export function stsLines(strings: string[]): PolicyLine[] {
  return strings.map((line) => {
    const i = line.indexOf(':');
    if (i < 0) return { key: '', value: line, meaning: 'Not a "key: value" line.', problem: true };
    const key = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    switch (key) {
      case 'version':
        return value === 'STSv1'
          ? { key, value, meaning: '' }
          : { key, value, meaning: 'The version must be STSv1.', problem: true };
      case 'mode':
        if (value === 'enforce') return { key, value, meaning: 'Senders refuse to deliver over a session that fails: failures mean mail not delivered.' };
        if (value === 'testing') return { key, value, meaning: 'Senders deliver anyway and only report failures: safe while you fix them, then switch to enforce.' };
        if (value === 'none') return { key, value, meaning: 'The policy is switched off: senders forget it.' };
        return { key, value, meaning: 'The mode must be enforce, testing or none.', problem: true };
      case 'mx':
        return { key, value, meaning: value.startsWith('*.') ? `Any host one label under ${value.slice(2)}.` : 'An MX host the sender may deliver to.' };
      case 'max_age': {
        const n = Number(value);
        if (!/^\d+$/.test(value)) return { key, value, meaning: 'max_age must be a number of seconds.', problem: true };
        return { key, value, meaning: `Senders keep the policy for ${duration(n)}${n < 604800 ? '; a week or more is usual once reports show no failures' : ''}.` };
      }
      default:
        return { key, value, meaning: '' };
    }
  });
}

/** The TLS-RPT record of a domain and what is wrong with the input. */
export interface TlsRptRecord {
  /** _smtp._tls.DOMAIN, empty without a domain. */
  host: string;
  /** v=TLSRPTv1; rua=… */
  value: string;
  errors: { domain?: string; rua?: string };
}

const domainRe = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const mailRe = /^[^\s@,;!]+@[^\s@,;!]+\.[^\s@,;!]+$/;

/**
 * tlsRptRecord builds the TXT record that asks senders for SMTP TLS
 * reports (RFC 8460 section 3): addresses are mail addresses (mailto:
 * added) or https URLs, separated by commas or spaces.
 */
export function tlsRptRecord(domain: string, addresses: string): TlsRptRecord {
  const errors: TlsRptRecord['errors'] = {};
  const d = domain.trim().toLowerCase().replace(/\.$/, '');
  if (!d) errors.domain = 'Enter the domain that receives the mail.';
  else if (!domainRe.test(d)) errors.domain = `“${d}” is not a domain name.`;
  const rua: string[] = [];
  const items = addresses.split(/[\s,]+/).filter(Boolean);
  for (const a of items) {
    const m = a.replace(/^mailto:/i, '');
    if (/^https:\/\/[^\s]+$/i.test(a)) rua.push(a);
    else if (mailRe.test(m)) rua.push('mailto:' + m);
    else errors.rua = /^http:/i.test(a) ? `“${a}”: report URLs must use https.` : `“${a}” is neither a mail address nor an https URL.`;
  }
  if (items.length === 0) errors.rua = 'Enter the address that receives the reports.';
  return {
    host: d && !errors.domain ? `_smtp._tls.${d}` : '',
    value: `v=TLSRPTv1; rua=${rua.length ? rua.join(',') : 'mailto:…'}`,
    errors,
  };
}
