// Absurd allocations are refused before the allocator is asked (src/torch/limits.ts and the
// addon's LimitedCpuAllocator): without that, Linux may grant a 536 GB request by overcommit and
// the process is OOM-killed when the pages are touched (seen on libtorch 2.x in the fuzz).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as torch from '../../src/torch/index.js';
import { machineMemoryBytes } from '../../src/torch/limits.js';

const refused = /refusing to allocate (\d+) bytes: more than this machine's memory limit of (\d+) bytes/;

test('a 536 GB arange, a 4 TB zeros and a huge matmul result are TorchErrors naming the size, and nothing leaks', () => {
  const before = torch.liveTensorCount();
  assert.throws(() => torch.arange(0, 67e9, 1, { dtype: 'float64' }), (e: unknown) => {
    assert.ok(e instanceof torch.TorchError);
    const m = refused.exec((e as Error).message);
    assert.ok(m, (e as Error).message);
    assert.equal(Number(m[1]), 67e9 * 8);
    assert.equal(Number(m[2]), machineMemoryBytes());
    return true;
  });
  assert.throws(() => torch.zeros([100000, 100000, 100]), refused);
  // An op whose inputs are small but whose output is not: (1, 1) x (1, 2^20) expanded rows.
  torch.tidy(() => {
    const a = torch.ones([1, 1]).expand(1 << 19, 1); // (2^19, 1), no memory
    const b = torch.ones([1, 1]).expand(1, 1 << 19); // (1, 2^19)
    assert.throws(() => a.matmul(b), refused); // (2^19, 2^19) float32 = 1 TiB
  });
  assert.equal(torch.liveTensorCount(), before);
  // Normal work is unaffected.
  torch.tidy(() => assert.equal(torch.ones([1000, 1000]).sum().item(), 1e6));
});

test('the limit is the machine\'s memory by default; setAllocationLimit and TUNEKIT_MAX_ALLOC_BYTES change it', () => {
  const mem = machineMemoryBytes();
  assert.ok(mem > 1e8 && mem <= 2 ** 53, `machine memory ${mem}`);
  const old = torch.setAllocationLimit(4096);
  try {
    assert.equal(old, mem);
    torch.tidy(() => torch.ones([1024])); // 4096 bytes: allowed
    assert.throws(() => torch.ones([1025]), /refusing to allocate 4100 bytes: more than this machine's memory limit of 4096 bytes/);
  } finally {
    torch.setAllocationLimit(old);
  }
  const script = "import * as torch from './src/torch/index.ts'; try { torch.zeros([1000, 1000]); console.log('ok'); } catch (e) { console.log(e.message); }";
  const run = (v: string) => spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, TUNEKIT_MAX_ALLOC_BYTES: v } });
  assert.match(run('1000000').stdout, /zeros: refusing to allocate 4000000 bytes: more than this machine's memory limit of 1000000 bytes/);
  assert.equal(run('0').stdout.trim(), 'ok'); // 0 = no limit
  const bad = run('lots');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /TUNEKIT_MAX_ALLOC_BYTES=lots: expected a whole number of bytes/);
});
