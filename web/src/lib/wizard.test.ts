import { describe, expect, it } from 'vitest';
import { STEPS, STORAGE_KEY, Wizard, readOnboarding, shouldOnboard, stepIndex, type KeyValue } from './wizard-steps';
import { address, hints, problems, request, serveCommand, serveEnv, shellQuote, type MailboxForm } from './wizard-mailbox';
import { externalAuth, recordProblems, shortName, zoneLine, txtValue } from './wizard-record';

function mem(): KeyValue & { data: Record<string, string> } {
  const data: Record<string, string> = {};
  return { data, getItem: (k) => data[k] ?? null, setItem: (k, v) => void (data[k] = v) };
}

describe('wizard steps', () => {
  it('has the five steps in order', () => {
    expect(STEPS.map((s) => s.id)).toEqual(['welcome', 'dns', 'mailbox', 'first-report', 'tour']);
  });
  it('moves next and back within the bounds', () => {
    const w = new Wizard(mem());
    expect([w.index, w.first, w.last]).toEqual([0, true, false]);
    expect(w.back()).toBe(false);
    for (let i = 1; i < STEPS.length; i++) expect(w.next()).toBe(true);
    expect([w.index, w.last, w.progress]).toEqual([4, true, 1]);
    expect(w.next()).toBe(false);
    expect(w.back()).toBe(true);
    expect(w.step.id).toBe('first-report');
    expect(w.goTo(1)).toBe(true);
    expect(w.goTo(1)).toBe(false);
    expect(w.goTo(9)).toBe(false);
    expect(w.step.id).toBe('dns');
  });
  it('starts at a step from the URL, clamped', () => {
    expect(stepIndex('mailbox')).toBe(2);
    expect(stepIndex('nope')).toBe(0);
    expect(stepIndex(null)).toBe(0);
    expect(new Wizard(mem(), 99).index).toBe(STEPS.length - 1);
    expect(new Wizard(mem(), -3).index).toBe(0);
  });
  it('remembers skip and completion', () => {
    const s = mem();
    const w = new Wizard(s);
    expect(w.outcome).toBeUndefined();
    w.skip();
    expect(s.data[STORAGE_KEY]).toBe('skipped');
    expect(new Wizard(s).outcome).toBe('skipped');
    w.complete();
    expect(readOnboarding(s)).toBe('done');
  });
  it('survives blocked or odd storage', () => {
    const broken: KeyValue = {
      getItem: () => {
        throw new Error('blocked');
      },
      setItem: () => {
        throw new Error('blocked');
      },
    };
    const w = new Wizard(broken);
    expect(() => w.complete()).not.toThrow();
    expect(w.outcome).toBeUndefined();
    expect(readOnboarding(undefined)).toBeUndefined();
    const s = mem();
    s.setItem(STORAGE_KEY, 'maybe');
    expect(readOnboarding(s)).toBeUndefined();
  });
  it('sends only a first visit on an empty store to the wizard', () => {
    expect(shouldOnboard('', undefined, 0)).toBe(true);
    expect(shouldOnboard('reports', undefined, 0)).toBe(true);
    expect(shouldOnboard('', 'done', 0)).toBe(false);
    expect(shouldOnboard('', 'skipped', 0)).toBe(false);
    expect(shouldOnboard('', undefined, 2)).toBe(false);
    expect(shouldOnboard('welcome', undefined, 0)).toBe(false);
    expect(shouldOnboard('upload', undefined, 0)).toBe(false);
  });
});

