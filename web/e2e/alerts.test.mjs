// Alerting end to end (roadmap 2.1, 2.8): a real server, a generic
// webhook endpoint and a "Slack" endpoint on loopback in this test. Both
// channels are made through the Notifications page; a send test reaches
// the webhook signed (the HMAC checked here with node:crypto) and shows
// in the delivery log. An alert rule made from the "compliance below 90%"
// preset sends to the webhook; reports of a spoofed domain make the
// engine open an alert, which the Alerts page shows with its facts and
// links, and which is acknowledged and then resolved there; the webhook
// got the signed alert.triggered. axe in light and dark, screenshots of
// the alerts page, the channel form and the delivery log.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { serve, launch, context, screenshot, axe } from './harness.mjs';
import { spoofHeavyReports } from './synth.mjs';

const secret = 'e2e-signing-secret';
const domain = 'spoofheavy.example';

/** receiver is an HTTP endpoint on loopback keeping every request with its raw body. */
function receiver(status, answer = '') {
  const got = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      got.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end(answer);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ got, url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) })),
  );
}

/** shot scrolls to the top first: a full-page shot of a scrolled page draws the sticky bars mid-page. */
async function shot(page, name) {
  await page.evaluate(() => scrollTo(0, 0));
  await screenshot(page, name);
}

/** verified reports whether a request carries a valid signature of its raw body under secret. */
function verified(req) {
  const ts = req.headers['x-parse-dmarc-timestamp'];
  const sig = req.headers['x-parse-dmarc-signature'] ?? '';
  if (!ts || Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const want = Buffer.from('sha256=' + createHmac('sha256', secret).update(ts + '.').update(req.body).digest('hex'));
  const have = Buffer.from(sig);
  return have.length === want.length && timingSafeEqual(have, want);
}

async function until(what, fn, ms = 60000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 500));
  }
}

let srv, browser, hook, slack;
const ids = {};

before(async () => {
  srv = await serve();
  browser = await launch();
  hook = await receiver(204);
  slack = await receiver(200, 'ok');
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  await hook?.close();
  await slack?.close();
});

async function api(path, init) {
  const res = await fetch(srv.base + '/api/v1' + path, init);
  assert.ok(res.ok, `${path}: ${res.status}`);
  return res.status === 204 ? null : res.json();
}

