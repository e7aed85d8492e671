// The Failure reports page in a real browser against a real server: the
// corpus's failure samples (read in place) uploaded through the Upload
// page, whose links lead to the failure report; the list, the search by
// Message-ID and by source IP, a report's detail with what failed and why
// and the header as stored, with no recipient address of the raw samples
// anywhere on the page; the link to the aggregate data, first without an
// aggregate report of the same source and day (the corpus has none), then
// with one this test writes (example.com, 10.10.10.10, 2019-04-30: 8
// messages, 5 failing); the retention editor; deleting a report; and a
// server started with --no-forensic-api saying why the page is unavailable
// and how to turn it on.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { serve, launch, context, screenshot, axe, corpus } from './harness.mjs';

const dir = join(corpus, 'failure');
const files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
const linkedinID = '<01010101010101010101010101010101@ABAB01MS0016.someserver.loc>';

// An aggregate report of LinkedIn's failure report's source and day: the
// corpus has none. 10.10.10.10 sent 8 messages for example.com on
// 2019-04-30: 5 failing DMARC, 3 passing with an aligned DKIM signature.
const aggregate = `<?xml version="1.0"?>
<feedback><report_metadata><org_name>e2e.example</org_name><email>noreply@e2e.example</email><report_id>forensic-link-1</report_id>
<date_range><begin>1556582400</begin><end>1556668799</end></date_range></report_metadata>
<policy_published><domain>example.com</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><pct>100</pct></policy_published>
<record><row><source_ip>10.10.10.10</source_ip><count>5</count><policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
<identifiers><header_from>example.com</header_from></identifiers><auth_results><spf><domain>someserver.com</domain><result>neutral</result></spf></auth_results></record>
<record><row><source_ip>10.10.10.10</source_ip><count>3</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>
<identifiers><header_from>example.com</header_from></identifiers><auth_results><dkim><domain>example.com</domain><selector>s1</selector><result>pass</result></dkim>
<spf><domain>someserver.com</domain><result>neutral</result></spf></auth_results></record>
</feedback>`;

/**
 * recipients collects every recipient address of a raw report mail: the
 * fields that name recipients (of the report mail, its feedback part,
 * base64 or not, and the reported message) and the "for" clauses of
 * Received fields.
 */
