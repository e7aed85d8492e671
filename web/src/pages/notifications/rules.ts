// Alert rules in the Notifications page: what each type watches, its
// settings as form fields (numbers as text while typed), their checks as
// the server makes them (package alert, rule.go), the body sent, and a
// sentence of what a rule alerts on.

import type { AlertRule, AlertRuleInput, Channel, RuleType, Severity } from '../../lib/api';
import { kindLabel } from '../trends/anomalies';

export const ruleTypes: RuleType[] = [
  'compliance_below',
  'new_source',
  'volume_change',
  'failure_rate_increase',
  'new_domain',
  'anomaly',
  'dns_regression',
  'tls_success_below',
  'tls_new_failure',
];

export const typeLabel: Record<RuleType, string> = {
  compliance_below: 'Compliance below a threshold',
  new_source: 'New sending source',
  volume_change: 'Volume spike or drop',
  failure_rate_increase: 'Failure rate increase',
  new_domain: 'First report from a new domain',
  anomaly: 'Anomalies from the detector',
  dns_regression: 'DNS record regression',
  tls_success_below: 'TLS sessions below a threshold',
  tls_new_failure: 'New TLS failure at an MX host',
};

export const typeHelp: Record<RuleType, string> = {
  compliance_below: "The share of a domain's mail passing DMARC, over the window ending at its newest day with mail, is below the threshold.",
  new_source: "An IP address sent mail as the domain in its newest 3 days with mail and none in the 30 days before. Sources marked expected are left out.",
  volume_change: "The domain's mail in the window is far above or below the mean of the days before. Drops are judged on days at least 2 days old, since reports come late.",
  failure_rate_increase: 'The share of mail failing DMARC in the window rose by more than the given points against the days before.',
  new_domain: 'The first report of a domain came in the last 3 days: receivers now report its mail here.',
  anomaly: "The anomaly detector (Trends page) found something on the domain's newest 3 days that is not marked expected.",
  dns_regression: "The domain's newest DNS check has a problem its check before did not.",
  tls_success_below: "The share of successful TLS sessions senders report with the domain's MX hosts (SMTP TLS reports), over the window ending at its newest report, is below the threshold.",
  tls_new_failure: "A kind of TLS failure at one of the domain's MX hosts appeared in its newest 3 days of SMTP TLS reports, none in the 30 days before.",
};

