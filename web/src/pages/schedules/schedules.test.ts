import { describe, expect, it } from 'vitest';
import type { ReportSchedule, ScheduleRun } from '../../lib/api';
import {
  channelGets,
  destinations,
  digestQuery,
  domainsText,
  fieldError,
  inputOf,
  kindOfPeriod,
  newScheduleForm,
  nextRun,
  nextText,
  ordinal,
  periodLabel,
  periodOf,
  previewPeriods,
  runPeriodText,
  runRecipientText,
  runResultText,
  scheduleForm,
  scheduleInput,
  sectionsText,
  triggerText,
  validateSchedule,
  wall,
  whenText,
  zonedTime,
} from './schedules';

function sched(over: Partial<ReportSchedule> = {}): ReportSchedule {
  return {
    id: 3,
    name: 'Board',
    kind: 'weekly',
    weekday: 'monday',
    time: '08:30',
    time_zone: 'Europe/Paris',
    domains: ['example.com'],
    sections: ['summary', 'domains', 'issues', 'sources', 'dns'],
    recipients: ['ciso@example.com'],
    channels: [2],
    pdf: true,
    enabled: true,
    last_run: null,
    next_run: '2026-11-30T07:30:00Z',
    created_at: '2026-11-24T10:00:00Z',
    updated_at: '2026-11-24T10:00:00Z',
    ...over,
  };
}

const channels = [
  { id: 2, name: 'Security Slack', kind: 'slack' as const, enabled: true },
  { id: 5, name: 'SIEM', kind: 'webhook' as const, enabled: false },
];

describe('a schedule in words', () => {
  it('says when it sends, in its time zone', () => {
    expect(whenText(sched())).toBe('Every Monday at 08:30 Europe/Paris');
    expect(whenText(sched({ kind: 'daily', weekday: undefined, time: '07:00', time_zone: 'UTC' }))).toBe('Every day at 07:00 UTC');
    expect(whenText(sched({ kind: 'monthly', weekday: undefined, day_of_month: 2, time_zone: '' }))).toBe('Every month on the 2nd at 08:30 UTC');
  });

  it('writes ordinals', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 28].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '23rd', '28th']);
  });

  it('names the domains and sections', () => {
    expect(domainsText([])).toBe('All domains');
    expect(domainsText(['a.example'])).toBe('a.example');
    expect(domainsText(['a.example', 'b.example'])).toBe('a.example and b.example');
    expect(domainsText(['a.example', 'b.example', 'c.example', 'd.example'])).toBe('a.example, b.example and 2 more');
    expect(sectionsText([])).toBe('All sections');
    expect(sectionsText(['summary', 'domains', 'issues', 'sources', 'dns'])).toBe('All sections');
    expect(sectionsText(['issues', 'summary'])).toBe('Summary, Top issues');
  });

  it('lists where it goes: channels by name, a deleted one said so, then the addresses', () => {
    const d = destinations(sched({ channels: [2, 5, 9], recipients: ['a@example.com'] }), channels);
    expect(d.map((x) => [x.kind, x.label, x.paused])).toEqual([
      ['slack', 'Security Slack', false],
      ['webhook', 'SIEM', true],
      ['missing', 'Channel #9 (deleted)', false],
      ['email', 'a@example.com', false],
    ]);
  });

  it('says what each kind of channel gets', () => {
    expect(channelGets('email', true)).toBe('the full report, with the PDF');
    expect(channelGets('email', false)).toBe('the full report');
    expect(channelGets('slack', true)).toMatch(/short summary/);
    expect(channelGets('webhook', true)).toMatch(/report\.digest/);
  });
});

