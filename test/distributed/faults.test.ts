// Faults of a distributed run: a rank killed mid-training stops the job within seconds with an
// error naming it (no hang), and resuming from the last checkpoint — on a different number of
// processes — reproduces the uninterrupted run; a rendezvous nobody serves or a world size that
// does not add up are clear errors naming the variables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, initProcessGroup, isInitialized, launch, readDistEnv } from '../../src/distributed/index.js';
import { c10d } from '../../src/torch/index.js';

const script = new URL('./fixtures/bert-ddp.ts', import.meta.url).pathname;
type Result = { log_history: Record<string, number>[]; sums: Record<string, [number, number]> };
const read = (dir: string): Result => JSON.parse(readFileSync(join(dir, 'result-rank0.json'), 'utf8')) as Result;
function single(dir: string, bs: number, steps: number, extra: string[] = []): Result {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, dir, String(bs), '1', String(steps), ...extra], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  assert.equal(r.status, 0, r.stderr);
  return read(dir);
}

test('a rank killed at step 12 stops the job naming it; resuming on 1 process reproduces the 2-process run', { timeout: 240_000 }, async () => {
  const ref = single(mkdtempSync(join(tmpdir(), 'tk-ref-')), 8, 20);
  const dir = mkdtempSync(join(tmpdir(), 'tk-fault-'));
  const lines: string[] = [];
  const t0 = performance.now();
  const res = await launch({ nproc_per_node: 2, master_port: 0, script, args: [dir, '4', '1', '20'], grace_s: 5, env: { TK_DIE_AT_STEP: '12', TK_DIE_RANK: '1' }, log: (l) => lines.push(l) });
  const took = (performance.now() - t0) / 1000;
  assert.equal(res.ok, false);
  assert.equal(res.failed?.rank, 1);
  assert.equal(res.failed?.signal, 'SIGKILL');
  assert.match(res.message, /rank 1 \(local_rank 1, pid \d+\) was killed by SIGKILL/);
  assert.ok(lines.some((l) => /rank 1 .* was killed by SIGKILL; stopping the other ranks/.test(l)), lines.join('\n'));
  // rank 0 is gone too (its collective failed or the launcher stopped it), well before any timeout
  assert.ok(res.exits.every((e) => e.code !== null || e.signal !== null));
  assert.ok(took < 60, `the job took ${took} s to stop`);
  assert.ok(existsSync(join(dir, 'run', 'checkpoint-10')), 'checkpoint-10 was written before the fault');
  assert.ok(!existsSync(join(dir, 'result-rank0.json')), 'rank 0 did not finish');
  // resume from checkpoint-10 on one process with the doubled batch: the same run
  const resumed = single(dir, 8, 20, ['resume']);
  const tail = (r: Result) => r.log_history.filter((e) => 'loss' in e && e.step! > 10);
  const a = tail(ref), b = tail(resumed);
  assert.equal(b.length, 10);
  for (let i = 0; i < a.length; i++) {
    assert.equal(b[i]!.step, a[i]!.step);
    assert.ok(Math.abs(b[i]!.loss! - a[i]!.loss!) <= 1e-4 + 1e-9, `step ${a[i]!.step}: ${b[i]!.loss} vs ${a[i]!.loss}`);
    assert.ok(Math.abs(b[i]!.grad_norm! - a[i]!.grad_norm!) <= 1e-5 * Math.max(1, a[i]!.grad_norm!), `step ${a[i]!.step}: grad_norm`);
  }
  for (const [n, [s, abs]] of Object.entries(ref.sums)) assert.ok(Math.abs(resumed.sums[n]![0] - s) <= 1e-5 * Math.max(1, abs), n);
});

test('nobody serving MASTER_PORT: the rank fails within its timeout naming the rendezvous and the variables', { timeout: 60_000 }, async () => {
  const port = await freePort();
  const code = `import { initProcessGroup } from ${JSON.stringify(new URL('../../src/distributed/index.js', import.meta.url).pathname)};
    try { initProcessGroup({ timeout: 2000 }); console.log('joined'); } catch (e) { console.error(e.message); process.exit(3); }`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    encoding: 'utf8', timeout: 30_000, env: { ...process.env, RANK: '1', WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) },
  });
  assert.equal(r.status, 3, r.stdout + r.stderr);
  assert.match(r.stderr, new RegExp(`connecting to the rendezvous at 127\\.0\\.0\\.1:${port} within 2 s \\(check MASTER_ADDR, MASTER_PORT and WORLD_SIZE`));
});

