// The logic of the Failure reports page (RFC 6591 failure reports, as the
// server stores them: redacted at arrival, never a body or a recipient):
// the search, the Authentication-Results parsed and explained, what failed
// and why in plain words, the stored header split into fields with its
// redacted parts marked, the link to the aggregate data, and the retention.

import { ApiError, type ForensicDocument, type ForensicLink, type ForensicRetention } from '../../lib/api';
import { day, num } from '../../lib/format';

export type Tone = 'good' | 'warn' | 'bad' | 'neutral';

/** The search of the list; each field is sent as its API parameter when set. */
export interface ForensicSearch {
  message_id: string;
  sender: string;
  source_ip: string;
}

export const searchKeys = ['message_id', 'sender', 'source_ip'] as const;

/** searchOf reads the search from the page's query (?message_id=&sender=&source_ip=). */
export function searchOf(q: URLSearchParams): ForensicSearch {
  return { message_id: q.get('message_id') ?? '', sender: q.get('sender') ?? '', source_ip: q.get('source_ip') ?? '' };
}

/**
 * cleanSearch trims the fields, takes the angle brackets off a Message-ID
 * and a MAIL FROM, and lower-cases a sender domain, as the server stores
 * them.
 */
export function cleanSearch(s: ForensicSearch): ForensicSearch {
  const id = s.message_id.trim().replace(/^<+|>+$/g, '').trim();
  let sender = s.sender.trim().replace(/^<+|>+$/g, '').trim();
  if (!sender.includes('@')) sender = sender.toLowerCase().replace(/\.$/, '');
  return { message_id: id, sender, source_ip: s.source_ip.trim() };
}

/** isIP tells whether s is an IPv4 or IPv6 address (the server checks it too). */
export function isIP(s: string): boolean {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) return s.split('.').every((p) => Number(p) <= 255 && (p === '0' || !p.startsWith('0')));
  if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s)) return false;
  const dbl = s.split('::').length - 1;
  if (dbl > 1) return false;
  const parts = s.split(':');
  const v4 = parts.at(-1)!.includes('.');
  if (v4 && !isIP(parts.at(-1)!)) return false;
  const groups = parts.filter((p) => p !== '').length + (v4 ? 1 : 0);
  if (parts.slice(0, v4 ? -1 : undefined).some((p) => p.length > 4)) return false;
  return dbl ? groups <= 7 : groups === 8;
}

/** searchErrors says what is wrong with each field, before asking the server. */
export function searchErrors(s: ForensicSearch): Partial<Record<keyof ForensicSearch, string>> {
  const e: Partial<Record<keyof ForensicSearch, string>> = {};
  if (s.source_ip && !isIP(s.source_ip)) e.source_ip = 'An IPv4 or IPv6 address, such as 203.0.113.7.';
  if (s.sender && !s.sender.includes('@') && !/^[a-z0-9-]+(\.[a-z0-9-]+)*$/i.test(s.sender))
    e.sender = 'A domain such as example.com, or a MAIL FROM address as stored (***@example.com).';
  return e;
}

/** searchQuery is the page's query for a search: empty fields left out. */
export function searchQuery(s: ForensicSearch): Record<string, string | undefined> {
  return { message_id: s.message_id || undefined, sender: s.sender || undefined, source_ip: s.source_ip || undefined };
}

/** searching tells whether any field of the search is set. */
export function searching(s: ForensicSearch): boolean {
  return searchKeys.some((k) => s[k] !== '');
}

export interface Label {
  label: string;
  tone: Tone;
  meaning: string;
}

const failures: Record<string, Label> = {
  dmarc: {
    label: 'DMARC',
    tone: 'bad',
    meaning: 'The message failed DMARC: neither SPF nor DKIM passed for a domain aligned with the From domain.',
  },
  dkim: { label: 'DKIM', tone: 'bad', meaning: 'A DKIM signature on the message did not verify.' },
  spf: { label: 'SPF', tone: 'bad', meaning: 'The sending server is not allowed by the SPF record of the MAIL FROM domain.' },
};

/** authFailure names the failure type of the report (Auth-Failure) and says what it means. */
export function authFailure(kind: string, reported?: string): Label {
  const f = failures[kind];
  if (f) return f;
  return {
    label: 'Other',
    tone: 'warn',
    meaning: reported ? `The reporter named another failure: “${reported}”.` : 'The reporter did not name a failure type that DMARC knows.',
  };
}

