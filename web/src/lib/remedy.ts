// Plain-words views of the remediation API (package remedy): a source's
// "Fix this" (GET /sources/{ip}/fix) and the policy advisor (GET
// /domains/{domain}/advice). The components only lay these out.

import type { Advice, AdviceGroup, AdviceSource, Fix, FixCategory, FixMechanism, FixRecord, FixStep, PolicyState, SpfChange } from './api';
import { num, day } from './format';

export type Tone = 'good' | 'warn' | 'bad' | 'neutral';

/**
 * pct2 formats a percentage with at most two decimals, as the advisor's
 * thresholds and reasons are written: "1.99%", "0.5%".
 */
export function pct2(p: number | undefined): string {
  if (p === undefined || Number.isNaN(p)) return '–';
  return (Math.round(p * 100) / 100).toString() + '%';
}

const categoryTones: Record<FixCategory, Tone> = {
  legitimate_misconfiguration: 'warn',
  third_party_setup: 'warn',
  potential_spoofing: 'bad',
  dns_configuration: 'warn',
  forwarding: 'neutral',
  nothing_to_fix: 'good',
};

/** categoryTone is the colour of a fix's guidance category. */
export function categoryTone(c: FixCategory): Tone {
  return categoryTones[c] ?? 'neutral';
}

/** plural writes a count with its noun: "1 source", "2,000 messages". */
export function plural(n: number, one: string, many: string): string {
  return `${num(n)} ${n === 1 ? one : many}`;
}

/**
 * spoofingVerdict says whether a fix's source looks like spoofing, and
 * why, from its category and the service it was identified as.
 */
export function spoofingVerdict(f: Fix): { tone: Tone; label: string; text: string } {
  const d = f.domain;
  switch (f.category) {
    case 'potential_spoofing':
      return {
        tone: 'bad',
        label: 'Looks like spoofing',
        text: `Do not add it to ${d}'s SPF record or give it a DKIM key: that would make the spoofed mail pass DMARC.`,
      };
    case 'third_party_setup':
      if (f.service)
        return {
          tone: 'warn',
          label: 'Probably not spoofing',
          text: `It is ${f.service.name}, a real sending service. If ${d} does not send through ${f.service.name}, another of its customers is sending as ${d}: set nothing up, and report it to ${f.service.name}.`,
        };
      return {
        tone: 'warn',
        label: 'Not sure',
        text: `Its mail authenticated as ${authDomains(f).join(', ') || 'another domain'}, not as ${d}. Find out who sends from ${f.source_ip} before you authorize it.`,
      };
    case 'legitimate_misconfiguration':
    case 'dns_configuration':
      return { tone: 'good', label: 'Not spoofing', text: `A sender of ${d}'s own, not set up completely.` };
    case 'forwarding':
      return { tone: 'good', label: 'Not spoofing', text: `${d}'s own mail, relayed by a forwarder or mailing list.` };
    default:
      return { tone: 'good', label: 'Not spoofing', text: `All of this source's mail passed DMARC for ${d}.` };
  }
}

/** authDomains are the domains a fix's failures passed DKIM or SPF for. */
export function authDomains(f: Fix): string[] {
  const out: string[] = [];
  for (const m of f.failures)
    for (const r of [...(m.dkim.results ?? []), ...(m.spf.results ?? [])])
      if (r.result === 'pass' && !out.includes(r.domain)) out.push(r.domain);
  return out;
}

const resultWords: Record<string, string> = {
  pass: 'aligned',
  not_aligned: 'not aligned',
  fail: 'failed',
  none: 'missing',
};

/** mechanismLabel names how DKIM or SPF did for DMARC: "not aligned". */
export function mechanismLabel(m: FixMechanism): string {
  return resultWords[m.result] ?? m.result;
}

/**
 * mechanismText says what the reports show of DKIM or SPF on a failure,
 * the raw results behind its label: "pass for sendgrid.net (s=smtpapi)".
 */
