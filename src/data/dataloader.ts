// dataloader.ts — DataLoader: collated batches from a Dataset or an array, with seeded per-epoch
// shuffles (torch.utils.data RandomSampler + DistributedSampler.set_epoch) and HF's length-grouped
// order (transformers/trainer_pt_utils.py: get_length_grouped_indices / LengthGroupedSampler).
import { Generator, randint, randperm, tidy } from '../torch/index.js';
import { defaultDataCollator } from './collators/default.js';
import type { Batch, Feature } from './collators/tensorize.js';

/** Anything with rows by index: tunekit's Dataset (`numRows`, `at`), an array, ... */
export interface RowSource<T> {
  at(i: number): T | undefined;
  readonly numRows?: number;
  readonly length?: number;
}

/** A function from rows to a batch, or a collator object (`collate(rows)`). */
export type CollateFn<T, B> = ((rows: T[]) => B) | { collate(rows: T[]): B };

/** Options of {@link DataLoader}. */
export interface DataLoaderOptions<T, B> {
  /** Rows per batch (default 1). */
  batchSize?: number;
  /** A new random order every epoch (default false: dataset order). */
  shuffle?: boolean;
  /** Seed of the epoch orders: epoch e uses randperm(n, new Generator(seed + e)). Default: drawn once from torch's default generator (so manualSeed() fixes it). */
  seed?: number;
  /** Draw every order from this generator's stream instead (torch RandomSampler(generator=g)); setEpoch then does not reproduce an order. */
  generator?: Generator;
  /** Drop the last, short batch (default false). */
  dropLast?: boolean;
  /** Rows -> batch (default defaultDataCollator). */
  collateFn?: CollateFn<T, B>;
  /** HF group_by_length: random mega-batches sorted by length, the longest row in the first batch. Random even when shuffle is false, as in HF. */
  groupByLength?: boolean;
  /** Row lengths for groupByLength (default: the length of each row's `lengthColumn`, read once). */
  lengths?: readonly number[];
  /** Column whose length is a row's length (default 'input_ids', HF's model_input_name). */
  lengthColumn?: string;
  /** Mega-batch size in batches (default HF's min(n / (4 * batchSize), 50), at least 1). */
  megaBatchMult?: number;
  /**
   * This process's share of each epoch in data-parallel training (accelerate's BatchSamplerShard,
   * split_batches false, even_batches true): process r takes batches r, r + W, ... of the common
   * order, and the last round is completed from the epoch's first rows so every process gets the
   * same number of full batches.
   */
  shard?: { numProcesses: number; processIndex: number };
}

/**
 * accelerate's BatchSamplerShard._iter_with_no_split (even_batches): the batches (index lists)
 * process `r` of `w` takes from one epoch's `batches` of nominal size `bs`.
 */
export function shardBatches(batches: readonly number[][], bs: number, w: number, r: number, dropLast: boolean): number[][] {
  const out: number[][] = [];
  let initial: number[] = [];
  let pending: number[] | null = null;
  let idx = 0;
  for (; idx < batches.length; idx++) {
    const b = batches[idx]!;
    if (!dropLast && idx < w) initial = initial.concat(b);
    if (idx % w === r) pending = b;
    if (idx % w === w - 1 && b.length === bs) { out.push(pending!); pending = null; }
  }
  if (dropLast || initial.length === 0) return out;
  if (pending && pending.length === bs) out.push(pending);
  while (initial.length < w * bs) initial = initial.concat(initial);
  let batch = batches.length ? [...batches[batches.length - 1]!] : [];
  idx = batches.length - 1;
  if (batch.length === bs) { batch = []; idx += 1; }
  let cycle = 0;
  while (idx % w !== 0 || batch.length > 0) {
    const end = cycle + bs - batch.length;
    batch = batch.concat(initial.slice(cycle, end));
    if (idx % w === r) out.push(batch);
    cycle = end;
    batch = [];
    idx += 1;
  }
  return out;
}

/**
 * HF get_length_grouped_indices: a random permutation cut into mega-batches of
 * `megaBatchMult * batchSize` indices, each sorted by decreasing length (stable), then the
 * longest row of all swapped to the front so the largest batch comes first (an OOM shows at once).
 */
