import { describe, expect, test } from 'vitest';
import type { Advice, Fix, FixStep } from './api';
import {
  authDomains,
  barSegments,
  blockingFailing,
  categoryTone,
  currentText,
  daysOf,
  disagree,
  failingText,
  groupRows,
  highlight,
  hostText,
  isSpfRecord,
  isVerifyStep,
  lookupText,
  mechanismLabel,
  mechanismText,
  needsFix,
  notesShown,
  nextLabel,
  pct2,
  periodText,
  pickDomain,
  policyText,
  recordAction,
  spoofingVerdict,
  stepText,
  sufficiency,
  thresholdText,
  verdict,
} from './remedy';
// The server's answers for package remedy's test world (remedytest): a
// SendGrid server not set up, an office server whose DKIM key is missing,
// a spoofer, and the advice of its domain.
import world from './remedy.test.json';

const sendgrid = world.sendgrid as unknown as Fix;
const office = world.office as unknown as Fix;
const spoofer = world.spoofer as unknown as Fix;
const advice = world.advice as unknown as Advice;

/** clone copies an advice to change it in a test. */
function clone(a: Advice, change: (a: Advice) => void): Advice {
  const c = structuredClone(a);
  change(c);
  return c;
}

describe('a fix', () => {
  test('category tones', () => {
    expect(categoryTone('potential_spoofing')).toBe('bad');
    expect(categoryTone('third_party_setup')).toBe('warn');
    expect(categoryTone('forwarding')).toBe('neutral');
    expect(categoryTone('nothing_to_fix')).toBe('good');
  });

  test('whether it looks like spoofing', () => {
    expect(spoofingVerdict(spoofer)).toMatchObject({ tone: 'bad', label: 'Looks like spoofing' });
    expect(spoofingVerdict(spoofer).text).toBe("Do not add it to example.com's SPF record or give it a DKIM key: that would make the spoofed mail pass DMARC.");
    const sg = spoofingVerdict(sendgrid);
    expect(sg.label).toBe('Probably not spoofing');
    expect(sg.text).toContain('It is Twilio SendGrid, a real sending service');
    expect(spoofingVerdict(office)).toMatchObject({ tone: 'good', label: 'Not spoofing' });
    const unknown = { ...sendgrid, service: undefined };
    expect(spoofingVerdict(unknown).label).toBe('Not sure');
    expect(spoofingVerdict(unknown).text).toContain('authenticated as sendgrid.net, not as example.com');
  });

  test('the domains the mail authenticated as', () => {
    expect(authDomains(sendgrid)).toEqual(['sendgrid.net']);
    expect(authDomains(spoofer)).toEqual([]);
  });

  test('mechanisms in words', () => {
    const m = sendgrid.failures[0];
    expect(mechanismLabel(m.dkim)).toBe('not aligned');
    expect(mechanismText(m.dkim)).toBe('pass for sendgrid.net (s=smtpapi)');
    expect(mechanismText(m.spf)).toBe('pass for sendgrid.net');
    expect(mechanismLabel(spoofer.failures[0].dkim)).toBe('missing');
    expect(mechanismText(spoofer.failures[0].dkim)).toBe('no result in the reports');
    expect(mechanismLabel(office.failures[0].dkim)).toBe('failed');
    expect(mechanismText({ result: 'fail', results: [{ domain: 'a.example.com', result: 'pass' }], relaxed_would_align: true })).toBe(
      'pass for a.example.com; relaxed alignment would pass it',
    );
  });

  test('records: action, status and the SPF change', () => {
    const [s1, , spf] = sendgrid.records;
    expect(recordAction(s1)).toEqual({ label: 'Add', status: 'not in DNS now', tone: 'warn' });
    expect(recordAction(spf)).toEqual({ label: 'Replace', status: 'in DNS now', tone: 'neutral' });
    expect(recordAction({ ...s1, action: 'keep', status: 'present' }).label).toBe('Already published');
    expect(recordAction({ ...s1, action: 'fix', status: 'invalid' }).tone).toBe('bad');
    expect(isSpfRecord(spf, sendgrid.spf_change)).toBe(true);
    expect(isSpfRecord(s1, sendgrid.spf_change)).toBe(false);
    expect(isSpfRecord(spf, undefined)).toBe(false);
  });

  test('a note shared by records is shown once', () => {
    expect(notesShown(sendgrid.records)).toEqual([true, false, false]);
    expect(notesShown(office.records)).toEqual([true]);
    expect(notesShown([])).toEqual([]);
  });

  test('lookups against the limit', () => {
    const c = sendgrid.spf_change!;
    expect(c.proposed).toContain('include:sendgrid.net');
    expect(lookupText(c)).toEqual({ text: '3 of 10 DNS lookups (2 now)', tone: 'good' });
    expect(lookupText({ ...c, lookups: 9 }).tone).toBe('warn');
    expect(lookupText({ ...c, lookups: 11, exceeds_limit: true })).toEqual({
      text: '11 of 10 DNS lookups (2 now): over the limit, receivers would return permerror',
      tone: 'bad',
    });
    expect(lookupText({ ...c, checked: false }).tone).toBe('neutral');
  });

  test('step details without what the records show', () => {
    const spfStep = sendgrid.steps[1];
    const t = stepText(spfStep);
    expect(t.paragraphs.join('\n')).not.toContain('v=spf1');
    expect(t.paragraphs.join('\n')).not.toContain('Your new SPF record should be');
    expect(t.paragraphs.join('\n')).not.toContain('DNS lookups)');
    expect(t.paragraphs[0]).toMatch(/^SPF aligns only when the envelope sender/);
    // The service's instructions are the records' note: shown with them.
    expect(stepText(sendgrid.steps[0]).paragraphs).toEqual([]);
    expect(stepText(office.steps[0]).paragraphs).toEqual([]);
    // A step without records keeps its lines.
    const verify = sendgrid.steps[3];
    expect(stepText(verify).paragraphs).toHaveLength(3);
    expect(isVerifyStep(verify, sendgrid)).toBe(true);
    expect(isVerifyStep(sendgrid.steps[2], sendgrid)).toBe(false);
    // Bullets.
    const alt: FixStep = { title: 'Do not add', detail: 'Instead:\n- one\n- two' };
    expect(stepText(alt)).toEqual({ paragraphs: ['Instead:'], bullets: ['one', 'two'] });
    expect(stepText({ title: 'x' })).toEqual({ paragraphs: [], bullets: [] });
  });

  test('the term added to the SPF record is marked', () => {
    const c = sendgrid.spf_change!;
    expect(highlight(c.proposed!, c.term)).toEqual([
      { text: 'v=spf1 ip4:198.51.100.25 include:_spf.google.com ', added: false },
      { text: 'include:sendgrid.net', added: true },
      { text: ' ~all', added: false },
    ]);
    expect(highlight('include:x', 'include:x')).toEqual([{ text: 'include:x', added: true }]);
    expect(highlight('v=spf1 include:xy ~all', 'include:x')).toEqual([{ text: 'v=spf1 include:xy ~all', added: false }]);
    expect(highlight('v=spf1 ~all', '')).toEqual([{ text: 'v=spf1 ~all', added: false }]);
  });

  test('host and counts', () => {
    expect(hostText(sendgrid.host)).toBe('o1.ptr2625.sendgrid.net, AS11377 SENDGRID');
    expect(hostText(spoofer.host)).toBe('AS4134 Chinanet');
    expect(hostText({})).toBe('');
    expect(failingText(sendgrid)).toBe('1,200 of 1,200 messages failed DMARC');
    expect(failingText({ ...sendgrid, failing: 240, messages: 600, passing_on_one_mechanism: 360, partial: true })).toBe(
      '240 of 600 messages failed DMARC; 360 passed on DKIM or SPF alone (its newest records)',
    );
  });

  test('which domains of a source get a "Fix this"', () => {
    expect(needsFix({ total_messages: 10, dmarc_pass: 10 }, { misconfigured: true })).toBe(true);
    expect(needsFix({ total_messages: 10, dmarc_pass: 9 }, {})).toBe(true);
    expect(needsFix({ total_messages: 10, dmarc_pass: 10 }, { history: { messages: 50, pass_rate: 96 } })).toBe(true);
    expect(needsFix({ total_messages: 10, dmarc_pass: 10 }, { history: { messages: 50, pass_rate: 100 } })).toBe(false);
    expect(needsFix({ total_messages: 0, dmarc_pass: 0 }, { history: { messages: 0, pass_rate: 0 } })).toBe(false);
  });
});