const deliveries: Record<string, Label> = {
  delivered: { label: 'Delivered', tone: 'warn', meaning: 'The receiver delivered the message to the inbox despite the failure.' },
  spam: { label: 'Sent to spam', tone: 'neutral', meaning: 'The receiver delivered the message to the spam or junk folder.' },
  reject: { label: 'Rejected', tone: 'neutral', meaning: 'The receiver refused the message.' },
};

/** delivery names what the receiver did with the message (Delivery-Result). */
export function delivery(result: string, reported?: string): Label {
  const d = deliveries[result];
  if (d) return d;
  if (reported === 'policy')
    return { label: 'Policy applied', tone: 'neutral', meaning: 'The receiver applied a policy to the message without saying which (“policy”).' };
  return {
    label: 'Other',
    tone: 'neutral',
    meaning: reported ? `The receiver did something else with it: “${reported}”.` : 'The receiver did not say what it did with the message.',
  };
}

/** One method's result in an Authentication-Results field (RFC 8601). */
export interface AuthResult {
  method: string;
  result: string;
  /** The comments in parentheses, joined. */
  comment: string;
  /** ptype.property=value and reason=…, in their order. */
  props: [string, string][];
}

/** One Authentication-Results field: who checked (authserv-id) and the results. */
export interface AuthResults {
  authserv: string;
  results: AuthResult[];
}

/** splitTop splits s on sep outside quotes and parentheses. */
function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '\\' && i + 1 < s.length) {
        cur += c + s[++i];
        continue;
      }
      if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (c === sep && depth === 0) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out;
}

/** tokens reads a result's words: key=value pairs (values may be quoted) and comments. */
function tokens(s: string): { words: string[]; comments: string[] } {
  const words: string[] = [];
  const comments: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(') {
      let depth = 0;
      let j = i;
      for (; j < s.length; j++) {
        if (s[j] === '(') depth++;
        else if (s[j] === ')' && --depth === 0) break;
      }
      comments.push(s.slice(i + 1, j).trim());
      i = j + 1;
    } else {
      let w = '';
      let quoted = false;
      for (; i < s.length; i++) {
        const d = s[i];
        if (quoted) {
          if (d === '\\' && i + 1 < s.length) {
            w += s[++i];
            continue;
          }
          if (d === '"') {
            quoted = false;
            continue;
          }
          w += d;
        } else if (d === '"') quoted = true;
        else if (/\s/.test(d) || d === '(') break;
        else w += d;
      }
      words.push(w);
    }
  }
  return { words, comments };
}

/**
 * parseAuthResults reads Authentication-Results fields (RFC 8601), one per
 * line: "authserv-id; spf=pass smtp.mailfrom=…; dkim=fail (comment) header.d=…".
 * The authserv-id may be missing (a reporter's feedback part often starts
 * with the first result). Unreadable pieces are skipped.
 */
export function parseAuthResults(text: string): AuthResults[] {
  const out: AuthResults[] = [];
  for (const line of text.split('\n')) {
    const parts = splitTop(line.trim(), ';')
      .map((p) => p.trim())
      .filter(Boolean);
    if (parts.length === 0) continue;
    let authserv = '';
    const first = tokens(parts[0]).words;
    if (first.length > 0 && !first[0].includes('=')) {
      authserv = first[0];
      parts.shift();
    }
    const results: AuthResult[] = [];
    for (const p of parts) {
      const { words, comments } = tokens(p);
      const head = words.shift() ?? '';
      const eq = head.indexOf('=');
      if (eq <= 0) continue; // "none", or not a result
      const method = head.slice(0, eq).replace(/\/\d+$/, '').toLowerCase();
      const result = head.slice(eq + 1).toLowerCase();
      const props: [string, string][] = [];
      for (const w of words) {
        const k = w.indexOf('=');
        if (k > 0) props.push([w.slice(0, k).toLowerCase(), w.slice(k + 1)]);
      }
      results.push({ method, result, comment: comments.join('; '), props });
    }
    if (results.length > 0 || authserv) out.push({ authserv, results });
  }
  return out;
}

/** prop is the value of a result's property (the first of the keys given). */
export function prop(r: AuthResult, ...keys: string[]): string {
  for (const k of keys) {
    const p = r.props.find(([pk]) => pk === k);
    if (p) return p[1];
  }
  return '';
}

/** domainOf is the domain of an address or a domain ("***@mail.example.com" → "mail.example.com"). */
export function domainOf(s: string): string {
  const d = s.trim().replace(/^<|>$/g, '');
  return d.slice(d.lastIndexOf('@') + 1).toLowerCase().replace(/\.$/, '');
}

