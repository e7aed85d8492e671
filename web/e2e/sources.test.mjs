// The Sources pages in a real browser against a real server: the history
// classification of each source (service, class, misconfigured marker,
// evidence, fix, SPF verdict) and its reputation, AbuseIPDB included. A
// stand-in AbuseIPDB on loopback answers the server (serve
// --abuseipdb-url): the binary talks HTTP to it as to the real one. Every
// assertion compares the page with what the API answered.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve, launch, context, screenshot, axe, corpus } from './harness.mjs';
import { recentReports } from './synth.mjs';

let srv, browser, abuse;
const key = 'e2e-abuseipdb-key';
// The addresses the stand-in AbuseIPDB answers specially: synth.mjs's
// spoofer (reported for abuse) and its SendGrid server (quota spent).
const spoofer = '185.220.101.7';
const quotaSpent = '149.72.58.20';
const asked = [];

/** abuseIPDB is a stand-in for AbuseIPDB's v2 check endpoint. */
function abuseIPDB() {
  const s = createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    const ip = u.searchParams.get('ipAddress');
    asked.push(ip);
    res.setHeader('Content-Type', 'application/json');
    if (u.pathname !== '/check' || req.headers.key !== key) {
      res.writeHead(401).end(JSON.stringify({ errors: [{ detail: 'bad key' }] }));
      return;
    }
    if (ip === quotaSpent) {
      res.writeHead(429, { 'Retry-After': '900' }).end(JSON.stringify({ errors: [{ detail: 'Daily rate limit of 1000 requests exceeded.' }] }));
      return;
    }
    const bad = ip === spoofer;
    const data = {
      ipAddress: ip,
      abuseConfidenceScore: bad ? 100 : 0,
      totalReports: bad ? 1523 : 0,
      numDistinctUsers: bad ? 312 : 0,
      lastReportedAt: bad ? new Date(Date.now() - 86400000).toISOString().slice(0, 19) + '+00:00' : null,
      usageType: 'Data Center/Web Hosting/Transit',
      isp: 'Example Hosting',
      isWhitelisted: false,
      isTor: bad,
    };
    res.writeHead(200).end(JSON.stringify({ data }));
  });
  return new Promise((res) => s.listen(0, '127.0.0.1', () => res({ base: `http://127.0.0.1:${s.address().port}`, close: () => s.close() })));
}

before(async () => {
  abuse = await abuseIPDB();
  process.env.PARSE_DMARC_ABUSEIPDB_KEY = key; // serve passes its environment on
  delete process.env.PARSE_DMARC_VIRUSTOTAL_KEY;
  srv = await serve(['--abuseipdb-url', abuse.base]);
  browser = await launch();
  const form = new FormData();
  for (const [name, xml] of recentReports(30)) form.append('file', new Blob([xml]), name);
  const rel = 'aggregate/protection.outlook.com!example.com!1711756800!1711843200.xml';
  form.append('file', new Blob([readFileSync(join(corpus, rel))]), rel.split('/').pop());
  const res = await fetch(srv.base + '/api/v1/reports', { method: 'POST', body: form });
  assert.equal(res.status, 200);
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  abuse?.close();
});

async function api(path) {
  const res = await fetch(srv.base + '/api/v1' + path);
  assert.equal(res.status, 200, path);
  return res.json();
}

/** rowsShown waits until the list shows n rows. */
async function rowsShown(page, n) {
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=source-row]').length === n, n);
}

test('source list: service, class and misconfigured marker, and their filters', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  const listed = page.waitForResponse((r) => r.url().includes('/api/v1/stats/sources'));
  await page.goto(srv.base + '/sources');
  const { sources } = await (await listed).json();
  await rowsShown(page, sources.length);
  const rows = page.getByTestId('source-row');

  // Each row shows what the API classified: the service and the class.
  for (const [i, s] of sources.entries()) {
    const text = await rows.nth(i).innerText();
    assert.ok(text.includes(s.source_ip), `row ${i}: ${s.source_ip}`);
    const c = s.classification;
    if (!c) continue;
    assert.ok(text.includes(c.classification), `${s.source_ip}: class ${c.classification} in ${text}`);
    if (c.service) assert.ok(text.includes(c.service.name), `${s.source_ip}: service ${c.service.name} in ${text}`);
    assert.equal(await rows.nth(i).getByTestId('misconfigured').count(), c.misconfigured ? 1 : 0, `${s.source_ip}: misconfigured marker`);
  }
  const misconfigured = sources.filter((s) => s.classification?.misconfigured);
  assert.ok(misconfigured.length > 0, 'the generated SendGrid server is misconfigured');
  assert.ok(sources.some((s) => s.classification?.service), 'some sources are known services');

  // Misconfigured only, then all again.
  await page.getByTestId('misconfigured-filter').click();
  await rowsShown(page, misconfigured.length);
  assert.equal(await page.getByTestId('misconfigured-filter').getAttribute('aria-pressed'), 'true');
  await page.getByTestId('misconfigured-filter').click();
  await rowsShown(page, sources.length);

  // By service: the options are the services of the list, with counts.
  const svc = misconfigured[0].classification.service;
  const want = sources.filter((s) => s.classification?.service?.id === svc.id).length;
  await page.getByTestId('service-filter').selectOption(svc.id);
  await rowsShown(page, want);
  assert.match(await page.getByTestId('service-filter').locator('option:checked').innerText(), new RegExp(`^${svc.name} \\(${want}\\)$`));
  await page.getByTestId('service-filter').selectOption('');

  // By class.
  await page.getByTestId('class-suspicious').click();
  await rowsShown(page, sources.filter((s) => s.classification?.classification === 'suspicious').length);
  assert.equal(await page.getByTestId('class-suspicious').getAttribute('aria-pressed'), 'true');
  await screenshot(page, 'sources-list-suspicious-light');
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});