describe('the policy advisor', () => {
  test('policies in short, as the server writes them', () => {
    expect(policyText(advice.current.effective)).toBe('p=none');
    expect(policyText(advice.next!)).toBe('p=quarantine pct=25');
    expect(advice.next!.step).toBe('p=none → ' + policyText(advice.next!));
    expect(policyText({ p: 'reject', sp: 'quarantine', np: 'reject', pct: 100, adkim: 'r', aspf: 'r', t: 'y' })).toBe('p=reject sp=quarantine np=reject t=y');
    expect(policyText({ p: '', sp: '', pct: 0, adkim: 'r', aspf: 'r' })).toBe('p=none');
  });

  test('not yet: the blocking sources and what they would lose', () => {
    expect(blockingFailing(advice)).toBe(1500);
    expect(verdict(advice)).toEqual({
      label: 'Not yet',
      tone: 'bad',
      sentence: 'Not yet: 2 legitimate sources sent 1,500 failing messages in the last 30 days that p=quarantine would have sent to spam.',
    });
    const reject = clone(advice, (a) => {
      a.thresholds.target = 'reject';
      a.blocking = a.blocking.slice(0, 1);
    });
    expect(verdict(reject).sentence).toBe('Not yet: 1 legitimate source sent 1,200 failing messages in the last 30 days that p=reject would have rejected.');
    expect(nextLabel(advice)).toBe('Once the blocking sources are fixed, publish');
  });

  test('not yet: too little data', () => {
    const a = clone(advice, (a) => {
      a.blocking = [];
      a.data = { ...a.data, days: 5, messages: 120, sufficient: false };
    });
    expect(verdict(a).sentence).toBe(
      'Not yet: too little data to judge. The reports cover 5 days and 120 messages; at least 14 days and 200 messages are needed.',
    );
    const other = clone(advice, (a) => {
      a.blocking = [];
      a.reasons = ['Some reason.'];
    });
    expect(verdict(other).sentence).toBe('Not yet: Some reason.');
  });

  test('ready, with caution, done', () => {
    const ready = clone(advice, (a) => {
      a.verdict = 'ready';
      a.blocking = [];
      a.legitimate.failing = 0;
      a.legitimate_failing_share = 0;
      a.next = { ...a.next!, pct: 100, step: 'p=none → p=quarantine' };
    });
    expect(verdict(ready)).toMatchObject({ label: 'Ready', tone: 'good', sentence: 'Ready: publish p=quarantine. No legitimate mail failed DMARC in the last 30 days.' });
    expect(nextLabel(ready)).toBe('Publish');
    const within = clone(ready, (a) => {
      a.legitimate.failing = 12;
      a.legitimate_failing_share = 0.05;
    });
    expect(verdict(within).sentence).toBe(
      'Ready: publish p=quarantine. 0.05% of legitimate mail (12 messages) failed DMARC in the last 30 days, within the 2% that p=quarantine allows.',
    );
    const caution = clone(advice, (a) => (a.verdict = 'ready_with_caution'));
    expect(verdict(caution)).toMatchObject({ label: 'Ready, with caution', tone: 'warn' });
    expect(verdict(caution).sentence).toBe('Ready, with caution: publish p=quarantine pct=25, then watch the next reports before the next step.');
    const done = clone(advice, (a) => {
      a.verdict = 'complete';
      a.current.effective = { ...a.current.effective, p: 'reject', sp: 'reject' };
      delete a.next;
    });
    expect(verdict(done).sentence).toBe('Done: example.com publishes p=reject; there is no stricter policy to move to.');
  });

  test('the domain and the period judged', () => {
    const doms = [
      { domain: 'a.example', messages: 10 },
      { domain: 'b.example', messages: 900 },
    ];
    expect(pickDomain('', doms)).toBe('b.example');
    expect(pickDomain('a.example', doms)).toBe('a.example');
    expect(pickDomain('', [])).toBe('');
    expect(pickDomain('', undefined)).toBe('');
    expect(daysOf('90')).toBe(90);
    expect(daysOf('7')).toBe(30);
    expect(daysOf(null)).toBe(30);
  });

  test('percentages with two decimals', () => {
    expect(pct2(1.994)).toBe('1.99%');
    expect(pct2(0.5)).toBe('0.5%');
    expect(pct2(100)).toBe('100%');
    expect(pct2(undefined)).toBe('–');
  });

  test('the period', () => {
    expect(periodText(advice)).toBe('Oct 26, 2026 – Nov 25, 2026');
  });

  test('groups with their shares of all mail', () => {
    const rows = groupRows(advice);
    expect(rows.map((r) => r.key)).toEqual(['legitimate', 'forwarding', 'spoofing']);
    const [legit, fwd, spoof] = rows;
    expect(legit).toMatchObject({ label: 'Legitimate', messages: 31500, failing: 1500, sourceCount: 3 });
    expect(legit.share).toBeCloseTo((31500 * 100) / 32250);
    expect(legit.failingShare).toBe(4.65);
    expect(legit.sources.map((s) => s.source_ip)).toEqual(['167.89.100.10', '198.51.100.25']);
    expect(fwd.note).toMatch(/^60% of the forwarded mail passed DMARC/);
    expect(spoof).toMatchObject({ messages: 150, failing: 150, tone: 'bad' });
    // Unclassified and other mail show when there is some.
    const more = clone(advice, (a) => (a.other = { ...a.other, messages: 10, failing: 2 }));
    expect(groupRows(more).map((r) => r.key)).toEqual(['legitimate', 'forwarding', 'spoofing', 'other']);
  });

  test('the stacked bar: passing and failing parts that add up to all mail', () => {
    const segs = barSegments(groupRows(advice), advice.totals.messages);
    expect(segs.map((s) => s.key)).toEqual(['legitimate-pass', 'legitimate-fail', 'forwarding-pass', 'forwarding-fail', 'spoofing-fail']);
    expect(segs.reduce((n, s) => n + s.share, 0)).toBeCloseTo(100);
    expect(segs.reduce((n, s) => n + s.messages, 0)).toBe(advice.totals.messages);
    expect(barSegments([], 0)).toEqual([]);
  });

  test('data sufficiency', () => {
    const s = sufficiency(advice.data);
    expect(s.map((x) => x.ok)).toEqual([true, true, true]);
    expect(s[0].text).toMatch(/^30 days with reports \(at least 14 needed/);
    expect(s[1].text).toMatch(/^32,250 messages/);
    const thin = sufficiency({ ...advice.data, reporters: 1, days: 3 });
    expect(thin.map((x) => x.ok)).toEqual([false, true, false]);
    expect(thin[2].text).toMatch(/^1 reporting organization /);
  });

  test('the threshold', () => {
    expect(thresholdText(advice)).toEqual({ text: '4.71% of legitimate mail fails DMARC; p=quarantine allows at most 2%.', tone: 'bad', fill: 100 });
    const low = clone(advice, (a) => (a.legitimate_failing_share = 0.5));
    expect(thresholdText(low)).toMatchObject({ tone: 'warn', fill: 25 });
    const none = clone(advice, (a) => (a.legitimate_failing_share = 0));
    expect(thresholdText(none).tone).toBe('good');
    const done = clone(advice, (a) => (a.thresholds.target = ''));
    expect(thresholdText(done).text).toBe('4.71% of legitimate mail fails DMARC.');
  });

  test('where the current policy comes from', () => {
    expect(currentText(advice)).toBe('From DNS now, at _dmarc.example.com.');
    expect(disagree(advice)).toBe(false);
    const changed = clone(advice, (a) => (a.current.dns = { ...a.current.dns!, p: 'quarantine', sp: 'quarantine' }));
    expect(disagree(changed)).toBe(true);
    const inherited = clone(advice, (a) => {
      a.current.inherited = true;
      a.current.record_name = '_dmarc.example.org';
    });
    expect(currentText(inherited)).toBe("From DNS: example.com has no DMARC record of its own; _dmarc.example.org's applies.");
    const reportsOnly = clone(advice, (a) => {
      delete a.current.dns;
      a.dns = { checked: false, error: 'timeout' };
    });
    expect(currentText(reportsOnly)).toBe('From the newest report (Nov 24, 2026); DNS was not asked.');
  });
});
