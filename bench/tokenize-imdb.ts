// bench/tokenize-imdb.ts — tokenizing IMDB (3,000 reviews, truncation 512, bert-base-uncased)
// through Dataset.map vs the raw HF `tokenizers` encodeBatch on the same texts, then a re-run
// of the same map (served from the on-disk cache).  Targets: map ≥ 0.8× raw throughput (the median
// of per-repeat ratios); cached re-run ≥ 20× faster than the first.
// Usage: node --import tsx bench/tokenize-imdb.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from 'tokenizers';
import { AutoTokenizer } from '../src/tokenizers/index.js';
import { loadDataset, disableCaching, enableCaching, type Dataset } from '../src/data/index.js';

const shared = process.env.TUNEKIT_SHARED ?? resolve(fileURLToPath(new URL('../../shared', import.meta.url)));
const cacheDir = mkdtempSync(join(tmpdir(), 'tk-bench-imdb-'));
const REPEATS = 5;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const tok = await AutoTokenizer.fromPretrained(join(shared, 'data', 'tokenizers', 'bert-base-uncased'));
const ds = (await loadDataset('csv', { dataFiles: join(shared, 'data', 'imdb', 'imdb_small_3000.csv'), split: 'train', cacheDir })) as Dataset;
const texts = ds.column('text') as string[];
const tokensOf = (ids: number[][]): number => ids.reduce((s, r) => s + r.length, 0);

// Raw: the Rust tokenizer from the same tokenizer.json, with its own truncation, 1000 per batch.
const saved = join(cacheDir, 'tok');
await tok.savePretrained(saved);
const raw = Tokenizer.fromFile(join(saved, 'tokenizer.json'));
raw.setTruncation(512);
let rawTokens = 0;
const rawPass = async (): Promise<void> => {
  let n = 0;
  for (let i = 0; i < texts.length; i += 1000) {
    const encs = await raw.encodeBatch(texts.slice(i, i + 1000));
    for (const e of encs) n += e.getIds().length;
  }
  rawTokens = n;
};

// tunekit: Dataset.map with a batched async tokenize fn (the tutorials' pattern).
const fn = async (batch: Record<string, unknown[]>) => {
  const enc = await tok.call(batch.text as string[], { truncation: true, maxLength: 512 });
  return { input_ids: enc.input_ids, attention_mask: enc.attention_mask };
};
let mapped!: Dataset;
const mapPass = async (): Promise<void> => {
  mapped = await ds.map(fn, { batched: true, removeColumns: ds.columnNames });
};

// Raw and map passes alternate (raw first in even repeats, map first in odd ones), and each repeat
// gives its own ratio: on a shared machine the load drifts between passes, so a ratio of two
// pass times taken side by side is steadier than a ratio of two medians taken a minute apart.
// Caching off: the pure cost of map (tokenize + build Arrow columns), no cache file written.
disableCaching();
const rawTimes: number[] = [], mapTimes: number[] = [], ratios: number[] = [];
const timed = async (pass: () => Promise<void>): Promise<number> => {
  const t0 = performance.now();
  await pass();
  return performance.now() - t0;
};
for (let r = 0; r < REPEATS; r++) {
  let tRaw: number, tMap: number;
  if (r % 2 === 0) {
    tRaw = await timed(rawPass);
    tMap = await timed(mapPass);
  } else {
    tMap = await timed(mapPass);
    tRaw = await timed(rawPass);
  }
  rawTimes.push(tRaw);
  mapTimes.push(tMap);
  ratios.push(tRaw / tMap); // map throughput / raw throughput
}
enableCaching();
const mapTokens = tokensOf(mapped.column('input_ids') as number[][]);

// A script run twice: the first map computes and writes the cache file (fresh cache dir), the
// second finds it by fingerprint and reads it.
const ds2 = (await loadDataset('csv', { dataFiles: join(shared, 'data', 'imdb', 'imdb_small_3000.csv'), split: 'train', cacheDir: join(cacheDir, 'fresh') })) as Dataset;
let t0 = performance.now();
await ds2.map(fn, { batched: true, removeColumns: ds2.columnNames });
const firstCached = performance.now() - t0;
t0 = performance.now();
const again = await ds2.map(fn, { batched: true, removeColumns: ds2.columnNames });
const rerun = performance.now() - t0;
if (tokensOf(again.column('input_ids') as number[][]) !== mapTokens) throw new Error('cached result differs');

const rawRate = texts.length / (median(rawTimes) / 1000), mapRate = texts.length / (median(mapTimes) / 1000);
console.log(`IMDB ${texts.length} reviews, bert-base-uncased, truncation 512; median of ${REPEATS} alternating raw/map repeats; tokens: raw ${rawTokens}, map ${mapTokens}`);
console.log('| path | time (ms) | reviews/s | vs raw |');
console.log('|---|---:|---:|---:|');
console.log(`| raw tokenizers encodeBatch (1000/batch) | ${median(rawTimes).toFixed(0)} | ${rawRate.toFixed(0)} | 1.00 |`);
console.log(`| Dataset.map(batched, no cache) | ${median(mapTimes).toFixed(0)} | ${mapRate.toFixed(0)} | ${median(ratios).toFixed(2)} (target ≥ 0.8; per repeat: ${ratios.map((x) => x.toFixed(2)).join(' ')}) |`);
console.log(`| Dataset.map first run, writing the cache | ${firstCached.toFixed(0)} | ${(texts.length / (firstCached / 1000)).toFixed(0)} | |`);
console.log(`| Dataset.map re-run (cache hit) | ${rerun.toFixed(0)} | ${(texts.length / (rerun / 1000)).toFixed(0)} | ${(firstCached / rerun).toFixed(1)}× faster than the first run (target ≥ 20×) |`);
rmSync(cacheDir, { recursive: true, force: true });
