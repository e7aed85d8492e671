import { describe, expect, it } from 'vitest';
import type { UploadResult } from './api';
import {
  Numberer,
  Pool,
  bytes,
  explain,
  extension,
  httpMessage,
  importedText,
  refusal,
  reportHref,
  reportNoun,
  reportName,
  sizeLimit,
  summarize,
  summaryText,
  tone,
  type QueueItem,
} from './upload-queue';

function item(over: Partial<QueueItem>): QueueItem {
  return { id: 1, name: 'a.xml', size: 10, status: 'done', progress: 1, results: [], ...over };
}

describe('type filtering', () => {
  it.each(['a.xml', 'A.XML', 'r.xml.gz', 'r.zip', 'mail.eml', 'box.mbox', 'google.com!example.com!1!2.xml.zip', 'tls.json', 'tls.json.gz'])('accepts %s', (n) => {
    expect(extension(n)).not.toBe('');
    expect(refusal(n, 100)).toBeUndefined();
  });
  it.each(['a.pdf', 'notes.txt', 'xml', 'archive.tar', 'a.xml.bak'])('refuses %s with a reason', (n) => {
    expect(refusal(n, 100)).toMatch(/not read: send \.xml, \.json, \.gz, \.zip, \.eml or \.mbox/);
  });
  it('names the refused type', () => {
    expect(refusal('a.pdf', 1)).toContain('“.pdf”');
    expect(refusal('README', 1)).toContain('without a type');
  });
  it('refuses empty files and files over a known limit', () => {
    expect(refusal('a.xml', 0)).toBe('The file is empty.');
    expect(refusal('a.xml', 2048, 1024)).toBe("Larger than this server's limit of 1 KB.");
    expect(refusal('a.xml', 1024, 1024)).toBeUndefined();
  });
  it('numbers items and marks refusals', () => {
    const n = new Numberer();
    const a = n.item('a.xml', 5);
    const b = n.item('b.doc', 5);
    expect([a.id, a.status, b.id, b.status]).toEqual([1, 'queued', 2, 'refused']);
    expect(b.refusal).toBeTruthy();
  });
});

describe('sizes', () => {
  it('formats bytes', () => {
    expect(bytes(512)).toBe('512 B');
    expect(bytes(1536)).toBe('1.5 KB');
    expect(bytes(64 << 20)).toBe('64 MB');
  });
  it('reads the limit from the 413 message', () => {
    expect(sizeLimit('the upload is larger than the limit of 64 MiB')).toBe(64 << 20);
    expect(sizeLimit('the upload is larger than the limit of 1000 bytes')).toBe(1000);
    expect(sizeLimit('something else')).toBeUndefined();
  });
});

describe('Pool', () => {
  it('runs at most `limit` tasks at once, all of them, in order', async () => {
    const pool = new Pool(3);
    let now = 0;
    let peak = 0;
    const started: number[] = [];
    const releases: (() => void)[] = [];
    for (let i = 0; i < 8; i++) {
      pool.add(async () => {
        started.push(i);
        now++;
        peak = Math.max(peak, now);
        await new Promise<void>((r) => releases.push(r));
        now--;
      });
    }
    expect(started).toEqual([0, 1, 2]);
    expect(pool.pending).toBe(8);
    while (releases.length) {
      releases.shift()!();
      await new Promise((r) => setTimeout(r, 0));
    }
    await pool.idle();
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
    expect(pool.pending).toBe(0);
  });
  it('goes on after a failing task, and takes tasks added later', async () => {
    const pool = new Pool(2);
    const done: string[] = [];
    pool.add(async () => {
      throw new Error('x');
    });
    pool.add(async () => void done.push('b'));
    await pool.idle();
    pool.add(async () => void done.push('c'));
    await pool.idle();
    expect(done).toEqual(['b', 'c']);
    await expect(pool.idle()).resolves.toBeUndefined();
  });
});

