// The Scheduled reports page against a real server holding 30 days of
// reports for two domains (synth.mjs recentReports) and a generic webhook
// channel, made through the API, that posts to a node:http receiver in
// this test: a weekly schedule made in the form (checked in the browser,
// its next time in its zone), the preview of the report it sends and its
// PDF, Send now reaching the receiver as a report.digest event and the
// history saying so; in the list its time in words, pausing, Send now
// from the list and deleting with a confirmation. Every assertion
// compares the page with what the API answered; axe and screenshots in
// both themes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { serve, launch, context, screenshot, axe } from './harness.mjs';
import { recentReports } from './synth.mjs';

let srv, browser, receiver, hookURL, channel;
/** What the receiver got: parsed JSON bodies with their headers. */
const received = [];

before(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (b) => (body += b));
    req.on('end', () => {
      try {
        received.push({ headers: req.headers, body: JSON.parse(body) });
      } catch {
        received.push({ headers: req.headers, body });
      }
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  hookURL = `http://127.0.0.1:${receiver.address().port}/hooks/dmarc`;

  srv = await serve();
  browser = await launch();
  const form = new FormData();
  for (const [name, xml] of recentReports(30)) form.append('file', new Blob([xml]), name);
  const res = await fetch(srv.base + '/api/v1/reports', { method: 'POST', body: form });
  assert.equal(res.status, 200);
  channel = await call('POST', '/channels', { name: 'Digest receiver', kind: 'webhook', url: hookURL });
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  await new Promise((r) => receiver?.close(r) ?? r());
});

