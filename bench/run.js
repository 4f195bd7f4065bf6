#!/usr/bin/env node
// `npm run bench -- NAME [args]`: builds, then runs dist/bench/NAME.js with --expose-gc.
// Without NAME it lists the benchmarks. Output: one JSON object per case on stdout.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const [name, ...rest] = process.argv.slice(2);
const available = fs
  .readdirSync(__dirname)
  .filter((f) => f.endsWith('.ts') && f !== 'report.ts')
  .map((f) => f.slice(0, -3));
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <name>\navailable: ${available.join(', ')}\n`);
  process.exit(name ? 2 : 0);
}
const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const run = spawnSync(
  process.execPath,
  ['--expose-gc', '--max-old-space-size=8192', path.join(root, 'dist', 'bench', `${name}.js`), ...rest],
  { cwd: root, stdio: 'inherit' },
);
process.exit(run.status ?? 1);
