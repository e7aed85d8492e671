// The upload page's logic (roadmap 1.8), kept apart from the component so it
// can be tested: which files are sent, how many at once, what the answers
// mean in plain words, and the summary line.

import type { UploadResult } from './api';
import { num } from './format';

/** The file name endings the importer reads; others are refused here. */
export const ACCEPTED = ['.xml', '.json', '.gz', '.zip', '.eml', '.mbox'] as const;

/** At most this many uploads run at once. */
export const CONCURRENCY = 3;

export type ItemStatus = 'refused' | 'queued' | 'uploading' | 'done' | 'failed';

export interface QueueItem {
  id: number;
  name: string;
  size: number;
  status: ItemStatus;
  /** Upload progress of the bytes, 0..1. */
  progress: number;
  /** Why the file was not sent (refused in the browser). */
  refusal?: string;
  /** Every report found in the file, as the server answered. */
  results: UploadResult[];
  /** The API's error, for a request that failed as a whole. */
  error?: { status: number; code: string; message: string };
}

/** extension is the accepted ending of name, or '' when none fits. */
export function extension(name: string): string {
  const n = name.toLowerCase();
  return ACCEPTED.find((e) => n.endsWith(e)) ?? '';
}

/**
 * refusal tells why a file is not sent, or undefined when it is: its type,
 * an empty file, or a size over the server's limit once that is known.
 */
export function refusal(name: string, size: number, limit?: number): string | undefined {
  if (!extension(name)) {
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 ? name.slice(dot) : '';
    return `${ext ? `“${ext}” files are` : 'A file without a type is'} not read: send .xml, .json, .gz, .zip, .eml or .mbox files.`;
  }
  if (size === 0) return 'The file is empty.';
  if (limit !== undefined && size > limit) return `Larger than this server's limit of ${bytes(limit)}.`;
  return undefined;
}

/** bytes formats a size as B, KB, MB or GB (1024-based, one decimal). */
export function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return (i === 0 ? String(v) : (Math.round(v * 10) / 10).toString()) + ' ' + units[i];
}

/**
 * sizeLimit reads the server's limit from a 413 message such as "the upload
 * is larger than the limit of 64 MiB", in bytes.
 */
export function sizeLimit(message: string): number | undefined {
  const m = /limit of (\d+(?:\.\d+)?)\s*(bytes|B|KiB|KB|MiB|MB|GiB|GB)\b/i.exec(message);
  if (!m) return undefined;
  const mult: Record<string, number> = { b: 1, bytes: 1, kib: 1024, kb: 1024, mib: 1 << 20, mb: 1 << 20, gib: 1 << 30, gb: 1 << 30 };
  return Math.round(parseFloat(m[1]) * mult[m[2].toLowerCase()]);
}

/** Numberer makes the items of dropped files, each with its own id. */
export class Numberer {
  private next = 1;
  item(name: string, size: number, limit?: number): QueueItem {
    const why = refusal(name, size, limit);
    return { id: this.next++, name, size, status: why ? 'refused' : 'queued', progress: 0, refusal: why, results: [] };
  }
}

/**
 * Pool runs tasks with at most `limit` at once, in the order added; tasks
 * added while others run wait for a free slot. idle resolves when all
 * added so far are done.
 */
export class Pool {
  private waiting: (() => Promise<void>)[] = [];
  private idleWaiters: (() => void)[] = [];
  running = 0;

  constructor(private limit: number) {}

  add(task: () => Promise<void>) {
    this.waiting.push(task);
    this.pump();
  }

  get pending(): number {
    return this.waiting.length + this.running;
  }

  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private pump() {
    while (this.running < this.limit && this.waiting.length > 0) {
      const task = this.waiting.shift()!;
      this.running++;
      task()
        .catch(() => {})
        .finally(() => {
          this.running--;
          this.pump();
          if (this.pending === 0) this.idleWaiters.splice(0).forEach((r) => r());
        });
    }
  }
}

export interface Summary {
  /** Files in the list. */
  files: number;
  /** Reports stored. */
  imported: number;
  /** Records in the reports stored. */
  records: number;
  /** Reports that were stored before. */
  duplicates: number;
  /**
   * Refused: files refused in the browser or failed as a request, and
   * reports the server quarantined.
   */
  refused: number;
  /** Mails without any report: nothing to store, nothing wrong. */
  ignored: number;
  /** Files waiting or on their way. */
  pending: number;
}

