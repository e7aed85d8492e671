import { describe, expect, it } from 'vitest';
import type { AlertRule } from '../../lib/api';
import {
  anomalyKinds,
  channelsText,
  ruleForm,
  ruleInput,
  ruleSummary,
  ruleTypes,
  scopeText,
  typeAbout,
  typeName,
  settingFields,
  validateRule,
  windowDays,
  windowOf,
  windowText,
  withType,
} from './rules';

// The presets as GET /api/v1/alerts/presets answers them (alert.Presets, defaults filled in).
const presets: AlertRule[] = [
  { name: 'Compliance below 90%', type: 'compliance_below', domain: '', settings: { threshold: 90, window: '24h', min_messages: 100 }, channels: [], enabled: true },
  { name: 'New failing source', type: 'new_source', domain: '', settings: { min_messages: 100, only_failing: true }, channels: [], enabled: true },
  {
    name: 'Volume spike or drop',
    type: 'volume_change',
    domain: '',
    settings: { spike_percent: 100, drop_percent: 50, window: '24h', min_messages: 100 },
    channels: [],
    enabled: true,
  },
  { name: 'Failure rate up 10 points', type: 'failure_rate_increase', domain: '', settings: { points: 10, window: '24h', min_messages: 100 }, channels: [], enabled: true },
  { name: 'First report from a new domain', type: 'new_domain', domain: '', settings: {}, channels: [], enabled: true },
  { name: 'Anomalies the detector alerts on', type: 'anomaly', domain: '', settings: { min_score: 50, kinds: [] }, channels: [], enabled: true },
  { name: 'DNS record errors', type: 'dns_regression', domain: '', settings: { min_severity: 'error' }, channels: [], enabled: true },
  {
    name: 'TLS sessions below 95% successful',
    type: 'tls_success_below',
    domain: '',
    settings: { threshold: 95, window: '7d', min_sessions: 100 },
    channels: [],
    enabled: true,
  },
  { name: 'New TLS failure at an MX host', type: 'tls_new_failure', domain: '', settings: { min_sessions: 1 }, channels: [], enabled: true },
];

describe('windows', () => {
  it('reads and writes the API form', () => {
    expect(windowDays('24h')).toBe(1);
    expect(windowDays('48h')).toBe(2);
    expect(windowDays('7d')).toBe(7);
    expect(windowDays('5h')).toBeNaN();
    expect(windowDays(undefined)).toBeNaN();
    expect(windowOf(1)).toBe('24h');
    expect(windowOf(7)).toBe('7d');
    expect(windowText('24h')).toBe('24 hours');
    expect(windowText('14d')).toBe('14 days');
  });
});

