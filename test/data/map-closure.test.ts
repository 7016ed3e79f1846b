// Dataset.map and its closure (issue #13): a function that captures max_length / a tokenizer must
// not reuse a stale cache after the captured value changes — in one process and across processes.
// Captured values given through `captures` are hashed (cache hit while unchanged, miss when
// changed); a closure tunekit cannot see is not cached, with one warning. Also: a tokenizer's
// BatchEncoding is a valid map result (batched and unbatched, with added columns).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Dataset, loadDataset, type Batch } from '../../src/data/index.js';
import { AutoTokenizer } from '../../src/tokenizers/index.js';
import { sharedDir } from '../helpers.js';

const cacheRoot = mkdtempSync(join(tmpdir(), 'tunekit-map-closure-cache-'));
process.env.TUNEKIT_DATASETS_CACHE = cacheRoot;
const repo = fileURLToPath(new URL('../..', import.meta.url));
const gpt2 = sharedDir('data', 'tokenizers', 'gpt2');

const texts = [
  'the quick brown fox jumps over the lazy dog and runs far away into the woods',
  'a short one',
  'tokenizers split words into pieces, and a max length cuts the list of pieces',
];

/** A json data file (a file-backed dataset: its map results are cached) with its own contents. */
function dataFile(tag: string, rows = texts): string {
  const dir = mkdtempSync(join(tmpdir(), 'tunekit-map-closure-data-'));
  const p = join(dir, 'train.jsonl');
  writeFileSync(p, rows.map((text, id) => JSON.stringify({ id, text: `${tag}: ${text}` })).join('\n') + '\n');
  return p;
}
const load = (file: string) => loadDataset('json', { dataFiles: file, split: 'train' });
const cacheFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []).filter((f) => /^cache-[0-9a-f]{16}\.arrow$/.test(f)).sort();

/** Collects process warnings while `fn` runs (emitWarning delivers them on a later tick). */
async function withWarnings<T>(fn: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const warnings: string[] = [];
  const on = (w: Error) => warnings.push(w.message);
  process.on('warning', on);
  try {
    const result = await fn();
    await new Promise((r) => setImmediate(r));
    return { result, warnings };
  } finally {
    process.off('warning', on);
  }
}

test('the stale cache of the issue, in one process: a changed captured max_length or tokenizer setting recomputes', async () => {
  const tokenizer = await AutoTokenizer.fromPretrained(gpt2);
  const file = dataFile('in-process');
  const ds = await load(file);
  const full = (await tokenizer.call(ds.column('text') as string[])).input_ids as number[][];
  assert.ok(full.every((ids) => ids.length > 4) && full.some((ids) => ids.length > 8), 'texts must be long enough for truncation to matter');
  let max_length = 8;
  let calls = 0;
  const tokenizeFn = (b: Batch) => { calls += b.text.length; return tokenizer.call(b.text, { truncation: true, maxLength: max_length }); };

  // without captures: the closure is invisible, so nothing is cached; one warning names the variables
  const { result: [u1, u2], warnings } = await withWarnings(async () => [await ds.map(tokenizeFn, { batched: true }), await ds.map(tokenizeFn, { batched: true })]);
  assert.equal(calls, 6, 'an uncaptured closure is never read from the cache');
  assert.notEqual(u1.fingerprint, u2.fingerprint);
  assert.deepEqual(cacheFiles(ds.cacheDir!), [], 'nor written to it');
  assert.deepEqual(u1.column('input_ids'), full.map((ids) => ids.slice(0, 8)));
  assert.deepEqual(warnings, ['Dataset.map: the function reads max_length, tokenizer from its closure; tunekit cannot see their values, ' +
    'so this map is not cached. Pass {captures: {max_length, tokenizer}} to cache it.']);

  // with captures: computed once, then a cache hit (fn not called, the file untouched)
  const run = () => ds.map(tokenizeFn, { batched: true, captures: { max_length, tokenizer } });
  const c1 = await run();
  assert.equal(calls, 9);
  const [file8] = cacheFiles(ds.cacheDir!);
  assert.equal(file8, `cache-${c1.fingerprint}.arrow`);
  const mtime = statSync(join(ds.cacheDir!, file8!)).mtimeMs;
  const c2 = await (await load(file)).map(tokenizeFn, { batched: true, captures: { max_length, tokenizer } });
  assert.equal(calls, 9, 'unchanged captures: cache hit');
  assert.equal(c2.fingerprint, c1.fingerprint);
  assert.equal(statSync(join(ds.cacheDir!, file8!)).mtimeMs, mtime);
  assert.deepEqual(c2.column('input_ids'), full.map((ids) => ids.slice(0, 8)));
  assert.deepEqual(c2.column('attention_mask'), full.map((ids) => ids.slice(0, 8).map(() => 1)));

  // the issue: max_length changes, the map must see it (before, the 8-token cache came back)
  max_length = 4;
  const c3 = await run();
  assert.equal(calls, 12);
  assert.notEqual(c3.fingerprint, c1.fingerprint);
  assert.deepEqual(c3.column('input_ids'), full.map((ids) => ids.slice(0, 4)));
  max_length = 8;
  const c4 = await run();
  assert.equal(calls, 12, 'back to 8: the first cache file again');
  assert.equal(c4.fingerprint, c1.fingerprint);

  // the tokenizer is hashed by what savePretrained writes: its truncation side is part of it
  tokenizer.truncationSide = 'left';
  const c5 = await run();
  assert.equal(calls, 15);
  assert.notEqual(c5.fingerprint, c1.fingerprint);
  assert.deepEqual(c5.column('input_ids'), full.map((ids) => ids.slice(-8)));
  assert.equal(cacheFiles(ds.cacheDir!).length, 3);
});

