// Dataset.map / filter: batched row-count changes (QA overflow), output features, argument
// passing, the errors HF raises, and the on-disk cache (hit on re-run without calling fn,
// invalidated by fn source, options, fnKwargs or input changes; opt-outs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildData, buildIntListData, makeTable, tableToBytes } from '../../src/data/arrow.js';
import { ClassLabel, Dataset, disableCaching, enableCaching, featureToString, List, loadDataset, Value, type Batch } from '../../src/data/index.js';

const cacheRoot = mkdtempSync(join(tmpdir(), 'tunekit-map-cache-'));
process.env.TUNEKIT_DATASETS_CACHE = cacheRoot;

const texts = ['one two three four five', 'six', 'seven eight nine'];

/** Splits each text into windows of 2 words (like QA's overflowing tokens): more rows than in. */
function windows(b: Batch): Batch {
  const out: Batch = { chunk: [], example_id: [] };
  b.text.forEach((t: string, i: number) => {
    const w = t.split(' ');
    for (let s = 0; s < w.length; s += 2) {
      out.chunk!.push(w.slice(s, s + 2).join(' '));
      out.example_id!.push(b.id[i]);
    }
  });
  return out;
}

test('batched map may return more rows when the input columns are removed', async () => {
  const ds = Dataset.fromDict({ id: [0, 1, 2], text: texts });
  const out = await ds.map(windows, { batched: true, batchSize: 2, removeColumns: ['id', 'text'] });
  assert.deepEqual(out.columnNames, ['chunk', 'example_id']);
  assert.deepEqual(out.column('chunk'), ['one two', 'three four', 'five', 'six', 'seven eight', 'nine']);
  assert.deepEqual(out.column('example_id'), [0, 0, 0, 1, 2, 2]);
  // fewer rows too (drop everything but the first window)
  const fewer = await ds.map((b) => ({ text: b.text.slice(0, 1), id: b.id.slice(0, 1) }), { batched: true, batchSize: 2 });
  assert.deepEqual(fewer.column('text'), [texts[0], texts[2]]);
  // returning the input columns with the new length is fine too
  const same = await ds.map((b) => { const w = windows(b); return { ...w, id: w.example_id!, text: w.chunk! }; }, { batched: true });
  assert.equal(same.numRows, 6);
});

test('map errors: kept input columns on a row-count change, ragged outputs, bad returns, unknown removeColumns', async () => {
  const ds = Dataset.fromDict({ id: [0, 1, 2], text: texts });
  await assert.rejects(ds.map(windows, { batched: true }),
    /Column lengths mismatch: the function returned 6 rows for a batch of 3 \(rows 0..2\), but input columns \["id","text"\] would keep 3. Remove them with removeColumns: \["id","text"\]/);
  await assert.rejects(ds.map(() => ({ a: [1, 2], b: [1, 2, 3] }), { batched: true }),
    /map: the function returned columns of different lengths for rows 0..2: a: 2, b: 3/);
  await assert.rejects(ds.map(() => 5 as never), /the function must return an object \(a row\) or nothing, got number/);
  await assert.rejects(ds.map(() => ({ a: 5 }) as never, { batched: true }), /column 'a' returned by the function is number, expected an array/);
  await assert.rejects(ds.map((r) => r, { removeColumns: 'label' }), /map: column to remove 'label' not in the dataset. Current columns in the dataset: \["id","text"\]/);
});

test('map arguments: withIndices, fnKwargs, async functions, in-place edits, nothing returned', async () => {
  const ds = Dataset.fromDict({ text: ['a', 'bb', 'ccc'] });
  const idx = await ds.map((r, i: number) => ({ i }), { withIndices: true });
  assert.deepEqual(idx.column('i'), [0, 1, 2]);
  const bidx = await ds.map((b, is: number[]) => ({ i: is }), { batched: true, batchSize: 2, withIndices: true });
  assert.deepEqual(bidx.column('i'), [0, 1, 2]);
  const kw = await ds.map((r, k: { suffix: string }) => ({ text: r.text + k.suffix }), { fnKwargs: { suffix: '!' } });
  assert.deepEqual(kw.column('text'), ['a!', 'bb!', 'ccc!']);
  const asyncOut = await ds.map(async (r) => ({ n: await Promise.resolve(r.text.length) }));
  assert.deepEqual(asyncOut.column('n'), [1, 2, 3]);
  const order = await Dataset.fromDict({ a: [1], b: [2] }).map((r) => ({ c: 3, a: 0 }));
  assert.deepEqual(order.columnNames, ['a', 'b', 'c']); // HF's {**inputs, **outputs} order
  const inPlace = await ds.map((r) => { r.text = r.text.toUpperCase(); return r; });
  assert.deepEqual(inPlace.column('text'), ['A', 'BB', 'CCC']);
  let seen = 0;
  const side = await ds.map(() => { seen++; });
  assert.equal(seen, 3);
  assert.deepEqual(side.toList(), ds.toList());
  const dropped = await ds.map((b) => ({ n: b.text.map((t: string) => t.length) }), { batched: true, batchSize: 2, dropLastBatch: true });
  assert.deepEqual(dropped.column('n'), [1, 2]);
  assert.deepEqual(ds.column('text'), ['a', 'bb', 'ccc']); // the input is never modified
});