export function mechanismText(m: FixMechanism): string {
  const raw = (m.results ?? []).map((r) => `${r.result} for ${r.domain}${r.selector ? ` (s=${r.selector})` : ''}`);
  let s = raw.length ? raw.join(', ') : 'no result in the reports';
  if (m.relaxed_would_align) s += '; relaxed alignment would pass it';
  return s;
}

/** mechanismTone colours a mechanism's result. */
export function mechanismTone(m: FixMechanism): Tone {
  return m.result === 'pass' ? 'good' : m.result === 'not_aligned' ? 'warn' : 'bad';
}

const actions: Record<FixRecord['action'], string> = {
  add: 'Add',
  replace: 'Replace',
  keep: 'Already published',
  fix: 'Publish again',
};

const statuses: Record<FixRecord['status'], string> = {
  missing: 'not in DNS now',
  present: 'in DNS now',
  invalid: 'in DNS but broken',
  unknown: 'not checked',
};

/** recordAction says what to do with a record and what DNS holds now: "Add · not in DNS now". */
export function recordAction(r: FixRecord): { label: string; status: string; tone: Tone } {
  const tone: Tone = r.action === 'keep' ? 'good' : r.status === 'invalid' ? 'bad' : r.action === 'replace' ? 'neutral' : 'warn';
  return { label: actions[r.action] ?? r.action, status: statuses[r.status] ?? r.status, tone };
}

/**
 * isSpfRecord tells the record of a fix that is its SPF change (the
 * panel shows it with the current record and the lookup count).
 */
export function isSpfRecord(r: FixRecord, c: SpfChange | undefined): boolean {
  return !!c && r.type === 'TXT' && r.name === c.domain && !!c.proposed && r.value === c.proposed;
}

/** lookupText says the proposed SPF record's DNS lookups against the limit: "3 of 10 DNS lookups (2 now)". */
export function lookupText(c: SpfChange): { text: string; tone: Tone } {
  if (!c.checked) return { text: 'Lookups not checked: DNS was not asked', tone: 'neutral' };
  let text = `${c.lookups} of ${c.lookup_limit} DNS lookups`;
  if (!c.already && c.current) text += ` (${c.current_lookups} now)`;
  if (c.exceeds_limit) return { text: text + ': over the limit, receivers would return permerror', tone: 'bad' };
  return { text, tone: c.lookups >= c.lookup_limit - 1 ? 'warn' : 'good' };
}

/**
 * stepText splits a step's detail into paragraphs and bullet items,
 * leaving out what the panel shows with the records: a record's value
 * and note, the "Your new SPF record should be:" line before it and the
 * lookup count.
 */
export function stepText(s: FixStep): { paragraphs: string[]; bullets: string[] } {
  const values = new Set((s.records ?? []).flatMap((r) => [r.value, r.current ?? '', r.note ?? '']).filter(Boolean));
  const lines = (s.detail ?? '').split('\n').map((l) => l.trim());
  const paragraphs: string[] = [];
  const bullets: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!l || values.has(l)) continue;
    if (/:$/.test(l) && values.has(lines[i + 1] ?? '')) continue;
    if (values.size && /^\(\d+\/\d+ DNS lookups\)$/.test(l)) continue;
    if (l.startsWith('- ')) bullets.push(l.slice(2));
    else paragraphs.push(l);
  }
  return { paragraphs, bullets };
}

/**
 * notesShown tells which records of a list show their note: the first of
 * those sharing one (a service's DKIM records share its instructions).
 */
export function notesShown(records: FixRecord[]): boolean[] {
  const seen = new Set<string>();
  return records.map((r) => {
    if (!r.note || seen.has(r.note)) return false;
    seen.add(r.note);
    return true;
  });
}

/**
 * isVerifyStep tells the last step of a fix of records, "Verify", whose
 * detail the panel shows as its own section.
 */
export function isVerifyStep(s: FixStep, f: Fix): boolean {
  return s.title === 'Verify' && f.verification.steps.length > 0;
}

