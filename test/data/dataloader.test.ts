// src/data/dataloader.ts: batch counts with and without dropLast, sequential and seeded shuffled
// orders (epoch e = randperm(n, Generator(seed + e)), as DistributedSampler.set_epoch), resuming
// mid-epoch, HF's length-grouped order (trainer_pt_utils.get_length_grouped_indices), duck-typed
// datasets, collator objects, and no leaked tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { DataLoader, getLengthGroupedIndices } from '../../src/data/dataloader.js';
import { DataCollatorWithPadding, type Batch, type Feature } from '../../src/data/collators/index.js';
import { bertTokenizer } from './collators-tokenizer.js';

/** Row i: input_ids [i, i, ...] of length 1 + (i * 7) % 13, label i % 2. */
const rows: Feature[] = Array.from({ length: 10 }, (_, i) => ({ input_ids: Array(1 + ((i * 7) % 13)).fill(i), label: i % 2 }));
const fixed: Feature[] = Array.from({ length: 10 }, (_, i) => ({ input_ids: [i, i, i], label: i % 2 }));
/** Row indices of a batch (every row's ids hold its index). */
const idsOf = (b: Batch): number[] => (b['input_ids']!.toArray() as number[][]).map((r) => r[0]!);
function order(loader: DataLoader): number[] {
  const out: number[] = [];
  for (const b of loader) { out.push(...idsOf(b)); Object.values(b).forEach((t) => t.dispose()); }
  return out;
}