export function summarize(items: QueueItem[]): Summary {
  const s: Summary = { files: items.length, imported: 0, records: 0, duplicates: 0, refused: 0, ignored: 0, pending: 0 };
  for (const it of items) {
    if (it.status === 'refused' || it.status === 'failed') s.refused++;
    if (it.status === 'queued' || it.status === 'uploading') s.pending++;
    for (const r of it.results) {
      if (r.outcome === 'imported') {
        s.imported++;
        s.records += r.records ?? 0;
      } else if (r.outcome === 'duplicate') s.duplicates++;
      else if (r.outcome === 'ignored') s.ignored++;
      else s.refused++;
    }
  }
  return s;
}

function plural(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** summaryText is the summary line read out by screen readers. */
export function summaryText(s: Summary): string {
  const parts = [plural(s.imported, 'report') + ' imported', plural(s.duplicates, 'duplicate'), s.refused + ' refused'];
  if (s.ignored > 0) parts.push(plural(s.ignored, 'mail') + ' without a report');
  const head = parts.join(' · ');
  return s.pending > 0 ? `${head} · ${plural(s.pending, 'file')} in progress` : head;
}

/** tone is the colour of a file's row: how the worst of its reports went. */
export function tone(it: QueueItem): 'good' | 'warn' | 'bad' | 'neutral' {
  if (it.status === 'refused' || it.status === 'failed') return 'bad';
  if (it.status !== 'done') return 'neutral';
  if (it.results.length === 0) return 'warn';
  if (it.results.some((r) => r.outcome === 'quarantined')) return 'bad';
  if (it.results.some((r) => r.outcome === 'duplicate' || r.outcome === 'ignored')) return 'warn';
  return 'good';
}

/** reportHref is the dashboard page of an imported report: an SMTP TLS report's is under /tls, a failure report's under /forensic. */
export function reportHref(r: UploadResult): string {
  return (r.format === 'smtp_tls' ? '/tls/' : r.format === 'forensic' ? '/forensic/' : '/reports/') + r.report_id;
}

/** reportNoun names the kind of an imported report for its link: "View failure report". */
export function reportNoun(r: UploadResult): string {
  return r.format === 'smtp_tls' ? 'TLS report' : r.format === 'forensic' ? 'failure report' : 'report';
}

/** importedText says what an imported report holds: its records, a TLS report's policies, or that it is a failure report (one message). */
export function importedText(r: UploadResult): string {
  const n = r.records ?? 0;
  if (r.format === 'smtp_tls') return `Imported SMTP TLS report: ${num(n)} ${n === 1 ? 'policy' : 'policies'}`;
  if (r.format === 'forensic') return 'Imported failure report: one message that failed';
  return `Imported: ${num(n)} record${n === 1 ? '' : 's'}`;
}

/** reportName is the last part of a result's name: "upload:a.zip > b.xml" → "b.xml". */
export function reportName(name: string): string {
  const last = name.split(' > ').at(-1) ?? name;
  return last.replace(/^upload:/, '');
}

const plain: [RegExp, string][] = [
  [/unrecognised content/i, 'This is not a DMARC report: the content is none of XML, gzip, zip or mail.'],
  [/no report found/i, 'No DMARC report was found in it (an empty file, archive or a mail without a report attachment).'],
  [/decompressed size exceeds|too large/i, 'It unpacks to more than the server accepts.'],
  [/nested too deeply/i, 'Archives are nested inside each other too deeply.'],
  [/too many archive members/i, 'The archive holds more files than the server accepts.'],
  [/corrupt container/i, 'The archive or mail is damaged and could not be unpacked.'],
  [/required part of the report is missing/i, 'The report is incomplete: a required part is missing.'],
  [/xml syntax|unexpected eof|invalid character|element .* closed by/i, 'The XML is not well formed.'],
];

/**
 * explain turns an importer's reason into plain words, keeping the detail
 * (without the "upload:file: " prefix) for those who want it.
 */
export function explain(reason: string | undefined): { text: string; detail: string; worded: boolean } {
  const detail = (reason ?? '').replace(/^upload:[^:]*:\s*/, '');
  for (const [re, text] of plain) if (re.test(detail)) return { text, detail, worded: true };
  return { text: detail ? capitalise(detail) : 'The importer gave no reason.', detail, worded: false };
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** httpMessage is a failed request in plain words, with the API's message. */
export function httpMessage(err: { status: number; code: string; message: string }): string {
  if (err.status === 413) return `Too large for this server: ${err.message}.`;
  if (err.status === 0) return 'The upload did not reach the server. Check the connection and try again.';
  if (err.status === 401 || err.status === 403) return `Not allowed (${err.status}): ${err.message}. Sign in again and retry.`;
  if (err.status === 429) return `Too many uploads at once: ${err.message}. Wait a moment and retry.`;
  return `The server answered ${err.status}: ${err.message}.`;
}
