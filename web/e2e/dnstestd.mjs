// A loopback DNS server for the browser tests: cmd/dnstestd of package
// dnstest (built here, or PD_DNSTESTD) serving a zone given as text, for
// `serve --dns-resolver`, so the records the server checks are known and
// can change between checks.

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './harness.mjs';

/**
 * startDNS runs dnstestd on zone and resolves once it listens, with its
 * address, add (a zone line to the running server, resolved once it is
 * served) and stop.
 */
export async function startDNS(zone) {
  const tmp = mkdtempSync(join(tmpdir(), 'pd-dns-'));
  let bin = process.env.PD_DNSTESTD;
  if (!bin) {
    bin = join(tmp, 'dnstestd');
    execFileSync('go', ['build', '-o', bin, './internal/dnscheck/dnstest/cmd/dnstestd'], { cwd: root, stdio: 'inherit' });
  }
  writeFileSync(join(tmp, 'zone'), zone);
  const dns = spawn(bin, [join(tmp, 'zone')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const stop = () => {
    dns.stdin.end();
    dns.kill('SIGTERM');
    rmSync(tmp, { recursive: true, force: true });
  };
  const addr = await new Promise((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error('dnstestd did not start: ' + out)), 20000);
    dns.stdout.on('data', (b) => {
      out += b.toString();
      const m = out.match(/dnstestd addr=([0-9.:]+)/);
      if (m) {
        clearTimeout(timer);
        res(m[1]);
      }
    });
    dns.on('exit', (code) => rej(new Error(`dnstestd exited with ${code}: ${out}`)));
  }).catch((e) => {
    stop();
    throw e;
  });
  return {
    addr,
    add(line) {
      return new Promise((res) => {
        const onData = (b) => {
          if (b.toString().includes('dnstestd added')) {
            dns.stdout.off('data', onData);
            res();
          }
        };
        dns.stdout.on('data', onData);
        dns.stdin.write(line + '\n');
      });
    },
    stop,
  };
}
