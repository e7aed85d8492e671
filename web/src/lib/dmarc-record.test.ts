import { describe, expect, it } from 'vitest';
import {
  buildDmarc,
  describeTag,
  defaultForm,
  domainError,
  foValue,
  normalizeDomain,
  orgDomain,
  parseAddress,
  parseAddressList,
  parseDmarc,
  policies,
  quoteTxt,
  relativeHost,
  shellQuote,
  splitTxt,
  txtContent,
  type Align,
  type DmarcForm,
  type Fo,
  type Policy,
} from './dmarc-record';

const form = (o: Partial<DmarcForm> = {}): DmarcForm => ({ ...defaultForm(), domain: 'example.com', ...o });

describe('domains', () => {
  it.each([
    [' Example.COM. ', 'example.com'],
    ['https://example.com/path', 'example.com'],
    ['_dmarc.example.com', 'example.com'],
    ['bücher.de', 'xn--bcher-kva.de'],
  ])('normalizes %j to %s', (inp, out) => expect(normalizeDomain(inp)).toBe(out));

  it.each([
    ['example.com', ''],
    ['mail.example.co.uk', ''],
    ['', 'Enter a domain'],
    ['localhost', 'full domain'],
    ['a..b', 'empty part'],
    ['-a.com', 'letters, digits'],
    ['a_b.com', 'letters, digits'],
    ['10.0.0.1', 'IP address'],
    ['x'.repeat(64) + '.com', '63 characters'],
  ])('checks %j', (d, err) => {
    if (err) expect(domainError(d)).toContain(err);
    else expect(domainError(d)).toBe('');
  });

  it.each([
    ['example.com', 'example.com'],
    ['mail.example.com', 'example.com'],
    ['a.b.example.co.uk', 'example.co.uk'],
    ['example.co.uk', 'example.co.uk'],
    ['x.example.com.au', 'example.com.au'],
    ['x.example.io', 'example.io'],
  ])('organizational domain of %s is %s', (d, o) => expect(orgDomain(d)).toBe(o));

  it.each([
    ['example.com', '_dmarc', '_dmarc'],
    ['mail.example.com', '_dmarc', '_dmarc.mail'],
    ['a.b.example.co.uk', '_dmarc', '_dmarc.a.b'],
    ['example.com', '', '@'],
    ['mail.example.com', '', 'mail'],
  ])('relative host of %s with %j is %s', (d, p, h) => expect(relativeHost(d, p)).toBe(h));
});

describe('reporting addresses', () => {
  it.each([
    ['dmarc@example.com', 'mailto:dmarc@example.com', ''],
    ['mailto:dmarc@example.com', 'mailto:dmarc@example.com', ''],
    ['MAILTO:dmarc@Example.COM', 'mailto:dmarc@example.com', ''],
    ['mailto:dmarc@example.com!10m', 'mailto:dmarc@example.com!10m', '10m'],
    ['dmarc@example.com!10M', 'mailto:dmarc@example.com!10m', '10m'],
    ['mailto:dmarc@example.com!500', 'mailto:dmarc@example.com!500', '500'],
    ['mailto:first.last+dmarc@example.com!1g', 'mailto:first.last+dmarc@example.com!1g', '1g'],
    ['mailto:a%2Bb@example.com', 'mailto:a+b@example.com', ''],
  ])('accepts %s', (inp, uri, size) => {
    const a = parseAddress(inp, 'example.com');
    expect(a.error).toBe('');
    expect(a.uri).toBe(uri);
    expect(a.size).toBe(size);
    expect(a.external).toBe(false);
  });

  it.each([
    ['dmarc', 'not an email address'],
    ['https://example.com/report', 'use mailto:'],
    ['mailto:dmarc@example.com!10x', 'not a size limit'],
    ['mailto:dmarc@example.com!', 'not a size limit'],
    ['mailto:dmarc@example.com!m', 'not a size limit'],
    ['mailto:dmarc@example', 'domain of'],
    ['mailto:@example.com', 'before @'],
    ['mailto:a..b@example.com', 'before @'],
    ['mailto:dmarc@example.com?subject=x', 'headers'],
  ])('rejects %s', (inp, err) => {
    const a = parseAddress(inp);
    expect(a.uri).toBe('');
    expect(a.error).toContain(err);
  });

  it('splits lists on commas and white space and keeps bad entries for errors', () => {
    const l = parseAddressList('a@example.com, mailto:b@example.com!5m  c,,', 'example.com');
    expect(l.map((a) => a.uri)).toEqual(['mailto:a@example.com', 'mailto:b@example.com!5m', '']);
    expect(l[2].error).not.toBe('');
  });

  it.each([
    ['example.com', 'dmarc@example.com', false],
    ['example.com', 'dmarc@reports.example.com', false],
    ['mail.example.com', 'dmarc@example.com', false],
    ['example.com', 'x@vendor.example.net', true],
    ['example.co.uk', 'x@other.co.uk', true],
    ['example.co.uk', 'x@mail.example.co.uk', false],
  ])('policy %s, address %s: external %s', (policy, addr, ext) => expect(parseAddress(addr, policy).external).toBe(ext));
});