/** hostText describes a fix's source host: "o1.sendgrid.net, AS11377 SENDGRID". */
export function hostText(h: Fix['host']): string {
  const parts: string[] = [];
  if (h.hostname) parts.push(h.hostname);
  if (h.asn) parts.push(`AS${h.asn}${h.as_org ? ' ' + h.as_org : ''}`);
  return parts.join(', ');
}

/** failingText sums up a fix's messages: "1,200 of 1,200 messages failed DMARC". */
export function failingText(f: Fix): string {
  let s = `${num(f.failing)} of ${plural(f.messages, 'message', 'messages')} failed DMARC`;
  if (f.passing_on_one_mechanism > 0) s += `; ${num(f.passing_on_one_mechanism)} passed on DKIM or SPF alone`;
  if (f.partial) s += ' (its newest records)';
  return s;
}

/**
 * needsFix tells whether a source's domain on the source page gets a
 * "Fix this": some of its mail fails, or it is a misconfigured service.
 */
export function needsFix(stats: { total_messages: number; dmarc_pass: number }, c: { misconfigured?: boolean; history?: { pass_rate: number; messages: number } }): boolean {
  if (c.misconfigured) return true;
  if (stats.total_messages > stats.dmarc_pass) return true;
  return !!c.history && c.history.messages > 0 && c.history.pass_rate < 100;
}

// The policy advisor.

/** policyText writes a policy in short, as the server does: "p=quarantine pct=25 sp=none". */
export function policyText(p: PolicyState): string {
  let s = 'p=' + (p.p || 'none');
  if (p.pct > 0 && p.pct < 100) s += ` pct=${p.pct}`;
  if (p.sp && p.sp !== p.p) s += ` sp=${p.sp}`;
  if (p.np && p.np !== p.sp) s += ` np=${p.np}`;
  if (p.t === 'y') s += ' t=y';
  return s;
}

const verdictLabels: Record<Advice['verdict'], { label: string; tone: Tone }> = {
  ready: { label: 'Ready', tone: 'good' },
  ready_with_caution: { label: 'Ready, with caution', tone: 'warn' },
  not_yet: { label: 'Not yet', tone: 'bad' },
  complete: { label: 'Done', tone: 'good' },
};

/** What a policy does to the failing mail it applies to. */
function effect(target: string | undefined): string {
  return target === 'reject' ? 'have rejected' : 'have sent to spam';
}

/** blockingFailing is the failing mail of the blocking sources. */
export function blockingFailing(a: Advice): number {
  return a.blocking.reduce((n, s) => n + s.failing, 0);
}

/**
 * verdict says the advisor's verdict in one sentence, with what would
 * break: "Not yet: 2 legitimate sources sent 1,500 messages in the last
 * 30 days that p=quarantine would have sent to spam."
 */
export function verdict(a: Advice): { label: string; tone: Tone; sentence: string } {
  const v = verdictLabels[a.verdict] ?? { label: a.verdict, tone: 'neutral' as Tone };
  const target = a.thresholds.target;
  const period = `in the last ${plural(a.days, 'day', 'days')}`;
  const step = a.next ? policyText(a.next) : '';
  let sentence: string;
  switch (a.verdict) {
    case 'not_yet': {
      const n = blockingFailing(a);
      if (a.blocking.length > 0 && n > 0)
        sentence = `Not yet: ${plural(a.blocking.length, 'legitimate source', 'legitimate sources')} sent ${plural(n, 'failing message', 'failing messages')} ${period} that p=${target || 'quarantine'} would ${effect(target)}.`;
      else if (!a.data.sufficient)
        sentence = `Not yet: too little data to judge. The reports cover ${plural(a.data.days, 'day', 'days')} and ${plural(a.data.messages, 'message', 'messages')}; at least ${a.data.min_days} days and ${num(a.data.min_messages)} messages are needed.`;
      else sentence = 'Not yet: ' + (a.reasons[0] ?? 'the advisor found a reason to wait.');
      break;
    }
    case 'ready':
      sentence =
        `Ready: publish ${step}. ` +
        (a.legitimate.failing === 0
          ? `No legitimate mail failed DMARC ${period}.`
          : `${pct2(a.legitimate_failing_share)} of legitimate mail (${plural(a.legitimate.failing, 'message', 'messages')}) failed DMARC ${period}, within the ${pct2(a.thresholds.max_legitimate_failing)} that p=${target} allows.`);
      break;
    case 'ready_with_caution':
      sentence = `Ready, with caution: publish ${step}, then watch the next reports before the next step.`;
      break;
    default:
      sentence = `Done: ${a.domain} publishes ${policyText(a.current.effective)}; there is no stricter policy to move to.`;
  }
  return { ...v, sentence };
}