test('channels: a signed webhook and Slack through the form, send test, the delivery log', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(srv.base + '/notifications');
  await page.getByTestId('no-channels').waitFor();
  assert.equal(await page.getByTestId('no-rule').count(), 1, 'no rules yet');
  assert.equal(await page.getByTestId('preset-compliance_below').count(), 1, 'presets offered');
  // The payload preview and the signature check.
  const preview = page.getByTestId('payload-preview');
  await page.getByTestId('payload-alert.triggered').click();
  assert.match(await preview.innerText(), /"event": "alert\.triggered"/);
  assert.match(await page.getByTestId('event-catalogue').innerText(), /X-Parse-DMARC-Signature/);
  assert.deepEqual(await axe(page), []);

  // A webhook: the form's own checks first.
  await page.getByTestId('add-webhook').click();
  const form = page.getByTestId('channel-form');
  await form.waitFor();
  assert.equal(await form.getAttribute('data-kind'), 'webhook');
  await page.getByTestId('channel-save').click();
  assert.match(await form.innerText(), /Give the channel a name/);
  assert.match(await form.innerText(), /The webhook URL is required/);
  await page.getByTestId('channel-name').fill('SIEM');
  await page.getByTestId('channel-url').fill('ftp://nope');
  await page.getByTestId('channel-save').click();
  assert.match(await form.innerText(), /An http:\/\/ or https:\/\/ URL is required/);
  await page.getByTestId('channel-url').fill(hook.url + '/hook?token=T0KEN');
  await page.getByTestId('channel-secret').fill(secret);
  await page.getByTestId('event-compliance.changed').check();
  assert.ok(await page.getByTestId('event-alert.triggered').isChecked(), 'alerts ticked by default');
  await page.getByTestId('header-add').click();
  await page.getByTestId('header-name').fill('Authorization');
  await page.getByTestId('header-value').fill('Bearer e2e');
  await page.getByTestId('channel-max').fill('10');
  await page.getByTestId('quiet-on').check();
  assert.match(await page.getByTestId('quiet-text').innerText(), /^Quiet 22:00–07:00 .*overnight \(9 h\)/);
  await page.getByTestId('quiet-on').uncheck();
  assert.deepEqual(await axe(page), []);
  await shot(page, 'channel-form-light');
  await page.getByTestId('channel-save').click();
  await page.waitForURL(/\/notifications\/channels\/\d+\?saved=1$/);
  ids.hook = Number(new URL(page.url()).pathname.split('/').pop());
  await page.getByTestId('saved').waitFor();

  // Stored as typed, its secrets write-only.
  const stored = await api('/channels/' + ids.hook);
  assert.equal(stored.name, 'SIEM');
  assert.deepEqual(stored.events, ['alert.triggered', 'compliance.changed']);
  assert.deepEqual(stored.header_names, ['Authorization']);
  assert.equal(stored.secret_set, true);
  assert.equal(stored.max_per_hour, 10);
  assert.equal(stored.quiet_hours, null);
  assert.ok(!JSON.stringify(stored).includes('T0KEN') && !JSON.stringify(stored).includes(secret), 'no secret in the answer');
  assert.equal(await page.getByTestId('channel-secret').inputValue(), '', 'the secret is not shown back');
  assert.equal(await page.getByTestId('channel-secret').getAttribute('placeholder'), 'Set — leave empty to keep');

  // Send test: a signed ping arrives, the result and the log say so.
  await page.getByTestId('send-test').click();
  await page.getByTestId('test-result').getByText('Delivered (HTTP 204)').waitFor();
  assert.equal(hook.got.length, 1);
  const ping = hook.got[0];
  assert.equal(ping.url, '/hook?token=T0KEN');
  assert.equal(ping.headers['authorization'], 'Bearer e2e');
  assert.equal(ping.headers['x-parse-dmarc-event'], 'ping');
  assert.ok(verified(ping), 'the ping is signed with the secret');
  assert.equal(JSON.parse(ping.body).event, 'ping');
  const log = page.getByTestId('delivery-log');
  await log.getByTestId('delivery').first().waitFor();
  const row = log.getByTestId('delivery').first();
  assert.equal(await row.getAttribute('data-status'), 'delivered');
  assert.equal(await row.getByTestId('delivery-code').innerText(), 'HTTP 204');
  assert.match(await row.innerText(), /Test ping\s+test/);

  // Saving again without typing keeps the secret, URL and header.
  await page.getByTestId('channel-name').fill('SIEM webhook');
  await page.getByTestId('channel-save').click();
  await page.getByTestId('saved').waitFor();
  const again = await api('/channels/' + ids.hook);
  assert.equal(again.name, 'SIEM webhook');
  assert.ok(again.secret_set && again.url_set);
  assert.deepEqual(again.header_names, ['Authorization']);
  await page.getByTestId('send-test').click();
  await until('the second ping', () => hook.got.length === 2);
  assert.ok(verified(hook.got[1]), 'still signed after the save');
  assert.equal(hook.got[1].headers['authorization'], 'Bearer e2e', 'the header value was kept');
  await until('two rows in the log', async () => (await log.getByTestId('delivery').count()) === 2);
  assert.deepEqual(await axe(page), []);
  await shot(page, 'channel-delivery-log-light');

  // Slack: a URL that is not Slack's is warned about, and used.
  await page.goto(srv.base + '/notifications/channels/new?kind=slack');
  await page.getByTestId('channel-name').fill('Security Slack');
  await page.getByTestId('channel-url').fill(slack.url + '/services/T000/B000/XXXX');
  await page.getByTestId('url-warning').waitFor();
  assert.match(await page.getByTestId('url-warning').innerText(), /does not look like a Slack webhook URL/);
  await page.getByTestId('channel-save').click();
  await page.waitForURL(/\/notifications\/channels\/\d+\?saved=1$/);
  ids.slack = Number(new URL(page.url()).pathname.split('/').pop());
  await page.getByTestId('send-test').click();
  await page.getByTestId('test-result').getByText('Delivered (HTTP 200)').waitFor();
  assert.equal(slack.got.length, 1);
  const msg = JSON.parse(slack.got[0].body);
  assert.ok(msg.text && Array.isArray(msg.blocks), 'Slack got a Block Kit message');

  // Email: the server's own check lands on its field; a send test to a
  // port nothing listens on fails and says why.
  const closed = await receiver(200);
  const deadPort = new URL(closed.url).port;
  await closed.close();
  await page.goto(srv.base + '/notifications/channels/new?kind=email');
  await page.getByTestId('channel-name').fill('Ops mail');
  await page.getByTestId('email-host').fill('127.0.0.1');
  await page.getByTestId('email-tls').selectOption('none');
  await page.getByTestId('email-port').fill(deadPort);
  await page.getByTestId('email-from').fill('a..b@example.com'); // fine in the browser, refused by Go's net/mail
  await page.getByTestId('email-to').fill('ops@example.com, sec@example.com');
  await page.getByTestId('channel-save').click();
  const fromField = page.getByTestId('email-from');
  await until('the server message on From', async () => (await fromField.getAttribute('aria-invalid')) === 'true');
  assert.match(await page.getByTestId('channel-form').innerText(), /A sender address is required: mail: /);
  assert.ok(page.url().endsWith('/notifications/channels/new?kind=email'), 'not saved');
  assert.deepEqual(await axe(page), []);
  await shot(page, 'channel-email-light');
  await fromField.fill('DMARC <dmarc@example.com>');
  await page.getByTestId('channel-save').click();
  await page.waitForURL(/\/notifications\/channels\/\d+\?saved=1$/);
  ids.email = Number(new URL(page.url()).pathname.split('/').pop());
  await page.getByTestId('send-test').click();
  const failed = page.getByTestId('test-result');
  await failed.getByText(/^Failed/).waitFor();
  assert.match(await failed.innerText(), /Failed .*in \d+ ms: .*(refused|connect)/i);
  const emailRow = page.getByTestId('delivery-log').getByTestId('delivery').first();
  await emailRow.waitFor();
  assert.equal(await emailRow.getAttribute('data-status'), 'failed');
  assert.equal(await emailRow.getByTestId('delivery-code').innerText(), 'no answer');

  // The list: the channels with their last delivery.
  await page.goto(srv.base + '/notifications');
  await page.getByTestId('channel-row').nth(2).waitFor();
  const rows = page.getByTestId('channel-row');
  assert.equal(await rows.count(), 3);
  for (let i = 0; i < 2; i++) assert.match(await rows.nth(i).getByTestId('channel-last').innerText(), /^Delivered .* \(test\)/);
  assert.match(await rows.nth(2).getByTestId('channel-last').innerText(), /^Failed .* \(test\)/);
  assert.match(await rows.nth(2).innerText(), /ops@example\.com, sec@example\.com via 127\.0\.0\.1/);
  assert.match(await page.getByTestId('channels').innerText(), /127\.0\.0\.1:\d+\/…/);
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});