test('the stale cache of the issue, across processes: node --import tsx scripts sharing one cache folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunekit-map-closure-child-'));
  const script = join(dir, 'tokenize.mts');
  writeFileSync(script, `
import { loadDataset } from ${JSON.stringify(pathToFileURL(join(repo, 'src/data/index.ts')).href)};
import { AutoTokenizer } from ${JSON.stringify(pathToFileURL(join(repo, 'src/tokenizers/index.ts')).href)};
const [file, ml, mode] = process.argv.slice(2);
const max_length = Number(ml);
const tokenizer = await AutoTokenizer.fromPretrained(${JSON.stringify(gpt2)});
const warnings: string[] = [];
process.on('warning', (w) => warnings.push(w.message));
let calls = 0;
const tokenizeFn = (b: any) => { calls += b.text.length; return tokenizer.call(b.text, { truncation: true, maxLength: max_length }); };
const ds = await loadDataset('json', { dataFiles: file, split: 'train' });
const out = await ds.map(tokenizeFn, { batched: true, ...(mode === 'captures' ? { captures: { max_length, tokenizer } } : {}) });
await new Promise((r) => setImmediate(r));
console.log(JSON.stringify({ calls, fingerprint: out.fingerprint, cacheDir: out.cacheDir, ids: out.column('input_ids'), warnings }));
`);
  const file = dataFile('child');
  const tokenizer = await AutoTokenizer.fromPretrained(gpt2);
  const full = (await tokenizer.call(texts.map((t) => `child: ${t}`))).input_ids as number[][];
  type Out = { calls: number; fingerprint: string; cacheDir: string; ids: number[][]; warnings: string[] };
  const child = (maxLength: number, mode: 'captures' | 'none'): Out => {
    const r = spawnSync(process.execPath, ['--no-warnings', '--import', 'tsx', script, file, String(maxLength), mode],
      { cwd: repo, env: { ...process.env, TUNEKIT_DATASETS_CACHE: cacheRoot }, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Out;
  };

  const a = child(8, 'captures');
  assert.equal(a.calls, 3);
  assert.deepEqual(a.ids, full.map((ids) => ids.slice(0, 8)));
  assert.deepEqual(cacheFiles(a.cacheDir), [`cache-${a.fingerprint}.arrow`]);
  const mtime = statSync(join(a.cacheDir, `cache-${a.fingerprint}.arrow`)).mtimeMs;
  const b = child(8, 'captures');
  assert.equal(b.calls, 0, 'a second process with the same captures reads the cache');
  assert.equal(b.fingerprint, a.fingerprint);
  assert.deepEqual(b.ids, a.ids);
  assert.equal(statSync(join(a.cacheDir, `cache-${a.fingerprint}.arrow`)).mtimeMs, mtime);
  const c = child(4, 'captures');
  assert.equal(c.calls, 3, 'a changed max_length in a new process recomputes');
  assert.deepEqual(c.ids, full.map((ids) => ids.slice(0, 4)));
  const d = child(4, 'none');
  assert.equal(d.calls, 3, 'without captures the cache written by c is not reused');
  assert.deepEqual(d.ids, c.ids);
  assert.equal(d.warnings.length, 1);
  assert.match(d.warnings[0]!, /reads max_length, tokenizer from its closure.*Pass \{captures: \{max_length, tokenizer\}\}/);
  assert.deepEqual(a.warnings.concat(b.warnings, c.warnings), []);
  assert.deepEqual(cacheFiles(a.cacheDir), [`cache-${a.fingerprint}.arrow`, `cache-${c.fingerprint}.arrow`].sort());
});

