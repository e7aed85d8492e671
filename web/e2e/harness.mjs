// The end-to-end harness: a real `parse-dmarc serve` on a temporary SQLite
// store, and Debian's Chromium driven by playwright-core.
//
// PD_BIN names the binary (default ../bin/parse-dmarc, built by `make
// build` with the dashboard embedded); CHROMIUM the browser (default
// /usr/bin/chromium). Screenshots go to test-results/screenshots/.

import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const root = resolve(import.meta.dirname, '..', '..');
export const corpus = resolve(root, '..', 'shared', 'corpus', 'parsedmarc', 'samples');
export const shots = resolve(import.meta.dirname, '..', 'test-results', 'screenshots');

/**
 * serve starts the binary on a free loopback port with an empty store and
 * returns its base URL and a stop function. Extra args are appended.
 */
export async function serve(args = []) {
  const bin = process.env.PD_BIN ?? join(root, 'bin', 'parse-dmarc');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run make build first`);
  const dir = mkdtempSync(join(tmpdir(), 'pd-e2e-'));
  // The IP data `make ipdb` installs, when present: sources show their
  // organization and the map its countries.
  const ipdb = process.env.PD_IPDB ?? join(root, 'data', 'ipdb');
  const extra = existsSync(ipdb) ? ['--ipdb', ipdb, '--reverse-dns=false'] : ['--reverse-dns=false'];
  const proc = spawn(bin, ['serve', '--addr', '127.0.0.1:0', '--data', dir, ...extra, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PARSE_DMARC_CONFIG: '' },
  });
  let log = '';
  const base = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error('serve did not start in 20 s:\n' + log)), 20000);
    const onData = (b) => {
      log += b.toString();
      const m = log.match(/serving addr=(http:\/\/[0-9.:]+)/);
      if (m) {
        clearTimeout(timer);
        res(m[1]);
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => rej(new Error(`serve exited with ${code}:\n${log}`)));
  });
  return {
    base,
    dir,
    log: () => log,
    async stop() {
      const done = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await done;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** launch starts headless Chromium with the flags this machine needs. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  });
}

/**
 * context opens a browser context with a theme and the onboarding already
 * done (so tests land where they go), and fails the test on page errors.
 */
export async function context(browser, { theme = 'light', onboarding = 'done', preset = 'all' } = {}) {
  // bypassCSP lets the tests inject axe-core; the app itself runs under the
  // server's policy in every other respect.
  const ctx = await browser.newContext({ viewport: { width: 1360, height: 900 }, acceptDownloads: true, bypassCSP: true });
  await ctx.addInitScript(
    ([t, o, p]) => {
      if (location.protocol !== 'http:') return; // about:blank has no storage
      if (sessionStorage.getItem('pd-e2e-init')) return;
      sessionStorage.setItem('pd-e2e-init', '1');
      if (t) localStorage.setItem('pd-theme', t);
      if (o) localStorage.setItem('pd-onboarding', o);
      if (p) localStorage.setItem('pd-filters', JSON.stringify({ domain: '', preset: p, since: '', until: '' }));
    },
    [theme, onboarding, preset],
  );
  ctx.errors = [];
  ctx.on('page', (page) => {
    page.on('pageerror', (e) => ctx.errors.push(e.message));
  });
  return ctx;
}

/** screenshot saves a full-page PNG under test-results/screenshots. */
export async function screenshot(page, name) {
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, name + '.png'), fullPage: true });
}

/**
 * axe runs axe-core's WCAG 2 A/AA rules on the page and returns the
 * violations, each as "rule: target (summary)".
 */
export async function axe(page) {
  await page.addScriptTag({ path: resolve(import.meta.dirname, '..', 'node_modules', 'axe-core', 'axe.min.js') });
  const res = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] } });
    return r.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target.join(' ') + ' — ' + n.failureSummary.split('\n').slice(1, 2).join('')) }));
  });
  return res.flatMap((v) => v.nodes.slice(0, 5).map((n) => `${v.id}: ${n}`));
}