test('an alert rule from a preset, reports that trigger it, acknowledged and resolved on the Alerts page', async () => {
  assert.ok(ids.hook, 'the channels test ran first');
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(srv.base + '/alerts');
  await page.getByTestId('no-rules').waitFor();

  // The rule: the preset, sent to the webhook only.
  await page.goto(srv.base + '/notifications#rules');
  await page.getByTestId('preset-compliance_below').click();
  const dialog = page.getByTestId('rule-form');
  await dialog.waitFor();
  assert.equal(await page.getByTestId('rule-name').inputValue(), 'Compliance below 90%');
  assert.equal(await page.getByTestId('setting-threshold').inputValue(), '90');
  await page.getByTestId('setting-threshold').fill('150');
  await page.getByTestId('rule-save').click();
  assert.match(await dialog.innerText(), /A percentage above 0, at most 100/);
  await page.getByTestId('setting-threshold').fill('90');
  await page.getByTestId(`rule-channel-${ids.hook}`).check();
  assert.deepEqual(await axe(page), []);
  await screenshot(page, 'rule-dialog-light');
  await page.getByTestId('rule-save').click();
  await dialog.waitFor({ state: 'detached' });
  const rule = page.getByTestId('rule-row');
  await rule.waitFor();
  assert.match(await rule.innerText(), /Compliance below 90% over 24 hours, on every domain\./);
  assert.match(await rule.innerText(), /Sends to: SIEM webhook/);
  const { rules } = await api('/alerts/rules');
  assert.equal(rules.length, 1);
  assert.deepEqual(rules[0].channels, [ids.hook]);

  // Reports of a domain that a spoofer sends 40% of the mail of.
  const form = new FormData();
  for (const [name, xml] of spoofHeavyReports({ domain })) form.append('file', new Blob([xml]), name);
  const res = await fetch(srv.base + '/api/v1/reports', { method: 'POST', body: form });
  assert.equal(res.status, 200);

  // The engine judges the domain some seconds after its reports.
  const opened = await until('the alert', async () => (await api('/alerts?state=open')).alerts[0]);
  assert.equal(opened.domain, domain);
  assert.equal(opened.type, 'compliance_below');
  await page.goto(srv.base + '/alerts');
  const item = page.getByTestId('alerts-open').getByTestId('alert');
  await item.waitFor();
  assert.equal(await item.count(), 1);
  assert.equal(await item.getByTestId('alert-title').innerText(), opened.title);
  assert.match(opened.title, /spoofheavy\.example: DMARC compliance \d+(\.\d)?% \(below 90%\)/);
  assert.equal(await item.getByTestId('alert-severity').innerText(), 'Critical');
  assert.equal(await item.getByTestId('alert-state').innerText(), 'Open');
  const facts = await item.getByTestId('alert-facts').innerText();
  for (const f of opened.facts) assert.ok(facts.includes(f.name) && facts.includes(f.value), `fact ${f.name}`);
  const links = item.getByTestId('alert-link');
  const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(hrefs, ['/sources/185.220.101.7', `/trends?domain=${domain}`, `/policy?domain=${domain}`]);
  await page.getByTestId('nav-alert-count').waitFor();
  assert.match(await page.getByTestId('nav-alert-count').innerText(), /^1\s*open$/);
  assert.deepEqual(await axe(page), []);
  await shot(page, 'alerts-open-light');

  // The webhook got the alert, signed, and compliance.changed.
  const triggered = await until('alert.triggered at the webhook', () => hook.got.find((r) => r.headers['x-parse-dmarc-event'] === 'alert.triggered'));
  assert.ok(verified(triggered), 'alert.triggered is signed');
  const ev = JSON.parse(triggered.body);
  assert.equal(ev.data.domain, domain);
  assert.equal(ev.data.title, opened.title);
  assert.equal(ev.data.severity, 'critical');
  assert.equal(slack.got.length, 1, 'the rule sends to the webhook only');

  // The domain filter keeps it; another domain has none.
  await page.getByTestId('alert-domain').selectOption(domain);
  await page.waitForURL(/domain=spoofheavy\.example/);
  await item.waitFor();

  // Acknowledge, then resolve.
  await item.getByTestId('alert-ack').click();
  const acked = page.getByTestId('alerts-acknowledged').getByTestId('alert');
  await acked.waitFor();
  assert.equal(await acked.getByTestId('alert-state').innerText(), 'Acknowledged');
  assert.match(await acked.getByTestId('alert-state-text').innerText(), /^Acknowledged by api /);
  assert.equal(await page.getByTestId('alerts-open').count(), 0);
  await page.getByTestId('nav-alert-count').waitFor({ state: 'detached' });
  assert.equal((await api('/alerts/' + opened.id)).state, 'acknowledged');
  await acked.getByTestId('alert-resolve').click();
  const resolved = page.getByTestId('alerts-history').locator(`[data-testid=alert][data-id="${opened.id}"]`);
  await resolved.waitFor();
  assert.equal(await resolved.getAttribute('data-state'), 'resolved');
  assert.match(await resolved.getByTestId('alert-state-text').innerText(), /^Resolved by api .*the condition still holds/);
  assert.equal(await resolved.getByTestId('alert-resolve').count(), 0);
  await page.getByTestId('no-open-alerts').waitFor();
  assert.equal((await api('/alerts/' + opened.id)).state, 'resolved');

  // The state filter shows the resolved one alone.
  await page.getByTestId('state-resolved').click();
  await page.waitForURL(/state=resolved/);
  await page.getByTestId('alerts-history').getByTestId('alert').waitFor();
  assert.equal(await page.getByTestId('alerts-history').getByTestId('alert').count(), 1);
  assert.deepEqual(await axe(page), []);

  // The rule changed: its threshold and severity, then turned off and on.
  await page.goto(srv.base + '/notifications#rules');
  await page.getByTestId('rule-edit').click();
  await page.getByTestId('rule-form').waitFor();
  await page.getByTestId('setting-threshold').fill('80');
  await page.getByTestId('setting-window').fill('7');
  await page.getByTestId('rule-severity').selectOption('warning');
  await page.getByTestId('rule-save').click();
  await page.getByTestId('rule-form').waitFor({ state: 'detached' });
  await until('the new summary', async () => /Compliance below 80% over 7 days, on every domain\./.test(await page.getByTestId('rule-row').innerText()));
  assert.match(await page.getByTestId('rule-row').innerText(), /Warning/);
  const changed = (await api('/alerts/rules')).rules[0];
  assert.deepEqual(changed.settings, { threshold: 80, window: '7d', min_messages: 100 });
  assert.equal(changed.severity, 'warning');
  await page.getByTestId('rule-toggle').uncheck();
  await until('the rule off', async () => (await api('/alerts/rules')).rules[0].enabled === false);
  await page.getByTestId('rule-row').getByText('Off', { exact: true }).waitFor();
  await page.getByTestId('rule-toggle').check();
  await until('the rule on', async () => (await api('/alerts/rules')).rules[0].enabled === true);
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});

