// End-to-end tests of the dashboard in a real browser against a real
// server: `node --test e2e/` (make test runs it after the build).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { serve, launch, context, screenshot, axe, corpus } from './harness.mjs';
import { recentReports } from './synth.mjs';

let srv, browser;

// Real report files: plain XML, gzip, zip and mail, several domains.
const files = [
  'aggregate/!large-example.com!1711897200!1711983600.xml',
  'aggregate/fastmail.com!example.com!1516060800!1516147199!102675056.xml.gz',
  'aggregate/estadocuenta1.infonacot.gob.mx!example.com!1536853302!1536939702!2940.xml.zip',
  'aggregate/Report domain- borschow.com Submitter- google.com Report-ID- 949348866075514174.eml',
  'aggregate/protection.outlook.com!example.com!1711756800!1711843200.xml',
  'aggregate/rfc9990-sample.xml',
  'aggregate/ikea.com!example.de!1538690400!1538776800.xml',
  'extract_report/nice-input.xml',
];

async function uploadAPI(base, rel) {
  const form = new FormData();
  const name = rel.split('/').pop();
  form.append('file', new Blob([readFileSync(join(corpus, rel))]), name);
  const res = await fetch(base + '/api/v1/reports', { method: 'POST', body: form });
  assert.equal(res.status, 200, `upload ${name}: ${res.status}`);
  return (await res.json()).files[0];
}

before(async () => {
  srv = await serve();
  browser = await launch();
  for (const f of files.slice(1)) await uploadAPI(srv.base, f);
  // A month of recent daily reports, so the default range has data.
  const form = new FormData();
  for (const [name, xml] of recentReports(30)) form.append('file', new Blob([xml]), name);
  const res = await fetch(srv.base + '/api/v1/reports', { method: 'POST', body: form });
  assert.equal(res.status, 200);
  const outcomes = (await res.json()).files.flatMap((f) => f.results.map((r) => r.outcome));
  assert.ok(outcomes.length === 120 && outcomes.every((o) => o === 'imported'), `synthetic uploads: ${outcomes}`);
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

test('report list, filter and detail', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(srv.base + '/reports');
  const rows = page.getByTestId('report-row');
  await rows.first().waitFor();
  const all = await rows.count();
  assert.ok(all >= 6, `want the uploaded reports listed, got ${all} rows`);

  await page.getByTestId('domain-filter').selectOption('borschow.com');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=report-row]').length === 1);
  await rows.first().click();
  await page.getByTestId('report-detail').waitFor();
  await page.getByText('92.53.116.102').first().waitFor();
  assert.match(await page.getByTestId('records').innerText(), /reject/);
  await page.getByTestId('show-raw').click();
  assert.match(await page.getByTestId('raw-xml').innerText(), /<feedback/);
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});

test('export a CSV of the filter and check its rows', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(srv.base + '/reports');
  await page.getByTestId('domain-filter').selectOption('example.com');
  await page.getByTestId('report-row').first().waitFor();
  await page.getByTestId('export-open').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-download').click()]);
  const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
  assert.match(csv[0], /^report,org_name,report_id,domain,begin,end,source_ip,count/);
  // The records of example.com: every uploaded report for it.
  const res = await fetch(srv.base + '/api/v1/reports?domain=example.com&limit=500');
  const want = (await res.json()).reports.reduce((n, r) => n + r.record_count, 0);
  assert.equal(csv.length - 1, want, 'one CSV row per record of example.com');
  assert.ok(csv.slice(1).every((l) => l.includes(',example.com,')), 'only example.com rows');
  assert.match(download.suggestedFilename(), /^parse-dmarc-records-\d{8}-\d{6}\.csv$/);
  await ctx.close();
});

test('theme toggle follows the system, switches and is remembered', async () => {
  const ctx = await browser.newContext({ colorScheme: 'dark' });
  const page = await ctx.newPage();
  await page.goto(srv.base + '/reports');
  const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
  assert.equal(await theme(), 'dark', 'follows prefers-color-scheme');
  await page.getByTestId('theme-toggle').click();
  assert.equal(await theme(), 'light');
  // The light token, once the colour transition has ended.
  await page.waitForFunction(() => getComputedStyle(document.body).backgroundColor === 'rgb(245, 246, 248)');
  await page.reload();
  assert.equal(await theme(), 'light', 'remembered across a reload');
  assert.equal(await page.evaluate(() => localStorage.getItem('pd-theme')), 'light');
  await ctx.close();
});

