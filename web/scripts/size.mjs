// Prints the gzip size of what the first page load fetches (the entry
// script, the CSS and the modules they import statically) and of every
// lazily loaded chunk, and fails when the first load exceeds the issue's
// budget of 300 KB of gzip JS + CSS.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const dir = 'dist/app';
const budget = 300 * 1024;
const manifest = JSON.parse(readFileSync(join(dir, '.vite/manifest.json'), 'utf8'));

const gz = (file) => gzipSync(readFileSync(join(dir, file)), { level: 9 }).length;
const kb = (n) => (n / 1024).toFixed(1) + ' KB';

const entry = Object.values(manifest).find((c) => c.isEntry);
const first = new Set();
const visit = (key) => {
  const c = manifest[key];
  if (!c || first.has(c.file)) return;
  first.add(c.file);
  for (const css of c.css ?? []) first.add(css);
  for (const imp of c.imports ?? []) visit(imp);
};
visit(Object.keys(manifest).find((k) => manifest[k] === entry));

let total = 0;
console.log('First load (gzip):');
for (const f of first) {
  const n = gz(f);
  total += n;
  console.log(`  ${f.padEnd(44)} ${kb(n).padStart(9)}`);
}
console.log(`  ${'total'.padEnd(44)} ${kb(total).padStart(9)}  (budget ${kb(budget)})`);

console.log('Loaded on demand (gzip):');
const lazy = new Set();
for (const c of Object.values(manifest)) {
  for (const f of [c.file, ...(c.css ?? [])]) if (!first.has(f) && !lazy.has(f) && !f.endsWith('.html')) lazy.add(f);
}
for (const f of [...lazy].sort()) console.log(`  ${f.padEnd(44)} ${kb(gz(f)).padStart(9)}`);

if (total > budget) {
  console.error(`first load ${kb(total)} exceeds the budget of ${kb(budget)}`);
  process.exit(1);
}
