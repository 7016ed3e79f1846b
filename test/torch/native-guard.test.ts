// native-guard.test.ts — every native export turns bad arguments into a TorchError and never
// crashes the process.  The fuzz runs in a child process (./native-guard.fuzz.ts): a crash there
// (SIGSEGV, SIGFPE, abort) fails this test and names the call from the child's last log line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { native } from '../../src/torch/native.js';

// Exports that return normally when called with no arguments.  Everything else must throw.
const NO_ARGS_OK = new Set([
  'liveTensorCount', 'torchVersion', 'hasSdpa', 'flushExternalMemory', 'isGradEnabled', 'getNumThreads',
  'cudaIsAvailable', 'cudaDeviceCount', 'cudaBuilt', 'cudaEmptyCache',
  'cudaMemoryAllocated', 'cudaMemoryReserved', // device defaults to 0 (statistics are 0 on CPU builds)
  'cudaSynchronize', // device 0: returns on CUDA builds, throws on CPU-only ones
  'getRngState', // the default generator's state
  'isLive', // false for anything that is not a live handle
  'allowTF32', // the current TF32 setting
  'distHasNccl', // whether this build has NCCL
]);
// Of those, the ones that take no arguments at all (and so ignore whatever they are given).
const TAKES_NOTHING = new Set(['liveTensorCount', 'torchVersion', 'hasSdpa', 'flushExternalMemory', 'isGradEnabled',
  'getNumThreads', 'cudaIsAvailable', 'cudaDeviceCount', 'cudaBuilt', 'cudaEmptyCache', 'allowTF32', 'distHasNccl']);
// Bad values (see BAD in the fuzz) that an export may accept when given in every position.
const GARBAGE_OK: Record<string, string[]> = {
  isLive: ['string', 'object', 'array', 'boolean', 'NaN', '-1', '1.5', '2^53', '1e300', '-Infinity', 'stale handle', '[-1]', '[2^62]',
    '[1e300]', '[-1.5*2^62]'],
  free: ['NaN', '-1', '1.5', '2^53', '1e300', '-Infinity', 'stale handle'], // not a live handle: false
  freeMany: ['array', '[-1]', '[2^62]', '[1e300]', '[-1.5*2^62]'], // non-handles are skipped, like stale ones
  manualSeed: ['-1', '2^53', 'stale handle'], // seeds are integers in [-2^63, 2^64), as torch.manual_seed
  generatorNew: ['-1', '2^53', 'stale handle'],
  setGradEnabled: ['boolean'],
  isAutocastEnabled: ['boolean'],
  setAllowTF32: ['boolean'], // (on: boolean) // (cuda: boolean): true in every position is a real question
  setAllocationLimit: ['2^53', 'stale handle'], // any byte count >= 0 is a limit (the fuzz restores it)
};

interface Report { exports: number; calls: number; failures: string[]; noArgsOk: string[]; accepted: Record<string, string[]>; live: number }

test('every native export refuses bad arguments with a TorchError and never crashes', { timeout: 300_000 }, () => {
  const child = fileURLToPath(new URL('./native-guard.fuzz.ts', import.meta.url));
  const crumb = join(mkdtempSync(join(tmpdir(), 'tk-fuzz-')), 'last-call.txt');
  const r = spawnSync(process.execPath, ['--import', 'tsx', child], {
    encoding: 'utf8', maxBuffer: 1 << 30, timeout: 280_000, env: { ...process.env, TUNEKIT_FUZZ_BREADCRUMB: crumb },
  });
  const lastCall = existsSync(crumb) ? readFileSync(crumb, 'utf8').trim() : '(no breadcrumb)';
  if (r.status !== 0) process.stderr.write(r.stderr ?? '');
  assert.ok(r.status === 0 && r.signal === null,
    `fuzz child died (status ${r.status}, signal ${r.signal}${r.error ? `, ${r.error.message}` : ''}) during: ${lastCall}`);
  const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as Report;

  assert.equal(report.exports, Object.keys(native).length, 'every export was fuzzed');
  assert.deepEqual(report.failures, []);
  assert.equal(report.live, 0, 'tensors leaked by error paths');

  assert.ok(NO_ARGS_OK.size <= 18, 'the no-argument allow-list must stay small');
  const unexpected = report.noArgsOk.filter((n) => !NO_ARGS_OK.has(n));
  assert.deepEqual(unexpected, [], 'exports that returned when called with no arguments');
  for (const [name, values] of Object.entries(report.accepted)) {
    if (TAKES_NOTHING.has(name)) continue;
    const extra = values.filter((v) => !(GARBAGE_OK[name] ?? []).includes(v));
    assert.deepEqual(extra, [], `${name} accepted garbage in every argument`);
  }
  assert.ok(report.calls > 10_000, `only ${report.calls} calls`);
});