/** periodText writes an advice's period: "Nov 7, 2026 – Dec 7, 2026". */
export function periodText(a: Pick<Advice, 'since' | 'until'>): string {
  const last = new Date(a.until + 'T00:00:00Z');
  last.setUTCDate(last.getUTCDate() - 1);
  return `${day(a.since)} – ${day(last.toISOString().slice(0, 10))}`;
}

export type GroupKey = 'legitimate' | 'forwarding' | 'spoofing' | 'unclassified' | 'other';

export interface GroupRow {
  key: GroupKey;
  label: string;
  /** What the policy does to its failing mail, in a few words. */
  meaning: string;
  tone: Tone;
  messages: number;
  failing: number;
  /** Its messages as a percentage of all mail. */
  share: number;
  /** Its failing messages as a percentage of all mail. */
  failingShare: number;
  sourceCount: number;
  sources: AdviceSource[];
  note?: string;
}

const groupDefs: { key: GroupKey; label: string; tone: Tone; meaning: string }[] = [
  { key: 'legitimate', label: 'Legitimate', tone: 'good', meaning: 'Your own mail: its failures are what a stricter policy would break.' },
  { key: 'forwarding', label: 'Forwarding', tone: 'warn', meaning: 'Your mail relayed by forwarders and lists: some failing is expected.' },
  { key: 'spoofing', label: 'Spoofing', tone: 'bad', meaning: 'Mail nothing ties to the domain: what a stricter policy stops.' },
  { key: 'unclassified', label: 'Unclassified', tone: 'neutral', meaning: 'Sources not yet judged legitimate or spoofing.' },
  { key: 'other', label: 'Other', tone: 'neutral', meaning: 'Smaller sources beyond the largest, not classified.' },
];

/** groupRows are the advice's groups of mail with their shares, the empty unclassified and other left out. */
export function groupRows(a: Advice): GroupRow[] {
  const total = a.totals.messages;
  const rows: GroupRow[] = [];
  for (const d of groupDefs) {
    const g: AdviceGroup = a[d.key];
    if (!g || ((d.key === 'unclassified' || d.key === 'other') && g.messages === 0)) continue;
    rows.push({
      ...d,
      messages: g.messages,
      failing: g.failing,
      share: total > 0 ? (g.messages * 100) / total : 0,
      failingShare: g.share_of_all,
      sourceCount: g.source_count,
      sources: g.sources ?? [],
      note: g.note,
    });
  }
  return rows;
}

/**
 * barSegments split all mail into the stacked bar's parts: each group's
 * passing and failing mail, as percentages of all mail, the empty ones
 * left out.
 */
export function barSegments(rows: GroupRow[], total: number): { key: string; label: string; tone: Tone; failing: boolean; share: number; messages: number }[] {
  if (total <= 0) return [];
  const out = [];
  for (const r of rows) {
    const passing = r.messages - r.failing;
    if (passing > 0) out.push({ key: r.key + '-pass', label: `${r.label}, passing`, tone: r.tone, failing: false, share: (passing * 100) / total, messages: passing });
    if (r.failing > 0) out.push({ key: r.key + '-fail', label: `${r.label}, failing`, tone: r.tone, failing: true, share: (r.failing * 100) / total, messages: r.failing });
  }
  return out;
}

