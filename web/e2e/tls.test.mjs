// The TLS page in a real browser against a real server: the corpus's SMTP
// TLS reports (RFC 8460's example, Mail.ru's, a generic one and Google's
// mail) uploaded through the Upload page, whose links lead to the TLS
// report; the domains with their success rate, RFC 8460's example at
// 94.62% with its STARTTLS failure at mx2 and the fix; one report with
// its policy, failures and original; and, on a fresh store, the empty
// state with the _smtp._tls record to publish.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve, launch, context, screenshot, axe, corpus } from './harness.mjs';

const dir = join(corpus, 'smtp_tls');
const files = ['rfc8460.json', 'mail.ru.json', 'smtp_tls.json', 'google.com_smtp_tls_report.eml'];

let srv, fresh, browser;
// The TLS report ids the upload answered, by file.
const ids = {};

before(async () => {
  [srv, fresh] = await Promise.all([serve(), serve()]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  await fresh?.stop();
});

const text = async (loc) => (await loc.innerText()).replace(/\s+/g, ' ').trim();

async function checkAxe(page, what) {
  const v = await axe(page);
  assert.deepEqual(v, [], `${what}: accessibility violations`);
}

test('uploads of SMTP TLS reports link to the TLS report', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(srv.base + '/upload');
  await page.getByTestId('file-input').setInputFiles(files.map((f) => join(dir, f)));
  await page.waitForFunction(() => /4 reports imported/.test(document.querySelector('[data-testid=upload-summary]')?.textContent ?? ''), null, {
    timeout: 30000,
  });
  const rows = page.getByTestId('upload-row');
  assert.equal(await rows.count(), 4);
  for (let i = 0; i < 4; i++) {
    const row = rows.nth(i);
    const name = await row.locator('strong').first().innerText();
    const a = row.getByTestId('report-link');
    const href = await a.getAttribute('href');
    assert.match(href, /^\/tls\/\d+$/, `${name}: ${href}`);
    assert.match(await text(a), /View TLS report/);
    assert.match(await text(row.getByTestId('upload-result')), /Imported SMTP TLS report: 1 policy/);
    ids[name] = href.split('/').pop();
  }
  assert.deepEqual(Object.keys(ids).sort(), [...files].sort());

  await rows.filter({ hasText: 'rfc8460.json' }).getByTestId('report-link').click();
  await page.waitForURL('**/tls/' + ids['rfc8460.json']);
  await page.getByTestId('tls-report-detail').waitFor();
  assert.equal(await text(page.locator('h1')), 'Company-X → company-y.example');
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});

test('the TLS page: domains, success rate, the failures that matter with their fix', async () => {
  for (const theme of ['light', 'dark']) {
    const ctx = await context(browser, { theme });
    const page = await ctx.newPage();
    await page.goto(srv.base + '/');
    // g l goes to the TLS page; the nav has its item.
    await page.getByRole('link', { name: 'TLS reports' }).waitFor();
    await page.keyboard.press('g');
    await page.keyboard.press('l');
    await page.waitForURL('**/tls');
    assert.equal(await page.title(), 'TLS reports · Parse DMARC');

    // All domains: the list with each domain's success rate.
    const domains = page.getByTestId('tls-domain-row');
    await domains.first().waitFor();
    const got = {};
    for (let i = 0; i < (await domains.count()); i++) {
      const d = domains.nth(i);
      got[await d.getAttribute('data-domain')] = await text(d.getByTestId('tls-domain-rate'));
    }
    assert.deepEqual(got, { 'cardinalhealth.ca': '100%', 'company-y.example': '94.62%', 'example.com': '0%' });
    await page.getByTestId('chart-tls-rate').locator('canvas').first().waitFor();
    assert.equal(await page.getByTestId('tls-report-row').count(), 4);
    if (theme === 'light') await checkAxe(page, 'all domains');
    await screenshot(page, `tls-all-${theme}`);

    // One domain: RFC 8460's example.
    await domains.filter({ hasText: 'company-y.example' }).getByRole('button').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=tls-success-rate]')?.textContent?.trim() === '94.62%');
    assert.equal(await page.getByTestId('domain-filter').inputValue(), 'company-y.example');
    assert.equal(await page.getByTestId('tls-domains').count(), 0);
    assert.equal(await text(page.getByTestId('tls-sessions')), '5,629');
    assert.equal(await text(page.getByTestId('tls-failed')), '303');
    assert.match(await text(page.getByTestId('summary-tls-rate')), /^94\.62% of 5,629 sessions succeeded; 303 failed/);

    const fails = page.getByTestId('tls-failure');
    await fails.first().waitFor();
    assert.deepEqual(
      await fails.evaluateAll((els) => els.map((e) => e.getAttribute('data-result'))),
      ['starttls-not-supported', 'certificate-expired', 'validation-failure'],
    );
    const top = fails.first();
    assert.match(await text(top), /STARTTLS not offered/);
    assert.equal(await text(top.getByTestId('tls-failure-host').locator('td').first()), 'mx2.mail.company-y.example');
    assert.match(await text(top.getByTestId('tls-failure-host')), /mx2\.mail\.company-y\.example 200 1 none given/);
    assert.equal(await text(top.getByTestId('tls-failure-kind')), 'TLS session problem');
    assert.match(await text(top.getByTestId('tls-failure-fix')), /^Fix: Enable STARTTLS on the MX host named in the failure/);
    assert.match(await text(fails.nth(2)), /X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED/);
    assert.equal(await page.getByTestId('tls-report-row').count(), 1);
    if (theme === 'light') await checkAxe(page, 'company-y.example');
    await screenshot(page, `tls-domain-${theme}`);

    // A policy problem, with the domain put into its fix.
    await page.getByTestId('tls-domain-select').selectOption('example.com');
    await page.locator('[data-testid=tls-failure][data-result=sts-policy-fetch-error]').waitFor();
    const sts = page.locator('[data-testid=tls-failure][data-result=sts-policy-fetch-error]');
    assert.equal(await text(sts.getByTestId('tls-failure-kind')), 'MTA-STS policy problem');
    assert.match(await text(sts.getByTestId('tls-failure-fix')), /https:\/\/mta-sts\.example\.com\/|mta-sts\.example\.com/);
    assert.match(await text(sts), /bad https response code: 404/);
    assert.equal(await text(page.getByTestId('tls-success-rate')), '0%');
    assert.deepEqual(ctx.errors, []);
    await ctx.close();
  }
});