/** typeName is a rule type's label; a type this dashboard does not know yet is named after its code. */
export function typeName(t: string): string {
  const known = typeLabel[t as RuleType];
  if (known) return known;
  const words = t.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** typeAbout says what a rule type watches; "" for an unknown type. */
export function typeAbout(t: string): string {
  return typeHelp[t as RuleType] ?? '';
}

export type FieldKind = 'percent' | 'points' | 'count' | 'window' | 'bool' | 'score' | 'severity' | 'kinds';

export interface SettingField {
  key: string;
  label: string;
  kind: FieldKind;
  hint: string;
}

const window: SettingField = { key: 'window', label: 'Window (days)', kind: 'window', hint: '1 to 31 days, ending at the newest day with mail.' };
const minMessages = (hint: string): SettingField => ({ key: 'min_messages', label: 'At least this many messages', kind: 'count', hint });

export const settingFields: Record<RuleType, SettingField[]> = {
  compliance_below: [
    { key: 'threshold', label: 'Threshold (%)', kind: 'percent', hint: 'Alert when less than this share of messages passes DMARC.' },
    window,
    minMessages('A window with fewer messages is not judged.'),
  ],
  new_source: [
    minMessages('A new source that sent fewer is left alone.'),
    { key: 'only_failing', label: 'Only sources whose mail mostly fails DMARC', kind: 'bool', hint: 'Leave out new senders that authenticate.' },
  ],
  volume_change: [
    { key: 'spike_percent', label: 'Spike above the usual (%)', kind: 'points', hint: '100 is double the usual; 0 turns spikes off.' },
    { key: 'drop_percent', label: 'Drop below the usual (%)', kind: 'points', hint: '50 is half the usual; 0 turns drops off.' },
    window,
    minMessages('The usual volume must reach this to be judged.'),
  ],
  failure_rate_increase: [
    { key: 'points', label: 'Rise in percentage points', kind: 'points', hint: 'From 12% failing to 22% is 10 points.' },
    window,
    minMessages('The window and the days before must each have this many.'),
  ],
  new_domain: [],
  anomaly: [
    { key: 'min_score', label: 'Lowest score', kind: 'score', hint: '0 to 100; the detector alerts from 50.' },
    { key: 'kinds', label: 'Kinds of anomaly', kind: 'kinds', hint: 'None ticked: every kind.' },
  ],
  dns_regression: [{ key: 'min_severity', label: 'Problems of severity', kind: 'severity', hint: 'Errors only, or warnings too.' }],
  tls_success_below: [
    { key: 'threshold', label: 'Threshold (%)', kind: 'percent', hint: 'Alert when fewer of the sessions than this succeed.' },
    { key: 'window', label: 'Window (days)', kind: 'window', hint: '1 to 31 days, ending at the newest TLS report.' },
    { key: 'min_sessions', label: 'At least this many sessions', kind: 'count', hint: 'A window with fewer sessions is not judged.' },
  ],
  tls_new_failure: [{ key: 'min_sessions', label: 'At least this many failed sessions', kind: 'count', hint: '1 or more.' }],
};

/**
 * fieldsFor are the setting fields of a rule type; for a type this
 * dashboard does not know, one per number or yes/no setting of its
 * defaults (the others are kept as they are).
 */
export function fieldsFor(type: string, defaults: Record<string, unknown> = {}): SettingField[] {
  const known = settingFields[type as RuleType];
  if (known) return known;
  const out: SettingField[] = [];
  for (const [key, v] of Object.entries(defaults)) {
    const label = key.charAt(0).toUpperCase() + key.slice(1).replace(/_/g, ' ');
    if (typeof v === 'number') out.push({ key, label, kind: 'points', hint: '' });
    else if (typeof v === 'boolean') out.push({ key, label, kind: 'bool', hint: '' });
  }
  return out;
}

/** The detector's kinds an anomaly rule can be limited to (package anomaly). */
export const anomalyKinds = [
  'volume_spike',
  'volume_drop',
  'pass_rate_drop',
  'failing_volume',
  'new_unauthorized',
  'new_sources',
  'new_source',
  'source_auth_drop',
  'geographic_shift',
];

export { kindLabel };

export const severityOptions: { value: Severity | ''; label: string }[] = [
  { value: '', label: "The condition's own" },
  { value: 'info', label: 'Info' },
  { value: 'warning', label: 'Warning' },
  { value: 'critical', label: 'Critical' },
];

/** windowDays reads a window ("24h", "7d", "48h") as days; NaN when it is none. */
export function windowDays(w: unknown): number {
  if (typeof w !== 'string') return NaN;
  const d = /^(\d+)d$/.exec(w);
  if (d) return Number(d[1]);
  const h = /^(\d+)h$/.exec(w);
  if (h && Number(h[1]) % 24 === 0) return Number(h[1]) / 24;
  return NaN;
}

/** windowOf writes days as the API's window: "24h" for one, "7d" for more. */
export function windowOf(days: number): string {
  return days === 1 ? '24h' : `${days}d`;
}

/** windowText names a window in a sentence: "24 hours", "7 days". */
export function windowText(w: unknown): string {
  const n = windowDays(w);
  if (Number.isNaN(n)) return String(w);
  return n === 1 ? '24 hours' : `${n} days`;
}

export type SettingValue = string | boolean | string[];

export interface RuleForm {
  name: string;
  type: RuleType;
  /** The type's setting fields. */
  fields: SettingField[];
  /** Settings without a field (of a type this dashboard does not know), sent back as they were. */
  extra: Record<string, unknown>;
  domain: string;
  severity: Severity | '';
  enabled: boolean;
  channels: number[];
  /** Numbers as typed; windows as days. */
  settings: Record<string, SettingValue>;
}

/** ruleForm is the form of a rule or preset. */
export function ruleForm(r: AlertRule): RuleForm {
  const settings: Record<string, SettingValue> = {};
  const s = r.settings ?? {};
  const fields = fieldsFor(r.type, s);
  const extra = Object.fromEntries(Object.entries(s).filter(([k]) => !fields.some((f) => f.key === k)));
  for (const f of fields) {
    const v = s[f.key];
    switch (f.kind) {
      case 'bool':
        settings[f.key] = v === true;
        break;
      case 'kinds':
        settings[f.key] = Array.isArray(v) ? v.map(String) : [];
        break;
      case 'window': {
        const n = windowDays(v);
        settings[f.key] = Number.isNaN(n) ? '1' : String(n);
        break;
      }
      case 'severity':
        settings[f.key] = typeof v === 'string' ? v : 'error';
        break;
      default:
        settings[f.key] = v === undefined || v === null ? '' : String(v);
    }
  }
  return {
    name: r.name,
    type: r.type,
    fields,
    extra,
    domain: r.domain ?? '',
    severity: r.severity ?? '',
    enabled: r.enabled,
    channels: [...(r.channels ?? [])],
    settings,
  };
}

/** withType changes the form's type, taking that type's defaults (from its preset) as the server would. */
export function withType(f: RuleForm, type: RuleType, presets: AlertRule[]): RuleForm {
  const p = presets.find((x) => x.type === type);
  const fresh = ruleForm(p ?? { name: '', type, domain: '', settings: {}, channels: [], enabled: true });
  const wasPresetName = !f.name.trim() || presets.some((x) => x.name === f.name);
  return { ...f, type, settings: fresh.settings, fields: fresh.fields, extra: fresh.extra, name: wasPresetName ? fresh.name : f.name };
}

const numeric = /^-?\d+(\.\d+)?$/;
const integer = /^\d+$/;

/** validateRule checks the form as the server does; errors by field ("settings.threshold"). */
export function validateRule(f: RuleForm): Record<string, string> {
  const e: Record<string, string> = {};
  const name = f.name.trim();
  if (!name || name.length > 100) e.name = 'Give the rule a name of 1 to 100 characters.';
  const domain = f.domain.trim();
  if (domain.length > 253 || /[\s/\\@]/.test(domain)) e.domain = 'A domain name such as example.com, or empty for every domain.';
  for (const field of f.fields) {
    const k = 'settings.' + field.key;
    const raw = f.settings[field.key];
    const v = typeof raw === 'string' ? raw.trim() : '';
    switch (field.kind) {
      case 'percent':
        if (!numeric.test(v) || Number(v) <= 0 || Number(v) > 100) e[k] = 'A percentage above 0, at most 100.';
        break;
      case 'points':
        if (!numeric.test(v) || Number(v) < 0) e[k] = 'A number, 0 or more.';
        else if (f.type === 'failure_rate_increase' && (Number(v) <= 0 || Number(v) > 100)) e[k] = 'Percentage points above 0, at most 100.';
        else if (field.key === 'drop_percent' && Number(v) >= 100) e[k] = '0 (off) to below 100.';
        break;
      case 'count':
        if (!integer.test(v)) e[k] = 'A whole number, 0 or more.';
        else if (f.type === 'tls_new_failure' && Number(v) < 1) e[k] = 'A whole number, 1 or more.';
        break;
      case 'score':
        if (!integer.test(v) || Number(v) > 100) e[k] = 'A whole number from 0 to 100.';
        break;
      case 'window':
        if (!integer.test(v) || Number(v) < 1 || Number(v) > 31) e[k] = 'A whole number of days from 1 to 31.';
        break;
    }
  }
  if (f.type === 'volume_change' && !e['settings.spike_percent'] && !e['settings.drop_percent']) {
    if (Number(f.settings.spike_percent) === 0 && Number(f.settings.drop_percent) === 0) e['settings.spike_percent'] = 'Watch for a spike, a drop or both.';
  }
  return e;
}

/** ruleInput is the body that creates or replaces the rule of the form. */
export function ruleInput(f: RuleForm): AlertRuleInput {
  const settings: Record<string, unknown> = { ...f.extra };
  for (const field of f.fields) {
    const v = f.settings[field.key];
    switch (field.kind) {
      case 'bool':
        settings[field.key] = v === true;
        break;
      case 'kinds':
        settings[field.key] = Array.isArray(v) ? v : [];
        break;
      case 'severity':
        settings[field.key] = v;
        break;
      case 'window':
        settings[field.key] = windowOf(Number(v));
        break;
      default:
        settings[field.key] = Number(String(v).trim());
    }
  }
  return {
    name: f.name.trim(),
    type: f.type,
    domain: f.domain.trim().toLowerCase().replace(/\.$/, ''),
    settings,
    channels: [...f.channels].sort((a, b) => a - b),
    severity: f.severity,
    enabled: f.enabled,
  };
}

const pctText = (v: unknown) => `${Number(v)}%`;

/** ruleSummary says what a rule alerts on: "Compliance below 90% over 24 hours". */
export function ruleSummary(r: Pick<AlertRule, 'type' | 'settings'>): string {
  const s = r.settings ?? {};
  switch (r.type) {
    case 'compliance_below':
      return `Compliance below ${pctText(s.threshold)} over ${windowText(s.window)}`;
    case 'new_source':
      return `A new source with ${Number(s.min_messages)} or more messages` + (s.only_failing ? ' that mostly fail DMARC' : '');
    case 'volume_change': {
      const parts = [];
      if (Number(s.spike_percent) > 0) parts.push(`${pctText(s.spike_percent)} above`);
      if (Number(s.drop_percent) > 0) parts.push(`${pctText(s.drop_percent)} below`);
      return `Mail volume ${parts.join(' or ')} the usual over ${windowText(s.window)}`;
    }
    case 'failure_rate_increase':
      return `DMARC failures up ${Number(s.points)} points over ${windowText(s.window)}`;
    case 'new_domain':
      return 'The first report of a new domain';
    case 'anomaly': {
      const kinds = Array.isArray(s.kinds) && s.kinds.length ? ` (${s.kinds.map((k) => kindLabel(String(k)).toLowerCase()).join(', ')})` : '';
      return `Anomalies scoring ${Number(s.min_score)} or more${kinds}`;
    }
    case 'dns_regression':
      return s.min_severity === 'warning' ? 'New DNS warnings and errors' : 'New DNS errors';
    case 'tls_success_below':
      return `TLS sessions below ${pctText(s.threshold)} successful over ${windowText(s.window)}`;
    case 'tls_new_failure':
      return Number(s.min_sessions) > 1 ? `A new TLS failure at an MX host, ${Number(s.min_sessions)} sessions or more` : 'A new TLS failure at an MX host';
  }
  return typeName(r.type);
}

/** scopeText names what a rule watches: "every domain" or the domain. */
export function scopeText(domain: string): string {
  return domain ? domain : 'every domain';
}

/** channelsText names where a rule's alerts go. */
export function channelsText(ids: number[], channels: Pick<Channel, 'id' | 'name'>[]): string {
  if (!ids.length) return 'Every channel that takes alerts';
  return ids.map((id) => channels.find((c) => c.id === id)?.name ?? `channel ${id} (deleted)`).join(', ');
}
