#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's built-in test runner (through tsx).
// Extra arguments are passed on: `npm test -- --test-name-pattern=adamw`, or file filters:
// `npm test -- test/torch/ops.test.ts`.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const args = process.argv.slice(2);
const fileArgs = args.filter((a) => a.endsWith('.ts'));
const flags = args.filter((a) => !a.endsWith('.ts'));
const files = fileArgs.length ? fileArgs : walk(join(root, 'test')).sort().map((f) => relative(root, f));
const reporter = process.env.CI ? ['--test-reporter=spec'] : [];
const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', '--test', ...reporter, ...flags, ...files], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
