// The Trends page's "What changed" card and anomaly list against a real
// server holding 45 days of a domain spoofed in a burst four days ago
// (synth.mjs spoofedReports), next to the usual two domains and one with
// a single report of 2024 (none in the range): the alerts
// of every domain, one domain's trend against the period before, the
// anomalies with their explanations, marking one expected (surviving a
// reload) and undoing it. Every assertion compares the page with what
// the API answered.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve, launch, context, screenshot, axe, corpus } from './harness.mjs';
import { recentReports, spoofedReports } from './synth.mjs';

const domain = 'spoofed.example';
// The burst's busiest new source (synth.mjs: 203.0.113.{10 + 7i}, 30 +
// 17i mod 40 messages).
const target = '203.0.113.24';
const note = 'our penetration test';

let srv, browser;

before(async () => {
  srv = await serve();
  browser = await launch();
  const form = new FormData();
  for (const [name, xml] of [...spoofedReports({ domain }), ...recentReports(30)]) form.append('file', new Blob([xml]), name);
  const old = 'aggregate/protection.outlook.com!example.com!1711756800!1711843200.xml';
  form.append('file', new Blob([readFileSync(join(corpus, old))]), old.split('/').pop());
  const res = await fetch(srv.base + '/api/v1/reports', { method: 'POST', body: form });
  assert.equal(res.status, 200);
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

async function api(path) {
  const res = await fetch(srv.base + '/api/v1' + path);
  assert.equal(res.status, 200, path);
  return res.json();
}

/**
 * since is the filter's first day of the last n days (filters.svelte.ts
 * daysAgo(n - 1)); since(-1) is tomorrow, the page's end of such a range.
 */
function since(n) {
  const d = new Date();
  d.setUTCHours(0, 0, 0, 0);
  d.setUTCDate(d.getUTCDate() - (n - 1));
  return d.toISOString().slice(0, 10);
}

const nf = new Intl.NumberFormat('en-US');

/** item is the list item of the anomaly of kind and key. */
function item(page, kind, key) {
  return page.locator(`[data-testid=anomaly][data-kind=${kind}][data-key="${key}"]`);
}

test('all domains: the alerts of each domain, and picking one', async () => {
  const ctx = await context(browser, { preset: '30' });
  const page = await ctx.newPage();
  await page.goto(srv.base + '/trends');
  const card = page.getByTestId('domain-alerts');
  await card.getByTestId('domain-alert').first().waitFor();

  // The same alerts as the API, the spoofed domain alone alerting.
  const l = await api(`/anomalies?domain=${domain}&since=${since(30)}&until=${since(-1)}&min_score=50`);
  const alerts = l.anomalies.filter((a) => a.alert);
  assert.ok(alerts.length >= 5, `the burst alerts: ${alerts.length}`);
  assert.equal(await card.getByTestId('domain-alert').count(), 1);
  const row = card.getByTestId('domain-alert');
  assert.equal(await row.getAttribute('data-domain'), domain);
  assert.match(await row.innerText(), new RegExp(`${alerts.length} alerts`));
  assert.ok((await row.innerText()).includes(alerts.sort((a, b) => b.score - a.score)[0].explanation.slice(0, 40)));
  // example.com has no mail in the range: checked all the same.
  assert.equal(await card.getByTestId('domain-alerts-failed').count(), 0, 'every domain checked');
  for (const d of ['shop.example', 'mail.example', 'example.com']) {
    const { anomalies } = await api(`/anomalies?domain=${d}&since=${since(30)}&until=${since(-1)}&min_score=50`);
    assert.equal(anomalies.filter((a) => a.alert).length, 0, `${d} has no alerts`);
    assert.ok((await card.innerText()).includes(d), `${d} listed without alerts`);
  }
  assert.deepEqual(await axe(page), []);
  await screenshot(page, 'anomalies-all-domains-light');

  // Picking the domain shows its trend and anomalies.
  await card.getByTestId('pick-' + domain).click();
  await page.getByTestId('what-changed').waitFor();
  await page.getByTestId('anomaly').first().waitFor();
  assert.equal(await page.getByTestId('domain-filter').inputValue(), domain);
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});

test('one domain: what changed, the anomalies, marked expected across a reload, and undone', async () => {
  const ctx = await context(browser, { preset: '30' });
  const page = await ctx.newPage();
  const trendRes = page.waitForResponse((r) => r.url().includes('/api/v1/trends?'));
  const listRes = page.waitForResponse((r) => r.url().includes('/api/v1/anomalies?'));
  await page.goto(srv.base + '/trends?domain=' + domain);
  const trend = await (await trendRes).json();
  const list = await (await listRes).json();
  assert.ok(/min_score=50/.test((await listRes).url()), 'quiet findings are left out by default');

  // What changed: the trend's numbers, direction and sources.
  const changed = page.getByTestId('what-changed');
  await changed.waitFor();
  const t = trend.trends;
  assert.ok((await changed.getByTestId('changed-volume').innerText()).includes(nf.format(t.total_volume.current)));
  assert.equal(t.pass_rate.direction, 'declining', 'the burst lowers the pass rate');
  assert.match(await changed.getByTestId('pass-rate-direction').innerText(), /declining/);
  const news = changed.getByTestId('new-sources');
  assert.ok((await news.innerText()).includes(`${t.new_sources_total} new sources`));
  const links = news.locator('a');
  assert.equal(await links.count(), Math.min(5, t.new_sources.length));
  for (let i = 0; i < (await links.count()); i++) {
    assert.equal(await links.nth(i).innerText(), t.new_sources[i].ip);
    assert.equal(await links.nth(i).getAttribute('href'), '/sources/' + t.new_sources[i].ip);
  }
  assert.equal(t.new_sources[0].ip, target, 'the burst source sends most');

  // The anomalies: the API's, with their explanations and states.
  const shown = page.getByTestId('anomaly');
  await shown.first().waitFor();
  // The burst's new sources beyond the first four wait behind a button.
  const burstSources = list.anomalies.filter((a) => a.kind === 'new_unauthorized' && a.day === list.anomalies[0].day).length;
  assert.equal(burstSources, 7, 'six burst sources and the day\'s trickle');
  assert.equal(await shown.count(), list.anomalies.length - 3);
  assert.equal(await page.getByTestId('anomaly-more').innerText(), 'Show 3 more new sources failing DKIM and SPF');
  await page.getByTestId('anomaly-more').click();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=anomaly]').length === n, list.anomalies.length);
  const burst = list.anomalies.find((a) => a.kind === 'new_unauthorized' && a.key === target);
  assert.ok(burst && burst.alert && burst.score >= 50, 'the burst source alerts');
  const it = item(page, 'new_unauthorized', target);
  assert.equal(await it.getAttribute('data-state'), 'alerting');
  assert.equal(await it.getByTestId('anomaly-explanation').innerText(), burst.explanation);
  assert.equal(await it.getByTestId('anomaly-score').getAttribute('aria-valuenow'), String(burst.score));
  assert.equal(await it.getByTestId('anomaly-source').getAttribute('href'), '/sources/' + target);
  const burstDay = page.locator(`[data-testid=anomaly-day][data-day="${burst.day}"]`);
  assert.match(await burstDay.locator('h3').innerText(), /4 days ago/);
  // Evidence on demand.
  assert.equal(await it.getByTestId('anomaly-evidence').isVisible(), false);
  await it.locator('summary').click();
  for (const e of burst.evidence) assert.ok((await it.getByTestId('anomaly-evidence').innerText()).includes(e), e);
  // The anomaly days are shaded on the charts, and said so.
  assert.match(await page.getByTestId('summary-volume').innerText(), /Shaded: .*with anomalies/);

  // Quiet findings on request: the trickle of small new sources.
  const all = page.waitForResponse((r) => r.url().includes('/api/v1/anomalies?') && !r.url().includes('min_score'));
  await page.getByTestId('show-quiet').check();
  const full = await (await all).json();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=anomaly]').length === n, full.anomalies.length);
  assert.ok(full.anomalies.length > list.anomalies.length + 10, `quiet: ${full.anomalies.length} against ${list.anomalies.length}`);
  assert.ok((await page.locator('[data-testid=anomaly][data-state=quiet]').count()) > 10);
  await page.getByTestId('show-quiet').uncheck();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=anomaly]').length === n, list.anomalies.length);

  // Mark as expected, with a note.
  await it.getByTestId('anomaly-mark').click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  assert.ok((await dialog.innerText()).includes('no longer flagged as new'));
  assert.deepEqual(await axe(page), [], 'the dialog');
  await screenshot(page, 'anomalies-mark-expected-light');
  await page.getByTestId('expect-note').fill(note);
  await page.getByTestId('expect-save').click();
  await dialog.waitFor({ state: 'detached' });
  await page.locator(`[data-testid=anomaly][data-key="${target}"][data-state=expected]`).waitFor();
  assert.ok((await it.getByTestId('anomaly-feedback').innerText()).includes(note));
  assert.match(await page.getByTestId('anomaly-status').innerText(), /marked as expected/);
  // The focus is back on the anomaly's button, now "Undo".
  await page.waitForFunction((ip) => document.activeElement?.closest('[data-testid=anomaly]')?.dataset.key === ip && document.activeElement.dataset.testid === 'anomaly-undo', target);
  const marked = (await api(`/anomalies?domain=${domain}&since=${since(30)}&until=${since(-1)}&min_score=50`)).anomalies.find((a) => a.key === target && a.kind === burst.kind);
  assert.ok(marked.expected && !marked.alert && marked.feedback.note === note, 'the server has it expected');

  // It stays expected after a reload.
  await page.reload();
  await page.locator(`[data-testid=anomaly][data-key="${target}"][data-state=expected]`).waitFor();
  assert.ok((await item(page, 'new_unauthorized', target).getByTestId('anomaly-feedback').innerText()).includes(note));
  assert.deepEqual(await axe(page), []);
  await screenshot(page, 'anomalies-domain-light');

  // Undo: it alerts again.
  await item(page, 'new_unauthorized', target).getByTestId('anomaly-undo').click();
  await page.locator(`[data-testid=anomaly][data-key="${target}"][data-state=alerting]`).waitFor();
  assert.match(await page.getByTestId('anomaly-status').innerText(), /no longer marked as expected/);
  await page.waitForFunction((ip) => document.activeElement?.closest('[data-testid=anomaly]')?.dataset.key === ip && document.activeElement.dataset.testid === 'anomaly-mark', target);
  const undone = (await api(`/anomalies?domain=${domain}&min_score=50`)).anomalies.find((a) => a.key === target && a.kind === burst.kind);
  assert.ok(undone.alert && !undone.expected, 'the server has it alerting again');
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});

