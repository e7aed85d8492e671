// DMARC record generation, validation and parsing (roadmap 1.2), all on the
// client. RFC 7489 is the base; DMARCbis additions (np, t) are offered as
// options. Pure functions: the DNS tools page only binds a form to them.

export type Policy = 'none' | 'quarantine' | 'reject';
export type Align = 'r' | 's';
export type Fo = '0' | '1' | 'd' | 's';

export const policies: Policy[] = ['none', 'quarantine', 'reject'];
export const foOptions: Fo[] = ['0', '1', 'd', 's'];

/** DmarcForm is everything the generator's form holds. */
export interface DmarcForm {
  domain: string;
  p: Policy;
  /** Subdomain policy; '' inherits p. */
  sp: Policy | '';
  /** Policy for non-existent subdomains (DMARCbis); '' inherits sp/p. */
  np: Policy | '';
  /** Percentage of failing mail the policy applies to (RFC 7489), 0–100. */
  pct: number | null;
  /** Testing mode (DMARCbis t=y): receivers apply one step lower policy. */
  t: boolean;
  /** Aggregate report addresses as typed: comma- or space-separated. */
  rua: string;
  /** Failure report addresses as typed. */
  ruf: string;
  fo: Fo[];
  adkim: Align;
  aspf: Align;
  /** Aggregate report interval in seconds. */
  ri: number | null;
  /** Emit tags that have their default value too. */
  showAll: boolean;
}

export function defaultForm(): DmarcForm {
  return { domain: '', p: 'none', sp: '', np: '', pct: 100, t: false, rua: '', ruf: '', fo: ['0'], adkim: 'r', aspf: 'r', ri: 86400, showAll: false };
}

// ---------------------------------------------------------------- domains