async function call(method, path, body) {
  const res = await fetch(srv.base + '/api/v1' + path, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
  return res.status === 204 ? {} : res.json();
}

/** digests are the report.digest events the receiver got. */
const digests = () => received.filter((r) => r.body?.event === 'report.digest');

/** shot scrolls to the top first, so that the sticky bars sit where they belong in a full-page screenshot. */
async function shot(page, name) {
  await page.evaluate(() => scrollTo(0, 0));
  await screenshot(page, name);
}

async function until(what, check, ms = 30000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail('timed out waiting for ' + what);
}

function noViolations(v, where) {
  assert.deepEqual(v, [], `axe (${where}):\n${v.join('\n')}`);
}

let scheduleID;

test('a weekly schedule made in the form, previewed, saved and sent now to a webhook', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(srv.base + '/schedules');

  // No schedule yet: the empty state leads to the form.
  await page.getByTestId('no-schedules').waitFor();
  await page.getByTestId('schedule-first').click();
  await page.waitForURL('**/schedules/new');
  const form = page.getByTestId('schedule-form');
  await form.waitFor();

  // The browser's zone is preselected; a weekly digest on Monday at 08:00 is the default.
  const browserZone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  assert.equal(await page.getByTestId('schedule-tz').inputValue(), browserZone);
  assert.equal(await page.getByTestId('kind-weekly').getAttribute('aria-pressed'), 'true');
  assert.equal(await page.getByTestId('schedule-weekday').inputValue(), 'monday');
  assert.equal(await page.getByTestId('schedule-time').inputValue(), '08:00');

  // Saving with nothing filled in says what is missing, on the fields.
  await page.getByTestId('schedule-save').click();
  await page.getByTestId('form-invalid').waitFor();
  assert.match(await form.innerText(), /Give the schedule a name\./);
  assert.match(await page.getByTestId('dest-error').innerText(), /needs somewhere to go/);
  await page.getByTestId('schedule-recipients').fill('ciso@example.com, not-an-address');
  assert.match(await form.innerText(), /This is not an email address: not-an-address\./);
  // An address with no email channel to send through: the form says so and links to adding one.
  await page.getByTestId('no-email-channel').waitFor();
  await page.getByTestId('schedule-recipients').fill('');

  // The settings: Tuesday 07:30 in Paris, both domains, no sources section, the webhook channel.
  await page.getByTestId('schedule-name').fill('Security weekly');
  await page.getByTestId('schedule-weekday').selectOption('tuesday');
  await page.getByTestId('schedule-time').fill('07:30');
  await page.getByTestId('schedule-tz').selectOption('Europe/Paris');
  assert.match(await page.getByTestId('schedule-next-form').innerText(), /^Next: Tuesday \d+ \w+, 07:30 Europe\/Paris/);
  await page.getByTestId('section-sources').uncheck();
  const box = page.getByTestId(`channel-${channel.id}`);
  assert.match(await page.getByTestId('channel-list').innerText(), /Digest receiver[\s\S]*Gets a report\.digest event/);
  await box.check();
  assert.equal(await page.getByTestId('add-channel').getAttribute('href'), '/notifications/channels/new?kind=email');

  // The preview: the weekly digest of both domains, as the email shows it, in a sandboxed frame.
  const frameEl = page.getByTestId('preview-frame');
  await frameEl.waitFor();
  assert.equal(await frameEl.getAttribute('sandbox'), '');
  const frame = page.frameLocator('[data-testid=preview-frame]');
  await until('the preview without the sources section', async () => !/>\s*Sources\s*</.test(await frameEl.getAttribute('srcdoc')));
  const doc = await frame.locator('body').innerText();
  assert.match(doc, /Weekly DMARC digest/);
  assert.match(doc, /shop\.example/);
  assert.match(doc, /mail\.example/);
  assert.match(doc, /Summary/i);
  // The period picker offers earlier weeks; the first is the last complete one.
  const periods = await page.getByTestId('preview-period').locator('option').allInnerTexts();
  assert.ok(periods.length >= 4 && /^Week of .+ \(latest\)$/.test(periods[0]), periods.join(' | '));

  // Only one domain: the preview follows.
  await page.getByTestId('domains-some').check();
  await page.getByTestId('domain-shop.example').check();
  await until('the preview of shop.example alone', async () => !(await frame.locator('body').innerText()).includes('mail.example'));
  assert.match(await frame.locator('body').innerText(), /shop\.example/);

  // The PDF download answers a PDF of the same report.
  const pdfHref = await page.getByTestId('preview-pdf').getAttribute('href');
  assert.match(pdfHref, /period=week/);
  assert.match(pdfHref, /domain=shop\.example/);
  assert.match(pdfHref, /format=pdf/);
  const pdf = await fetch(srv.base + pdfHref);
  assert.equal(pdf.status, 200);
  assert.equal(pdf.headers.get('content-type'), 'application/pdf');
  assert.match(pdf.headers.get('content-disposition'), /attachment; filename="dmarc-weekly-\d{4}-\d\d-\d\d\.pdf"/);
  const bytes = Buffer.from(await pdf.arrayBuffer());
  assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
  assert.ok(bytes.length > 10000, `a PDF of ${bytes.length} bytes`);

  await shot(page, 'schedules-form-light');
  noViolations(await axe(page), 'form, light');

  // Save: the schedule page, with what the API stored.
  await page.getByTestId('schedule-save').click();
  await page.waitForURL(/\/schedules\/\d+\?saved=1$/);
  scheduleID = Number(new URL(page.url()).pathname.split('/').pop());
  await page.getByTestId('saved').waitFor();
  const stored = await call('GET', `/schedules/${scheduleID}`);
  assert.equal(stored.name, 'Security weekly');
  assert.equal(stored.kind, 'weekly');
  assert.equal(stored.weekday, 'tuesday');
  assert.equal(stored.time, '07:30');
  assert.equal(stored.time_zone, 'Europe/Paris');
  assert.deepEqual(stored.domains, ['shop.example']);
  assert.deepEqual(stored.sections, ['summary', 'domains', 'issues', 'dns']);
  assert.deepEqual(stored.channels, [channel.id]);
  assert.deepEqual(stored.recipients, []);
  assert.equal(stored.pdf, true);
  assert.equal(stored.enabled, true);
  assert.equal(await page.locator('main h1').innerText(), 'Security weekly');
  assert.equal(await page.getByTestId('runs-empty').count(), 1);

  // Send now: the run is recorded as sent, the receiver gets the digest event.
  const before = digests().length;
  await page.getByTestId('editor-send').click();
  const result = page.getByTestId('send-result');
  await result.waitFor();
  assert.equal(await result.getAttribute('data-status'), 'sent');
  assert.match(await result.innerText(), /Sent the report of the week of .+ to Digest receiver\./);
  const runs = await call('GET', `/schedules/${scheduleID}/runs`);
  assert.equal(runs.runs.length, 1);
  assert.equal(runs.runs[0].status, 'sent');
  assert.deepEqual(runs.runs[0].recipients, [`channel:${channel.id}`]);
  const row = page.getByTestId('history').getByTestId('run');
  await row.waitFor();
  assert.equal(await row.getAttribute('data-status'), 'sent');
  assert.match(await row.innerText(), /Sent by hand[\s\S]*Week of[\s\S]*Sent[\s\S]*Digest receiver/);

  await until('the digest at the receiver', () => digests().length > before);
  const ev = digests().at(-1);
  assert.equal(ev.body.data.kind, 'weekly');
  assert.deepEqual(ev.body.data.domains, ['shop.example']);
  assert.ok(ev.body.data.headline.messages > 0, 'the headline counts the mail');
  assert.equal(ev.body.data.period.start.slice(0, 10), runs.runs[0].period[0]);

  await page.getByTestId('preview-frame').waitFor();
  await shot(page, 'schedules-sent-light');
  noViolations(await axe(page), 'schedule page, light');
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});

