// "Fix this" and the policy advisor in a real browser against a real
// server: synth.mjs's SendGrid server (149.72.58.20), whose mail
// authenticates as sendgrid.net only, gets its fix with the SPF record now
// and as it should be, read from a loopback DNS server (cmd/dnstestd of
// package dnstest, built here, or PD_DNSTESTD); the advisor says whether
// shop.example can tighten its policy and what would break. Every
// assertion compares the page with what the API answered.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { serve, launch, context, screenshot, axe, shots } from './harness.mjs';
import { startDNS } from './dnstestd.mjs';
import { recentReports } from './synth.mjs';

const sendgrid = '149.72.58.20';
const spoofer = '185.220.101.7';
const domain = 'shop.example';
// shop.example's SPF record needs 2 lookups (its include and the one it
// reaches); sendgrid.net's include adds 1.
const zone = `
shop.example.          TXT "v=spf1 ip4:192.0.2.0/24 include:_spf.google.com ~all"
_spf.google.com.       TXT "v=spf1 include:_netblocks.google.com ~all"
_netblocks.google.com. TXT "v=spf1 ip4:209.85.128.0/17 ~all"
sendgrid.net.          TXT "v=spf1 ip4:149.72.0.0/16 ip4:167.89.0.0/17 ~all"
_dmarc.shop.example.   TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@shop.example; fo=1"
mail.example.          TXT "v=spf1 include:_spf.google.com ~all"
_dmarc.mail.example.   TXT "v=DMARC1; p=none; rua=mailto:dmarc@mail.example"
`;

let srv, browser, dns;
/** missing says why the remediation API cannot be tested, when it cannot. */
let missing = '';

before(async () => {
  dns = await startDNS(zone);
  srv = await serve(['--dns-resolver', dns.addr, '--dns-check-interval', '0']);
  browser = await launch();
  const form = new FormData();
  for (const [name, xml] of recentReports(30)) form.append('file', new Blob([xml]), name);
  const res = await fetch(srv.base + '/api/v1/reports', { method: 'POST', body: form });
  assert.equal(res.status, 200);
  // The endpoints come with the server's remediation guide: a binary
  // without them answers 404 (an older build) or 501 (not configured).
  const probe = await fetch(`${srv.base}/api/v1/domains/${domain}/advice`);
  if (probe.status === 404 && (await probe.json()).error?.code !== 'no_reports') missing = 'GET /api/v1/domains/{domain}/advice answers 404: the binary has no remediation API';
  if (probe.status === 501) missing = 'the server has no remediation guide configured (501)';
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  dns?.stop();
});

async function api(path) {
  const res = await fetch(srv.base + '/api/v1' + path);
  assert.equal(res.status, 200, path);
  return res.json();
}

/** dialogShot takes a screenshot of the open dialog whole, in a viewport tall enough that it does not scroll. */
async function dialogShot(page, name) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: size.width, height: 3000 });
  await page.waitForTimeout(300);
  mkdirSync(shots, { recursive: true });
  await page.getByRole('dialog').screenshot({ path: join(shots, name + '.png') });
  await page.setViewportSize(size);
}

/** text is an element's text with its white space collapsed. */
async function text(loc) {
  return (await loc.innerText()).replace(/\s+/g, ' ').trim();
}