// Public suffixes of two labels common enough to matter; the rest are
// taken as one label (the organizational domain is approximated, without
// the Public Suffix List).
const twoLabel = /\.(co|com|net|org|gov|edu|ac|or|ne|go)\.[a-z]{2}$/;

/** orgDomain approximates a domain's organizational domain: the last two labels (three under co.uk and the like). */
export function orgDomain(d: string): string {
  const labels = d.toLowerCase().split('.').filter(Boolean);
  const n = twoLabel.test('.' + labels.join('.')) ? 3 : 2;
  return labels.slice(-n).join('.');
}

/** aligned tells whether an authenticated domain is aligned with the From domain (relaxed: same organizational domain). */
export function aligned(authDomain: string, fromDomain: string): boolean {
  if (!authDomain || !fromDomain) return false;
  return orgDomain(authDomain) === orgDomain(fromDomain);
}

const verdicts: Record<string, Record<string, string>> = {
  spf: {
    pass: 'The sending server is allowed by the SPF record of {d}.',
    fail: 'The SPF record of {d} does not allow the sending server (-all).',
    softfail: 'The SPF record of {d} probably does not allow the sending server (~all).',
    neutral: 'The SPF record of {d} says nothing about the sending server (?all).',
    none: 'No SPF record was found for {d}.',
    temperror: 'SPF could not be checked for {d}: a temporary DNS error.',
    permerror: 'The SPF record of {d} is broken and could not be evaluated.',
  },
  dkim: {
    pass: 'The message carries a valid DKIM signature of {d}.',
    fail: 'The DKIM signature of {d} did not verify: the message was changed on the way, or it was signed with another key.',
    none: 'The message was not DKIM signed.',
    neutral: 'The DKIM signature of {d} could not be judged.',
    policy: 'The DKIM signature of {d} verified but the receiver did not accept it.',
    temperror: 'DKIM could not be checked for {d}: a temporary DNS error.',
    permerror: 'The DKIM signature of {d} could not be verified: its key or format is broken.',
  },
  dmarc: {
    pass: 'DMARC passed for {d}.',
    fail: 'DMARC failed for {d}: neither SPF nor DKIM passed for a domain aligned with it.',
    none: 'No DMARC policy was found for {d}.',
    temperror: 'DMARC could not be checked for {d}: a temporary DNS error.',
    permerror: 'The DMARC record of {d} is broken.',
  },
  iprev: {
    pass: "The sending server's reverse DNS name matches its IP address.",
    fail: "The sending server's reverse DNS name does not match its IP address.",
    temperror: "The sending server's reverse DNS could not be checked: a temporary DNS error.",
    permerror: 'The sending server has no reverse DNS name.',
  },
  tls: {
    pass: 'The message came over an encrypted (TLS) connection.',
    none: 'The message came over an unencrypted connection.',
    fail: 'The TLS connection could not be verified.',
  },
  arc: {
    pass: 'An ARC chain (a forwarder vouching for earlier results) verified.',
    fail: 'The ARC chain (forwarders vouching for earlier results) did not verify.',
    none: 'The message had no ARC chain.',
  },
};

const methodNames: Record<string, string> = { spf: 'SPF', dkim: 'DKIM', dmarc: 'DMARC', iprev: 'Reverse DNS', arc: 'ARC', tls: 'TLS', auth: 'SMTP AUTH' };

/** methodName is a method's display name: "spf" → "SPF". */
export function methodName(m: string): string {
  return methodNames[m] ?? m;
}

/** resultTone colours a result: pass good, fail bad, softfail and errors warn, the rest neutral. */
export function resultTone(result: string): Tone {
  if (result === 'pass') return 'good';
  if (result === 'fail') return 'bad';
  if (['softfail', 'temperror', 'permerror', 'policy'].includes(result)) return 'warn';
  return 'neutral';
}

/** authDomain is the domain a result is about: SPF's MAIL FROM (or HELO), DKIM's d=, DMARC's From. */
export function authDomain(r: AuthResult): string {
  switch (r.method) {
    case 'spf': {
      const v = prop(r, 'smtp.mailfrom') || prop(r, 'smtp.helo');
      return v ? domainOf(v) : '';
    }
    case 'dkim': {
      const v = prop(r, 'header.d') || prop(r, 'header.i');
      return v && v !== 'none' ? domainOf(v) : '';
    }
    case 'dmarc':
      return domainOf(prop(r, 'header.from'));
  }
  return '';
}