const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** normalizeDomain trims, lowercases and drops a trailing dot, a scheme or path and a leading _dmarc. */
export function normalizeDomain(s: string): string {
  let d = s.trim().toLowerCase();
  d = d.replace(/^[a-z][a-z0-9+.-]*:\/\//, '').replace(/[/?#].*$/, '');
  d = d.replace(/\.$/, '').replace(/^_dmarc\./, '');
  if (/[^\x00-\x7f]/.test(d)) {
    try {
      d = new URL('http://' + d).hostname;
    } catch {
      /* left as typed; domainError reports it */
    }
  }
  return d;
}

/** domainError says what is wrong with a (normalized) host name, or '' when it is fine. */
export function domainError(d: string): string {
  if (!d) return 'Enter a domain, for example example.com.';
  if (d.length > 253) return 'A domain name is at most 253 characters long.';
  const labels = d.split('.');
  if (labels.length < 2) return 'Enter the full domain, with its ending (for example example.com).';
  for (const l of labels) {
    if (!l) return 'The domain has an empty part (two dots in a row?).';
    if (l.length > 63) return `“${l.slice(0, 20)}…” is longer than 63 characters.`;
    if (!label.test(l)) return `“${l}” may only hold letters, digits and inner hyphens.`;
  }
  if (/^\d+$/.test(labels[labels.length - 1])) return 'That looks like an IP address; enter a domain name.';
  return '';
}

// Second-level labels under which country-code registries sell names
// (example.co.uk). Without the whole Public Suffix List this is a close
// approximation of the organizational domain of RFC 7489 section 3.2.
const secondLevel = new Set(['co', 'com', 'net', 'org', 'ac', 'edu', 'gov', 'ne', 'or', 'go', 'ltd', 'plc', 'me', 'gob', 'mil', 'nic']);

/** orgDomain approximates the organizational domain (the registered name) of d. */
export function orgDomain(d: string): string {
  const l = d.split('.');
  if (l.length <= 2) return d;
  const tld = l[l.length - 1];
  const sld = l[l.length - 2];
  const n = tld.length === 2 && secondLevel.has(sld) ? 3 : 2;
  return l.slice(-n).join('.');
}

/**
 * relativeHost is the name to type at a provider that appends the zone
 * itself (GoDaddy, Cloudflare, Azure): "_dmarc" for example.com,
 * "_dmarc.mail" for mail.example.com when the zone is example.com, "@" for
 * the apex.
 */
export function relativeHost(domain: string, prefix: string): string {
  const zone = orgDomain(domain);
  const sub = domain === zone ? '' : domain.slice(0, -(zone.length + 1));
  return [prefix, sub].filter(Boolean).join('.') || '@';
}

// ------------------------------------------------------ reporting addresses

/** ReportAddress is one entry of a rua/ruf list. */
export interface ReportAddress {
  input: string;
  /** The normalized URI, e.g. mailto:dmarc@example.com!10m ('' when invalid). */
  uri: string;
  email: string;
  domain: string;
  /** The size limit as written after "!", e.g. "10m" ('' for none). */
  size: string;
  error: string;
  /** The address is outside the policy domain's organization: it needs the verification record. */
  external: boolean;
}

const localPart = /^[A-Za-z0-9#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9#$%&'*+/=?^_`{|}~-]+)*$/;

/** parseAddress checks one reporting URI (a plain address gets mailto: added). */
export function parseAddress(input: string, policyDomain = ''): ReportAddress {
  const r: ReportAddress = { input, uri: '', email: '', domain: '', size: '', error: '', external: false };
  let s = input.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(s);
  if (scheme) {
    if (scheme[1].toLowerCase() !== 'mailto') {
      r.error = `“${scheme[1]}:” addresses are not supported by report senders; use mailto:.`;
      return r;
    }
    s = s.slice(scheme[0].length);
  }
  const bang = s.indexOf('!');
  if (bang >= 0) {
    const size = s.slice(bang + 1);
    s = s.slice(0, bang);
    if (!/^\d+[kmgt]?$/i.test(size)) {
      r.error = `“!${size}” is not a size limit; write a number with an optional k, m, g or t, like !10m.`;
      return r;
    }
    r.size = size.toLowerCase();
  }
  if (s.includes('?')) {
    r.error = 'Leave out the “?…” part: report addresses take no mailto: headers.';
    return r;
  }
  let email = s;
  try {
    email = decodeURIComponent(s);
  } catch {
    /* checked below as it is */
  }
  const at = email.lastIndexOf('@');
  if (at < 0) {
    r.error = `“${input.trim()}” is not an email address.`;
    return r;
  }
  const local = email.slice(0, at);
  const domain = normalizeDomain(email.slice(at + 1));
  if (!local || !localPart.test(local) || local.length > 64) {
    r.error = `The part before @ in “${email}” is not valid.`;
    return r;
  }
  const de = domainError(domain);
  if (de) {
    r.error = `The domain of “${email}” is not valid: ${de.charAt(0).toLowerCase() + de.slice(1)}`;
    return r;
  }
  r.email = `${local}@${domain}`;
  r.domain = domain;
  r.uri = `mailto:${r.email}${r.size ? '!' + r.size : ''}`;
  r.external = policyDomain !== '' && orgDomain(domain) !== orgDomain(policyDomain);
  return r;
}

/** parseAddressList splits a rua/ruf list (commas or white space) and checks each entry. */
export function parseAddressList(text: string, policyDomain = ''): ReportAddress[] {
  return text
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map((a) => parseAddress(a, policyDomain));
}

/** Verification is the record another domain publishes to accept reports (RFC 7489 section 7.1). */
export interface Verification {
  domain: string;
  host: string;
  value: string;
}

/** verifications lists one record per distinct external report domain. */
export function verifications(policyDomain: string, addrs: ReportAddress[]): Verification[] {
  const seen = new Set<string>();
  const out: Verification[] = [];
  for (const a of addrs) {
    if (!a.external || seen.has(a.domain)) continue;
    seen.add(a.domain);
    out.push({ domain: a.domain, host: `${policyDomain}._report._dmarc.${a.domain}`, value: 'v=DMARC1' });
  }
  return out;
}

// ------------------------------------------------------------ generation

export type Field = 'domain' | 'pct' | 'rua' | 'ruf' | 'ri' | 'fo';

export interface DmarcResult {
  /** _dmarc.<domain> ('' when the domain is not valid yet). */
  host: string;
  /** The TXT value, made only of the valid parts of the form. */
  value: string;
  tags: [string, string][];
  errors: Partial<Record<Field, string>>;
  warnings: string[];
  rua: ReportAddress[];
  ruf: ReportAddress[];
  verifications: Verification[];
}

function listError(list: ReportAddress[]): string {
  return list
    .filter((a) => a.error)
    .map((a) => a.error)
    .join(' ');
}

/** foValue is the fo tag's value in canonical order ('0' when none is chosen). */
export function foValue(fo: Fo[]): string {
  const v = foOptions.filter((o) => fo.includes(o));
  return v.length ? v.join(':') : '0';
}

/** buildDmarc makes the record: tags in the order v, p, sp, np, pct, t, rua, ruf, fo, adkim, aspf, ri, defaults left out unless showAll. */
export function buildDmarc(f: DmarcForm): DmarcResult {
  const domain = normalizeDomain(f.domain);
  const errors: Partial<Record<Field, string>> = {};
  const warnings: string[] = [];
  const de = domainError(domain);
  if (de) errors.domain = de;
  const policyDomain = de ? '' : domain;

  const rua = parseAddressList(f.rua, policyDomain);
  const ruf = parseAddressList(f.ruf, policyDomain);
  if (listError(rua)) errors.rua = listError(rua);
  if (listError(ruf)) errors.ruf = listError(ruf);

  const pct = f.pct;
  const pctOk = pct !== null && Number.isInteger(pct) && pct >= 0 && pct <= 100;
  if (!pctOk) errors.pct = 'Enter a whole number from 0 to 100.';
  const ri = f.ri;
  const riOk = ri !== null && Number.isInteger(ri) && ri > 0 && ri <= 4294967295;
  if (!riOk) errors.ri = 'Enter a whole number of seconds, for example 86400 (one day).';

  const tags: [string, string][] = [['v', 'DMARC1'], ['p', f.p]];
  if (f.sp) tags.push(['sp', f.sp]);
  if (f.np) tags.push(['np', f.np]);
  if (pctOk && (pct !== 100 || f.showAll)) tags.push(['pct', String(pct)]);
  if (f.t) tags.push(['t', 'y']);
  const goodRua = rua.filter((a) => a.uri).map((a) => a.uri);
  const goodRuf = ruf.filter((a) => a.uri).map((a) => a.uri);
  if (goodRua.length) tags.push(['rua', goodRua.join(',')]);
  if (goodRuf.length) {
    tags.push(['ruf', goodRuf.join(',')]);
    const fo = foValue(f.fo);
    if (fo !== '0' || f.showAll) tags.push(['fo', fo]);
  }
  if (f.adkim !== 'r' || f.showAll) tags.push(['adkim', f.adkim]);
  if (f.aspf !== 'r' || f.showAll) tags.push(['aspf', f.aspf]);
  if (riOk && (ri !== 86400 || f.showAll)) tags.push(['ri', String(ri)]);

  if (!goodRua.length && !errors.rua) warnings.push('Without a rua address you will get no aggregate reports, so you cannot see who sends mail as your domain.');
  if (f.p !== 'none' && pctOk && pct === 0 && !f.t) warnings.push('pct=0 applies the policy to no mail: receivers treat it one step lower.');

  return {
    host: de ? '' : `_dmarc.${domain}`,
    value: tags.map(([k, v]) => `${k}=${v}`).join('; '),
    tags,
    errors,
    warnings,
    rua,
    ruf,
    verifications: verifications(policyDomain, [...rua, ...ruf]),
  };
}

// -------------------------------------------------------------- parsing

export interface TagIssue {
  tag: string;
  message: string;
}

export interface ParsedDmarc {
  form: DmarcForm;
  /** The policy domain when the paste held a host name (zone-file line). */
  domain: string;
  errors: TagIssue[];
  warnings: TagIssue[];
}

/** txtContent joins the quoted strings of a TXT value ("a" "b" → ab), or returns the text as it is when it holds none. */
export function txtContent(s: string): string {
  const t = s.trim();
  if (!t.includes('"')) return t;
  const parts: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t))) parts.push(m[1].replace(/\\(.)/g, '$1'));
  return parts.join('');
}