test('what counts as covered: write-only counters, stable globals, fnKwargs; unhashable captures warn once naming the value', async () => {
  const ds = await load(dataFile('covered'));
  let calls = 0;
  // only a counter and globals: cached as before this change
  const words = (r: { text: string }) => { calls++; return { n: Math.max(0, r.text.split(' ').length) }; };
  const w1 = await ds.map(words);
  const w2 = await ds.map(words);
  assert.equal(calls, 3);
  assert.equal(w2.fingerprint, w1.fingerprint);
  assert.deepEqual(w2.column('n'), texts.map((t) => t.split(' ').length + 1));

  // a captured label map: hashed by content (a changed entry recomputes)
  let labelMap = new Map([['covered:', 7]]);
  const label = (r: { text: string }) => { calls++; return { label: labelMap.get(r.text.split(' ')[0]!) ?? -1 }; };
  assert.deepEqual((await ds.map(label, { captures: { labelMap } })).column('label'), [7, 7, 7]);
  await ds.map(label, { captures: { labelMap } });
  assert.equal(calls, 6);
  labelMap = new Map([['covered:', 8]]);
  assert.deepEqual((await ds.map(label, { captures: { labelMap } })).column('label'), [8, 8, 8]);
  assert.equal(calls, 9);

  // a captured helper function: its source is hashed, and its own closure must be in captures too
  const prefix = '>';
  const mark = (t: string) => prefix + t;
  const marked = (r: { text: string }) => { calls++; return { text: mark(r.text) }; };
  const { result: m, warnings } = await withWarnings(async () => [await ds.map(marked, { captures: { mark } }), await ds.map(marked, { captures: { mark } })]);
  assert.equal(calls, 15, 'the helper reads prefix, which was not given: not cached');
  assert.notEqual(m[0]!.fingerprint, m[1]!.fingerprint);
  assert.deepEqual(warnings, ['Dataset.map: cannot hash captures.mark: function mark reads prefix from its closure (add it to captures); ' +
    'this map is not cached. Pass a value that can be hashed, or set newFingerprint.']);
  await ds.map(marked, { captures: { mark, prefix } });
  const again = await ds.map(marked, { captures: { mark, prefix } });
  assert.equal(calls, 18);
  assert.equal(again.at(0).text, `>covered: ${texts[0]}`);

  // a class instance without fingerprint()/toJSON()/savePretrained(): not cached, one warning
  class Normalizer { constructor(readonly upper: boolean) {} apply(t: string) { return this.upper ? t.toUpperCase() : t; } }
  const norm = new Normalizer(true);
  const normalize = (r: { text: string }) => { calls++; return { text: norm.apply(r.text) }; };
  const { warnings: w3 } = await withWarnings(async () => { await ds.map(normalize, { captures: { norm } }); await ds.map(normalize, { captures: { norm } }); });
  assert.equal(calls, 24);
  assert.equal(w3.length, 1);
  assert.match(w3[0]!, /^Dataset\.map: cannot hash captures\.norm: an object of class Normalizer, whose state tunekit cannot see/);
  // ... with a fingerprint() it is cached, keyed by what it returns
  class Normalizer2 { constructor(readonly upper: boolean) {} apply(t: string) { return this.upper ? t.toUpperCase() : t; } fingerprint() { return { upper: this.upper }; } }
  let norm2 = new Normalizer2(false);
  const normalize2 = (r: { text: string }) => { calls++; return { text: norm2.apply(r.text) }; };
  await ds.map(normalize2, { captures: { norm2 } });
  await ds.map(normalize2, { captures: { norm2 } });
  assert.equal(calls, 27);
  norm2 = new Normalizer2(true);
  assert.equal((await ds.map(normalize2, { captures: { norm2 } })).at(1).text, 'COVERED: A SHORT ONE');
  assert.equal(calls, 30);

  // fnKwargs are hashed as before; a function inside them follows the captures rule
  const kw = (r: { text: string }, k: { f: (t: string) => string }) => { calls++; return { text: k.f(r.text) }; };
  await ds.map(kw, { fnKwargs: { f: (t: string) => t.toUpperCase() } });
  await ds.map(kw, { fnKwargs: { f: (t: string) => t.toUpperCase() } });
  assert.equal(calls, 33);

  // the options are checked
  await assert.rejects(ds.map(words, { captures: [1] as never }), /Dataset\.map: captures must be an object of the variables the function reads \(\{ name: value \}\), got an array/);
  await assert.rejects(ds.map(words, { captures: new Map() as never }), /captures must be an object .* got an object of class Map/);
});