describe('mailbox step', () => {
  const f: MailboxForm = { host: 'imap.example.com', security: 'tls', username: ' dmarc@example.com ', password: "pa'ss", mailbox: '' };
  it('adds the usual port', () => {
    expect(address('imap.example.com', 'tls')).toBe('imap.example.com:993');
    expect(address('imap.example.com', 'starttls')).toBe('imap.example.com:143');
    expect(address('imaps://imap.example.com:1993/', 'tls')).toBe('imap.example.com:1993');
    expect(address('::1', 'plain')).toBe('[::1]:143');
    expect(address('[::1]:1143', 'plain')).toBe('[::1]:1143');
    expect(address('  ', 'tls')).toBe('');
  });
  it('builds the test request', () => {
    expect(request(f)).toEqual({ addr: 'imap.example.com:993', tls: 'tls', username: 'dmarc@example.com', password: "pa'ss", mailbox: 'INBOX' });
    expect(problems(f)).toEqual([]);
    expect(problems({ ...f, host: '', password: '' })).toEqual(['the IMAP server', 'the password']);
  });
  it('never puts the password in the settings', () => {
    const cmd = serveCommand(f);
    const env = serveEnv(f);
    expect(cmd).not.toContain("pa'ss");
    expect(env).not.toContain("pa'ss");
    expect(cmd).toContain('export PARSE_DMARC_IMAP_PASSWORD=');
    expect(cmd).not.toMatch(/--imap-password/);
    expect(cmd).toContain('--imap-addr imap.example.com:993 \\');
    expect(cmd).toContain('--imap-user dmarc@example.com \\');
    expect(cmd).toContain('--imap-tls tls \\');
    expect(cmd).toContain('--imap-mailbox INBOX');
    expect(env.split('\n')).toContain('PARSE_DMARC_IMAP_ADDR=imap.example.com:993');
    expect(serveCommand({ ...f, mailbox: 'INBOX/DMARC reports' })).toContain("--imap-mailbox 'INBOX/DMARC reports'");
  });
  it('quotes for the shell', () => {
    expect(shellQuote('a@b.c')).toBe('a@b.c');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
  it('gives hints for each failing step', () => {
    expect(hints({ step: 'connect', ok: false, message: 'dial tcp: connection refused' }, f)[0]).toMatch(/refused/);
    expect(hints({ step: 'connect', ok: false, message: 'x' }, f).join(' ')).toMatch(/firewall/);
    expect(hints({ step: 'tls', ok: false, message: 'x' }, f).join(' ')).toMatch(/993.*143.*STARTTLS/);
    expect(hints({ step: 'login', ok: false, message: 'x' }, f).join(' ')).toMatch(/app password/);
    expect(hints({ step: 'select', ok: false, message: 'x' }, { ...f, mailbox: 'DMARC' })[0]).toContain('“DMARC”');
  });
});

describe('DNS step', () => {
  it('writes the starting record', () => {
    const r = { domain: 'Example.com.', rua: 'mailto:dmarc@example.com', policy: 'none' as const };
    expect(zoneLine(r)).toBe('_dmarc.example.com TXT "v=DMARC1; p=none; rua=mailto:dmarc@example.com"');
    expect(txtValue({ domain: 'example.org', rua: '', policy: 'none' })).toBe('v=DMARC1; p=none; rua=mailto:dmarc@example.org');
    expect(recordProblems(r)).toEqual([]);
    expect(recordProblems({ domain: 'not a domain', rua: 'nope', policy: 'none' })).toHaveLength(2);
    expect(recordProblems({ domain: '', rua: '', policy: 'none' })).toEqual([]);
    expect(zoneLine({ domain: '', rua: '', policy: 'quarantine' })).toBe('_dmarc.example.com TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com"');
    expect(shortName('mail.example.com')).toBe('_dmarc.mail');
  });
  it('names the authorisation record for a report address elsewhere', () => {
    expect(externalAuth({ domain: 'example.com', rua: 'reports@dmarc.example.net', policy: 'none' })).toBe(
      'example.com._report._dmarc.dmarc.example.net TXT "v=DMARC1"',
    );
    expect(externalAuth({ domain: 'example.com', rua: 'dmarc@example.com', policy: 'none' })).toBeUndefined();
    expect(externalAuth({ domain: 'example.com', rua: 'dmarc@mail.example.com', policy: 'none' })).toBeUndefined();
  });
});