function recipients(raw) {
  let text = raw.replace(/\r\n/g, '\n');
  // Base64 parts (Netease's feedback report) decoded too.
  for (const m of text.matchAll(/\n\n((?:[A-Za-z0-9+/=]{40,}\n?)+)/g)) text += '\n' + Buffer.from(m[1].replace(/\n/g, ''), 'base64').toString('utf8').replace(/\r\n/g, '\n');
  const unfolded = text.replace(/\n[ \t]+/g, ' ');
  const found = new Set();
  const addr = /[A-Za-z0-9._%+=-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
  for (const line of unfolded.split('\n')) {
    const m = /^(original-rcpt-to|to|cc|bcc|delivered-to|x-original-to|envelope-to|x-envelope-to|x-rcpt-to|apparently-to):(.*)$/i.exec(line);
    if (m) for (const a of m[2].matchAll(addr)) found.add(a[0].toLowerCase());
    for (const f of line.matchAll(/\bfor\s+<?([^\s<>;]+@[^\s<>;]+?)>?[;\s]/gi)) found.add(f[1].toLowerCase());
  }
  return [...found];
}

const allRecipients = [...new Set(files.flatMap((f) => recipients(readFileSync(join(dir, f), 'latin1'))))];

let srv, off, browser;
// The failure report ids the upload answered, by file.
const ids = {};

before(async () => {
  [srv, off] = await Promise.all([serve(), serve(['--no-forensic-api'])]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  await off?.stop();
});

const text = async (loc) => (await loc.innerText()).replace(/\s+/g, ' ').trim();
/** seen is the text as seen: without the words only screen readers get (" (redacted)" after ***). */
const seen = async (loc) =>
  (
    await loc.evaluate((el) => {
      const c = el.cloneNode(true);
      c.querySelectorAll('.sr-only').forEach((n) => n.remove());
      Object.assign(c.style, { position: 'absolute', left: '-10000px', top: '0', width: el.getBoundingClientRect().width + 'px' });
      document.body.append(c);
      const t = c.innerText;
      c.remove();
      return t;
    })
  )
    .replace(/\s+/g, ' ')
    .trim();

async function checkAxe(page, what) {
  const v = await axe(page);
  assert.deepEqual(v, [], `${what}: accessibility violations`);
}

/** noRecipients fails when any recipient address of the raw samples is in the page's HTML or text. */
async function noRecipients(page, what) {
  const html = (await page.content()).toLowerCase();
  const shown = (await page.locator('body').innerText()).toLowerCase();
  for (const a of allRecipients) {
    assert.ok(!html.includes(a) && !shown.includes(a), `${what}: the recipient ${a} is on the page`);
  }
}

test('the raw samples have recipients to hide', () => {
  assert.equal(files.length, 5);
  // Those that must never show, among them: LinkedIn's Original-Rcpt-To,
  // Netease's To, domain.de's, Exim's spoofed "for" clause.
  for (const a of ['recipient@linkedin.com', 'redacted@163.com', 'peter.pan@domain.de', 'user@example.com', 'dmarc@example.com'])
    assert.ok(allRecipients.includes(a), `${a} in ${allRecipients}`);
});

test('uploads of failure reports link to the failure report', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(srv.base + '/upload');
  await page.getByTestId('file-input').setInputFiles(files.map((f) => join(dir, f)));
  // LinkedIn's report comes twice (LF and CRLF): the second is a duplicate.
  await page.waitForFunction(() => /4 reports imported · 1 duplicate/.test(document.querySelector('[data-testid=upload-summary]')?.textContent ?? ''), null, {
    timeout: 30000,
  });
  const rows = page.getByTestId('upload-row');
  for (let i = 0; i < (await rows.count()); i++) {
    const row = rows.nth(i);
    const name = await row.locator('strong').first().innerText();
    const a = row.getByTestId('report-link');
    if ((await a.count()) === 0) continue;
    const href = await a.getAttribute('href');
    assert.match(href, /^\/forensic\/\d+$/, `${name}: ${href}`);
    assert.match(await text(a), /View failure report/);
    assert.match(await text(row.getByTestId('upload-result')), /Imported failure report: one message that failed/);
    ids[name] = href.split('/').pop();
  }
  assert.equal(Object.keys(ids).length, 4, JSON.stringify(ids));
  await rows.filter({ hasText: 'exim_plain_text' }).getByTestId('report-link').click();
  await page.waitForURL('**/forensic/' + ids['exim_plain_text_only_no_arf_part.eml']);
  await page.getByTestId('forensic-detail').waitFor();
  assert.equal(await text(page.locator('h1')), 'DMARC failure for example.com');
  await noRecipients(page, 'Exim report');
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});

test('the list and its search by Message-ID and source IP', async () => {
  for (const theme of ['light', 'dark']) {
    const ctx = await context(browser, { theme });
    const page = await ctx.newPage();
    await page.goto(srv.base + '/');
    // g f goes to the page; the sidebar has its item (its shorter name, the title in its tooltip).
    const item = page.getByRole('link', { name: 'Failures', exact: true });
    await item.waitFor();
    assert.equal(await item.getAttribute('title'), 'Failure reports (g f)');
    await page.keyboard.press('g');
    await page.keyboard.press('f');
    await page.waitForURL('**/forensic');
    assert.equal(await page.title(), 'Failure reports · Parse DMARC');

    const rows = page.getByTestId('forensic-row');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 4);
    // The last received first; each row's columns.
    const linkedin = rows.filter({ hasText: 'Subject line, could be UTF8 encoded' });
    assert.equal(
      await text(linkedin),
      'Apr 30, 2019, 02:09 UTC 10.10.10.10 example.com DMARC Delivered example.com Subject line, could be UTF8 encoded',
    );
    assert.equal(await linkedin.getByTestId('forensic-source').getAttribute('href'), '/sources/10.10.10.10');
    assert.match(await text(rows.filter({ hasText: 'domain.de' })), /Oct 1, 2018, 09:20 UTC warnings 10\.10\.10\.10 domain\.de DMARC Other domain\.de Subject/);
    assert.match(await text(rows.filter({ hasText: 'cardinal.com' })), /167\.89\.69\.24 cardinal\.com DMARC Delivered cardinal\.com Rent Reminder/);
    await noRecipients(page, 'list');
    // The privacy note, with the default retention.
    assert.match(await text(page.getByTestId('forensic-privacy')), /Never stored The body of the reported message/);
    assert.equal(
      await text(page.getByTestId('retention-default')),
      'Failure reports are deleted 90 days after they arrive, by a daily prune (--forensic-retention). A domain may have its own:',
    );
    if (theme === 'light') await checkAxe(page, 'list');
    await screenshot(page, `forensic-list-${theme}`);

    // j moves the selection, Enter opens it.
    if (theme === 'light') {
      const second = await rows.nth(1).getAttribute('data-id');
      await page.keyboard.press('j');
      await page.waitForFunction(() => document.querySelector('[data-testid=forensic-row][data-row="1"]')?.classList.contains('selected'));
      await page.keyboard.press('Enter');
      await page.waitForURL('**/forensic/' + second);
      await page.getByTestId('forensic-detail').waitFor();
      await page.goBack();
      await rows.first().waitFor();
    }

    // By Message-ID, with its angle brackets.
    await page.getByTestId('search-message-id').fill(linkedinID);
    await page.getByTestId('search-submit').click();
    await page.waitForURL(/message_id=01010101/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=forensic-row]').length === 1);
    assert.match(await text(rows.first()), /Subject line, could be UTF8 encoded/);

    // By source IP: LinkedIn's and domain.de's.
    await page.getByTestId('search-clear').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=forensic-row]').length === 4);
    await page.getByTestId('search-source-ip').fill('10.10.10.10');
    await page.getByTestId('search-source-ip').press('Enter');
    await page.waitForURL(/source_ip=10\.10\.10\.10/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=forensic-row]').length === 2);
    assert.deepEqual((await rows.locator('td:nth-child(3)').allInnerTexts()).sort(), ['domain.de', 'example.com']);
    if (theme === 'light') await checkAxe(page, 'search by IP');
    await screenshot(page, `forensic-search-${theme}`);

    // A bad address is caught before asking; a search that finds nothing says so.
    await page.getByTestId('search-source-ip').fill('10.10');
    await page.getByTestId('search-submit').click();
    assert.equal(await page.getByTestId('search-source-ip').getAttribute('aria-invalid'), 'true');
    assert.equal(await text(page.locator('#fs-source_ip-hint')), 'An IPv4 or IPv6 address, such as 203.0.113.7.');
    await page.getByTestId('search-source-ip').fill('192.0.2.1');
    await page.getByTestId('search-submit').click();
    await page.getByTestId('forensic-empty').waitFor();
    assert.match(await text(page.getByTestId('forensic-empty')), /^No failure report matches this search\./);
    assert.deepEqual(ctx.errors, []);
    await ctx.close();
  }
});