test('a world size that does not add up is an error naming the variables', () => {
  assert.throws(() => readDistEnv({ RANK: '2', WORLD_SIZE: '2', MASTER_ADDR: 'a', MASTER_PORT: '1' }), /RANK=2 is outside the world of WORLD_SIZE=2/);
  assert.throws(() => readDistEnv({ RANK: '0', WORLD_SIZE: 'two' }), /WORLD_SIZE='two' must be an integer >= 1/);
  assert.throws(() => readDistEnv({ RANK: '0', WORLD_SIZE: '2', MASTER_ADDR: 'a' }), /MASTER_PORT is not set/);
  assert.throws(() => readDistEnv({ RANK: '0', WORLD_SIZE: '2', MASTER_ADDR: 'a', MASTER_PORT: '70000' }), /MASTER_PORT=70000 is not a TCP port/);
  assert.throws(() => readDistEnv({ WORLD_SIZE: '2' }), /RANK is not/);
  assert.deepEqual(readDistEnv({ SLURM_NTASKS: '4', SLURM_PROCID: '3', SLURM_LOCALID: '1', SLURM_NTASKS_PER_NODE: '2', SLURM_NODEID: '1', SLURM_JOB_NODELIST: 'gpu[07-08]', MASTER_PORT: '29500' }),
    { rank: 3, localRank: 1, worldSize: 4, localWorldSize: 2, masterAddr: 'gpu07', masterPort: 29500, nodeRank: 1 });
  assert.equal(readDistEnv({}), null);
});

test('a world of 3 whose third rank never comes: rank 0 and 1 fail within the timeout instead of hanging', { timeout: 60_000 }, async () => {
  const port = await freePort();
  const code = `import { initProcessGroup } from ${JSON.stringify(new URL('../../src/distributed/index.js', import.meta.url).pathname)};
    try { initProcessGroup({ timeout: 3000 }); console.log('joined'); } catch (e) { console.error(e.message); process.exit(3); }`;
  const run = (rank: number) => new Promise<{ status: number | null; stderr: string }>((res) => {
    import('node:child_process').then(({ spawn }) => {
      const c = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { env: { ...process.env, RANK: String(rank), WORLD_SIZE: '3', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) } });
      let err = '';
      c.stderr.on('data', (d) => { err += d; });
      c.on('exit', (status) => res({ status, stderr: err }));
    });
  });
  const [r0, r1] = await Promise.all([run(0), run(1)]);
  assert.equal(r0.status, 3, r0.stderr);
  assert.equal(r1.status, 3, r1.stderr);
  // libtorch 2.x's store server counts the ranks that connect (rank 0 fails there: "2/3 clients
  // joined"); 1.13's lets everyone in and the Gloo group cannot form
  const missing = /could not form the group of WORLD_SIZE=3 ranks at 127\.0\.0\.1:\d+ within 3 s: not every rank joined|serving the rendezvous on 127\.0\.0\.1:\d+ and waiting for 3 ranks within 3 s/;
  for (const r of [r0, r1]) assert.match(r.stderr, missing);
});

test("backend 'nccl' in a build without it: a clear error before any rendezvous", () => {
  if (c10d.hasNccl()) return; // a CUDA build with NCCL: nothing to refuse (scripts/device/nccl_check.mts covers it)
  assert.throws(() => initProcessGroup({ backend: 'nccl', world_size: 1, rank: 0, master_port: 1 }), /backend 'nccl' is not in this build of tunekit/);
  assert.throws(() => initProcessGroup({ backend: 'mpi' as never, world_size: 1, rank: 0 }), /backend must be 'gloo' or 'nccl', got 'mpi'/);
  assert.equal(isInitialized(), false);
});
