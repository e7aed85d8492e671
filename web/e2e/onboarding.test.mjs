// A new user's first minutes, in a real browser against a real, empty
// server: the setup guide on an empty store, the DNS record generator with
// its copy button, then uploading real report files and opening one.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { serve, launch, context, screenshot, corpus } from './harness.mjs';

let srv, browser;

before(async () => {
  srv = await serve();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

test('an empty store opens the setup guide; it can be skipped', async () => {
  const ctx = await context(browser, { onboarding: '' });
  const page = await ctx.newPage();
  await page.goto(srv.base + '/');
  await page.waitForURL('**/welcome**');
  await page.getByTestId('wizard-step').waitFor();
  await page.getByTestId('wizard-next').click();
  await page.getByTestId('dns-domain').fill('example.org');
  await page.getByTestId('dns-rua').fill('dmarc@example.org');
  await page.getByText('v=DMARC1; p=none; rua=mailto:dmarc@example.org').first().waitFor();
  await page.getByTestId('wizard-skip').click();
  await page.waitForURL((u) => new URL(u).pathname === '/');
  assert.equal(await page.evaluate(() => localStorage.getItem('pd-onboarding')), 'skipped');
  await page.getByTestId('empty-state').waitFor();
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});

test('generate a DMARC record and copy it', async () => {
  const ctx = await context(browser);
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.base });
  const page = await ctx.newPage();
  await page.goto(srv.base + '/dns');
  await page.getByTestId('domain-input').fill('example.com');
  await page.getByTestId('policy-select').selectOption('quarantine');
  await page.getByTestId('rua-input').fill('mailto:dmarc@example.com, reports@elsewhere.example');
  const record = page.getByTestId('dmarc-record');
  await page.waitForFunction(() => document.querySelector('[data-testid=dmarc-record]')?.textContent?.includes('elsewhere'));
  const value = (await record.innerText()).trim();
  assert.match(value, /^"?v=DMARC1; p=quarantine; rua=mailto:dmarc@example\.com,mailto:reports@elsewhere\.example"?$/);
  // A report address in another domain needs that domain's consent record.
  await page.getByText('example.com._report._dmarc.elsewhere.example').first().waitFor();
  await page.getByTestId('copy-record').click();
  // Feedback: the button shows "Copied", announced through a live region.
  await page.waitForFunction(() => /copied/i.test(document.querySelector('[data-testid=copy-record-feedback]')?.textContent ?? ''));
  assert.match(await page.getByTestId('copy-record').innerText(), /Copied/);
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied.replace(/^"|"$/g, ''), value.replace(/^"|"$/g, ''));
  await page.getByTestId('provider-tab-route53').click();
  await page.getByTestId('spf-record').scrollIntoViewIfNeeded();
  assert.match(await page.getByTestId('spf-record').innerText(), /^"?v=spf1 /);
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});

test('upload real report files, see the outcomes, open a report', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(srv.base + '/upload');
  const files = [
    'aggregate/fastmail.com!example.com!1516060800!1516147199!102675056.xml.gz',
    'aggregate/estadocuenta1.infonacot.gob.mx!example.com!1536853302!1536939702!2940.xml.zip',
    'aggregate/Report domain- borschow.com Submitter- google.com Report-ID- 949348866075514174.eml',
    'aggregate/!large-example.com!1711897200!1711983600.xml',
  ].map((f) => join(corpus, f));
  await page.getByTestId('file-input').setInputFiles(files);
  await page.waitForFunction(() => /4 imported/.test(document.querySelector('[data-testid=upload-summary]')?.textContent ?? ''), null, {
    timeout: 30000,
  });
  assert.equal(await page.getByTestId('upload-row').count(), 4);
  assert.equal(await page.getByTestId('report-link').count(), 4);

  // The same file again is a duplicate, with its reason.
  await page.getByTestId('file-input').setInputFiles(files[0]);
  await page.locator('[data-testid=upload-result][data-outcome=duplicate]').waitFor();
  await screenshot(page, 'upload-done-light');

  await page.getByTestId('report-link').first().click();
  await page.getByTestId('report-detail').waitFor();
  assert.ok((await page.getByTestId('records').locator('tbody tr').count()) >= 1);
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});