test('a report: what failed and why, the header as stored, the aggregate data', async () => {
  // The aggregate report of LinkedIn's source and day, uploaded after the
  // list test so that its "not found yet" state is seen first.
  const ctx = await context(browser);
  const page = await ctx.newPage();
  const domainDe = ids['DMARC Failure Report for domain.de (mail-from=sharepoint@domain.de, ip=10.10.10.10).eml'];
  await page.goto(srv.base + '/forensic/' + domainDe);
  await page.getByTestId('forensic-detail').waitFor();
  assert.equal(await text(page.locator('h1')), 'DMARC failure for domain.de');
  assert.equal(
    await text(page.getByTestId('forensic-aggregate-text')),
    'No aggregate report counts 10.10.10.10 for domain.de on Oct 1, 2018 yet. Aggregate reports usually arrive a day after the mail; if one never does, the reporter sends failure reports only.',
  );
  // The reporter's Delivery-Result outside the RFC, as reported.
  assert.match(await text(page.getByTestId('forensic-what')), /Delivery Other The receiver did something else with it: “smg-policy-action”\./);
  assert.equal(await seen(page.getByTestId('forensic-recipients')), '***@domain.de (only their domains are kept)');
  // Screen readers hear what *** is.
  assert.equal(await page.getByTestId('forensic-recipients').locator('.redacted .sr-only').textContent(), ' (redacted)');
  await noRecipients(page, 'domain.de report');
  await ctx.close();

  const form = new FormData();
  form.append('file', new Blob([aggregate], { type: 'application/xml' }), 'link.xml');
  const res = await fetch(srv.base + '/api/v1/reports', { method: 'POST', body: form });
  assert.equal(res.status, 200, await res.text());

  const linkedin = ids['dmarc_ruf_report_linkedin.eml'] ?? ids['dmarc_ruf_report_linkedin.crlf.eml'];
  for (const theme of ['light', 'dark']) {
    const ctx = await context(browser, { theme });
    const page = await ctx.newPage();
    await page.goto(srv.base + '/forensic/' + linkedin);
    await page.getByTestId('forensic-detail').waitFor();
    assert.equal(await text(page.locator('h1')), 'DMARC failure for example.com');
    assert.equal(await text(page.locator('.page-head p')), 'A message from 10.10.10.10 that arrived Apr 30, 2019, 02:09 UTC, reported by linkedin.com.');
    const what = await text(page.getByTestId('forensic-what'));
    assert.match(what, /Failed DMARC The message failed DMARC/);
    assert.match(what, /Delivery Delivered The receiver delivered the message to the inbox despite the failure\./);
    assert.equal(
      await text(page.getByTestId('forensic-findings')),
      'In the message header, mail516.prod.linkedin.com recorded: SPF gave “neutral” for mail02.someserver.com and DKIM had no result: nothing authenticated the message as example.com.',
    );
    // The message as stored: addresses reduced to ***@domain, marked.
    const msg = await seen(page.getByTestId('forensic-message'));
    assert.match(msg, /From Sender <\*\*\*@example\.com>/);
    assert.match(msg, /MAIL FROM empty \(a bounce address of <>\)/);
    assert.equal(await text(page.getByTestId('forensic-message-id')), '01010101010101010101010101010101@ABAB01MS0016.someserver.loc');
    // The reporter's result, then the header's, explained.
    const tables = page.getByTestId('forensic-results');
    assert.equal(await tables.count(), 2);
    assert.equal(
      await text(tables.first().locator('tbody tr')),
      'DMARC fail DMARC failed for example.com: neither SPF nor DKIM passed for a domain aligned with it. Its policy is p=none; the receiver took no action. header.from=example.com (p=none; dis=none)',
    );
    assert.match(await text(tables.nth(1).locator('tr[data-method=spf]')), /^SPF neutral The SPF record of mail02\.someserver\.com says nothing about the sending server/);
    assert.match(await text(tables.nth(1).locator('tr[data-method=dkim]')), /^DKIM none The message was not DKIM signed\./);
    // The header as stored, the policy named.
    assert.equal(await text(page.getByTestId('forensic-policy')), 'Redaction: addresses');
    const note = await text(page.getByTestId('forensic-privacy-note'));
    assert.match(note, /^Redacted when it arrived, under the “addresses” policy\. Every address was reduced to \*\*\*@domain/);
    assert.match(note, /The message body was never stored\. 1 recipient address was redacted wherever it appeared \(\*\*\*@domain\)\./);
    const to = page.getByTestId('forensic-header-table').locator('tr').filter({ has: page.locator('th', { hasText: /^To$/ }) });
    assert.equal(await seen(to), 'To ***@linkedin.com');
    assert.equal(await page.getByTestId('forensic-header-table').getByText('HTML Text').count(), 0);
    // The aggregate data of the same source and day.
    assert.equal(
      await text(page.getByTestId('forensic-aggregate-text')),
      'On Apr 30, 2019, the aggregate reports count 8 messages from 10.10.10.10 for example.com: 5 failed DMARC.',
    );
    assert.match(await text(page.getByTestId('forensic-aggregate')), /62\.5% of that day's messages from this source failed DMARC\./);
    await noRecipients(page, 'LinkedIn report');
    if (theme === 'light') await checkAxe(page, 'detail');
    await screenshot(page, `forensic-detail-${theme}`);

    if (theme === 'light') {
      // Netease's: authenticated as another domain, not aligned.
      await page.goto(srv.base + '/forensic/' + ids['[Netease DMARC Failure Report] Rent Reminder.eml']);
      await page.getByTestId('forensic-detail').waitFor();
      assert.match(await text(page.getByTestId('forensic-findings')), /^DKIM passed for entrata\.com and SPF passed for email\.entrata\.com, but neither is cardinal\.com/);
      await noRecipients(page, 'Netease report');
      await screenshot(page, 'forensic-detail-netease-light');

      // The aggregate link: the source page on that day, then the reports.
      await page.goto(srv.base + '/forensic/' + linkedin);
      await page.getByTestId('forensic-source-link').click();
      await page.waitForURL('**/sources/10.10.10.10?domain=example.com&since=2019-04-30&until=2019-05-01');
      await page.getByTestId('source-detail').waitFor();
      assert.equal(await page.getByTestId('domain-filter').inputValue(), 'example.com');
      assert.equal(await page.getByTestId('range-filter').inputValue(), 'custom');
      assert.equal(await page.getByTestId('since').inputValue(), '2019-04-30');
      assert.equal(await page.getByTestId('until').inputValue(), '2019-04-30');
      await page.waitForFunction(() => /Messages\s*8/.test(document.querySelector('[data-testid=source-detail] .tiles')?.textContent ?? ''));
      await page.goBack();
      await page.getByTestId('forensic-reports-link').click();
      await page.waitForURL('**/reports?domain=example.com');
      await page.getByTestId('report-row').first().waitFor();
      assert.equal(await page.getByTestId('report-row').count(), 1);
      assert.match(await text(page.getByTestId('report-row')), /e2e\.example/);
    }
    assert.deepEqual(ctx.errors, []);
    await ctx.close();
  }
});

test('the retention of a domain: set, change, back to the default', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(srv.base + '/forensic');
  await page.getByTestId('retention-form').waitFor();
  await page.getByTestId('retention-domain').fill('example.com');
  await page.getByTestId('retention-days').fill('-3');
  await page.getByTestId('retention-save').click();
  assert.equal(await page.getByTestId('retention-days').getAttribute('aria-invalid'), 'true');
  await page.getByTestId('retention-days').fill('30');
  await page.getByTestId('retention-save').click();
  const row = page.getByTestId('retention-row').filter({ hasText: 'example.com' });
  await row.waitFor();
  assert.match(await text(row), /^example\.com 30 days/);
  assert.equal(await text(page.getByTestId('retention-status')), 'example.com: failure reports are kept 30 days.');
  await row.getByRole('button', { name: 'Change the retention of example.com' }).click();
  assert.equal(await page.getByTestId('retention-domain').inputValue(), 'example.com');
  await page.getByTestId('retention-days').fill('0');
  await page.getByTestId('retention-save').click();
  await page.waitForFunction(() => /until deleted/.test(document.querySelector('[data-testid=retention-row]')?.textContent ?? ''));
  const api = await (await fetch(srv.base + '/api/v1/forensic/retention')).json();
  assert.deepEqual(api.domains.map((d) => [d.domain, d.days]), [['example.com', 0]]);
  await checkAxe(page, 'retention');
  await screenshot(page, 'forensic-retention-light');
  await row.getByTestId('retention-default-btn').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=retention-row]').length === 0);
  assert.match(await text(page.getByTestId('retention-status')), /^example\.com: failure reports are kept as the default says again \(90 days\)\.$/);
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});