test('filter follows the same rule; loadFromCacheFile: false recomputes and rewrites; in-memory data never warns', async () => {
  const ds = await load(dataFile('filter'));
  let calls = 0;
  let minWords = 5;
  const long = (r: { text: string }) => { calls++; return r.text.split(' ').length >= minWords; };
  assert.deepEqual((await ds.filter(long, { captures: { minWords } })).column('id'), [0, 2]);
  await ds.filter(long, { captures: { minWords } });
  assert.equal(calls, 3);
  minWords = 20;
  assert.deepEqual((await ds.filter(long, { captures: { minWords } })).column('id'), []);
  assert.equal(calls, 6);

  const first = await ds.map((r: { text: string }) => { calls++; return { len: r.text.length * minWords }; }, { captures: { minWords } });
  const path = join(ds.cacheDir!, `cache-${first.fingerprint}.arrow`);
  const before = statSync(path).mtimeMs;
  await new Promise((r) => setTimeout(r, 20));
  const again = await ds.map((r: { text: string }) => { calls++; return { len: r.text.length * minWords }; }, { captures: { minWords }, loadFromCacheFile: false });
  assert.equal(calls, 12);
  assert.equal(again.fingerprint, first.fingerprint);
  assert.ok(statSync(path).mtimeMs > before, 'rewritten');

  const mem = Dataset.fromList([{ text: 'x' }]);
  const { warnings } = await withWarnings(() => mem.map((r: { text: string }) => ({ n: r.text.length * minWords })));
  assert.deepEqual(warnings, []);
});

test('a BatchEncoding is a map result: its fields and the properties added to it become columns', async () => {
  const tokenizer = await AutoTokenizer.fromPretrained(gpt2);
  const ds = Dataset.fromList(texts.map((text, id) => ({ id, text })));
  const direct = await tokenizer.call(texts, { truncation: true, maxLength: 5 });

  const rows = await ds.map(async (r: { text: string }) => {
    const enc = await tokenizer.call(r.text, { truncation: true, maxLength: 5 });
    Object.assign(enc, { n_tokens: enc.input_ids.length });
    return enc;
  });
  assert.deepEqual(rows.columnNames, ['id', 'text', 'input_ids', 'attention_mask', 'n_tokens']);
  assert.deepEqual(rows.column('input_ids'), direct.input_ids);
  assert.deepEqual(rows.column('attention_mask'), direct.attention_mask);
  assert.deepEqual(rows.column('n_tokens'), (direct.input_ids as number[][]).map((ids) => ids.length));

  const batches = await ds.map(async (b: Batch) => {
    const enc = await tokenizer.call(b.text as string[], { truncation: true, maxLength: 5 });
    enc.set('labels', (enc.input_ids as unknown as number[][]).map((ids) => ids.map((x) => x + 1)));
    Object.assign(enc, { source_id: b.id });
    return enc;
  }, { batched: true, batchSize: 2, removeColumns: ['text'] });
  assert.deepEqual(batches.columnNames, ['id', 'input_ids', 'attention_mask', 'labels', 'source_id']);
  assert.deepEqual(batches.column('input_ids'), direct.input_ids);
  assert.deepEqual(batches.column('labels'), (direct.input_ids as number[][]).map((ids) => ids.map((x) => x + 1)));
  assert.deepEqual(batches.column('source_id'), [0, 1, 2]);

  // overflowing windows: more rows than in, with overflow_to_sample_mapping as a column
  const windows = await ds.map((b: Batch) => tokenizer.call(b.text, { truncation: true, maxLength: 6, stride: 2, returnOverflowingTokens: true }),
    { batched: true, removeColumns: ['id', 'text'] });
  const expected = await tokenizer.call(texts, { truncation: true, maxLength: 6, stride: 2, returnOverflowingTokens: true });
  assert.ok(windows.numRows > texts.length);
  assert.deepEqual(windows.column('input_ids'), expected.input_ids);
  assert.deepEqual(windows.column('overflow_to_sample_mapping'), expected.overflow_to_sample_mapping);
});