test('keyboard shortcuts', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(srv.base + '/');
  await page.locator('main').waitFor();
  await page.keyboard.press('?');
  await page.getByTestId('shortcut-help').waitFor();
  await page.keyboard.press('Escape');
  await page.getByTestId('shortcut-help').waitFor({ state: 'detached' });

  await page.keyboard.press('g');
  await page.keyboard.press('r');
  await page.waitForURL('**/reports');
  await page.getByTestId('report-row').nth(1).waitFor();
  await page.keyboard.press('j');
  assert.equal(await page.locator('tr.selected').getAttribute('data-row'), '1');
  await page.keyboard.press('k');
  await page.keyboard.press('j');
  const id = await page.locator('tr.selected a').first().getAttribute('href');
  await page.keyboard.press('Enter');
  await page.waitForURL('**' + id);

  await page.keyboard.press('g');
  await page.keyboard.press('r');
  await page.getByTestId('report-row').first().waitFor();
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement?.hasAttribute('data-search')), true, '/ focuses the search');
  // Typing in the search box must not trigger shortcuts.
  await page.keyboard.type('gs?google');
  assert.match(page.url(), /\/reports$/);
  assert.equal(await page.getByTestId('shortcut-help').count(), 0);
  await page.waitForFunction(() =>
    [...document.querySelectorAll('[data-testid=report-row]')].every((r) => r.textContent.includes('google')),
  );
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+k');
  assert.equal(await page.evaluate(() => document.activeElement?.hasAttribute('data-search')), true, 'Ctrl+K focuses the search');
  await page.keyboard.press('Escape');
  await page.keyboard.press('g');
  await page.keyboard.press('h');
  await page.waitForURL((u) => new URL(u).pathname === '/');
  await ctx.close();
});

test('overview scores the domains; a badge is opt-in and then served', async () => {
  const ctx = await context(browser, { preset: '30' });
  const page = await ctx.newPage();
  await page.goto(srv.base + '/');
  const card = page.locator('[data-testid=domain-card][data-domain="shop.example"]');
  await card.waitFor();
  assert.match(await card.innerText(), /DMARC pass/);
  assert.ok(Number(await page.getByTestId('total-messages').innerText().then((t) => t.replace(/,/g, ''))) > 10000);

  const before = await fetch(srv.base + '/badge/shop.example.svg');
  assert.equal(before.status, 404, 'badges are off until enabled');
  assert.match(await before.text(), /not enabled/);

  await card.getByTestId('badge-open').click();
  await page.getByTestId('badge-dialog').waitFor();
  await page.getByTestId('badge-toggle').click();
  await page.getByTestId('badge-state').filter({ hasText: 'Enabled' }).waitFor();
  const md = await page.getByTestId('badge-markdown').inputValue();
  assert.match(md, /^!\[.*\]\(http:\/\/127\.0\.0\.1:\d+\/badge\/shop\.example\.svg\)$/);
  await screenshot(page, 'badge-dialog-light');
  await page.keyboard.press('Escape');

  for (const style of ['flat', 'flat-square', 'for-the-badge']) {
    const res = await fetch(`${srv.base}/badge/shop.example.svg?style=${style}`);
    assert.equal(res.status, 200, style);
    assert.equal(res.headers.get('content-type'), 'image/svg+xml');
    const svg = await res.text();
    assert.match(svg, /\d+% [A-F]/i, `${style}: percent and grade`);
  }
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});

// Every page, both themes: no axe-core WCAG A/AA violation (contrast
// included), no script error, and a screenshot to look at.
const pages = ['/', '/reports', '/reports/1', '/sources', '/trends', '/map', '/dns', '/upload', '/welcome'];
for (const theme of ['light', 'dark']) {
  test(`pages in the ${theme} theme: accessible, no errors, screenshots`, async () => {
    const ctx = await context(browser, { theme, preset: '30' });
    const page = await ctx.newPage();
    const problems = [];
    for (const p of pages) {
      await page.goto(srv.base + p);
      await page.waitForLoadState('networkidle');
      await page.waitForTimeout(300);
      await screenshot(page, `${p.replace(/\W+/g, '-').replace(/^-|-$/g, '') || 'overview'}-${theme}`);
      for (const v of await axe(page)) problems.push(`${p}: ${v}`);
    }
    assert.deepEqual(ctx.errors, [], 'script errors');
    assert.deepEqual(problems, [], 'accessibility violations');
    await ctx.close();
  });
}