/** explainResult says in plain words what one result means; fallback names the domain when the result does not. */
export function explainResult(r: AuthResult, fallback = ''): string {
  const d = authDomain(r) || fallback;
  const t = verdicts[r.method]?.[r.result];
  if (!t) return `${methodName(r.method)}: ${r.result}.`;
  let s = t.replace('{d}', d || (r.method === 'spf' ? 'the MAIL FROM domain' : 'the domain'));
  if (r.method === 'spf' && !prop(r, 'smtp.mailfrom') && prop(r, 'smtp.helo')) s += ' (The MAIL FROM was empty, so the HELO name was checked.)';
  if (r.method === 'dmarc') {
    const pol = /\bp=(none|quarantine|reject)\b/i.exec(r.comment)?.[1]?.toLowerCase();
    const dis = /\bdis=(none|quarantine|reject)\b/i.exec(r.comment)?.[1]?.toLowerCase();
    if (pol) s += ` Its policy is p=${pol}${dis ? `; the receiver ${dis === 'none' ? 'took no action' : `applied ${dis}`}` : ''}.`;
  }
  return s;
}

/** headerAuthResults reads the Authentication-Results fields of the stored header: what the servers on the way recorded. */
export function headerAuthResults(headers: string): AuthResults[] {
  return headerLines(headers)
    .filter((h) => h.name.toLowerCase() === 'authentication-results')
    .flatMap((h) => parseAuthResults(h.value))
    .filter((f) => f.results.length > 0);
}

/** A finding of what failed and why, for the report's summary. */
export interface Finding {
  tone: Tone;
  text: string;
}

/**
 * findings says what failed and why: from the reporter's Authentication-
 * Results, else those the servers on the way stamped in the header, else
 * Exim's alignment lines: which identifiers passed and whether they are
 * aligned with the From domain.
 */
export function findings(doc: ForensicDocument): Finding[] {
  const from = doc.message.from_domain || doc.reported_domain;
  const out: Finding[] = [];
  const own = parseAuthResults(doc.authentication_results).flatMap((f) => f.results);
  const isAuth = (r: AuthResult) => r.method === 'spf' || r.method === 'dkim';
  let all = own;
  let intro = '';
  if (!own.some(isAuth)) {
    const stamped = headerAuthResults(doc.original_headers).find((f) => f.results.some(isAuth));
    if (stamped) {
      all = stamped.results;
      intro = `In the message header${stamped.authserv ? `, ${stamped.authserv} recorded` : ''}: `;
    }
  }
  const spf = all.filter((r) => r.method === 'spf');
  const dkim = all.filter((r) => r.method === 'dkim');
  const passes = all.filter((r) => isAuth(r) && r.result === 'pass');
  const alignedPass = passes.filter((r) => aligned(authDomain(r), from));
  const say = (tone: Tone, text: string) => out.push({ tone, text: intro + text });

  if (passes.length > 0 && alignedPass.length === 0) {
    const list = passes.map((r) => `${methodName(r.method)} passed for ${authDomain(r) || 'another domain'}`);
    say(
      'bad',
      `${join(list)}, but ${passes.length === 1 ? 'that is not' : 'neither is'} ${from} or a domain of the same organization: the message authenticated, but not as ${from} (not aligned).`,
    );
  } else if (alignedPass.length > 0 && doc.auth_failure === 'dmarc') {
    say(
      'warn',
      `${join(alignedPass.map((r) => `${methodName(r.method)} passed for ${authDomain(r)}`))}, aligned with ${from}, yet the reporter says DMARC failed: it may check alignment strictly (adkim=s or aspf=s), or its checks disagreed.`,
    );
  } else if (spf.length > 0 || dkim.length > 0) {
    const failed = all.filter(isAuth).map(
      (r) => `${methodName(r.method)} ${r.result === 'none' ? 'had no result' : r.result === 'pass' ? 'passed' : `gave “${r.result}”`}${authDomain(r) ? ` for ${authDomain(r)}` : ''}`,
    );
    say('bad', `${join(failed)}: nothing authenticated the message as ${from}.`);
  } else {
    const fields = new Map((doc.text_fields ?? []).map((f) => [f.name.toLowerCase(), f.value.trim().toLowerCase()]));
    const spfA = fields.get('spf alignment');
    const dkimA = fields.get('dkim alignment');
    if (spfA !== undefined || dkimA !== undefined) {
      const no = [spfA === 'no' ? 'SPF' : '', dkimA === 'no' ? 'DKIM' : ''].filter(Boolean);
      say(
        no.length ? 'bad' : 'neutral',
        no.length
          ? `The reporter found ${no.join(' and ')} not aligned with ${from}: nothing authenticated the message as ${from}.`
          : `The reporter's alignment lines: SPF ${spfA ?? 'unknown'}, DKIM ${dkimA ?? 'unknown'}.`,
      );
    } else if (all.some((r) => r.method === 'dmarc')) {
      say('neutral', 'The reporter gave only the DMARC result, not the SPF and DKIM results behind it. The aggregate data of the same source and day shows which failed.');
    } else {
      say('neutral', 'The reporter gave no authentication results: only the failure type is known.');
    }
  }
  if (doc.dkim?.domain && !dkim.length) {
    const ok = aligned(doc.dkim.domain, from);
    out.push({ tone: ok ? 'neutral' : 'warn', text: `The message was DKIM signed by ${doc.dkim.domain}${ok ? '' : `, a domain not aligned with ${from}`}.` });
  }
  return out;
}

