// The Accelerator loop of examples/ner-custom-loop.ts (fixtures/ner-accelerate.ts, a tiny BERT
// token classifier) on 2 processes x batch 4 (launch(), tunekit's torchrun) reproduces 1 process x
// batch 8: the same loss, reduced over the processes as the example logs it, and the same lr at
// each of 20 updates, the same final weights (1e-5), and gatherForMetrics over a 13-row eval set
// (not a multiple of 2 x 4) returns exactly the 13 rows, in order, with the single process's
// predictions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch } from '../../src/distributed/index.js';

const script = new URL('./fixtures/ner-accelerate.ts', import.meta.url).pathname;
interface Result {
  worldSize: number; losses: number[]; lrs: number[]; sums: Record<string, [number, number]>; trainLen: number;
  evalRows: { labels: number[]; preds: number[]; logits: number[][] }[];
}
const read = (dir: string, rank = 0): Result => JSON.parse(readFileSync(join(dir, `result-rank${rank}.json`), 'utf8')) as Result;

test('2 processes x batch 4 = 1 process x batch 8 through the Accelerator: losses, lrs, weights, gathered eval rows', { timeout: 180_000 }, async () => {
  const d1 = mkdtempSync(join(tmpdir(), 'tk-acc1-')), d2 = mkdtempSync(join(tmpdir(), 'tk-acc2-'));
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, d1, '8', '20'], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  assert.equal(r.status, 0, r.stderr);
  const lines: string[] = [];
  const res = await launch({ nproc_per_node: 2, master_port: 0, script, args: [d2, '4', '20'], log: (l) => lines.push(l) });
  assert.ok(res.ok, lines.join('\n'));
  const one = read(d1), two = [read(d2, 0), read(d2, 1)];
  assert.equal(one.worldSize, 1);
  assert.equal(two[0]!.worldSize, 2);
  // 40 rows: 5 batches of 8 on one process; 10 batches of 4 shared by two = 5 each
  assert.equal(one.trainLen, 5);
  assert.equal(two[0]!.trainLen, 5);
  assert.equal(one.losses.length, 20);
  for (const t of two) {
    assert.equal(t.losses.length, 20);
    for (let i = 0; i < 20; i++) {
      assert.ok(Math.abs(t.losses[i]! - one.losses[i]!) <= 1e-5 * Math.max(1, one.losses[i]!), `update ${i + 1}: loss ${t.losses[i]} vs ${one.losses[i]}`);
      // the scheduler stepped twice per update on 2 processes, over a schedule twice as long
      assert.ok(Math.abs(t.lrs[i]! - one.lrs[i]!) <= 1e-12, `update ${i + 1}: lr ${t.lrs[i]} vs ${one.lrs[i]}`);
    }
    assert.deepEqual(t.losses, two[0]!.losses); // both processes log the same reduced value
  }
  assert.ok(one.losses[19]! < one.losses[0]! - 0.05, `loss ${one.losses[0]} -> ${one.losses[19]}: the run learned something`);
  assert.ok(one.lrs[0]! > 0 && one.lrs[19]! < one.lrs[5]!, `lrs ${one.lrs.join(', ')}`);
  for (const [n, [s, abs]] of Object.entries(one.sums)) {
    for (const t of two) {
      const [s2, abs2] = t.sums[n]!;
      assert.ok(Math.abs(s2 - s) <= 1e-5 * Math.max(1, Math.abs(abs)), `${n}: sum ${s2} vs ${s}`);
      assert.ok(Math.abs(abs2 - abs) <= 1e-5 * Math.max(1, abs), `${n}: |sum| ${abs2} vs ${abs}`);
    }
  }
  // evaluation: exactly the 13 rows, in dataset order, on both processes
  assert.equal(one.evalRows.length, 13);
  for (const t of two) {
    assert.equal(t.evalRows.length, 13);
    t.evalRows.forEach((row, i) => {
      const want = one.evalRows[i]!;
      assert.deepEqual(row.labels, want.labels, `eval row ${i}: labels`);
      assert.equal(row.labels.length, 4);
      assert.deepEqual(row.preds, want.preds, `eval row ${i}: predictions`);
      row.logits.flat().forEach((v, k) => assert.ok(Math.abs(v - want.logits.flat()[k]!) <= 1e-4, `eval row ${i}: logit ${k} ${v} vs ${want.logits.flat()[k]}`));
    });
  }
});