const policyOf = (v: string): Policy | null => {
  const l = v.toLowerCase();
  return (policies as string[]).includes(l) ? (l as Policy) : null;
};

/**
 * parseDmarc reads an existing record into the form: a bare value, a quoted
 * one, or a zone-file line (_dmarc.example.com. 3600 IN TXT "v=DMARC1; …").
 * Each bad tag gets its own error; unknown tags are ignored with a warning.
 */
export function parseDmarc(text: string): ParsedDmarc {
  const form = defaultForm();
  form.fo = ['0'];
  const errors: TagIssue[] = [];
  const warnings: TagIssue[] = [];
  let domain = '';
  let body = text.trim();
  const line = /^(\S+?)\.?\s+(?:\d+\s+)?(?:IN\s+)?(?:\d+\s+)?TXT\s+([\s\S]*)$/i.exec(body);
  if (line) {
    domain = normalizeDomain(line[1]);
    body = line[2];
  }
  body = txtContent(body);
  if (!body) {
    errors.push({ tag: '', message: 'Paste a record that starts with v=DMARC1.' });
    return { form, domain, errors, warnings };
  }

  const seen = new Set<string>();
  let explicitDefault = false;
  const parts = body
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean);
  parts.forEach((part, i) => {
    const eq = part.indexOf('=');
    if (eq < 0) {
      errors.push({ tag: part, message: `“${part}” is not a tag=value pair.` });
      return;
    }
    const tag = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    if (seen.has(tag)) {
      errors.push({ tag, message: `${tag} appears more than once; receivers may reject the whole record.` });
      return;
    }
    seen.add(tag);
    const bad = (message: string) => errors.push({ tag, message: `${tag}=${value}: ${message}` });
    switch (tag) {
      case 'v':
        if (i !== 0) errors.push({ tag, message: 'v=DMARC1 must be the first tag.' });
        if (value !== 'DMARC1') bad('the version must be exactly DMARC1.');
        break;
      case 'p':
      case 'sp':
      case 'np': {
        const p = policyOf(value);
        if (!p) bad('use none, quarantine or reject.');
        else form[tag] = p;
        break;
      }
      case 'pct':
        if (!/^\d+$/.test(value) || Number(value) > 100) bad('use a whole number from 0 to 100.');
        else {
          form.pct = Number(value);
          if (form.pct === 100) explicitDefault = true;
        }
        break;
      case 't':
        if (!/^[yn]$/i.test(value)) bad('use y or n.');
        else form.t = value.toLowerCase() === 'y';
        break;
      case 'rua':
      case 'ruf': {
        const list = value.split(',').map((a) => a.trim());
        const addrs = list.filter(Boolean).map((a) => parseAddress(a));
        for (const a of addrs) if (a.error) errors.push({ tag, message: `${tag}: ${a.error}` });
        if (!addrs.length) bad('the list is empty.');
        form[tag] = list.filter(Boolean).join(', ');
        break;
      }
      case 'fo': {
        const opts = value.split(':').map((o) => o.trim().toLowerCase());
        const badOpt = opts.find((o) => !(foOptions as string[]).includes(o));
        if (badOpt !== undefined) bad(`“${badOpt}” is not an option; use 0, 1, d or s, separated by colons.`);
        else {
          form.fo = foOptions.filter((o) => opts.includes(o));
          if (foValue(form.fo) === '0') explicitDefault = true;
        }
        break;
      }
      case 'adkim':
      case 'aspf':
        if (!/^[rs]$/i.test(value)) bad('use r (relaxed) or s (strict).');
        else {
          form[tag] = value.toLowerCase() as Align;
          if (form[tag] === 'r') explicitDefault = true;
        }
        break;
      case 'ri':
        if (!/^\d+$/.test(value) || Number(value) === 0 || Number(value) > 4294967295) bad('use a whole number of seconds.');
        else {
          form.ri = Number(value);
          if (form.ri === 86400) explicitDefault = true;
        }
        break;
      case 'rf':
        warnings.push({ tag, message: 'rf (failure report format) has only one value, afrf, and DMARCbis drops it; it is left out.' });
        break;
      case 'psd':
        warnings.push({ tag, message: 'psd is for public suffix operators (DMARCbis); this form leaves it out.' });
        break;
      default:
        warnings.push({ tag, message: `“${tag}” is not a DMARC tag; it is ignored.` });
    }
  });
  if (!seen.has('v')) errors.unshift({ tag: 'v', message: 'The record must start with v=DMARC1.' });
  if (!seen.has('p')) errors.push({ tag: 'p', message: 'p (the policy) is missing; receivers ignore a record without it unless it has a valid rua. The form uses none.' });
  form.showAll = explicitDefault;
  if (domain && domainError(domain)) domain = '';
  form.domain = domain;
  return { form, domain, errors, warnings };
}