test('the list: the time in words, pausing, send now, the history and deleting', async () => {
  assert.ok(scheduleID, 'the first test made the schedule');
  // A second schedule, monthly to an address, to delete.
  const other = await call('POST', '/schedules', {
    name: 'Board monthly',
    kind: 'monthly',
    day_of_month: 2,
    time: '09:00',
    time_zone: 'America/New_York',
    recipients: ['board@example.com'],
    pdf: true,
  });

  for (const theme of ['light', 'dark']) {
    const ctx = await context(browser, { theme });
    const page = await ctx.newPage();
    await page.goto(srv.base + '/schedules');
    const card = page.locator(`[data-testid=schedule][data-id="${scheduleID}"]`);
    await card.waitFor();
    assert.equal(await page.getByTestId('schedule').count(), 2);
    assert.equal(await card.getByTestId('schedule-when').innerText(), 'Every Tuesday at 07:30 Europe/Paris');
    const sched = await call('GET', `/schedules/${scheduleID}`);
    assert.ok(sched.next_run, 'the API says when it is next due');
    assert.match(await card.getByTestId('schedule-next').innerText(), /^Next: Tuesday \d+ \w+, 07:30 Europe\/Paris/);
    assert.equal(await card.getByTestId('schedule-covers').innerText(), 'shop.example · Summary, Domains, Top issues, DNS records');
    assert.match(await card.getByTestId('schedule-dest').innerText(), /Digest receiver[\s\S]*PDF attached to email/);
    assert.match(await card.getByTestId('schedule-last').innerText(), /^Sent/);
    const board = page.locator(`[data-testid=schedule][data-id="${other.id}"]`);
    assert.equal(await board.getByTestId('schedule-when').innerText(), 'Every month on the 2nd at 09:00 America/New_York');
    assert.match(await board.getByTestId('schedule-covers').innerText(), /^All domains · All sections$/);
    assert.match(await board.getByTestId('schedule-last').innerText(), /Never/);
    // Addresses and no email channel to send through: the card says so.
    assert.match(await board.getByTestId('schedule-no-email').innerText(), /No email channel can send to these addresses/);
    await shot(page, `schedules-list-${theme}`);
    noViolations(await axe(page), `list, ${theme}`);

    if (theme === 'dark') {
      // The form and preview in the dark theme.
      await card.getByTestId('schedule-preview').click();
      await page.waitForURL(new RegExp(`/schedules/${scheduleID}#preview$`));
      await page.getByTestId('preview-frame').waitFor();
      await page.getByTestId('history').getByTestId('run').first().waitFor();
      await shot(page, 'schedules-form-dark');
      noViolations(await axe(page), 'schedule page, dark');
    }
    assert.deepEqual(ctx.errors, []);
    await ctx.close();
  }

  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(srv.base + '/schedules');
  const card = page.locator(`[data-testid=schedule][data-id="${scheduleID}"]`);
  await card.waitFor();

  // Pause and enable again: the API follows, nothing else changes.
  const toggle = card.getByTestId('schedule-toggle');
  await toggle.uncheck();
  await card.getByTestId('schedule-paused').waitFor();
  let s = await call('GET', `/schedules/${scheduleID}`);
  assert.equal(s.enabled, false);
  assert.equal(s.next_run, null);
  assert.equal(s.weekday, 'tuesday');
  assert.deepEqual(s.sections, ['summary', 'domains', 'issues', 'dns']);
  assert.match(await card.getByTestId('schedule-next').innerText(), /Paused/);
  await toggle.check();
  await until('enabled again', async () => (await card.getByTestId('schedule-paused').count()) === 0);
  s = await call('GET', `/schedules/${scheduleID}`);
  assert.equal(s.enabled, true);

  // Send now from the list, then the history shows both sendings.
  const before = digests().length;
  await card.getByTestId('schedule-send').click();
  const result = card.getByTestId('send-result');
  await result.waitFor();
  assert.equal(await result.getAttribute('data-status'), 'sent');
  await until('the second digest at the receiver', () => digests().length > before);
  await card.getByTestId('schedule-history').click();
  await until('two runs in the history', async () => (await card.getByTestId('run').count()) === 2);
  assert.deepEqual(await card.getByTestId('run').evaluateAll((rows) => rows.map((r) => r.dataset.status)), ['sent', 'sent']);

  // Send now without an email channel to send through: recorded as failed, with the reason.
  const board = page.locator(`[data-testid=schedule][data-id="${other.id}"]`);
  await board.getByTestId('schedule-send').click();
  await board.getByTestId('send-result').waitFor();
  assert.equal(await board.getByTestId('send-result').getAttribute('data-status'), 'failed');
  assert.match(await board.getByTestId('send-result').innerText(), /Not sent: .*email channel/);
  await until('the failure in the list', async () => /Failed/.test(await board.getByTestId('schedule-last').innerText()));
  await shot(page, 'schedules-list-sent-light');

  // Delete, confirmed.
  await board.getByTestId('schedule-delete').click();
  await page.getByTestId('confirm-delete').waitFor();
  await page.getByTestId('confirm-delete-yes').click();
  await until('the board schedule gone', async () => (await page.getByTestId('schedule').count()) === 1);
  const gone = await fetch(`${srv.base}/api/v1/schedules/${other.id}`);
  assert.equal(gone.status, 404);
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});