function join(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return items.slice(0, -1).join(', ') + ' and ' + items.at(-1);
}

/** A field of the stored header. */
export interface HeaderLine {
  name: string;
  value: string;
}

/** headerLines splits the stored header ("Name: value" per line) into fields. */
export function headerLines(text: string): HeaderLine[] {
  const out: HeaderLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const i = line.indexOf(':');
    if (i <= 0 || /\s/.test(line.slice(0, i))) {
      // A continuation the server did not unfold: part of the previous field.
      if (out.length) out[out.length - 1].value += ' ' + line.trim();
      else out.push({ name: '', value: line.trim() });
      continue;
    }
    out.push({ name: line.slice(0, i), value: line.slice(i + 1).trim() });
  }
  return out;
}

/** A piece of a stored value: as found, redacted (*** or [redacted]), or a digest. */
export interface Segment {
  text: string;
  kind: 'plain' | 'redacted' | 'digest';
}

/** segments marks the redacted parts of a stored value: "***", "[redacted]" and "sha256:…" digests. */
export function segments(value: string): Segment[] {
  const out: Segment[] = [];
  const re = /\*\*\*|\[redacted\]|sha256:[0-9a-f]{16}/g;
  let last = 0;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    if (m.index > last) out.push({ text: value.slice(last, m.index), kind: 'plain' });
    out.push({ text: m[0], kind: m[0].startsWith('sha256:') ? 'digest' : 'redacted' });
    last = m.index + m[0].length;
  }
  if (last < value.length) out.push({ text: value.slice(last), kind: 'plain' });
  return out;
}

/** isDigest tells whether a stored value is a digest ("sha256:" and 16 hex digits) rather than the value. */
export function isDigest(s: string): boolean {
  return /^sha256:[0-9a-f]{16}$/.test(s);
}

/**
 * maskAddresses reduces every address in s to ***@domain (for names the
 * server did not redact, such as a file name). It errs on the side of
 * hiding: "mail-from=a@b" becomes "***@b", as = may be part of an address.
 */
export function maskAddresses(s: string): string {
  return s.replace(/[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)/g, '***@$1');
}

/** A redaction policy in words. */
export interface PolicyText {
  name: string;
  text: string;
}

const policies: Record<string, PolicyText> = {
  addresses: {
    name: 'addresses',
    text: 'Every address was reduced to ***@domain, Received fields to their hosts and dates, and DKIM and ARC signature values were dropped. The rest of the header is as the reporter sent it.',
  },
  full: {
    name: 'full',
    text: 'Only the field names were kept: every value is [redacted] but the From domain; the subject and Message-ID are digests (sha256:…), equal for equal values.',
  },
  off: {
    name: 'off',
    text: 'The header was kept as the reporter sent it, except the recipient addresses, which are always reduced to ***@domain.',
  },
};

/** policyText says what a redaction policy (off, addresses, full) removed. */
export function policyText(p: string): PolicyText {
  return policies[p] ?? { name: p || 'unknown', text: 'The server did not say which policy applied.' };
}

/** privacyFacts lists what was removed from a stored report, in words. */
export function privacyFacts(p: ForensicDocument['privacy']): string[] {
  const out = ['The message body was never stored.'];
  const n = p.recipients_redacted;
  out.push(
    n === 0
      ? 'No recipient address was found in the report.'
      : `${num(n)} recipient address${n === 1 ? ' was' : 'es were'} redacted wherever ${n === 1 ? 'it' : 'they'} appeared${p.redaction === 'full' ? ' (removed)' : ' (***@domain)'}.`,
  );
  if (p.removed?.length) out.push(`Also left out: ${p.removed.join(', ')}.`);
  if (p.headers_truncated) out.push('The header was longer than 256 KiB and was cut.');
  return out;
}

