#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's built-in test runner (through tsx).
// Extra arguments are passed on: `npm test -- --test-name-pattern=adamw`, or file filters:
// `npm test -- test/torch/ops.test.ts`.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
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
// OpenBLAS picks kernels by CPU (AVX-512 ones round differently from AVX2 ones); the references
// were computed with the AVX2 (Haswell) kernels, so x86 machines with AVX2 use those here too.
const env = { ...process.env };
// The python that checks tunekit's files with the Python stack itself (TensorBoard's event reader):
// HF_PYTHON if set, else the venv of scripts/torch2-venv.sh (CI's, or its default one, which
// scripts/quickstart.sh makes).
if (!env.HF_PYTHON) {
  const tmp = env.TMPDIR || '/tmp';
  const found = [`${tmp}/tunekit-ci-torch2/bin/python`, `${tmp}/tunekit-torch2-venv/bin/python`].find((p) => existsSync(p));
  if (found) env.HF_PYTHON = found;
}
if (process.arch === 'x64' && !env.OPENBLAS_CORETYPE && /\bavx2\b/.test(readFileSync('/proc/cpuinfo', 'utf8'))) env.OPENBLAS_CORETYPE = 'Haswell';
const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', '--test', ...reporter, ...flags, ...files], { cwd: root, stdio: 'inherit', env });
process.exit(r.status ?? 1);
