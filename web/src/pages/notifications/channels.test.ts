import { describe, expect, it } from 'vitest';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Channel, Delivery } from '../../lib/api';
import {
  addresses,
  channelForm,
  channelInput,
  codeText,
  deliveryText,
  destinationText,
  durationText,
  eventsText,
  fieldError,
  kindInfo,
  lastDeliveryText,
  limitHint,
  limitText,
  minutesIn,
  newChannelForm,
  quietActive,
  quietText,
  timeZones,
  urlError,
  urlWarning,
  validateChannel,
  verifyNode,
  verifyPython,
} from './channels';

function ch(over: Partial<Channel> = {}): Channel {
  return {
    id: 7,
    name: 'SIEM',
    kind: 'webhook',
    enabled: true,
    events: ['source.new'],
    url_set: true,
    url_hint: 'https://siem.example/…',
    header_names: ['Authorization'],
    secret_set: true,
    max_per_hour: 10,
    quiet_hours: { start: '22:00', end: '07:00', tz: 'Europe/Berlin' },
    created: '2026-11-24T10:00:00Z',
    updated: '2026-11-24T10:00:00Z',
    ...over,
  };
}

describe('a new channel', () => {
  it('starts with alerts only, whatever the kind', () => {
    for (const k of ['webhook', 'slack', 'email'] as const) {
      const w = newChannelForm(k, 'Europe/Paris');
      expect(w.allEvents).toBe(false);
      expect(w.events).toEqual(['alert.triggered']);
      expect(w.quietTz).toBe('Europe/Paris');
    }
  });

  it('says what is missing', () => {
    const f = newChannelForm('webhook');
    expect(validateChannel(f)).toEqual({ name: 'Give the channel a name of 1 to 100 characters.', url: 'The webhook URL is required.' });
    f.name = 'SIEM';
    f.url = 'ftp://x';
    expect(validateChannel(f).url).toBe('An http:// or https:// URL is required.');
    f.url = 'https://user:pw@siem.example/in';
    expect(validateChannel(f).url).toBe('Put credentials in a custom header, not in the URL.');
    f.url = 'https://siem.example/in';
    f.events = [];
    expect(validateChannel(f)).toEqual({ events: 'Pick at least one event, or all of them.' });
    f.allEvents = true;
    expect(validateChannel(f)).toEqual({});
  });

  it('checks headers as the server does', () => {
    const f = { ...newChannelForm('webhook'), name: 'x', url: 'https://x.example' };
    const h = (name: string, value: string, stored = false) => validateChannel({ ...f, headers: [{ name, value, stored }] }).headers;
    expect(h('Authorization', 'Bearer x')).toBeUndefined();
    expect(h('', '')).toBeUndefined(); // an empty row is ignored
    expect(h('Bad Name', 'x')).toMatch(/is not a header name/);
    expect(h('X-Parse-DMARC-Event', 'x')).toBe('X-Parse-DMARC-Event is set by Parse DMARC.');
    expect(h('Content-Type', 'x')).toBe('Content-Type is set by Parse DMARC.');
    expect(h('X-Team', '')).toBe('X-Team needs a value.');
    expect(h('X-Team', '', true)).toBeUndefined();
    expect(h('X-Team', 'a\nb')).toBe('The value of X-Team has a line break.');
    expect(
      validateChannel({
        ...f,
        headers: [
          { name: 'X-A', value: '1', stored: false },
          { name: 'x-a', value: '2', stored: false },
        ],
      }).headers,
    ).toBe('x-a is given twice.');
  });

  it('checks email settings', () => {
    const f = { ...newChannelForm('email'), name: 'Ops mail' };
    expect(Object.keys(validateChannel(f)).sort()).toEqual(['email.from', 'email.host', 'email.to']);
    Object.assign(f, { host: 'smtp.example.com', from: 'DMARC <dmarc@example.com>', to: 'a@example.com, b@example.com', port: '70000', password: 'x' });
    expect(validateChannel(f)).toEqual({ 'email.port': 'A port from 1 to 65535, or empty for the default.', 'email.username': 'A password needs a username.' });
    Object.assign(f, { port: '', username: 'u', to: 'a@example.com, nope' });
    expect(validateChannel(f)).toEqual({ 'email.to': '“nope” is not an email address.' });
    expect(addresses('a@x.example,\nb@x.example; c@x.example ,')).toEqual(['a@x.example', 'b@x.example', 'c@x.example']);
  });

  it('checks the rate limit and quiet hours', () => {
    const f = { ...newChannelForm('slack'), name: 'x', url: 'https://hooks.slack.com/services/T/B/X', maxPerHour: '-1', quiet: true, quietStart: '25:00' };
    expect(validateChannel(f)).toEqual({ max_per_hour: 'A whole number: 0 for no limit.', 'quiet_hours.start': 'A time of day as HH:MM.' });
    Object.assign(f, { maxPerHour: '5', quietStart: '07:00', quietEnd: '07:00' });
    expect(validateChannel(f)).toEqual({ 'quiet_hours.end': 'The end is the start: that is no quiet hours.' });
  });

  it('sends everything, secrets included', () => {
    const f = {
      ...newChannelForm('webhook', 'Europe/Berlin'),
      name: ' SIEM ',
      url: 'https://siem.example/in',
      secret: 's3cret',
      headers: [
        { name: 'Authorization', value: 'Bearer x', stored: false },
        { name: '', value: '', stored: false },
      ],
      events: ['source.new', 'alert.triggered'] as Channel['events'],
      maxPerHour: '10',
      quiet: true,
    };
    expect(channelInput(f, true)).toEqual({
      name: 'SIEM',
      kind: 'webhook',
      enabled: true,
      max_per_hour: 10,
      events: ['alert.triggered', 'source.new'],
      quiet_hours: { start: '22:00', end: '07:00', tz: 'Europe/Berlin' },
      url: 'https://siem.example/in',
      secret: 's3cret',
      headers: { Authorization: 'Bearer x' },
    });
    const e = { ...newChannelForm('email'), name: 'Mail', host: 'smtp.example.com', port: '465', tls: 'tls' as const, from: 'd@example.com', to: 'a@example.com' };
    expect(channelInput(e, true)).toEqual({
      name: 'Mail',
      kind: 'email',
      enabled: true,
      max_per_hour: 0,
      events: ['alert.triggered'],
      quiet_hours: null,
      email: { host: 'smtp.example.com', port: 465, tls: 'tls', username: '', from: 'd@example.com', to: ['a@example.com'] },
    });
  });
});