// ------------------------------------------------------- DNS presentation

/** splitTxt cuts a TXT value into character-strings of at most max bytes (255 in DNS). */
export function splitTxt(value: string, max = 255): string[] {
  if (value === '') return [''];
  const out: string[] = [];
  for (let i = 0; i < value.length; i += max) out.push(value.slice(i, i + max));
  return out;
}

/** quoteTxt is the zone-file form of a TXT value: each 255-character string quoted, separated by spaces. */
export function quoteTxt(value: string): string {
  return splitTxt(value)
    .map((s) => '"' + s.replace(/["\\]/g, '\\$&') + '"')
    .join(' ');
}

/** shellQuote quotes s for a POSIX shell. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@,+-]+$/.test(s) ? s : "'" + s.replace(/'/g, `'\\''`) + "'";
}

const policyWords: Record<string, string> = {
  none: 'monitor only: deliver failing mail as usual',
  quarantine: 'treat failing mail as suspicious (usually the spam folder)',
  reject: 'refuse failing mail',
};

const foWords: Record<string, string> = {
  '0': 'when SPF and DKIM both fail',
  '1': 'when SPF or DKIM fails',
  d: 'when a DKIM signature fails',
  s: 'when SPF fails',
};

function sizeWords(uri: string): string {
  const m = /!(\d+)([kmgt]?)$/i.exec(uri);
  if (!m) return '';
  const unit: Record<string, string> = { '': ' bytes', k: ' KB', m: ' MB', g: ' GB', t: ' TB' };
  return ` (at most ${m[1]}${unit[m[2].toLowerCase()]} each)`;
}

/** describeTag says in plain English what one tag of a record does. */
export function describeTag(tag: string, value: string): string {
  switch (tag) {
    case 'v':
      return 'This is a DMARC record.';
    case 'p':
      return `Policy: ${policyWords[value] ?? value}.`;
    case 'sp':
      return `Subdomains: ${policyWords[value] ?? value}.`;
    case 'np':
      return `Subdomains that do not exist: ${policyWords[value] ?? value}.`;
    case 'pct':
      return value === '100' ? 'The policy applies to all failing mail.' : `The policy applies to ${value}% of failing mail; the rest gets the next milder policy.`;
    case 't':
      return value === 'y' ? 'Testing: receivers apply the next milder policy and report as usual.' : 'Not testing: the policy applies in full.';
    case 'rua':
      return `Daily aggregate reports go to ${value
        .split(',')
        .map((u) => u.replace(/^mailto:/, '').replace(/!.*$/, '') + sizeWords(u))
        .join(', ')}.`;
    case 'ruf':
      return `Failure reports (copies of failing messages, where receivers send them) go to ${value
        .split(',')
        .map((u) => u.replace(/^mailto:/, '').replace(/!.*$/, '') + sizeWords(u))
        .join(', ')}.`;
    case 'fo':
      return 'Send a failure report ' + value.split(':').map((o) => foWords[o] ?? o).join(', or ') + '.';
    case 'adkim':
      return value === 's' ? 'DKIM alignment is strict: the signing domain must equal the From domain.' : 'DKIM alignment is relaxed: a signing domain of the same organization counts.';
    case 'aspf':
      return value === 's' ? 'SPF alignment is strict: the envelope sender domain must equal the From domain.' : 'SPF alignment is relaxed: an envelope sender domain of the same organization counts.';
    case 'ri':
      return `Ask for aggregate reports every ${interval(Number(value))}.`;
    default:
      return '';
  }
}

/** interval says a number of seconds in words: "day", "6 hours", "90 seconds". */
export function interval(s: number): string {
  const units: [number, string][] = [
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  for (const [n, w] of units) {
    if (s % n === 0 && s >= n) return s === n ? w : `${s / n} ${w}s`;
  }
  return `${s} seconds`;
}