test('a reported spoofer: the reputation with AbuseIPDB credited', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  const answer = page.waitForResponse((r) => r.url().includes('/api/v1/sources/'));
  await page.goto(srv.base + '/sources/' + spoofer);
  const d = await (await answer).json();
  const rep = d.reputation;
  assert.ok(asked.includes(spoofer), 'the server asked the stand-in AbuseIPDB');
  assert.equal(rep.abuseipdb.status, 'ok');
  const card = page.getByTestId('reputation');
  await card.waitFor();

  assert.equal((await card.getByTestId('verdict').innerText()).toLowerCase().replace(/ /g, '_'), rep.verdict);
  assert.equal(await card.getByTestId('score').innerText(), `score ${rep.score} of 100`);
  const reasons = await card.getByTestId('reputation-reasons').innerText();
  for (const r of rep.reasons) assert.ok(reasons.includes(r), `reason: ${r}`);

  const row = card.getByTestId('provider-abuseipdb');
  const text = await row.innerText();
  assert.ok(text.includes(`Abuse confidence ${rep.abuseipdb.abuse_confidence_score}%`), text);
  assert.ok(text.includes(rep.abuseipdb.total_reports.toLocaleString('en-US') + ' reports'), text);
  assert.ok(text.toLowerCase().includes(rep.abuseipdb.verdict), `its own verdict: ${text}`);
  assert.equal(await row.locator('a').getAttribute('href'), `https://www.abuseipdb.com/check/${spoofer}`);
  assert.match(await card.getByTestId('reputation-credit').innerText(), /AbuseIPDB/);
  assert.equal(rep.virustotal.status, 'not_configured');
  assert.match(await card.getByTestId('provider-virustotal').innerText(), /PARSE_DMARC_VIRUSTOTAL_KEY/);
  assert.doesNotMatch(await card.getByTestId('reputation-credit').innerText(), /VirusTotal/, 'only providers that answered are credited');

  // Classification: every evidence sentence of every domain is on the page.
  for (const dom of d.domains) {
    const block = page.locator(`[data-testid=source-domain][data-domain="${dom.domain}"]`);
    const shown = await block.innerText();
    for (const e of dom.classification.evidence) {
      const fact = e.match(/^(DKIM|SPF) ([a-z]+)(?: for |, )(.*)$/);
      assert.ok(fact ? shown.includes(fact[3]) : shown.includes(e), `${dom.domain}: ${e}`);
    }
  }
  await screenshot(page, 'source-spoofer-light');
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});

for (const theme of ['light', 'dark']) {
  test(`a misconfigured service, ${theme}: service, fix, rate-limited provider; accessible`, async () => {
    const ctx = await context(browser, { theme });
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.base });
    const page = await ctx.newPage();
    const answer = page.waitForResponse((r) => r.url().includes('/api/v1/sources/'));
    await page.goto(srv.base + '/sources/' + quotaSpent);
    const d = await (await answer).json();
    await page.getByTestId('source-detail').waitFor();

    const bad = d.domains.filter((x) => x.classification.misconfigured);
    assert.ok(bad.length > 0, 'misconfigured for a domain');
    const svc = bad[0].classification.service;
    assert.equal(await page.getByTestId('source-service').locator('strong').innerText(), svc.name);
    for (const dom of d.domains) {
      const c = dom.classification;
      const block = page.locator(`[data-testid=source-domain][data-domain="${dom.domain}"]`);
      assert.equal((await block.getByTestId('classification').innerText()).trim(), `${c.classification} · ${c.confidence} confidence`);
      assert.ok((await block.getByTestId('service-detail').innerText()).includes(c.service.name));
      assert.equal(await block.getByTestId('service-docs').getAttribute('href'), c.service.docs);
      assert.equal((await block.getByTestId('fix').locator('p').innerText()).trim(), c.fix);
      assert.equal(await block.getByTestId('misconfigured').count(), 1);
      assert.equal(await block.getByTestId('spf-authorized').count(), c.spf_authorized === undefined ? 0 : 1);
      const sentences = await block.getByTestId('evidence').innerText();
      assert.ok(sentences.includes(c.evidence[0]), `first sentence: ${c.evidence[0]}`);
    }

    // The fix is copied as the API wrote it.
    const first = page.locator(`[data-testid=source-domain][data-domain="${bad[0].domain}"]`);
    await first.getByTestId('copy-fix').click();
    await first.getByTestId('copy-fix').filter({ hasText: 'Copied' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), bad[0].classification.fix);

    // AbuseIPDB said its quota is spent: the page says when it may ask again.
    assert.equal(d.reputation.abuseipdb.status, 'rate_limited');
    assert.match(await page.getByTestId('provider-abuseipdb').innerText(), /Rate limited: next lookup in \d+ min/);

    await page.waitForTimeout(300);
    await screenshot(page, `source-misconfigured-${theme}`);
    assert.deepEqual(await axe(page), [], 'accessibility violations on the source page');
    await page.goto(srv.base + '/sources');
    await page.getByTestId('source-row').first().waitFor();
    await page.waitForTimeout(300);
    await screenshot(page, `sources-list-${theme}`);
    assert.deepEqual(await axe(page), [], 'accessibility violations on the list');
    assert.deepEqual(ctx.errors, []);
    await ctx.close();
  });
}