describe('buildDmarc', () => {
  it('makes the minimal record', () => {
    const r = buildDmarc(form());
    expect(r.host).toBe('_dmarc.example.com');
    expect(r.value).toBe('v=DMARC1; p=none');
    expect(r.errors).toEqual({});
    expect(r.warnings[0]).toContain('rua');
  });

  it.each<[Partial<DmarcForm>, string]>([
    [{ p: 'reject', rua: 'dmarc@example.com' }, 'v=DMARC1; p=reject; rua=mailto:dmarc@example.com'],
    [{ p: 'quarantine', sp: 'reject' }, 'v=DMARC1; p=quarantine; sp=reject'],
    [{ np: 'reject' }, 'v=DMARC1; p=none; np=reject'],
    [{ pct: 25 }, 'v=DMARC1; p=none; pct=25'],
    [{ pct: 100 }, 'v=DMARC1; p=none'],
    [{ t: true }, 'v=DMARC1; p=none; t=y'],
    [{ pct: 50, t: true }, 'v=DMARC1; p=none; pct=50; t=y'],
    [{ ruf: 'f@example.com' }, 'v=DMARC1; p=none; ruf=mailto:f@example.com'],
    [{ ruf: 'f@example.com', fo: ['1', 'd'] }, 'v=DMARC1; p=none; ruf=mailto:f@example.com; fo=1:d'],
    [{ fo: ['1'] }, 'v=DMARC1; p=none'],
    [{ adkim: 's' }, 'v=DMARC1; p=none; adkim=s'],
    [{ aspf: 's' }, 'v=DMARC1; p=none; aspf=s'],
    [{ ri: 3600 }, 'v=DMARC1; p=none; ri=3600'],
    [{ ri: 86400 }, 'v=DMARC1; p=none'],
    [
      { p: 'reject', showAll: true, rua: 'a@example.com', ruf: 'b@example.com' },
      'v=DMARC1; p=reject; pct=100; rua=mailto:a@example.com; ruf=mailto:b@example.com; fo=0; adkim=r; aspf=r; ri=86400',
    ],
    [{ showAll: true }, 'v=DMARC1; p=none; pct=100; adkim=r; aspf=r; ri=86400'],
    [
      {
        p: 'quarantine',
        sp: 'reject',
        np: 'reject',
        pct: 10,
        t: true,
        rua: 'a@example.com, b@x.example.net!10m',
        ruf: 'c@example.com',
        fo: ['s', '0', 'd', '1'],
        adkim: 's',
        aspf: 's',
        ri: 3600,
      },
      'v=DMARC1; p=quarantine; sp=reject; np=reject; pct=10; t=y; rua=mailto:a@example.com,mailto:b@x.example.net!10m; ruf=mailto:c@example.com; fo=0:1:d:s; adkim=s; aspf=s; ri=3600',
    ],
  ])('%j → %s', (o, value) => expect(buildDmarc(form(o)).value).toBe(value));

  it('keeps the canonical tag order in every combination', () => {
    const order = ['v', 'p', 'sp', 'np', 'pct', 't', 'rua', 'ruf', 'fo', 'adkim', 'aspf', 'ri'];
    const sps: (Policy | '')[] = ['', ...policies];
    const aligns: Align[] = ['r', 's'];
    const fos: Fo[][] = [['0'], ['1'], ['d', 's']];
    let n = 0;
    for (const p of policies)
      for (const sp of sps)
        for (const np of sps)
          for (const pct of [0, 50, 100])
            for (const t of [false, true])
              for (const ruf of ['', 'f@example.com'])
                for (const fo of fos)
                  for (const adkim of aligns)
                    for (const aspf of aligns)
                      for (const showAll of [false, true]) {
                        const f = form({ p, sp, np, pct, t, rua: 'a@example.com', ruf, fo, adkim, aspf, showAll, ri: showAll ? 86400 : 600 });
                        const r = buildDmarc(f);
                        const keys = r.tags.map(([k]) => k);
                        const idx = keys.map((k) => order.indexOf(k));
                        expect(idx.every((x, i) => x >= 0 && (i === 0 || x > idx[i - 1]))).toBe(true);
                        expect(keys.includes('pct')).toBe(pct !== 100 || showAll);
                        expect(keys.includes('fo')).toBe(ruf !== '' && (showAll || foValue(fo) !== '0'));
                        expect(keys.includes('adkim')).toBe(adkim === 's' || showAll);
                        expect(keys.includes('sp')).toBe(sp !== '');
                        // the round trip gives the same record
                        expect(buildDmarc({ ...parseDmarc(r.value).form, domain: 'example.com' }).value).toBe(r.value);
                        n++;
                      }
    expect(n).toBe(3 * 4 * 4 * 3 * 2 * 2 * 3 * 2 * 2 * 2);
  });

  it('reports field errors and builds from the valid parts', () => {
    const r = buildDmarc(form({ domain: 'nope', pct: 150, ri: null, rua: 'good@example.com, bad', ruf: 'http://x' }));
    expect(Object.keys(r.errors).sort()).toEqual(['domain', 'pct', 'ri', 'rua', 'ruf']);
    expect(r.host).toBe('');
    expect(r.value).toBe('v=DMARC1; p=none; rua=mailto:good@example.com');
  });

  it.each([[-1], [101], [2.5], [null]])('rejects pct %j', (pct) => expect(buildDmarc(form({ pct })).errors.pct).toBeTruthy());

  it('lists one verification record per external report domain', () => {
    const r = buildDmarc(form({ rua: 'a@example.com, x@vendor.net, y@vendor.net!5m', ruf: 'z@other.org' }));
    expect(r.verifications).toEqual([
      { domain: 'vendor.net', host: 'example.com._report._dmarc.vendor.net', value: 'v=DMARC1' },
      { domain: 'other.org', host: 'example.com._report._dmarc.other.org', value: 'v=DMARC1' },
    ]);
    expect(r.rua.map((a) => a.external)).toEqual([false, true, true]);
  });

  it('needs no verification for subdomains of the same organization', () => {
    expect(buildDmarc(form({ domain: 'mail.example.com', rua: 'dmarc@example.com' })).verifications).toEqual([]);
  });
});