test('dark theme: the alerts, the notifications page and a channel pass axe', async () => {
  assert.ok(ids.hook, 'the channels test ran first');
  const ctx = await context(browser, { theme: 'dark' });
  const page = await ctx.newPage();
  await page.goto(srv.base + '/alerts');
  await page.getByTestId('alerts-history').getByTestId('alert').first().waitFor();
  assert.deepEqual(await axe(page), []);
  await shot(page, 'alerts-dark');
  await page.goto(srv.base + '/notifications');
  await page.getByTestId('rule-row').waitFor();
  await page.getByTestId('channel-row').nth(2).waitFor();
  assert.deepEqual(await axe(page), []);
  await shot(page, 'notifications-dark');

  // Deleting the rule asks first; its alert stays in the history.
  await page.getByTestId('rule-delete').click();
  await page.getByTestId('confirm-rule-delete').waitFor();
  assert.deepEqual(await axe(page), []);
  await page.getByTestId('confirm-rule-delete-yes').click();
  await page.getByTestId('no-rule').waitFor();
  assert.equal((await api('/alerts/rules')).rules.length, 0);
  assert.equal((await api('/alerts?state=resolved')).alerts.length, 1);
  await page.goto(srv.base + `/notifications/channels/${ids.hook}`);
  await page.getByTestId('delivery-log').getByTestId('delivery').first().waitFor();
  assert.deepEqual(await axe(page), []);
  await shot(page, 'channel-dark');
  assert.deepEqual(ctx.errors, []);
  await ctx.close();
});