describe('periods', () => {
  it('are the last complete day, week (Monday to Sunday) or month, as digest.PeriodOf', () => {
    const wed = new Date('2026-11-25T15:00:00Z');
    expect(periodOf('daily', wed)).toEqual({ start: '2026-11-24', end: '2026-11-25' });
    expect(periodOf('weekly', wed)).toEqual({ start: '2026-11-16', end: '2026-11-23' });
    expect(periodOf('weekly', new Date('2026-11-23T00:00:00Z'))).toEqual({ start: '2026-11-16', end: '2026-11-23' });
    expect(periodOf('weekly', new Date('2026-11-22T23:59:00Z'))).toEqual({ start: '2026-11-09', end: '2026-11-16' });
    expect(periodOf('monthly', wed)).toEqual({ start: '2026-10-01', end: '2026-11-01' });
    expect(periodOf('monthly', new Date('2027-01-10T00:00:00Z'))).toEqual({ start: '2026-12-01', end: '2027-01-01' });
  });

  it('are named as the report names them', () => {
    expect(periodLabel('weekly', { start: '2026-11-16', end: '2026-11-23' })).toBe('Week of 16 to 22 November 2026');
    expect(periodLabel('weekly', { start: '2026-11-30', end: '2026-12-07' })).toBe('Week of 30 November to 6 December 2026');
    expect(periodLabel('weekly', { start: '2026-12-28', end: '2027-01-04' })).toBe('Week of 28 December 2026 to 3 January 2027');
    expect(periodLabel('monthly', { start: '2026-10-01', end: '2026-11-01' })).toBe('October 2026');
    expect(periodLabel('daily', { start: '2026-11-24', end: '2026-11-25' })).toBe('Tuesday 24 November 2026');
  });

  it('tell a run’s kind by their length', () => {
    expect(kindOfPeriod({ start: '2026-11-24', end: '2026-11-25' })).toBe('daily');
    expect(kindOfPeriod({ start: '2026-11-16', end: '2026-11-23' })).toBe('weekly');
    expect(kindOfPeriod({ start: '2026-02-01', end: '2026-03-01' })).toBe('monthly');
    expect(runPeriodText({ period: ['2026-10-01', '2026-11-01'] })).toBe('October 2026');
  });

  it('offers the last ones to preview, the newest as Send now sends it', () => {
    const p = previewPeriods('weekly', new Date('2026-11-25T15:00:00Z'), 3);
    expect(p).toEqual([
      { at: '', label: 'Week of 16 to 22 November 2026 (latest)' },
      { at: '2026-11-16', label: 'Week of 9 to 15 November 2026' },
      { at: '2026-11-09', label: 'Week of 2 to 8 November 2026' },
    ]);
    // at = a period's end reports that period.
    expect(periodOf('weekly', new Date('2026-11-16T00:00:00Z'))).toEqual({ start: '2026-11-09', end: '2026-11-16' });
    expect(previewPeriods('monthly', new Date('2026-11-25T15:00:00Z'), 2).map((x) => x.label)).toEqual(['October 2026 (latest)', 'September 2026']);
  });
});