test('deleting a report', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  const id = ids['DMARC Failure Report for domain.de (mail-from=sharepoint@domain.de, ip=10.10.10.10).eml'];
  await page.goto(srv.base + '/forensic/' + id);
  await page.getByTestId('forensic-delete').click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  assert.match(await text(dialog), /Delete this failure report\? .*It cannot be undone\. The aggregate data is not changed\./);
  await checkAxe(page, 'delete dialog');
  await screenshot(page, 'forensic-delete-light');
  await page.getByTestId('forensic-confirm-delete-yes').click();
  await page.waitForURL('**/forensic?deleted=' + id);
  assert.equal(await text(page.getByTestId('forensic-deleted')), `Failure report #${id} was deleted.`);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=forensic-row]').length === 3);
  assert.equal((await fetch(srv.base + '/api/v1/forensic/' + id)).status, 404);
  // Its page now says it is gone.
  await page.goto(srv.base + '/forensic/' + id);
  await page.getByTestId('forensic-unavailable').waitFor();
  assert.equal(await page.getByTestId('forensic-unavailable').getAttribute('data-kind'), 'gone');
  assert.match(await text(page.getByTestId('forensic-unavailable')), /^This failure report is gone/);
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});

test('under the full policy: field names, digests and the policy named', async () => {
  const full = await serve(['--forensic-redact', 'full']);
  try {
    const form = new FormData();
    const name = '[Netease DMARC Failure Report] Rent Reminder.eml';
    form.append('file', new Blob([readFileSync(join(dir, name))]), name);
    const up = await (await fetch(full.base + '/api/v1/reports', { method: 'POST', body: form })).json();
    const id = up.files[0].results[0].report_id;
    const ctx = await context(browser);
    const page = await ctx.newPage();
    await page.goto(full.base + '/forensic');
    const row = page.getByTestId('forensic-row');
    await row.first().waitFor();
    // The subject is a digest, marked as one.
    assert.match(await seen(row.locator('td.subject')), /^sha256:[0-9a-f]{16}$/);
    assert.equal(await row.locator('td.subject .digest .sr-only').textContent(), ' (a digest, the value was not kept)');
    // The search by Message-ID takes the digest as stored.
    const digest = (await (await fetch(full.base + '/api/v1/forensic/' + id)).json()).report.message_id;
    await page.getByTestId('search-message-id').fill(digest);
    await page.getByTestId('search-submit').click();
    await page.waitForURL(/message_id=sha256/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=forensic-row]').length === 1);
    await page.getByTestId('forensic-open').click();
    await page.getByTestId('forensic-detail').waitFor();
    assert.equal(await text(page.getByTestId('forensic-policy')), 'Redaction: full');
    assert.match(await text(page.getByTestId('forensic-privacy-note')), /^Redacted when it arrived, under the “full” policy\. Only the field names were kept/);
    assert.match(await text(page.getByTestId('forensic-subject')), /Hashed under the full policy: equal subjects have equal digests\./);
    const to = page.getByTestId('forensic-header-table').locator('tr').filter({ has: page.locator('th', { hasText: /^To$/ }) });
    assert.equal(await seen(to), 'To [redacted]');
    await noRecipients(page, 'full policy');
    await checkAxe(page, 'full policy');
    await screenshot(page, 'forensic-detail-full-light');
    assert.deepEqual(ctx.errors, []);
    await ctx.close();
  } finally {
    await full.stop();
  }
});