describe('a stored channel', () => {
  it('shows its settings with the secrets empty', () => {
    const f = channelForm(ch());
    expect(f).toMatchObject({
      name: 'SIEM',
      allEvents: false,
      events: ['source.new'],
      url: '',
      urlSet: true,
      secret: '',
      secretSet: true,
      headers: [{ name: 'Authorization', value: '', stored: true }],
      maxPerHour: '10',
      quiet: true,
      quietTz: 'Europe/Berlin',
    });
    expect(validateChannel(f)).toEqual({});
  });

  it('keeps what is left empty and sends what is typed', () => {
    const f = channelForm(ch());
    f.headers.push({ name: 'X-Team', value: 'sec', stored: false });
    f.quiet = false;
    expect(channelInput(f, false)).toEqual({
      name: 'SIEM',
      enabled: true,
      max_per_hour: 10,
      events: ['source.new'],
      quiet_hours: null,
      headers: { Authorization: null, 'X-Team': 'sec' },
    });
    f.url = 'https://siem2.example/in';
    f.clearSecret = true;
    f.headers = [];
    expect(channelInput(f, false)).toMatchObject({ url: 'https://siem2.example/in', secret: '', headers: {} });
  });

  it('keeps an email password unless typed or cleared', () => {
    const c = ch({
      kind: 'email',
      events: [],
      url_set: false,
      url_hint: undefined,
      header_names: [],
      secret_set: false,
      email: { host: 'smtp.example.com', port: 587, tls: 'starttls', username: 'u', password_set: true, from: 'd@example.com', to: ['a@example.com', 'b@example.com'] },
    });
    const f = channelForm(c);
    expect(f).toMatchObject({ host: 'smtp.example.com', port: '587', to: 'a@example.com, b@example.com', passwordSet: true });
    expect(channelInput(f, false).email).not.toHaveProperty('password');
    f.clearPassword = true;
    expect(channelInput(f, false).email?.password).toBe('');
    expect(destinationText(c)).toBe('a@example.com, b@example.com via smtp.example.com');
  });
});

