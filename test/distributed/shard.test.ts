// The DataLoader's `shard` equals accelerate's BatchSamplerShard (fixture from accelerate itself:
// test/fixtures/distributed/make_shard_fixture.py), every process, every case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DataLoader, shardBatches } from '../../src/data/dataloader.js';

interface Case { n: number; bs: number; w: number; drop_last: boolean; ranks: { batches: number[][]; len: number }[] }
const fx = JSON.parse(readFileSync(new URL('../fixtures/distributed/shard_batches.json', import.meta.url), 'utf8')) as { cases: Case[] };

test('shardBatches and DataLoader({shard}) give every process the batches accelerate gives it', () => {
  assert.ok(fx.cases.length >= 100);
  for (const c of fx.cases) {
    const rows = Array.from({ length: c.n }, (_, i) => ({ i }));
    const all: number[][] = [];
    const nb = c.drop_last ? Math.floor(c.n / c.bs) : Math.ceil(c.n / c.bs);
    for (let b = 0; b < nb; b++) all.push(Array.from({ length: Math.min(c.bs, c.n - b * c.bs) }, (_, k) => b * c.bs + k));
    c.ranks.forEach((want, r) => {
      const what = `n=${c.n} bs=${c.bs} w=${c.w} drop_last=${c.drop_last} rank ${r}`;
      assert.deepEqual(shardBatches(all, c.bs, c.w, r, c.drop_last), want.batches, what);
      // one process: accelerate's prepare_data_loader does not shard at all (the loader is unchanged)
      if (c.w === 1) return;
      const dl = new DataLoader(rows, { batchSize: c.bs, dropLast: c.drop_last, shard: { numProcesses: c.w, processIndex: r }, collateFn: (xs) => xs.map((x) => x.i) });
      assert.equal(dl.length, want.len, `${what}: length`);
      assert.deepEqual([...dl.iterEpoch(0)], want.batches, `${what}: iterEpoch`);
    });
  }
});

test('shuffled shards are disjoint per round and together are the unsharded epoch', () => {
  const rows = Array.from({ length: 16 }, (_, i) => ({ i }));
  const collateFn = (xs: { i: number }[]): number[] => xs.map((x) => x.i);
  const one = new DataLoader(rows, { batchSize: 4, shuffle: true, seed: 7, collateFn });
  const parts = [0, 1].map((r) => [...new DataLoader(rows, { batchSize: 2, shuffle: true, seed: 7, collateFn, shard: { numProcesses: 2, processIndex: r } }).iterEpoch(3)]);
  const whole = [...one.iterEpoch(3)];
  // rank 0's batch k + rank 1's batch k = the single process's batch k of twice the size
  assert.deepEqual(whole, parts[0]!.map((b, k) => [...b, ...parts[1]![k]!]));
});