test('map output features: input features kept when values fit (ClassLabel), inferred otherwise, or given', async () => {
  const ds = Dataset.fromList([{ label: 'pos', n: 1 }, { label: 'neg', n: 2 }], {
    features: { label: new ClassLabel({ names: ['neg', 'pos'] }), n: new Value('int32') },
  });
  const same = await ds.map((r) => ({ label: 1 - r.label, n: r.n + 1 }));
  assert.ok(same.features.label instanceof ClassLabel);
  assert.equal(featureToString(same.features.n!), "Value('int32')");
  const names = await ds.map((r) => ({ label: (ds.features.label as ClassLabel).int2str(r.label) }));
  assert.equal(featureToString(names.features.label!), "Value('string')");
  const given = await ds.map((r) => ({ v: [r.n, r.n] }), { features: { label: ds.features.label!, n: new Value('int64'), v: new List(new Value('float32')) } });
  assert.equal(featureToString(given.features), "{'label': ClassLabel(names=['neg', 'pos']), 'n': Value('int64'), 'v': List(Value('float32'))}");
  await assert.rejects(ds.map((r) => ({ label: 7 }), { features: ds.features }), /ClassLabel value 7 is outside 0..1/);
});

test('integer-list outputs (tokenizer columns): HF\'s types, input features kept, and the same Arrow data as the general path', async () => {
  const ds = Dataset.fromDict({ text: ['a', 'b', 'c', 'd'] });
  const cols: Record<string, unknown[]> = {
    input_ids: [[101, 7, 102], [], null, [101, 30521, 102]],
    attention_mask: [[1, 1, 1], [], null, [1, 1, 1]],
    labels: [[-100, 3, -100], [], null, [0, 1, 2]],
    token_type_ids: [[0, 300, 0], [0], [0], [0]],
    big: [[2 ** 40], [1], null, []],
    typed: [Int16Array.of(1, 2), Int16Array.of(), Int16Array.of(3), Int16Array.of(-4)],
    mixed: [[1, 2], [3n], [], [4]],
  };
  const out = await ds.map(() => cols, { batched: true, removeColumns: ['text'] });
  assert.equal(featureToString(out.features),
    "{'input_ids': List(Value('int32')), 'attention_mask': List(Value('int8')), 'labels': List(Value('int64')), 'token_type_ids': List(Value('int64')), " +
    "'big': List(Value('int64')), 'typed': List(Value('int16')), 'mixed': List(Value('int64'))}");
  for (const k of ['input_ids', 'attention_mask', 'labels', 'token_type_ids', 'big']) assert.deepEqual(out.column(k), cols[k], k);
  assert.deepEqual(out.column('mixed'), [[1, 2], [3], [], [4]]);
  // The typed arrays built directly are byte for byte what buildData makes from the same values.
  for (const k of ['input_ids', 'attention_mask', 'labels', 'token_type_ids', 'big']) {
    const f = out.features[k] as List;
    const total = (cols[k] as Array<number[] | null>).reduce((n, r) => n + (r?.length ?? 0), 0);
    const table = (d: ReturnType<typeof buildData>) => tableToBytes(makeTable(new Map([[k, d]]), { [k]: f }, 4));
    assert.deepEqual(table(buildIntListData(cols[k]!, f, total)), table(buildData(cols[k]!, f)), k);
  }
  // An input column's feature is kept when the new values fit it, else inferred; given features are checked.
  const shifted = await out.map((b) => ({ input_ids: b.input_ids.map((r: number[] | null) => r?.map((x) => x + 1) ?? null) }), { batched: true });
  assert.equal(featureToString(shifted.features.input_ids!), "List(Value('int32'))");
  assert.deepEqual(shifted.column('input_ids'), [[102, 8, 103], [], null, [102, 30522, 103]]);
  const mask = await out.map((b) => ({ attention_mask: b.attention_mask.map(() => [1, 200]) }), { batched: true });
  assert.equal(featureToString(mask.features.attention_mask!), "List(Value('int64'))", 'int8 no longer fits: inferred (attention_mask would be int8, 200 is not)');
  const given = await ds.map(() => ({ ids: [[1], [2, 3], null, []] }), { batched: true, features: { text: new Value('string'), ids: new List(new Value('uint16')) } });
  assert.equal(featureToString(given.features.ids!), "List(Value('uint16'))");
  assert.deepEqual(given.column('ids'), [[1], [2, 3], null, []]);
  await assert.rejects(ds.map(() => ({ ids: [[1], [70000], [], []] }), { batched: true, features: { text: new Value('string'), ids: new List(new Value('uint16')) } }),
    /column 'ids' at \[0\], row 1: 70000 does not fit Value\('uint16'\)/);
});