/** sufficiency lists the data checks of an advice: days, messages and reporters against their minimums. */
export function sufficiency(d: Advice['data']): { ok: boolean; text: string }[] {
  return [
    { ok: d.days >= d.min_days, text: `${plural(d.days, 'day', 'days')} with reports (at least ${d.min_days} needed, to see senders that mail weekly or less often)` },
    { ok: d.messages >= d.min_messages, text: `${plural(d.messages, 'message', 'messages')} (at least ${num(d.min_messages)} needed, to tell a failing sender from noise)` },
    {
      ok: d.reporters >= d.min_reporters,
      text: `${plural(d.reporters, 'reporting organization', 'reporting organizations')} (${d.min_reporters} or more, or the advice is cautious: one receiver sees only its own users' mail)`,
    },
  ];
}

/**
 * thresholdText compares the legitimate mail failing with the target
 * policy's threshold: "4.71% of legitimate mail fails; p=quarantine allows 2%".
 */
export function thresholdText(a: Advice): { text: string; tone: Tone; fill: number } {
  const t = a.thresholds;
  const share = a.legitimate_failing_share;
  if (!t.target) return { text: `${pct2(share)} of legitimate mail fails DMARC.`, tone: share > 0 ? 'warn' : 'good', fill: share > 0 ? 100 : 0 };
  const over = share > t.max_legitimate_failing;
  return {
    text: `${pct2(share)} of legitimate mail fails DMARC; p=${t.target} allows at most ${pct2(t.max_legitimate_failing)}.`,
    tone: over ? 'bad' : share > t.noise_legitimate_failing ? 'warn' : 'good',
    fill: t.max_legitimate_failing > 0 ? Math.min(100, (share * 100) / t.max_legitimate_failing) : 100,
  };
}

/**
 * nextLabel introduces the record to publish: now when the advisor says
 * so, after the fixes when it does not.
 */
export function nextLabel(a: Advice): string {
  return a.verdict === 'not_yet' ? 'Once the blocking sources are fixed, publish' : 'Publish';
}

/** currentText says where the current policy comes from: DNS now, or the newest report. */
export function currentText(a: Advice): string {
  const c = a.current;
  if (c.dns && c.inherited) return `From DNS: ${a.domain} has no DMARC record of its own; ${c.record_name}'s applies.`;
  if (c.dns) return `From DNS now, at ${c.record_name}.`;
  if (c.reports) return `From the newest report${c.report_date ? ` (${day(c.report_date)})` : ''}; DNS was ${a.dns.checked ? 'asked and has no record' : 'not asked'}.`;
  return 'No policy is known: none is published.';
}

/** disagree tells whether DNS now and the newest report give different policies (the record changed since). */
export function disagree(a: Advice): boolean {
  const { dns, reports } = a.current;
  return !!dns && !!reports && policyText(dns) !== policyText(reports);
}

/**
 * highlight splits a record into text and the term a fix adds to it, so
 * the page can mark what is new: "v=spf1 a " [include:x] " ~all".
 */
export function highlight(value: string, term: string): { text: string; added: boolean }[] {
  if (!term) return [{ text: value, added: false }];
  const i = value.split(' ').indexOf(term);
  if (i < 0) return [{ text: value, added: false }];
  const parts = value.split(' ');
  const before = parts.slice(0, i).join(' ');
  const after = parts.slice(i + 1).join(' ');
  return [
    { text: before ? before + ' ' : '', added: false },
    { text: term, added: true },
    { text: after ? ' ' + after : '', added: false },
  ].filter((p) => p.text);
}

/** pickDomain is the domain the advisor judges: the filter's, else the one with the most mail. */
export function pickDomain(filter: string, domains: { domain: string; messages: number }[] | undefined): string {
  if (filter) return filter;
  let best: { domain: string; messages: number } | undefined;
  for (const d of domains ?? []) if (!best || d.messages > best.messages) best = d;
  return best?.domain ?? '';
}

/** The periods the advisor offers, in days; 30 is the server's default. */
export const adviceDays = [14, 30, 90] as const;

/** daysOf reads ?days= of the advisor's page: one of adviceDays, else 30. */
export function daysOf(q: string | null): number {
  const n = Number(q);
  return (adviceDays as readonly number[]).includes(n) ? n : 30;
}