test('one TLS report: policy, failures explained, validation messages, original', async () => {
  for (const theme of ['light', 'dark']) {
    const ctx = await context(browser, { theme });
    const page = await ctx.newPage();
    await page.goto(srv.base + '/tls');
    await page.getByTestId('tls-report-row').filter({ hasText: 'Company-X' }).locator('a').click();
    await page.getByTestId('tls-report-detail').waitFor();
    assert.equal(new URL(page.url()).pathname, '/tls/' + ids['rfc8460.json']);
    assert.equal(await text(page.getByTestId('tls-detail-rate')), '94.62%');
    const policy = page.getByTestId('tls-policy');
    assert.equal(await policy.count(), 1);
    assert.match(await text(policy.locator('h2')), /^MTA-STS policy of company-y\.example$/);
    const lines = await text(policy.getByTestId('tls-policy-lines'));
    assert.match(lines, /mode: testing .*switch to enforce/);
    assert.match(lines, /mx: \*\.mail\.company-y\.example Any host one label under mail\.company-y\.example/);
    const details = page.getByTestId('tls-failure-detail');
    assert.equal(await details.count(), 3);
    const starttls = page.locator('[data-testid=tls-failure-detail][data-result=starttls-not-supported]');
    assert.match(await text(starttls), /mx2\.mail\.company-y\.example \(203\.0\.113\.56\)/);
    assert.match(await text(starttls), /Fix: Enable STARTTLS/);
    assert.equal(await starttls.locator('a[href^="https://reports.company-x.example/"]').count(), 1);

    // The original, shown and downloaded.
    await page.getByTestId('tls-show-raw').click();
    await page.getByTestId('tls-raw').waitFor();
    assert.match(await page.getByTestId('tls-raw').innerText(), /"organization-name": "Company-X"/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('tls-download').click()]);
    assert.equal(download.suggestedFilename(), `tls-report-${ids['rfc8460.json']}.json`);
    const saved = JSON.parse(readFileSync(await download.path(), 'utf8'));
    assert.equal(saved['report-id'], '5065427c-23d3-47ca-b6e0-946ea0e8c4be');
    if (theme === 'light') await checkAxe(page, 'report detail');
    await screenshot(page, `tls-report-${theme}`);

    // Mail.ru's report: its failures do not add up, and the page says so.
    await page.goto(srv.base + '/tls/' + ids['mail.ru.json']);
    await page.getByTestId('tls-validation-messages').waitFor();
    assert.match(await text(page.getByTestId('tls-validation-messages')), /warning/);
    assert.equal(await page.locator('[data-testid=tls-failure-detail][data-result=sts-policy-fetch-error]').count(), 2);
    assert.deepEqual(ctx.errors, []);
    await ctx.close();
  }
});

test('a fresh store explains TLS-RPT and the record to publish', async () => {
  for (const theme of ['light', 'dark']) {
    const ctx = await context(browser, { theme });
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: fresh.base });
    const page = await ctx.newPage();
    await page.goto(fresh.base + '/tls');
    const empty = page.getByTestId('tls-empty');
    await empty.waitFor();
    assert.match(await text(empty), /SMTP TLS reports \(TLS-RPT, RFC 8460\)/);
    await page.getByTestId('tls-setup-domain').fill('example.org');
    assert.equal(await text(page.getByTestId('tls-record-host')), '_smtp._tls.example.org');
    assert.equal(await text(page.getByTestId('tls-record-value')), 'v=TLSRPTv1; rua=mailto:tls-reports@example.org');
    await page.getByTestId('tls-setup-rua').fill('tls@reports.example.net, https://tlsrpt.example.net/v1');
    const value = 'v=TLSRPTv1; rua=mailto:tls@reports.example.net,https://tlsrpt.example.net/v1';
    assert.equal(await text(page.getByTestId('tls-record-value')), value);
    await page.getByTestId('copy-tls-record').click();
    await page.waitForFunction(() => /copied/i.test(document.querySelector('[data-testid=copy-tls-record-feedback]')?.textContent ?? ''));
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), value);
    // A wrong address says so and cannot be copied.
    await page.getByTestId('tls-setup-rua').fill('http://insecure.example/r');
    assert.match(await text(empty), /report URLs must use https/);
    assert.ok(await page.getByTestId('copy-tls-record').isDisabled());
    await page.getByTestId('tls-setup-rua').fill('tls@reports.example.net');
    if (theme === 'light') await checkAxe(page, 'empty state');
    await screenshot(page, `tls-empty-${theme}`);
    assert.deepEqual(ctx.errors, []);
    await ctx.close();
  }
});