test('filter: rows, batches, indices; errors on bad batched returns', async () => {
  const ds = Dataset.fromDict({ n: [1, 2, 3, 4, 5, 6] });
  assert.deepEqual((await ds.filter((r) => r.n % 2 === 0)).column('n'), [2, 4, 6]);
  assert.deepEqual((await ds.filter((b) => b.n.map((n: number) => n > 4), { batched: true, batchSize: 4 })).column('n'), [5, 6]);
  assert.deepEqual((await ds.filter((r, i: number) => i < 2, { withIndices: true })).column('n'), [1, 2]);
  const shuffled = ds.shuffle({ seed: 1 });
  assert.deepEqual((await shuffled.filter((r) => r.n > 3)).column('n'), (shuffled.column('n') as number[]).filter((n) => n > 3));
  await assert.rejects(ds.filter(() => [true], { batched: true }), /must return one boolean per row \(6\), got 1 values/);
});

function writeJsonl(dir: string, name: string, rows: unknown[]): string {
  const p = join(dir, name);
  writeFileSync(p, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return p;
}

test('map results of file-backed datasets are cached: a re-run loads the cache without calling fn', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunekit-map-data-'));
  const file = writeJsonl(dir, 'train.jsonl', texts.map((text, id) => ({ id, text })));
  let calls = 0;
  const tokenize = (b: Batch): Batch => { calls += b.text.length; return { words: b.text.map((t: string) => t.split(' ')) }; };
  const run = async () => (await loadDataset('json', { dataFiles: file, split: 'train' })).map(tokenize, { batched: true });

  const first = await run();
  assert.equal(calls, 3);
  assert.ok(first.cacheDir!.startsWith(cacheRoot));
  assert.ok(existsSync(join(first.cacheDir!, `cache-${first.fingerprint}.arrow`)));
  const second = await run(); // a "re-run": fresh load, same function source
  assert.equal(calls, 3, 'fn must not be called when the cache file exists');
  assert.deepEqual(second.toList(), first.toList());
  assert.equal(second.fingerprint, first.fingerprint);
  assert.equal(featureToString(second.features), featureToString(first.features));
  assert.equal(readdirSync(first.cacheDir!).filter((f) => f.includes('.tmp-')).length, 0, 'no temp files left behind');

  // a different function source misses the cache
  const ds = await loadDataset('json', { dataFiles: file, split: 'train' });
  await ds.map((b) => { calls += b.text.length; return { words: b.text.map((t: string) => t.split(' ').reverse()) }; }, { batched: true });
  assert.equal(calls, 6);
  // different options or fnKwargs miss too
  await ds.map(tokenize, { batched: true, batchSize: 2 });
  assert.equal(calls, 9);
  const withKw = (b: Batch, k: { lower: boolean }): Batch => { calls += b.text.length; return { t: b.text.map((t: string) => (k.lower ? t : t.toUpperCase())) }; };
  await ds.map(withKw, { batched: true, fnKwargs: { lower: true } });
  await ds.map(withKw, { batched: true, fnKwargs: { lower: true } });
  assert.equal(calls, 12);
  const upper = await ds.map(withKw, { batched: true, fnKwargs: { lower: false } });
  assert.equal(calls, 15);
  assert.equal(upper.at(1).t, 'SIX');
  // loadFromCacheFile: false recomputes
  await ds.map(tokenize, { batched: true, loadFromCacheFile: false });
  assert.equal(calls, 18);
  // a changed input file changes the fingerprint: recomputed
  writeJsonl(dir, 'train.jsonl', [...texts, 'ten'].map((text, id) => ({ id, text })));
  const changed = await run();
  assert.equal(calls, 22);
  assert.equal(changed.numRows, 4);
  // chained transforms are cached too (the fingerprint follows each step)
  const chain = async () => (await (await loadDataset('json', { dataFiles: file, split: 'train' })).shuffle({ seed: 3 }).map(tokenize, { batched: true })).column('words');
  const c1 = await chain();
  const before = calls;
  assert.deepEqual(await chain(), c1);
  assert.equal(calls, before);
});

