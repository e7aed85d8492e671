// The DNS page's "Check my records" against a real server whose checks ask
// a loopback DNS server (cmd/dnstestd of package dnstest, built here, or
// PD_DNSTESTD), so the records are known and can change between checks.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { serve, launch, context, screenshot, axe, shots } from './harness.mjs';
import { startDNS } from './dnstestd.mjs';
import { recentReports } from './synth.mjs';

// A 2048-bit RSA key (public, made for this test), split in TXT strings of
// at most 255 bytes.
const key =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA10hpkD2HSdDX/BMKvhtOSCa73fhsXIjPObcac4MZ8+ftVpyXzwF2RajoOlud3tgdTn3M0Uq/lKMLRYFNm+0n6WwLna7+oFgS/oS7zQui4n+uWyzDjR2Pkckb2JHWC+xHrRp603wWKiQQBtxJu+J82Sc1clVCifJ2Lf7DJVAK2vl6ageN2muNbd7gtXlAJJzd/RcuUCh15kAGRiqrcTpcFZ8dhxWF/IlryzNVO3agD+Ylc9KvD/Zxnx78O2aSQ0m0XRj+hyKPQVC83QQsfG/WcwPTRHh+MpyxWsgEwop2zPZKyqUY5A8FF/j0E8mH+8S/qkEUwV6rbYt6fnzEnBnntwIDAQAB';
const zone = `
shop.example.                 TXT "v=spf1 ip4:192.0.2.0/24 include:_spf.shop.example ~all"
_spf.shop.example.            TXT "v=spf1 ip4:198.51.100.0/24 -all"
_dmarc.shop.example.          TXT "v=DMARC1; p=none; rua=mailto:dmarc@shop.example"
s1._domainkey.shop.example.   TXT "v=DKIM1; k=rsa; p=${key.slice(0, 200)}" "${key.slice(200)}"
_smtp._tls.shop.example.      TXT "v=TLSRPTv1; rua=mailto:tls@shop.example"
mail.example.                 TXT "v=spf1 +all"
`;

let srv, browser, dns;

before(async () => {
  dns = await startDNS(zone);
  srv = await serve(['--dns-resolver', dns.addr, '--dns-check-interval', '0']);
  browser = await launch();
  const form = new FormData();
  for (const [name, xml] of recentReports(7)) form.append('file', new Blob([xml]), name);
  const res = await fetch(srv.base + '/api/v1/reports', { method: 'POST', body: form });
  assert.equal(res.status, 200);
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  dns?.stop();
});

test('check a domain, change its zone, check again: result, fixes and history', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(srv.base + '/dns?check=shop.example#check');
  await page.getByTestId('dns-check-form').waitFor();
  // The selector the reports saw is offered.
  await page.waitForFunction(() => document.querySelector('[data-testid=dns-check-selectors]')?.value === 's1');
  assert.equal(await page.getByTestId('dns-check-domain').inputValue(), 'shop.example');
  await page.getByTestId('dns-check-none').waitFor();

  await page.getByTestId('dns-check-run').click();
  await page.getByTestId('dns-check-result').waitFor();
  assert.match(await page.getByTestId('dns-check-overall').innerText(), /shop\.example: Warning/);
  const dmarc = page.getByTestId('dns-kind-dmarc');
  assert.match(await dmarc.innerText(), /DMARC\s*Warning/);
  assert.match(await dmarc.innerText(), /p=quarantine; rua=mailto:dmarc@shop\.example/, 'the fix is shown');
  assert.match(await page.getByTestId('dns-kind-dkim').innerText(), /DKIM s1\s*OK/);
  assert.match(await page.getByTestId('dns-kind-tls-rpt').innerText(), /OK/);
  assert.match(await page.getByTestId('dns-kind-mta-sts').innerText(), /Not published/);
  await dmarc.getByRole('button', { name: /Copy fix for DMARC/ }).first().waitFor();
  await page.getByTestId('dns-history-row').first().waitFor();
  assert.match(await page.getByTestId('dns-history').innerText(), /First check/);

  // Publish a BIMI record: the next check tells what changed.
  await dns.add('default._bimi.shop.example. TXT "v=BIMI1; l=https://shop.example/logo.svg"');
  await page.getByTestId('dns-check-run').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=dns-history-row]').length === 2);
  const changes = page.getByTestId('dns-history-changes').first();
  assert.match(await changes.innerText(), /BIMI record changed/);
  await changes.locator('summary').click();
  assert.match(await changes.innerText(), /BIMI record published: “v=BIMI1; l=https:\/\/shop\.example\/logo\.svg”/);
  assert.match(await page.getByTestId('dns-kind-bimi').innerText(), /BIMI/);

  // The API agrees with the page.
  const hist = await (await fetch(srv.base + '/api/v1/dns/shop.example/history')).json();
  assert.equal(hist.checks.length, 2);
  assert.ok(hist.checks[0].changes.some((c) => c.kind === 'bimi' && c.type === 'record'));
  assert.deepEqual(hist.selectors_seen.map((s) => s.selector), ['s1']);
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});

test('a domain without reports is checked when typed in', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(srv.base + '/dns#check');
  await page.getByTestId('dns-check-form').waitFor();
  await page.waitForFunction(() => !document.querySelector('[data-testid=dns-check-domain]')?.disabled);
  await page.getByTestId('dns-check-domain').selectOption({ label: 'Another domain…' });
  await page.getByTestId('dns-check-other').fill('Other.Example.');
  await page.getByTestId('dns-check-selectors').fill('');
  await page.getByTestId('dns-check-run').click();
  await page.getByTestId('dns-check-result').waitFor();
  assert.match(await page.getByTestId('dns-check-overall').innerText(), /other\.example: Error/);
  assert.match(await page.getByTestId('dns-kind-dmarc').innerText(), /Error/);
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});

for (const theme of ['light', 'dark']) {
  test(`the check in the ${theme} theme: accessible, screenshot`, async () => {
    const ctx = await context(browser, { theme });
    const page = await ctx.newPage();
    await page.goto(srv.base + '/dns?check=shop.example#check');
    await page.getByTestId('dns-check-result').waitFor();
    await page.getByTestId('dns-history-changes').first().locator('summary').click();
    await page.waitForTimeout(200);
    await screenshot(page, `dns-check-page-${theme}`);
    await page.getByTestId('dns-check').screenshot({ path: join(shots, `dns-check-${theme}.png`) });
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(ctx.errors, []);
    await ctx.close();
  });
}