describe('API messages on their fields', () => {
  it('places a named setting and keeps the rest whole', () => {
    expect(fieldError("email.host: the SMTP server's host name is required")).toEqual({ field: 'email.host', message: "The SMTP server's host name is required." });
    expect(fieldError('settings.threshold: a percentage above 0, at most 100')).toEqual({ field: 'settings.threshold', message: 'A percentage above 0, at most 100.' });
    expect(fieldError('channels: no notification channel has id 9')).toEqual({ field: 'channels', message: 'No notification channel has id 9.' });
    expect(fieldError('the body is a JSON object: unexpected EOF')).toEqual({ field: '', message: 'the body is a JSON object: unexpected EOF' });
  });
});

describe('URLs', () => {
  it('warns when a URL does not look like the kind', () => {
    expect(urlError('https://hooks.slack.com/services/x')).toBe('');
    expect(urlWarning('slack', 'https://hooks.slack.com/services/x')).toBe('');
    expect(urlWarning('slack', 'https://example.com/x')).toMatch(/does not look like a Slack webhook URL/);
    expect(urlWarning('discord', 'https://discord.com/api/webhooks/1/x')).toBe('');
    expect(urlWarning('teams', 'https://prod-01.westeurope.logic.azure.com/workflows/x')).toBe('');
    expect(urlWarning('webhook', 'http://siem.example/in')).toMatch(/unencrypted/);
    expect(urlWarning('webhook', 'http://127.0.0.1:8080/in')).toBe('');
    expect(kindInfo('teams').label).toBe('Microsoft Teams');
  });
});

describe('quiet hours', () => {
  // 2026-03-29 is the day Europe/Berlin moves to summer time at 01:00 UTC.
  it('reads the local time of a zone', () => {
    expect(minutesIn(new Date('2026-03-29T00:30:00Z'), 'Europe/Berlin')).toBe(90); // 01:30 CET
    expect(minutesIn(new Date('2026-03-29T01:30:00Z'), 'Europe/Berlin')).toBe(210); // 03:30 CEST
    expect(minutesIn(new Date('2026-03-29T01:30:00Z'), '')).toBe(90);
  });

  it('tells whether alerts wait now', () => {
    const q = { start: '22:00', end: '07:00', tz: 'Europe/Berlin' };
    expect(quietActive(q, new Date('2026-11-24T21:30:00Z'))).toBe(true); // 22:30
    expect(quietActive(q, new Date('2026-11-24T05:59:00Z'))).toBe(true); // 06:59
    expect(quietActive(q, new Date('2026-11-24T06:00:00Z'))).toBe(false); // 07:00
    expect(quietActive({ start: '09:00', end: '17:00' }, new Date('2026-11-24T12:00:00Z'))).toBe(true);
    expect(quietActive({ start: '09:00', end: '09:00' }, new Date('2026-11-24T09:00:00Z'))).toBe(false);
    expect(quietActive(null, new Date())).toBe(false);
  });

  it('says them in words', () => {
    const q = { start: '22:00', end: '07:00', tz: 'Europe/Berlin' };
    expect(quietText(q)).toBe('Quiet 22:00–07:00 Europe/Berlin, overnight (9 h)');
    expect(quietText(q, new Date('2026-11-24T21:30:00Z'))).toBe('Quiet 22:00–07:00 Europe/Berlin, overnight (9 h): quiet now, alerts wait until 07:00');
    expect(quietText({ start: '12:00', end: '13:30' })).toBe('Quiet 12:00–13:30 UTC (1.5 h)');
    expect(quietText(null)).toBe('No quiet hours');
    expect(limitText(0)).toBe('No rate limit');
    expect(limitText(1)).toBe('At most 1 alert an hour');
    expect(limitHint('0')).toBe('No limit (0). With a limit, alerts beyond it wait and arrive as one summary.');
    expect(limitHint('')).toMatch(/^No limit/);
    expect(limitHint('10')).toBe('At most 10 alerts an hour; more wait and arrive as one summary.');
    expect(limitHint('x')).toBe('0 for no limit, or the most alerts an hour.');
  });

  it('lists time zones with UTC first and the current one kept', () => {
    expect(timeZones('Mars/Base', () => ['Europe/Berlin', 'UTC', 'America/New_York'])).toEqual(['UTC', 'America/New_York', 'Europe/Berlin', 'Mars/Base']);
    expect(
      timeZones('', () => {
        throw new Error('old browser');
      }),
    ).toEqual(['UTC']);
    expect(timeZones().length).toBeGreaterThan(100);
  });
});