describe('the next sending', () => {
  it('reads wall clocks in a zone', () => {
    expect(wall(new Date('2026-11-25T23:30:00Z'), 'Asia/Kolkata')).toEqual({ y: 2026, m: 11, d: 26, h: 5, min: 0, weekday: 4 });
    expect(zonedTime(2026, 11, 30, 8, 30, 'Europe/Paris').toISOString()).toBe('2026-11-30T07:30:00.000Z');
    expect(zonedTime(2026, 7, 6, 8, 30, 'Europe/Paris').toISOString()).toBe('2026-07-06T06:30:00.000Z');
    expect(zonedTime(2026, 11, 30, 8, 0, 'America/New_York').toISOString()).toBe('2026-11-30T13:00:00.000Z');
  });

  it('takes a time daylight saving skips an hour later, as Go does', () => {
    // Paris skips 02:00–03:00 on 28 March 2027: 02:30 is 03:30 CEST.
    expect(zonedTime(2027, 3, 28, 2, 30, 'Europe/Paris').toISOString()).toBe('2027-03-28T01:30:00.000Z');
  });

  it('is the next due time in the schedule’s zone', () => {
    const wed = new Date('2026-11-25T12:00:00Z');
    expect(nextRun(sched(), wed)?.toISOString()).toBe('2026-11-30T07:30:00.000Z');
    // Monday already, before and after the time.
    expect(nextRun(sched(), new Date('2026-11-30T07:00:00Z'))?.toISOString()).toBe('2026-11-30T07:30:00.000Z');
    expect(nextRun(sched(), new Date('2026-11-30T07:30:00Z'))?.toISOString()).toBe('2026-12-07T07:30:00.000Z');
    expect(nextRun({ kind: 'daily', time: '07:30', time_zone: 'UTC' }, new Date('2026-11-25T07:29:00Z'))?.toISOString()).toBe('2026-11-25T07:30:00.000Z');
    expect(nextRun({ kind: 'daily', time: '07:30', time_zone: 'UTC' }, new Date('2026-11-25T07:31:00Z'))?.toISOString()).toBe('2026-11-26T07:30:00.000Z');
    // Already the 26th in Kolkata: tomorrow there.
    expect(nextRun({ kind: 'daily', time: '06:00', time_zone: 'Asia/Kolkata' }, new Date('2026-11-25T23:30:00Z'))?.toISOString()).toBe('2026-11-26T00:30:00.000Z');
    expect(nextRun({ kind: 'monthly', day_of_month: 1, time: '09:00', time_zone: 'Europe/Berlin' }, wed)?.toISOString()).toBe('2026-12-01T08:00:00.000Z');
    expect(nextRun({ kind: 'monthly', day_of_month: 28, time: '09:00', time_zone: 'UTC' }, new Date('2027-02-28T10:00:00Z'))?.toISOString()).toBe(
      '2027-03-28T09:00:00.000Z',
    );
  });

  it('is null while the settings are incomplete', () => {
    expect(nextRun(sched({ time: '8:30' }), new Date())).toBeNull();
    expect(nextRun(sched({ time_zone: 'Mars/Olympus' }), new Date())).toBeNull();
    expect(nextRun(sched({ kind: 'monthly', day_of_month: 31 }), new Date())).toBeNull();
  });

  it('is said in the schedule’s zone and the reader’s', () => {
    const t = new Date('2026-11-30T07:30:00Z');
    expect(nextText(t, 'Europe/Paris', 'Europe/Paris')).toBe('Monday 30 November, 08:30 Europe/Paris');
    expect(nextText(t, 'Europe/Paris', 'Europe/London')).toBe('Monday 30 November, 08:30 Europe/Paris (07:30 your time)');
    expect(nextText(t, 'Europe/Paris', 'America/Los_Angeles')).toBe('Monday 30 November, 08:30 Europe/Paris (Sunday 29 November, 23:30 your time)');
    expect(nextText(t, 'UTC', 'Africa/Abidjan')).toBe('Monday 30 November, 07:30 UTC');
  });
});