describe('the form', () => {
  it('has fields for every type', () => {
    for (const t of ruleTypes) expect(settingFields[t]).toBeDefined();
    expect(anomalyKinds).toHaveLength(9);
  });

  it('edits a type it does not know by its number and yes/no settings, keeping the others', () => {
    const r: AlertRule = { name: 'Future', type: 'bimi_gone' as AlertRule['type'], domain: '', settings: { days: 3, strict: true, hosts: ['a'] }, channels: [], enabled: true };
    const f = ruleForm(r);
    expect(f.fields.map((x) => [x.key, x.kind])).toEqual([
      ['days', 'points'],
      ['strict', 'bool'],
    ]);
    expect(typeName(r.type)).toBe('Bimi gone');
    expect(typeAbout(r.type)).toBe('');
    f.settings.days = '5';
    expect(validateRule(f)).toEqual({});
    expect(ruleInput(f).settings).toEqual({ hosts: ['a'], days: 5, strict: true });
    expect(ruleSummary(r)).toBe('Bimi gone');
  });

  it('round-trips every preset to the same body', () => {
    for (const p of presets) {
      const f = ruleForm(p);
      expect(validateRule(f)).toEqual({});
      expect(ruleInput(f)).toEqual({ name: p.name, type: p.type, domain: '', settings: p.settings, channels: [], severity: '', enabled: true });
    }
  });

  it('keeps numbers as typed and converts them back', () => {
    const f = ruleForm(presets[0]);
    expect(f.settings).toEqual({ threshold: '90', window: '1', min_messages: '100' });
    f.settings.threshold = '95.5';
    f.settings.window = '7';
    f.domain = ' Example.COM. ';
    f.channels = [3, 1];
    f.severity = 'warning';
    expect(ruleInput(f)).toMatchObject({
      domain: 'example.com',
      settings: { threshold: 95.5, window: '7d', min_messages: 100 },
      channels: [1, 3],
      severity: 'warning',
    });
  });

  it('checks what the server checks', () => {
    const f = ruleForm(presets[0]);
    f.name = ' ';
    f.domain = 'a b';
    f.settings = { threshold: '120', window: '0', min_messages: '-1' };
    expect(Object.keys(validateRule(f)).sort()).toEqual(['domain', 'name', 'settings.min_messages', 'settings.threshold', 'settings.window']);
    f.settings = { threshold: 'abc', window: '32', min_messages: '1.5' };
    expect(validateRule(f)['settings.threshold']).toBe('A percentage above 0, at most 100.');
    expect(validateRule(f)['settings.window']).toBe('A whole number of days from 1 to 31.');

    const v = ruleForm(presets[2]);
    v.settings.spike_percent = '0';
    v.settings.drop_percent = '0';
    expect(validateRule(v)).toEqual({ 'settings.spike_percent': 'Watch for a spike, a drop or both.' });
    v.settings.drop_percent = '100';
    expect(validateRule(v)['settings.drop_percent']).toBe('0 (off) to below 100.');

    const r = ruleForm(presets[3]);
    r.settings.points = '0';
    expect(validateRule(r)['settings.points']).toBe('Percentage points above 0, at most 100.');

    const a = ruleForm(presets[5]);
    a.settings.min_score = '101';
    expect(validateRule(a)['settings.min_score']).toBe('A whole number from 0 to 100.');

    const t = ruleForm(presets[8]);
    t.settings.min_sessions = '0';
    expect(validateRule(t)['settings.min_sessions']).toBe('A whole number, 1 or more.');
  });

  it('takes a new type with its defaults, and its name while it was a preset name', () => {
    const f = withType(ruleForm(presets[0]), 'dns_regression', presets);
    expect(f.name).toBe('DNS record errors');
    expect(f.settings).toEqual({ min_severity: 'error' });
    const own = { ...ruleForm(presets[0]), name: 'Shop compliance' };
    expect(withType(own, 'anomaly', presets)).toMatchObject({ name: 'Shop compliance', settings: { min_score: '50', kinds: [] } });
  });
});

describe('sentences', () => {
  it('says what a rule alerts on', () => {
    expect(presets.map((p) => ruleSummary(p))).toEqual([
      'Compliance below 90% over 24 hours',
      'A new source with 100 or more messages that mostly fail DMARC',
      'Mail volume 100% above or 50% below the usual over 24 hours',
      'DMARC failures up 10 points over 24 hours',
      'The first report of a new domain',
      'Anomalies scoring 50 or more',
      'New DNS errors',
      'TLS sessions below 95% successful over 7 days',
      'A new TLS failure at an MX host',
    ]);
    expect(ruleSummary({ type: 'volume_change', settings: { spike_percent: 0, drop_percent: 30, window: '7d' } })).toBe(
      'Mail volume 30% below the usual over 7 days',
    );
    expect(ruleSummary({ type: 'anomaly', settings: { min_score: 70, kinds: ['volume_spike'] } })).toBe('Anomalies scoring 70 or more (volume spike)');
    expect(ruleSummary({ type: 'dns_regression', settings: { min_severity: 'warning' } })).toBe('New DNS warnings and errors');
  });

  it('names the scope and the channels', () => {
    expect(scopeText('')).toBe('every domain');
    expect(scopeText('example.com')).toBe('example.com');
    expect(channelsText([], [])).toBe('Every channel that takes alerts');
    expect(channelsText([2, 5], [{ id: 2, name: 'Ops Slack' }])).toBe('Ops Slack, channel 5 (deleted)');
  });
});