describe('deliveries', () => {
  const d: Delivery = { id: 1, channel_id: 7, event_id: 'evt_1', event: 'ping', attempt: 1, status: 'delivered', status_code: 204, duration_ms: 35, at: '2026-11-24T12:55:00Z', test: true };
  it('says how a delivery went', () => {
    expect(durationText(35)).toBe('35 ms');
    expect(durationText(1234)).toBe('1.2 s');
    expect(codeText(d, 'webhook')).toBe('HTTP 204');
    expect(codeText({ status_code: 250 }, 'email')).toBe('SMTP 250');
    expect(codeText({}, 'slack')).toBe('no answer');
    expect(deliveryText(d, 'webhook')).toBe('Delivered (HTTP 204) in 35 ms');
    expect(deliveryText({ ...d, status: 'failed', status_code: undefined, error: 'webhook: connection refused', duration_ms: 2 }, 'webhook')).toBe(
      'Failed in 2 ms: webhook: connection refused',
    );
    expect(lastDeliveryText(d, Date.parse('2026-11-24T13:00:00Z'))).toBe('Delivered 5 minutes ago (test)');
    expect(lastDeliveryText(undefined)).toBe('Nothing sent yet');
    expect(eventsText({ kind: 'webhook', events: [] })).toBe('All events');
    expect(eventsText({ kind: 'webhook', events: ['alert.triggered', 'source.new'] })).toBe('Alerts, New sending sources');
  });
});

describe('signature snippets', () => {
  it('the Node.js snippet accepts a delivery signed as package webhook signs it, and refuses others', () => {
    const body = Buffer.from('{"id":"evt_1","event":"ping","timestamp":"2026-11-24T12:00:00Z","data":{}}');
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = 'sha256=' + createHmac('sha256', 's3cret').update(`${ts}.${body}`).digest('hex');
    const src = verifyNode.replace(/^import .*$/m, '') + '\nreturn verify;';
    const verify = new Function('createHmac', 'timingSafeEqual', 'Buffer', src)(createHmac, timingSafeEqual, Buffer);
    const headers = { 'x-parse-dmarc-timestamp': ts, 'x-parse-dmarc-signature': sig };
    expect(verify('s3cret', headers, body)).toBe(true);
    expect(verify('other', headers, body)).toBe(false);
    expect(verify('s3cret', headers, Buffer.from(body.toString() + ' '))).toBe(false);
    expect(verify('s3cret', { ...headers, 'x-parse-dmarc-timestamp': String(Number(ts) - 600) }, body)).toBe(false);
  });

  it('both name the headers and the signed string', () => {
    for (const s of [verifyNode, verifyPython]) {
      expect(s.toLowerCase()).toContain('x-parse-dmarc-timestamp');
      expect(s.toLowerCase()).toContain('x-parse-dmarc-signature');
      expect(s).toContain('sha256=');
    }
  });
});