for (const theme of ['light', 'dark']) {
  test(`"Fix this" for SendGrid not set up, ${theme}: the SPF include, records, steps; accessible`, async (t) => {
    if (missing) return t.skip(missing);
    const fix = await api(`/sources/${sendgrid}/fix?domain=${domain}`);
    assert.ok(fix.spf_change?.proposed?.includes('include:sendgrid.net'), 'the API proposes the include: ' + JSON.stringify(fix.spf_change));
    assert.equal(fix.service?.id, 'sendgrid');

    const ctx = await context(browser, { theme });
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.base });
    const page = await ctx.newPage();
    await page.goto(`${srv.base}/sources/${sendgrid}`);
    const block = page.locator(`[data-testid=source-domain][data-domain="${domain}"]`);
    await block.getByTestId('fix-this').waitFor();
    // The classification with its "Fix this", in a viewport that holds it whole.
    await page.setViewportSize({ width: 1360, height: 3000 });
    mkdirSync(shots, { recursive: true });
    await page.locator('section[aria-labelledby=classification-h]').screenshot({ path: join(shots, `fix-source-classification-${theme}.png`) });
    await page.setViewportSize({ width: 1360, height: 900 });
    await block.getByTestId('fix-this').click();
    const panel = page.getByTestId('fix-panel');
    await panel.waitFor();
    const dialog = page.getByRole('dialog', { name: `Fix this: ${sendgrid} for ${domain}` });
    assert.equal(await dialog.count(), 1, 'the dialog is named after the source and domain');

    // The headline: category and summary; not spoofing but a service.
    assert.equal(await text(panel.getByTestId('fix-category')), fix.category_title);
    assert.ok((await text(panel.getByTestId('fix-headline'))).includes(fix.summary));
    assert.match(await text(panel.getByTestId('fix-spoofing')), /^Probably not spoofing It is Twilio SendGrid, a real sending service/);
    // The failure types, with the domain the mail did authenticate as.
    const failures = await text(panel.getByTestId('fix-failures'));
    for (const f of fix.failures) assert.ok(failures.includes(f.title), `failure ${f.title}`);
    assert.match(failures, /DKIM not aligned pass for sendgrid\.net \(s=smtpapi\)/);

    // The SPF record: now, and as it should be with the include marked.
    const spf = panel.getByTestId('spf-change');
    assert.equal(await text(spf.getByTestId('spf-current')), fix.spf_change.current);
    assert.equal(await text(spf.getByTestId('spf-proposed')), fix.spf_change.proposed);
    assert.equal(await spf.getByTestId('spf-proposed').locator('mark').innerText(), 'include:sendgrid.net');
    assert.equal(await text(spf.getByTestId('spf-lookups')), `${fix.spf_change.lookups} of 10 DNS lookups (${fix.spf_change.current_lookups} now).`);
    await spf.getByTestId('copy-spf').click();
    await spf.getByTestId('copy-spf').filter({ hasText: 'Copied' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), fix.spf_change.proposed);

    // The other records (SendGrid's DKIM CNAMEs), each named and copyable.
    const others = fix.records.filter((r) => r.value !== fix.spf_change.proposed);
    const shown = panel.getByTestId('fix-record');
    assert.equal(await shown.count(), others.length);
    for (const [i, r] of others.entries()) {
      assert.equal(await shown.nth(i).getAttribute('data-name'), r.name);
      assert.equal(await text(shown.nth(i).getByTestId('fix-record-name')), r.name);
      assert.ok((await text(shown.nth(i))).includes(r.value ? r.value : 'The value Twilio SendGrid shows'), `value of ${r.name}`);
    }
    // Steps, setup guide, verification.
    const steps = await text(panel.getByTestId('fix-steps'));
    for (const s of fix.steps) assert.ok(steps.includes(s.title), `step ${s.title}`);
    assert.equal(await panel.getByTestId('fix-docs').getAttribute('href'), fix.docs);
    assert.ok((await text(panel.getByTestId('fix-verify'))).includes(fix.verification.command));

    await dialogShot(page, `fix-sendgrid-${theme}`);
    assert.deepEqual(await axe(page), [], 'accessibility violations in the fix dialog');

    // Esc closes the dialog and gives the focus back to its button.
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'fix-this');
    assert.deepEqual(ctx.errors, []);
    await ctx.close();
  });
}

test('a spoofer: "Fix this" says not to authorize it, and whether the policy can be enforced', async (t) => {
  if (missing) return t.skip(missing);
  const fix = await api(`/sources/${spoofer}/fix?domain=${domain}`);
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/sources/${spoofer}`);
  await page.locator(`[data-testid=source-domain][data-domain="${domain}"]`).getByTestId('fix-this').click();
  const panel = page.getByTestId('fix-panel');
  await panel.waitFor();
  assert.equal(await text(panel.getByTestId('fix-category')), fix.category_title);
  if (fix.category === 'potential_spoofing') {
    assert.match(await text(panel.getByTestId('fix-spoofing')), /^Looks like spoofing Do not add it to shop\.example's SPF record/);
    assert.equal(await panel.getByTestId('spf-change').count(), 0, 'no SPF change for a spoofer');
  }
  await dialogShot(page, 'fix-spoofer-light');
  if (fix.policy) {
    assert.ok((await text(panel.getByTestId('fix-policy'))).includes(fix.policy.current));
    await panel.getByRole('link', { name: 'Open the policy advisor' }).click();
    await page.getByTestId('advice-verdict').waitFor();
    assert.equal(new URL(page.url()).pathname, '/policy');
  }
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});

test('the source list links a misconfigured source to its fix', async (t) => {
  if (missing) return t.skip(missing);
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/sources`);
  const row = page.getByTestId('source-row').filter({ hasText: sendgrid });
  await row.getByTestId('fix-link').click();
  await page.getByTestId('fix-panel').waitFor();
  assert.equal(new URL(page.url()).pathname, `/sources/${sendgrid}`);
  assert.ok((await text(page.getByTestId('spf-change'))).includes('include:sendgrid.net'));
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});