export function getLengthGroupedIndices(lengths: readonly number[], batchSize: number, generator?: Generator, megaBatchMult?: number): number[] {
  const n = lengths.length;
  const mult = megaBatchMult ?? Math.max(1, Math.min(Math.floor(n / (batchSize * 4)), 50));
  const perm = permutation(n, generator);
  const size = mult * batchSize;
  const megas: number[][] = [];
  for (let i = 0; i < n; i += size) megas.push(perm.slice(i, i + size).sort((a, b) => lengths[b]! - lengths[a]!));
  if (megas.length === 0) return [];
  let best = 0; // torch.argmax: the first of equal maxima
  megas.forEach((m, k) => { if (lengths[m[0]!]! > lengths[megas[best]![0]!]!) best = k; });
  const m0 = megas[0]!, mb = megas[best]!;
  [m0[0], mb[0]] = [mb[0]!, m0[0]!];
  return megas.flat();
}

/** randperm(n) on a generator, as plain numbers. */
function permutation(n: number, generator?: Generator): number[] {
  if (n === 0) return [];
  return tidy(() => Array.from(randperm(n, { generator }).toTypedArray() as BigInt64Array, Number));
}

/**
 * Iterates a dataset in batches: `for (const batch of loader)` yields `collateFn(rows)` for
 * consecutive slices of the epoch's index order.  The consumer owns each batch: dispose it or
 * make it inside tidy() (tensors made outside a scope fall to the GC safety net).
 *
 * Orders: sequential; with `shuffle`, epoch e's order is randperm(n, Generator(seed + e)) —
 * torch's DistributedSampler rule — so `setEpoch(e)` before iterating reproduces epoch e after a
 * resume; with `groupByLength`, HF's length-grouped order drawn from the same generator.  Each
 * iteration uses the current `epoch` and then advances it by one.
 * @example
 *   const loader = new DataLoader(ds, { batchSize: 16, shuffle: true, seed: 42, collateFn: new DataCollatorWithPadding({ tokenizer }) });
 *   for (let e = 0; e < 3; e++) { loader.setEpoch(e); for (const batch of loader) tidy(() => step(batch)); }
 */