test('batch counts and sizes with and without dropLast; sequential order and default collator', () => {
  const keep = new DataLoader(fixed, { batchSize: 3 });
  assert.equal(keep.length, 4);
  const sizes = [...keep].map((b) => b['input_ids']!.shape[0]);
  assert.deepEqual(sizes, [3, 3, 3, 1]);
  const drop = new DataLoader(fixed, { batchSize: 3, dropLast: true });
  assert.equal(drop.length, 3);
  assert.deepEqual(order(drop), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  const first = [...new DataLoader(fixed, { batchSize: 4 })][0]!;
  assert.equal(first['labels']!.dtype, 'int64');
  assert.deepEqual(first['labels']!.toArray(), [0, 1, 0, 1]);
  assert.equal(new DataLoader(fixed, { batchSize: 10, dropLast: true }).length, 1);
  assert.equal(new DataLoader(fixed, { batchSize: 11, dropLast: true }).length, 0);
  assert.equal(new DataLoader([], {}).length, 0);
  assert.deepEqual([...new DataLoader([], {})], []);
});

test('seeded shuffle: same order for the same seed and epoch, a new order each epoch, setEpoch reproduces', () => {
  const a = new DataLoader(fixed, { batchSize: 4, shuffle: true, seed: 7 });
  const b = new DataLoader(fixed, { batchSize: 4, shuffle: true, seed: 7 });
  const e0 = order(a), e1 = order(a), e2 = order(a);
  assert.equal(a.epoch, 3);
  assert.deepEqual(order(b), e0);
  assert.deepEqual([...e0].sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.notDeepEqual(e0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.notDeepEqual(e0, e1);
  assert.notDeepEqual(e1, e2);
  a.setEpoch(1);
  assert.deepEqual(order(a), e1);
  // the documented rule: epoch e's order is randperm(n, Generator(seed + e))
  const perm = torch.randperm(10, { generator: new torch.Generator(7 + 2) }).toArray();
  assert.deepEqual(a.indices(2), perm);
  assert.deepEqual(e2, perm);
  assert.notDeepEqual(order(new DataLoader(fixed, { batchSize: 4, shuffle: true, seed: 8 })), e0);
  // resume mid-epoch: batches 2.. of epoch 1
  const rest = [...a.iterEpoch(1, { skipBatches: 2 })].flatMap(idsOf);
  assert.deepEqual(rest, e1.slice(8));
  // without a seed, manualSeed() fixes the orders
  torch.manualSeed(3);
  const u = order(new DataLoader(fixed, { shuffle: true }));
  torch.manualSeed(3);
  assert.deepEqual(order(new DataLoader(fixed, { shuffle: true })), u);
});

test('duck-typed dataset (numRows + at) and a collator object as collateFn', async () => {
  const tokenizer = await bertTokenizer();
  const ds = { numRows: rows.length, at: (i: number): Feature => rows[i]! };
  const loader = new DataLoader(ds, { batchSize: 4, collateFn: new DataCollatorWithPadding({ tokenizer, padToMultipleOf: 8 }) });
  assert.equal(loader.length, 3);
  const bs = [...loader];
  // row lengths 1, 8, 3, 9 | 3, 10, 4, 11 | 5, 12: each batch padded to 16
  assert.deepEqual(bs.map((b) => b['input_ids']!.shape), [[4, 16], [4, 16], [2, 16]]);
  const mask = (n: number): number[] => Array.from({ length: 16 }, (_, j) => (j < n ? 1 : 0));
  assert.deepEqual(bs[2]!['attention_mask']!.toArray(), [mask(5), mask(12)]);
  assert.deepEqual(bs[2]!['input_ids']!.toArray(), [[...Array(5).fill(8), ...Array(11).fill(0)], [...Array(12).fill(9), 0, 0, 0, 0]]);
  // a plain function works too
  const sums = [...new DataLoader(ds, { batchSize: 5, collateFn: (r: Feature[]) => r.length })];
  assert.deepEqual(sums, [5, 5]);
});

test('groupByLength: longest row in the first batch, batches of similar lengths', () => {
  const n = 2000, bs = 8;
  // lengths from a fixed LCG: 1..512
  const lengths: number[] = [];
  let x = 12345;
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) % 2 ** 31; lengths.push(1 + (x % 512)); }
  const ds = Array.from({ length: n }, (_, i) => ({ input_ids: Array(lengths[i]).fill(i) as number[] }));
  const loader = new DataLoader(ds, { batchSize: bs, groupByLength: true, seed: 1, collateFn: (r: typeof ds) => r.map((f) => f.input_ids.length) });
  const batches = [...loader];
  const longest = Math.max(...lengths);
  assert.equal(Math.max(...batches[0]!), longest);
  assert.equal(batches.flat().length, n);
  const spread = (bb: number[][]): number => bb.reduce((s, b) => s + (Math.max(...b) - Math.min(...b)), 0) / bb.length;
  const shuffled = [...new DataLoader(ds, { batchSize: bs, shuffle: true, seed: 1, collateFn: (r: typeof ds) => r.map((f) => f.input_ids.length) })];
  // 50 * 8 = 400-row mega-batches sorted by length: neighbours differ by ~512/400 per row
  assert.ok(spread(batches) < 0.1 * spread(shuffled), `grouped spread ${spread(batches)} vs shuffled ${spread(shuffled)}`);
  // the order is a permutation, mega-batches of 400 are non-increasing after the first element
  const idx = loader.indices(0);
  assert.deepEqual([...idx].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
  for (let m = 0; m < n; m += 400)
    for (let j = m + 2; j < Math.min(m + 400, n); j++) assert.ok(lengths[idx[j - 1]!]! >= lengths[idx[j]!]!);
  // seeded: same order again for the same epoch, a different one for the next; given lengths are used as is
  assert.deepEqual(loader.indices(0), idx);
  assert.notDeepEqual(loader.indices(1), idx);
  assert.deepEqual(new DataLoader(ds, { batchSize: bs, groupByLength: true, seed: 1, lengths }).indices(0), idx);
});

test('getLengthGroupedIndices: HF mega-batch rule on a small case', () => {
  // 6 rows, batch 1: mega_batch_mult = max(1, min(6 // 4, 50)) = 1 -> every row its own mega-batch,
  // so the order is the permutation with the longest row swapped to the front
  const lengths = [3, 9, 1, 4, 9, 2];
  const g = (): torch.Generator => new torch.Generator(11);
  const perm = torch.randperm(6, { generator: g() }).toArray() as number[];
  const got = getLengthGroupedIndices(lengths, 1, g());
  const firstMax = perm.findIndex((i) => lengths[i] === 9); // torch.argmax: first maximum
  const want = [...perm];
  [want[0], want[firstMax]] = [want[firstMax]!, want[0]!];
  assert.deepEqual(got, want);
  // batch 2, 3 mega-batches of 2 (sorted descending, stable)
  const got2 = getLengthGroupedIndices([5, 5, 1, 7, 2, 2], 2, new torch.Generator(0), 1);
  const p2 = torch.randperm(6, { generator: new torch.Generator(0) }).toArray() as number[];
  const L2 = [5, 5, 1, 7, 2, 2];
  const megas = [p2.slice(0, 2), p2.slice(2, 4), p2.slice(4, 6)].map((m) => [...m].sort((a, b) => L2[b]! - L2[a]!));
  const best = megas.reduce((bi, m, k) => (L2[m[0]!]! > L2[megas[bi]![0]!]! ? k : bi), 0);
  [megas[0]![0], megas[best]![0]] = [megas[best]![0]!, megas[0]![0]!];
  assert.deepEqual(got2, megas.flat());
  assert.equal(L2[got2[0]!], 7);
});

test('DataLoader errors and no leaked tensors', () => {
  assert.throws(() => new DataLoader(fixed, { batchSize: 0 }), /batchSize must be a positive integer/);
  assert.throws(() => new DataLoader({} as never), /must be an array or have at\(i\)/);
  assert.throws(() => new DataLoader(fixed, { groupByLength: true, lengths: [1, 2] }), /2 lengths for 10 rows/);
  assert.throws(() => new DataLoader([{ x: 1 }, { x: 2 }], { groupByLength: true }).indices(0), /whose items are dictionaries with an 'input_ids' key/);
  assert.throws(() => new DataLoader(fixed).setEpoch(-1), /epoch must be a non-negative integer/);
  const before = torch.liveTensorCount();
  const loader = new DataLoader(fixed, { batchSize: 3, shuffle: true, seed: 0 });
  let total = 0;
  for (let e = 0; e < 3; e++)
    for (const b of loader) {
      total += torch.tidy(() => b['input_ids']!.sum().item());
      Object.values(b).forEach((t) => t.dispose());
    }
  assert.equal(total, 3 * 3 * 45);
  assert.equal(torch.liveTensorCount(), before);
});