for (const theme of ['light', 'dark']) {
  test(`the policy advisor, ${theme}: verdict, next record, blocking sources, groups; accessible`, async (t) => {
    if (missing) return t.skip(missing);
    const a = await api(`/domains/${domain}/advice?days=30`);
    // shop.example publishes p=quarantine; SendGrid's failing mail is
    // legitimate mail p=reject would reject.
    assert.equal(a.current.effective.p, 'quarantine');
    assert.equal(a.verdict, 'not_yet', 'SendGrid not set up blocks p=reject: ' + a.reasons.join(' '));
    assert.ok(a.blocking.some((s) => s.source_ip === sendgrid), 'SendGrid blocks');

    const ctx = await context(browser, { theme });
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.base });
    const page = await ctx.newPage();
    await page.goto(`${srv.base}/policy?domain=${domain}`);
    const card = page.getByTestId('advice-verdict');
    await card.waitFor();
    assert.equal(await card.getAttribute('data-verdict'), a.verdict);
    const failing = a.blocking.reduce((n, s) => n + s.failing, 0);
    const sources = a.blocking.length === 1 ? '1 legitimate source' : `${a.blocking.length} legitimate sources`;
    assert.equal(
      await text(card.getByTestId('verdict-sentence')),
      `Not yet: ${sources} sent ${failing.toLocaleString('en-US')} failing messages in the last 30 days that p=reject would have rejected.`,
    );
    assert.equal(await text(card.getByTestId('policy-current')), 'p=quarantine');
    assert.equal(await text(card.getByTestId('next-value')), a.next.record);
    assert.equal(await text(card.getByTestId('next-name')), `_dmarc.${domain}`);
    assert.match(a.next.record, /p=reject/);
    await card.getByTestId('copy-next-record').click();
    await card.getByTestId('copy-next-record').filter({ hasText: 'Copied' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), a.next.record);

    // The blocking sources, most failing first, each with its fix.
    const rows = page.getByTestId('blocking-source');
    assert.equal(await rows.count(), a.blocking.length);
    for (const [i, s] of a.blocking.entries()) {
      assert.equal(await rows.nth(i).getAttribute('data-ip'), s.source_ip);
      assert.ok((await text(rows.nth(i))).includes(s.failing.toLocaleString('en-US')));
    }
    // The groups: messages of each kind as the API counted them.
    for (const key of ['legitimate', 'forwarding', 'spoofing']) {
      const g = a[key];
      const row = page.getByTestId(`group-${key}`);
      assert.ok((await text(row)).includes(g.messages.toLocaleString('en-US')), `${key} messages`);
    }
    const reasons = await text(page.getByTestId('advice-reasons'));
    for (const r of a.reasons) assert.ok(reasons.includes(r), `reason: ${r}`);
    assert.match(await text(page.getByTestId('advice-data')), a.data.sufficient ? /^Enough data\? Yes/ : /^Enough data\? No/);

    await page.waitForTimeout(300);
    await screenshot(page, `policy-advisor-${theme}`);
    assert.deepEqual(await axe(page), [], 'accessibility violations on the advisor');

    // A blocking source's "Fix this" opens its fix on the same page.
    await rows.filter({ hasText: sendgrid }).getByTestId('fix-this').click();
    await page.getByTestId('fix-panel').waitFor();
    assert.ok((await text(page.getByTestId('spf-proposed'))).includes('include:sendgrid.net'));
    assert.deepEqual(await axe(page), [], 'accessibility violations in the fix dialog over the advisor');
    await page.keyboard.press('Escape');

    // Another period and domain from the controls.
    await page.getByTestId('advice-days-90').click();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('days') === '90');
    await page.getByTestId('advice-domain').selectOption('mail.example');
    await page.waitForFunction(() => document.querySelector('[data-testid=advice-verdict]') && location.search.includes('mail.example'));
    const b = await api('/domains/mail.example/advice?days=90');
    await page.waitForFunction((v) => document.querySelector('[data-testid=advice-verdict]')?.getAttribute('data-verdict') === v, b.verdict);
    assert.equal(await text(page.getByTestId('policy-current')), 'p=none');
    assert.deepEqual(ctx.errors, []);
    await ctx.close();
  });
}

test('the policy page is in the navigation and at g p', async (t) => {
  if (missing) return t.skip(missing);
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(srv.base + '/');
  await page.getByRole('link', { name: 'Policy' }).waitFor();
  await page.keyboard.press('g');
  await page.keyboard.press('p');
  await page.getByTestId('advice-verdict').waitFor();
  assert.equal(new URL(page.url()).pathname, '/policy');
  assert.equal(await page.title(), 'Policy · Parse DMARC');
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});