describe('parseDmarc', () => {
  it.each([
    ['v=DMARC1; p=reject; rua=mailto:d@example.com', 'v=DMARC1; p=reject; rua=mailto:d@example.com'],
    ['"v=DMARC1; p=quarantine; pct=50"', 'v=DMARC1; p=quarantine; pct=50'],
    ['"v=DMARC1; p=none; " "rua=mailto:d@example.com"', 'v=DMARC1; p=none; rua=mailto:d@example.com'],
    ['v=DMARC1;p=REJECT;ADKIM=S;', 'v=DMARC1; p=reject; adkim=s'],
    ['v=DMARC1; p=none; rua=mailto:a@example.com , mailto:b@example.com!10m', 'v=DMARC1; p=none; rua=mailto:a@example.com,mailto:b@example.com!10m'],
    ['v=DMARC1; p=none; fo=d:1; ruf=mailto:f@example.com', 'v=DMARC1; p=none; ruf=mailto:f@example.com; fo=1:d'],
  ])('reads %s', (text, value) => {
    const r = parseDmarc(text);
    expect(r.errors).toEqual([]);
    expect(buildDmarc({ ...r.form, domain: 'example.com' }).value).toBe(value);
  });

  it('reads a zone-file line with its domain', () => {
    const r = parseDmarc('_dmarc.example.org. 3600 IN TXT "v=DMARC1; p=reject; sp=none"');
    expect(r.domain).toBe('example.org');
    expect(r.form.domain).toBe('example.org');
    expect(r.form.p).toBe('reject');
    expect(r.form.sp).toBe('none');
    expect(parseDmarc('_dmarc.example.org TXT "v=DMARC1; p=none"').domain).toBe('example.org');
  });

  it('turns on "show all" when the record spells out a default', () => {
    expect(parseDmarc('v=DMARC1; p=none; pct=100').form.showAll).toBe(true);
    expect(parseDmarc('v=DMARC1; p=none').form.showAll).toBe(false);
  });

  it.each([
    ['', ''],
    ['p=none', 'v'],
    ['p=none; v=DMARC1', 'v'],
    ['v=dmarc1; p=none', 'v'],
    ['v=DMARC1; p=block', 'p'],
    ['v=DMARC1', 'p'],
    ['v=DMARC1; p=none; pct=120', 'pct'],
    ['v=DMARC1; p=none; pct=abc', 'pct'],
    ['v=DMARC1; p=none; adkim=x', 'adkim'],
    ['v=DMARC1; p=none; aspf=relaxed', 'aspf'],
    ['v=DMARC1; p=none; ri=0', 'ri'],
    ['v=DMARC1; p=none; fo=2', 'fo'],
    ['v=DMARC1; p=none; t=maybe', 't'],
    ['v=DMARC1; p=none; rua=dmarc', 'rua'],
    ['v=DMARC1; p=none; ruf=mailto:x@example.com!9q', 'ruf'],
    ['v=DMARC1; p=none; p=reject', 'p'],
    ['v=DMARC1; p=none; oops', 'oops'],
  ])('reports the bad tag of %j', (text, tag) => {
    const r = parseDmarc(text);
    expect(r.errors.length).toBeGreaterThan(0);
    expect(r.errors.map((e) => e.tag)).toContain(tag);
  });

  it('ignores unknown and obsolete tags with a warning', () => {
    const r = parseDmarc('v=DMARC1; p=none; rf=afrf; foo=bar; psd=n');
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => w.tag)).toEqual(['rf', 'foo', 'psd']);
  });

  it('keeps the good tags of a record with a bad one', () => {
    const r = parseDmarc('v=DMARC1; p=quarantine; pct=x; adkim=s');
    expect(r.form.p).toBe('quarantine');
    expect(r.form.adkim).toBe('s');
    expect(r.form.pct).toBe(100);
  });
});