test('dark theme: the domain view and the dialog pass axe', async () => {
  const ctx = await context(browser, { theme: 'dark', preset: '30' });
  const page = await ctx.newPage();
  await page.goto(srv.base + '/trends?domain=' + domain);
  await page.getByTestId('what-changed').waitFor();
  const it = item(page, 'new_unauthorized', target);
  await it.waitFor();
  await it.locator('summary').click();
  assert.deepEqual(await axe(page), []);
  await screenshot(page, 'anomalies-domain-dark');
  await it.getByTestId('anomaly-mark').click();
  await page.getByRole('dialog').waitFor();
  assert.deepEqual(await axe(page), [], 'the dialog');
  await screenshot(page, 'anomalies-mark-expected-dark');
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  // Nothing was marked.
  assert.equal(await it.getAttribute('data-state'), 'alerting');

  // A domain without mail in the range: said so, no error.
  await page.getByTestId('domain-filter').selectOption('example.com');
  await page.getByTestId('changed-none').waitFor();
  await page.getByTestId('no-anomalies').waitFor();
  assert.equal(await page.getByRole('alert').count(), 0);

  await page.goto(srv.base + '/trends');
  await page.getByTestId('domain-filter').selectOption('');
  await page.getByTestId('domain-alert').first().waitFor();
  assert.deepEqual(await axe(page), []);
  await screenshot(page, 'anomalies-all-domains-dark');
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});