test('caching opt-outs: disableCaching(), in-memory datasets, unhashable functions; filter is cached', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunekit-map-data2-'));
  const file = writeJsonl(dir, 'd.jsonl', [{ n: 1 }, { n: 2 }, { n: 3 }]);
  let calls = 0;
  const f = (r: { n: number }) => { calls++; return { m: r.n * 2 }; };
  const ds = await loadDataset('json', { dataFiles: file, split: 'train' });
  disableCaching();
  try {
    await ds.map(f);
    await ds.map(f);
    assert.equal(calls, 6);
    assert.equal(existsSync(ds.cacheDir!) ? readdirSync(ds.cacheDir!).length : 0, 0, 'nothing written while caching is off');
  } finally {
    enableCaching();
  }
  const mem = Dataset.fromList([{ n: 1 }]);
  assert.equal(mem.cacheDir, null);
  await mem.map(f);
  await mem.map(f);
  assert.equal(calls, 8);
  // a bound function has no visible source: random fingerprint, not cached, one warning
  const warnings: string[] = [];
  const onWarn = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarn);
  const bound = f.bind(null);
  const b1 = await ds.map(bound);
  const b2 = await ds.map(bound);
  await new Promise((r) => setImmediate(r));
  process.off('warning', onWarn);
  assert.equal(calls, 14);
  assert.notEqual(b1.fingerprint, b2.fingerprint);
  assert.ok(warnings.some((w) => w.includes('no visible source')), warnings.join('\n'));
  // filter results are cached as indices
  let fcalls = 0;
  const keep = (r: { n: number }) => { fcalls++; return r.n !== 2; };
  const k1 = await ds.filter(keep);
  const k2 = await (await loadDataset('json', { dataFiles: file, split: 'train' })).filter(keep);
  assert.equal(fcalls, 3);
  assert.deepEqual(k2.column('n'), [1, 3]);
  assert.equal(k1.fingerprint, k2.fingerprint);
});

test("map / filter take HF's argument names (batch_size, remove_columns, fn_kwargs, ...) and reject unknown ones by name", async () => {
  const ds = Dataset.fromDict({ id: [0, 1, 2], text: texts });
  const out = await ds.map(windows, { batched: true, batch_size: 2, remove_columns: ['id', 'text'], load_from_cache_file: false, num_proc: 4 });
  assert.deepEqual(out.column('example_id'), [0, 0, 0, 1, 2, 2]);
  // batch_size 1 vs 2 decides what a batched fn sees: the sizes it reports differ
  const sizes = await ds.map((b: Batch) => ({ n: b.id.map(() => b.id.length) }), { batched: true, batch_size: 2 });
  assert.deepEqual(sizes.column('n'), [2, 2, 1]);
  const withKw = await ds.map((r: { id: number }, i: number, kw: { add: number }) => ({ y: r.id + i * 10 + kw.add }), { with_indices: true, fn_kwargs: { add: 100 } });
  assert.deepEqual(withKw.column('y'), [100, 111, 122]);
  const kept = await ds.filter((b: Batch) => b.id.map((x: number) => x !== 1), { batched: true, batch_size: 1 });
  assert.deepEqual(kept.column('id'), [0, 2]);
  await assert.rejects(ds.map((r) => r, { remove_colums: ['id'] } as never), /Dataset\.map: unknown option 'remove_colums' .*remove_columns/);
  await assert.rejects(ds.map((r) => r, { batch_size: 2, batchSize: 3 } as never), /'batch_size' and 'batchSize' are the same option/);
  await assert.rejects(ds.filter((r) => !!r, { removeColumns: ['id'] } as never), /Dataset\.filter: unknown option 'removeColumns'/);
});