describe('TXT presentation', () => {
  it('joins quoted strings', () => {
    expect(txtContent('"a" "b\\"c"')).toBe('ab"c');
    expect(txtContent('plain')).toBe('plain');
  });
  it.each([
    [0, 1],
    [255, 1],
    [256, 2],
    [510, 2],
    [511, 3],
  ])('splits %d characters into %d strings', (len, n) => {
    const s = 'x'.repeat(len);
    const parts = splitTxt(s);
    expect(parts.length).toBe(n);
    expect(parts.join('')).toBe(s);
    expect(parts.every((p) => p.length <= 255)).toBe(true);
  });
  it('quotes each string', () => {
    expect(quoteTxt('v=DMARC1; p=none')).toBe('"v=DMARC1; p=none"');
    expect(quoteTxt('a'.repeat(300))).toBe(`"${'a'.repeat(255)}" "${'a'.repeat(45)}"`);
  });
  it('quotes for the shell', () => {
    expect(shellQuote('_dmarc.example.com.')).toBe('_dmarc.example.com.');
    expect(shellQuote('v=DMARC1; p=none')).toBe("'v=DMARC1; p=none'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});

describe('describeTag', () => {
  it.each([
    ['p', 'reject', 'refuse failing mail'],
    ['sp', 'none', 'Subdomains: monitor only'],
    ['pct', '20', '20% of failing mail'],
    ['rua', 'mailto:a@example.com,mailto:b@example.net!10m', 'a@example.com, b@example.net (at most 10 MB each)'],
    ['fo', '1:d', 'when SPF or DKIM fails, or when a DKIM signature fails'],
    ['adkim', 's', 'strict'],
    ['ri', '86400', 'every day'],
    ['ri', '21600', 'every 6 hours'],
    ['t', 'y', 'Testing'],
  ])('%s=%s', (tag, value, words) => expect(describeTag(tag, value)).toContain(words));
  it('describes every tag the builder makes', () => {
    const r = buildDmarc(form({ showAll: true, sp: 'reject', np: 'reject', t: true, rua: 'a@example.com', ruf: 'b@example.com' }));
    for (const [k, v] of r.tags) expect(describeTag(k, v)).not.toBe('');
  });
});