test('a server started with --no-forensic-api says why and how to turn them on', async () => {
  assert.equal((await fetch(off.base + '/api/v1/forensic')).status, 403);
  for (const theme of ['light', 'dark']) {
    const ctx = await context(browser, { theme });
    const page = await ctx.newPage();
    await page.goto(off.base + '/forensic');
    const box = page.getByTestId('forensic-unavailable');
    await box.waitFor();
    assert.equal(await box.getAttribute('data-kind'), 'disabled');
    const t = await text(box);
    assert.match(t, /^Failure reports are turned off on this server They hold personal data/);
    assert.match(t, /Start parse-dmarc serve without --no-forensic-api\./);
    assert.match(t, /PARSE_DMARC_ADMIN_PASSWORD/);
    assert.match(t, /The server said: failure reports hold personal data and are not served here/);
    // The page does not break: no list, no privacy card, no page error.
    assert.equal(await page.getByTestId('forensic-list').count(), 0);
    if (theme === 'light') await checkAxe(page, 'unavailable');
    await screenshot(page, `forensic-unavailable-${theme}`);
    // One report's page says the same.
    await page.goto(off.base + '/forensic/1');
    await box.waitFor();
    assert.equal(await box.getAttribute('data-kind'), 'disabled');
    assert.deepEqual(ctx.errors, []);
    await ctx.close();
  }
});