describe('the form', () => {
  it('starts as a weekly digest on Monday morning in the browser’s zone, with everything', () => {
    const f = newScheduleForm('Europe/Paris');
    expect(f).toMatchObject({ kind: 'weekly', weekday: 'monday', time: '08:00', timeZone: 'Europe/Paris', allDomains: true, pdf: true, enabled: true });
    expect(f.sections).toHaveLength(5);
  });

  it('says what is missing', () => {
    const f = newScheduleForm('UTC');
    expect(validateSchedule(f)).toEqual({
      name: 'Give the schedule a name.',
      destinations: 'Add an email address or tick a channel: the report needs somewhere to go.',
    });
    f.name = 'Board';
    f.channels = [2];
    expect(validateSchedule(f)).toEqual({});
  });

  it('checks each field as the server does', () => {
    const f = { ...newScheduleForm('UTC'), name: 'x'.repeat(201), kind: 'monthly' as const, dayOfMonth: '29', time: '24:00', timeZone: 'Nowhere/Land' };
    f.allDomains = false;
    f.sections = [];
    f.recipients = 'ok@example.com, nope, Ann <ann@example.org>, also@bad';
    expect(validateSchedule(f)).toEqual({
      name: 'Keep the name to 200 characters.',
      day_of_month: 'Pick a day from 1 to 28, so that every month has it.',
      time: 'A time of day, 00:00 to 23:59.',
      time_zone: 'Pick a time zone.',
      domains: 'Tick at least one domain, or report on all of them.',
      sections: 'Tick at least one section.',
      recipients: 'These are not email addresses: nope, also@bad.',
    });
  });

  it('sends the body the API takes', () => {
    const f = { ...newScheduleForm('Europe/Paris'), name: ' Board ', allDomains: false, domains: ['b.example', 'a.example'] };
    f.sections = ['issues', 'summary'];
    f.recipients = 'a@example.com;\nb@example.com';
    f.channels = [2];
    expect(scheduleInput(f)).toEqual({
      name: 'Board',
      kind: 'weekly',
      weekday: 'monday',
      time: '08:00',
      time_zone: 'Europe/Paris',
      domains: ['a.example', 'b.example'],
      sections: ['summary', 'issues'],
      recipients: ['a@example.com', 'b@example.com'],
      channels: [2],
      pdf: true,
      enabled: true,
    });
    expect(scheduleInput({ ...f, kind: 'monthly', dayOfMonth: '15' })).toMatchObject({ day_of_month: 15 });
    expect(scheduleInput({ ...f, kind: 'monthly' })).not.toHaveProperty('weekday');
    expect(scheduleInput({ ...f, allDomains: true }).domains).toEqual([]);
  });

  it('round-trips a stored schedule, and pausing changes nothing else', () => {
    const s = sched({ kind: 'monthly', weekday: undefined, day_of_month: 2, domains: [] });
    const f = scheduleForm(s);
    expect(f).toMatchObject({ kind: 'monthly', dayOfMonth: '2', allDomains: true, recipients: 'ciso@example.com' });
    expect(inputOf(s, false)).toEqual({
      name: 'Board',
      kind: 'monthly',
      day_of_month: 2,
      time: '08:30',
      time_zone: 'Europe/Paris',
      domains: [],
      sections: ['summary', 'domains', 'issues', 'sources', 'dns'],
      recipients: ['ciso@example.com'],
      channels: [2],
      pdf: true,
      enabled: false,
    });
  });

  it('places the API’s messages on their fields', () => {
    expect(fieldError('time_zone: "Mars/Base" is not an IANA time zone')).toEqual({ field: 'time_zone', message: '"Mars/Base" is not an IANA time zone.' });
    expect(fieldError('day_of_month: 1 to 28, so every month has it')).toEqual({ field: 'day_of_month', message: '1 to 28, so every month has it.' });
    expect(fieldError('recipients or channels: a report needs somewhere to go')).toEqual({ field: 'destinations', message: 'A report needs somewhere to go.' });
    expect(fieldError('the body is a schedule: {name, kind}')).toEqual({ field: '', message: 'the body is a schedule: {name, kind}' });
  });

  it('asks for the report the schedule sends', () => {
    expect(digestQuery(scheduleInput({ ...newScheduleForm(), kind: 'daily' }))).toEqual({ period: 'day', domains: [], sections: [], at: undefined });
    expect(digestQuery({ kind: 'monthly', domains: ['a.example'], sections: ['summary'] }, '2026-10-01')).toEqual({
      period: 'month',
      domains: ['a.example'],
      sections: ['summary'],
      at: '2026-10-01',
    });
  });
});

describe('runs', () => {
  const run: ScheduleRun = {
    id: 1,
    at: '2026-11-25T10:00:00Z',
    due: null,
    period: ['2026-11-16', '2026-11-23'],
    status: 'sent',
    recipients: ['channel:2', 'ciso@example.com'],
  };

  it('name channels by name', () => {
    expect(runRecipientText('channel:2', channels)).toBe('Security Slack');
    expect(runRecipientText('channel:9', channels)).toBe('Channel #9');
    expect(runRecipientText('a@example.com', channels)).toBe('a@example.com');
  });

  it('say how Send now went', () => {
    expect(runResultText(run, channels)).toBe('Sent the report of the week of 16 to 22 November 2026 to Security Slack, ciso@example.com.');
    expect(runResultText({ ...run, recipients: ['a@x.example', 'b@x.example', 'c@x.example', 'd@x.example', 'e@x.example'] }, channels)).toBe(
      'Sent the report of the week of 16 to 22 November 2026 to a@x.example, b@x.example, c@x.example and 2 more.',
    );
    expect(runResultText({ ...run, status: 'failed', error: 'no enabled email channel to send through' }, channels)).toBe(
      'Not sent: no enabled email channel to send through.',
    );
    expect(triggerText(run)).toBe('Sent by hand');
    expect(triggerText({ due: '2026-11-23T07:30:00Z' })).toBe('On schedule');
  });
});