/** dateTime formats a timestamp as "Apr 30, 2019, 02:09 UTC". */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const t = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
  return `${day(iso)}, ${t} UTC`;
}

/** The link to the aggregate data, in words. */
export interface AggregateText {
  /** The sentence; the numbers are in it. */
  text: string;
  failing: number;
  messages: number;
}

/** aggregateText says what the aggregate reports count of the source on the domain and day. */
export function aggregateText(link: ForensicLink, domain: string, ip: string): AggregateText {
  const on = day(link.day);
  if (!link.found || !link.totals) {
    return {
      text: `No aggregate report counts ${ip} for ${domain} on ${on} yet. Aggregate reports usually arrive a day after the mail; if one never does, the reporter sends failure reports only.`,
      failing: 0,
      messages: 0,
    };
  }
  const n = link.totals.total_messages;
  const failing = n - link.totals.dmarc_pass;
  const fails = failing === 0 ? 'all passed DMARC' : failing === n ? `all ${num(n)} failed DMARC` : `${num(failing)} failed DMARC`;
  return {
    text: `On ${on}, the aggregate reports count ${num(n)} message${n === 1 ? '' : 's'} from ${ip} for ${domain}: ${fails}.`,
    failing,
    messages: n,
  };
}

/** The global filter a link to one domain and day sets (the filter's "to" day is inclusive). */
export function dayFilter(domain: string, d: string): { domain: string; preset: 'custom'; since: string; until: string } {
  return { domain, preset: 'custom', since: d, until: d };
}

/** sourcePath is the path of the source page without its query (the page reads the global filter). */
export function sourcePath(link: ForensicLink): string {
  return link.source_page.split('?')[0];
}

/** Why the failure reports cannot be shown. */
export interface Unavailable {
  kind: 'disabled' | 'missing' | 'gone';
  title: string;
  text: string;
}

/**
 * unavailable tells whether an error of the API means the failure reports
 * are not served here (403: --no-forensic-api, or no password off
 * loopback), the server has no such routes (404 on the list: an older
 * version), or the report is gone (404 on one report).
 */
export function unavailable(e: unknown, one = false): Unavailable | undefined {
  if (!(e instanceof ApiError)) return undefined;
  if (e.status === 403)
    return {
      kind: 'disabled',
      title: 'Failure reports are turned off on this server',
      text: 'They hold personal data (who sent what to whom), so the server does not show them when it was started with --no-forensic-api, or when it serves without an admin password on a network address. Reports that arrive are still stored, redacted, and deleted after their retention.',
    };
  if (e.status === 404 && one)
    return { kind: 'gone', title: 'This failure report is gone', text: 'It was deleted, or its retention ended and the daily prune removed it.' };
  if (e.status === 404)
    return {
      kind: 'missing',
      title: 'This server has no failure reports',
      text: 'Its version does not serve /api/v1/forensic yet. Update Parse DMARC to store and see failure reports.',
    };
  return undefined;
}

/** retentionText says how long reports are kept: "90 days", or "until deleted" for 0. */
export function retentionText(days: number): string {
  if (days === 0) return 'until deleted';
  return days === 1 ? '1 day' : `${num(days)} days`;
}

/** effectiveRetention is a domain's retention: its own, else the default. */
export function effectiveRetention(r: ForensicRetention, domain: string): { days: number; own: boolean } {
  const d = r.domains.find((x) => x.domain === domain.toLowerCase());
  return d ? { days: d.days, own: true } : { days: r.default_days, own: false };
}

/** retentionErrors checks a domain's retention before it is sent: a domain name and 0 to 36500 days. */
export function retentionErrors(domain: string, days: string): { domain?: string; days?: string } {
  const e: { domain?: string; days?: string } = {};
  const d = domain.trim().toLowerCase();
  if (!d) e.domain = 'Enter the domain the reports are about, such as example.com.';
  else if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+\.?$/.test(d)) e.domain = 'A domain name such as example.com (no @, spaces or slashes).';
  const t = days.trim();
  if (!/^\d+$/.test(t) || Number(t) > 36500) e.days = 'A whole number of days from 0 (kept until deleted) to 36500.';
  return e;
}