export class DataLoader<T = Feature, B = Batch> implements Iterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly groupByLength: boolean;
  readonly seed: number;
  /** The epoch the next iteration uses. */
  epoch = 0;
  private readonly source: RowSource<T>;
  private readonly collateFn: (rows: T[]) => B;
  private readonly generator: Generator | undefined;
  private readonly opts: DataLoaderOptions<T, B>;
  private lengthsCache: readonly number[] | null;

  constructor(dataset: RowSource<T> | readonly T[], opts: DataLoaderOptions<T, B> = {}) {
    const src = dataset as RowSource<T>;
    if (src === null || typeof src !== 'object' || typeof src.at !== 'function')
      throw new TypeError('DataLoader: dataset must be an array or have at(i) and numRows/length');
    this.source = src;
    if (!Number.isInteger(this.numRows) || this.numRows < 0) throw new TypeError(`DataLoader: dataset size must be a non-negative integer, got ${String(this.numRows)}`);
    this.batchSize = opts.batchSize ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${this.batchSize}`);
    this.shuffle = opts.shuffle ?? false;
    this.dropLast = opts.dropLast ?? false;
    this.groupByLength = opts.groupByLength ?? false;
    this.generator = opts.generator;
    this.seed = opts.seed ?? tidy(() => randint(0, 2 ** 31 - 1, [1]).item());
    if (!Number.isSafeInteger(this.seed) || this.seed < 0) throw new RangeError(`DataLoader: seed must be a non-negative integer, got ${this.seed}`);
    const c = opts.collateFn ?? (defaultDataCollator as unknown as (rows: T[]) => B);
    this.collateFn = typeof c === 'function' ? c : (rows) => c.collate(rows);
    this.lengthsCache = opts.lengths ?? null;
    if (this.lengthsCache && this.lengthsCache.length !== this.numRows)
      throw new RangeError(`DataLoader: ${this.lengthsCache.length} lengths for ${this.numRows} rows`);
    this.opts = opts;
  }

  /** The rows this loader reads (Accelerator.prepare builds a sharded copy from them). */
  get dataset(): RowSource<T> { return this.source; }
  /** The constructor's options, as given. */
  get options(): Readonly<DataLoaderOptions<T, B>> { return this.opts; }

  /** Rows in the dataset. */
  get numRows(): number {
    return this.source.numRows ?? this.source.length ?? NaN;
  }
  /** Batches per epoch: ceil(n / batchSize), or floor with dropLast; with `shard`, this process's share (accelerate's len). */
  get length(): number {
    const n = this.numRows;
    const all = this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
    const sh = this.opts.shard;
    if (!sh || sh.numProcesses === 1) return all;
    const per = Math.floor(all / sh.numProcesses);
    return all % sh.numProcesses === 0 || this.dropLast ? per : per + 1;
  }
  /** Sets the epoch the next iteration uses (its shuffle order). */
  setEpoch(epoch: number): void {
    if (!Number.isInteger(epoch) || epoch < 0) throw new RangeError(`DataLoader: epoch must be a non-negative integer, got ${epoch}`);
    this.epoch = epoch;
  }

  /** The row order of an epoch (all n indices, before batching and dropLast). */
  indices(epoch = this.epoch): number[] {
    const n = this.numRows;
    if (!this.shuffle && !this.groupByLength) return Array.from({ length: n }, (_, i) => i);
    const g = this.generator ?? new Generator(this.seed + epoch);
    if (this.groupByLength) return getLengthGroupedIndices(this.lengths(), this.batchSize, g, this.opts.megaBatchMult);
    return permutation(n, g);
  }

  /** Row lengths used by groupByLength (given, or read from `lengthColumn` once). */
  lengths(): readonly number[] {
    if (this.lengthsCache) return this.lengthsCache;
    const col = this.opts.lengthColumn ?? 'input_ids';
    const out: number[] = [];
    for (let i = 0; i < this.numRows; i++) {
      const row = this.row(i) as Record<string, unknown>;
      const v = row !== null && typeof row === 'object' ? row[col] : undefined;
      if (!Array.isArray(v) && !(ArrayBuffer.isView(v) && 'length' in v))
        throw new Error(`Can only automatically infer lengths for datasets whose items are dictionaries with an '${col}' key.`);
      out.push((v as ArrayLike<unknown>).length);
    }
    this.lengthsCache = out;
    return out;
  }

  [Symbol.iterator](): Iterator<B> {
    const e = this.epoch;
    this.epoch = e + 1;
    return this.iterEpoch(e);
  }

  /** Batches of epoch `epoch`, starting at batch `skipBatches` (resume mid-epoch); leaves `epoch` alone. */
  *iterEpoch(epoch: number, opts: { skipBatches?: number } = {}): IterableIterator<B> {
    const order = this.indices(epoch);
    const sh = this.opts.shard;
    if (sh && sh.numProcesses > 1) {
      const all: number[][] = [];
      const nAll = this.dropLast ? Math.floor(order.length / this.batchSize) : Math.ceil(order.length / this.batchSize);
      for (let b = 0; b < nAll; b++) all.push(order.slice(b * this.batchSize, (b + 1) * this.batchSize));
      const mine = shardBatches(all, this.batchSize, sh.numProcesses, sh.processIndex, this.dropLast);
      for (let b = opts.skipBatches ?? 0; b < mine.length; b++) yield this.collateFn(mine[b]!.map((i) => this.row(i)));
      return;
    }
    const nb = this.length;
    for (let b = opts.skipBatches ?? 0; b < nb; b++) {
      const idx = order.slice(b * this.batchSize, (b + 1) * this.batchSize);
      yield this.collateFn(idx.map((i) => this.row(i)));
    }
  }

  private row(i: number): T {
    const r = this.source.at(i);
    if (r === undefined) throw new RangeError(`DataLoader: row ${i} of ${this.numRows} is missing`);
    return r;
  }
}
