// Split specs ('train[:10%]', 'train[-10:]', 'train+test', ...) against HF's ReadInstruction
// (test/fixtures/data/hf_reference.json from scripts/fixtures/gen_datasets.py), and loadDataset's
// split argument on real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset, parseSplitSpec, resolveSplitSpec, roundHalfEven, selectSplit } from '../../src/data/index.js';
import { readJson, sharedDir } from '../helpers.js';

process.env.TUNEKIT_DATASETS_CACHE = mkdtempSync(join(tmpdir(), 'tunekit-split-'));

interface SplitRef { n: number; spec: string; ranges?: [string, number, number][]; error?: string }
const ref = readJson<{ splits: SplitRef[]; badSplits: { spec: string; error: string | null }[] }>('test/fixtures/data/hf_reference.json');

test('every spec x size resolves to the same row ranges as HF (or fails the same way)', () => {
  assert.ok(ref.splits.length > 150);
  for (const r of ref.splits) {
    const sizes = { train: r.n, test: Math.max(Math.floor(r.n / 2), 1) };
    if (r.error !== undefined) {
      assert.throws(() => resolveSplitSpec(r.spec, sizes), (e: Error) => e.message.startsWith(r.error!.slice(0, 40)), `${r.spec} n=${r.n}`);
      continue;
    }
    const got = resolveSplitSpec(r.spec, sizes).map((x) => [x.split, x.from, x.to]);
    assert.deepEqual(got, r.ranges, `${r.spec} with ${r.n} rows`);
  }
});

test("HF's documented rounding examples: 999 rows, train[50%:52%] = 500..519, train[52%:54%] = 519..539", () => {
  assert.deepEqual(resolveSplitSpec('train[50%:52%]', { train: 999 }), [{ split: 'train', from: 500, to: 519 }]);
  assert.deepEqual(resolveSplitSpec('train[52%:54%]', { train: 999 }), [{ split: 'train', from: 519, to: 539 }]);
  // pct1_dropremainder: multiples of 1% = 9 rows -> 450..468
  assert.deepEqual(resolveSplitSpec('train[50%:52%](pct1_dropremainder)', { train: 999 }), [{ split: 'train', from: 450, to: 468 }]);
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, 499.5, 2.4999].map(roundHalfEven), [0, 2, 2, 0, -2, 500, 2]);
});

test('bad specs fail with the messages HF gives', () => {
  for (const b of ref.badSplits) {
    assert.ok(b.error, `HF accepted ${b.spec}`);
    assert.throws(() => resolveSplitSpec(b.spec, { train: 10, test: 5 }), (e: Error) => e.message.includes(b.error!.split(':')[0]!.replace(/\.$/, '')), b.spec);
  }
  assert.throws(() => parseSplitSpec('train[:10%](nearest)'), /Rounding should be one of/);
});

test('loadDataset split slicing on CoNLL train (14,041 rows)', async () => {
  const dir = sharedDir('data', 'conll2003');
  const first10pct = await loadDataset('conll2003', { dataDir: dir, split: 'train[:10%]' });
  assert.equal(first10pct.numRows, 1404); // round(1404.1)
  assert.equal(first10pct.split, 'train[:10%]');
  const dd = await loadDataset('conll2003', { dataDir: dir });
  const mid = selectSplit(dd, 'train[100:200]');
  assert.equal(mid.numRows, 100);
  assert.equal(mid.at(0).id, '100');
  const tail = selectSplit(dd, 'train[-10:]');
  assert.deepEqual(tail.column('id'), Array.from({ length: 10 }, (_, i) => String(14031 + i)));
  const pct = selectSplit(dd, 'train[10%:20%]');
  assert.equal(pct.at(0).id, '1404');
  assert.equal(pct.numRows, 2808 - 1404);
  const both = selectSplit(dd, 'validation+test');
  assert.equal(both.numRows, 3250 + 3453);
  assert.deepEqual(both.at(3250).tokens, dd.get('test').at(0).tokens);
  assert.equal(selectSplit(dd, 'train[5000:100]').numRows, 0); // from > to is empty, as in HF
  assert.throws(() => selectSplit(dd, 'dev'), /Unknown split "dev". Should be one of \['train', 'validation', 'test'\]/);
  assert.throws(() => selectSplit(dd, 'train[:110%]'), /Percent slice boundaries must be > -100 and < 100/);
  assert.throws(() => selectSplit(dd, 'train[1:2:3]'), /Unrecognized instruction format: train\[1:2:3\]/);
  await assert.rejects(loadDataset('conll2003', { dataDir: dir, split: 'train[a:]' }), /Unrecognized instruction format/);
});

test('percent slices of a 7-row json file follow closest rounding', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunekit-split-json-'));
  const file = join(dir, 'seven.jsonl');
  writeFileSync(file, Array.from({ length: 7 }, (_, i) => JSON.stringify({ i })).join('\n') + '\n');
  const parts = await Promise.all(['train[:33%]', 'train[33%:67%]', 'train[67%:]'].map((s) => loadDataset('json', { dataFiles: file, split: s })));
  // 7 * 0.33 = 2.31 -> 2, 7 * 0.67 = 4.69 -> 5: every row lands in exactly one part.
  assert.deepEqual(parts.map((p) => p.column('i')), [[0, 1], [2, 3, 4], [5, 6]]);
});