describe('summary', () => {
  const items: QueueItem[] = [
    item({ results: [{ name: 'a', outcome: 'imported', report_id: 1, records: 3 }] }),
    item({
      name: 'x.zip',
      results: [
        { name: 'b', outcome: 'imported', report_id: 2, records: 2 },
        { name: 'c', outcome: 'duplicate', reason: 'already stored' },
        { name: 'd', outcome: 'quarantined', quarantine_id: 4, reason: 'no report found' },
      ],
    }),
    item({ status: 'refused', refusal: 'no' }),
    item({ status: 'failed', error: { status: 413, code: 'too_large', message: 'm' } }),
    item({ status: 'uploading', progress: 0.5 }),
    item({ status: 'queued', progress: 0 }),
  ];
  it('counts reports and files', () => {
    expect(summarize(items)).toEqual({ files: 6, imported: 2, records: 5, duplicates: 1, refused: 3, ignored: 0, pending: 2 });
    expect(summarize([])).toEqual({ files: 0, imported: 0, records: 0, duplicates: 0, refused: 0, ignored: 0, pending: 0 });
    // A mail without any report is neither stored nor refused.
    const reply = item({ results: [{ name: 'reply.eml', outcome: 'ignored', reason: 'no report of any kind' }] });
    expect(summarize([reply])).toEqual({ files: 1, imported: 0, records: 0, duplicates: 0, refused: 0, ignored: 1, pending: 0 });
    expect(summaryText(summarize([reply]))).toBe('0 reports imported · 0 duplicates · 0 refused · 1 mail without a report');
    expect(tone(reply)).toBe('warn');
  });
  it('words it', () => {
    expect(summaryText(summarize(items))).toBe('2 reports imported · 1 duplicate · 3 refused · 2 files in progress');
    expect(summaryText(summarize(items.slice(0, 1)))).toBe('1 report imported · 0 duplicates · 0 refused');
  });
  it('tones rows by their worst report', () => {
    expect(items.map(tone)).toEqual(['good', 'bad', 'bad', 'bad', 'neutral', 'neutral']);
    expect(tone(item({ results: [{ name: 'a', outcome: 'duplicate' }] }))).toBe('warn');
    expect(tone(item({ results: [] }))).toBe('warn');
  });
});

describe('words', () => {
  it('names the report inside a container', () => {
    expect(reportName('upload:t.eml > g.zip > g.xml')).toBe('g.xml');
    expect(reportName('upload:a.xml')).toBe('a.xml');
  });
  it('explains importer reasons in plain words, keeping the detail', () => {
    const e = explain('upload:passwd: unrecognised content: starts with "root:x"');
    expect(e.text).toMatch(/not a DMARC report/);
    expect(e.detail).toBe('unrecognised content: starts with "root:x"');
    expect(explain('required part of the report is missing: /feedback/report_metadata').text).toMatch(/incomplete/);
    expect(explain('upload:t4.xml: no report found: empty').text).toMatch(/No DMARC report/);
    expect(explain('something new')).toEqual({ text: 'Something new', detail: 'something new', worded: false });
    expect(explain(undefined).text).toMatch(/no reason/);
  });
  it('words HTTP errors with the API message', () => {
    expect(httpMessage({ status: 413, code: 'too_large', message: 'the upload is larger than the limit of 64 MiB' })).toBe(
      'Too large for this server: the upload is larger than the limit of 64 MiB.',
    );
    expect(httpMessage({ status: 500, code: 'internal', message: 'boom' })).toBe('The server answered 500: boom.');
    expect(httpMessage({ status: 0, code: 'network', message: '' })).toMatch(/did not reach/);
  });
});

describe('imported reports', () => {
  it('links an aggregate report to /reports and a TLS report to /tls', () => {
    expect(reportHref({ name: 'a.xml', outcome: 'imported', format: 'aggregate', report_id: 7 })).toBe('/reports/7');
    expect(reportHref({ name: 'a.xml', outcome: 'imported', report_id: 8 })).toBe('/reports/8');
    expect(reportHref({ name: 't.json', outcome: 'imported', format: 'smtp_tls', report_id: 3 })).toBe('/tls/3');
    expect(reportHref({ name: 'f.eml', outcome: 'imported', format: 'forensic', report_id: 4 })).toBe('/forensic/4');
    expect([undefined, 'aggregate', 'smtp_tls', 'forensic'].map((format) => reportNoun({ name: 'x', outcome: 'imported', format } as UploadResult))).toEqual([
      'report',
      'report',
      'TLS report',
      'failure report',
    ]);
  });
  it('counts records, or a TLS report\'s policies', () => {
    expect(importedText({ name: 'a.xml', outcome: 'imported', format: 'aggregate', records: 1200 })).toBe('Imported: 1,200 records');
    expect(importedText({ name: 'a.xml', outcome: 'imported', records: 1 })).toBe('Imported: 1 record');
    expect(importedText({ name: 't.json', outcome: 'imported', format: 'smtp_tls', records: 1 })).toBe('Imported SMTP TLS report: 1 policy');
    expect(importedText({ name: 't.json', outcome: 'imported', format: 'smtp_tls', records: 2 })).toBe('Imported SMTP TLS report: 2 policies');
    expect(importedText({ name: 'f.eml', outcome: 'imported', format: 'forensic' })).toBe('Imported failure report: one message that failed');
  });
});
