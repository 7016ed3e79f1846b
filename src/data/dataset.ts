// src/data/dataset.ts — Dataset: a typed, columnar table of rows stored in Apache Arrow, with HF's
// transforms (map, filter, shuffle, select, train_test_split, column ops) and disk round trips.
// Mirrors datasets/arrow_dataset.py (class Dataset).
import { join } from 'node:path';
import { inspect } from 'node:util';
import { tableToBytes } from './arrow.js';
import { cacheRoot } from './cache.js';
import { castStore, concatStores, flattenStore, sortIndices, uniqueValues, withColumns } from './columns.js';
import { DatasetDict } from './dataset-dict.js';
import { readDatasetDir, writeDatasetDir } from './disk.js';
import { inferFeature, encodeColumn } from './encode.js';
import { ClassLabel, type FeatureType, type Features, missingColumn, Value } from './features.js';
import { hashBytes, randomFingerprint, updateFingerprint } from './fingerprint.js';
import { type MapOptions, type TransformOptions, runFilter, runMap } from './map.js';
import { permutation, randomSeed } from './rng.js';
import { type Batch, type Row, Store } from './store.js';

export type { Batch, Row };
type MaybePromise<T> = T | Promise<T>;

/** Options of trainTestSplit (HF semantics: a fraction in (0, 1) or a row count). */
export interface TrainTestSplitOptions {
  /** Fraction (0 < x < 1, rounded up) or count of test rows. Default 0.25 when trainSize is not given either. */
  testSize?: number;
  /** Fraction (rounded down) or count of train rows; default: the rest. */
  trainSize?: number;
  /** Shuffle before splitting (default true). */
  shuffle?: boolean;
  seed?: number;
}

/** Internal state shared by transforms; not part of the public API. */
export interface DatasetState {
  fingerprint: string;
  cacheDir: string | null;
  split: string | null;
}

function pyStr(s: string): string {
  return s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function isCount(x: number): boolean {
  return Number.isInteger(x) && x >= 1;
}

/**
 * A table of rows with typed columns (features), stored in Arrow. Transforms return new datasets;
 * row/column reads return fresh copies. map/filter are async (they may write cache files).
 * @example
 * const ds = Dataset.fromList([{ text: 'good', label: 1 }, { text: 'bad', label: 0 }]);
 * const tok = await ds.map((b) => ({ n: b.text.map((t: string) => t.length) }), { batched: true });
 */
export class Dataset implements Iterable<Row> {
  /** @internal */
  constructor(readonly store: Store, private readonly state: DatasetState) {}

  /** Rows as objects; columns are the union of keys (missing -> null) unless `features` is given. */
  static fromList(rows: readonly Row[], opts: { features?: Features; split?: string } = {}): Dataset {
    const names = opts.features ? Object.keys(opts.features) : [...new Set(rows.flatMap((r) => Object.keys(r)))];
    if (opts.features) {
      const extra = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((k) => !names.includes(k));
      if (extra.length) throw new Error(`fromList: columns ${JSON.stringify(extra)} are not in the given features ${JSON.stringify(names)}`);
    }
    const cols: Record<string, unknown[]> = {};
    for (const n of names) cols[n] = rows.map((r) => r[n] ?? null);
    return Dataset.fromDict(cols, opts);
  }

  /** Columns of equal length; features are inferred per column unless given. */
  static fromDict(columns: Readonly<Record<string, readonly unknown[]>>, opts: { features?: Features; split?: string } = {}): Dataset {
    const names = Object.keys(columns);
    const lengths = names.map((n) => columns[n]!.length);
    if (new Set(lengths).size > 1) throw new Error(`fromDict: columns have different lengths: ${names.map((n, i) => `${n}: ${lengths[i]}`).join(', ')}`);
    const features: Features = {};
    if (opts.features) {
      for (const n of names) if (!(n in opts.features)) throw new Error(`fromDict: column '${n}' is not in the given features ${JSON.stringify(Object.keys(opts.features))}`);
      Object.assign(features, opts.features);
    } else {
      for (const n of names) features[n] = inferFeature(n, columns[n]!);
    }
    const n = lengths[0] ?? 0;
    const store = Store.fromColumns(new Map(Object.entries(columns)), features, n);
    // In-memory data is never cached (as in HF); its fingerprint still identifies the content.
    return new Dataset(store, { fingerprint: hashBytes(tableToBytes(store.table)).slice(0, 16), cacheDir: null, split: opts.split ?? null });
  }

  /** Reads a folder written by saveToDisk (or HF's save_to_disk). Map results are then cached under the cache root. */
  static async loadFromDisk(dir: string, opts: { cacheDir?: string } = {}): Promise<Dataset> {
    const saved = await readDatasetDir(dir);
    const fingerprint = saved.fingerprint || randomFingerprint();
    const cacheDir = join(cacheRoot(opts.cacheDir), 'from_disk', fingerprint);
    return new Dataset(Store.fromTable(saved.table, saved.features), { fingerprint, cacheDir, split: saved.split });
  }

  /** Writes HF's layout (data-00000-of-00001.arrow, dataset_info.json, state.json); indices are applied first. */
  async saveToDisk(dir: string): Promise<void> {
    const flat = this.store.flattenIndices();
    await writeDatasetDir(dir, { table: flat.table, features: flat.features, fingerprint: this.fingerprint, split: this.split });
  }

  private derive(store: Store, transform: string, args: Record<string, unknown>): Dataset {
    const { fingerprint } = updateFingerprint(this.state.fingerprint, transform, args);
    return new Dataset(store, { ...this.state, fingerprint });
  }

  get numRows(): number {
    return this.store.numRows;
  }
  get numColumns(): number {
    return this.store.columnNames.length;
  }
  get columnNames(): string[] {
    return this.store.columnNames;
  }
  /** The features (column types); do not mutate, use cast/castColumn. */
  get features(): Features {
    return this.store.features;
  }
  /** Identifies the content and the transforms applied; keys the cache of map/filter. */
  get fingerprint(): string {
    return this.state.fingerprint;
  }
  get split(): string | null {
    return this.state.split;
  }
  /** Where map/filter results of this dataset are cached, or null (in-memory data is not cached). */
  get cacheDir(): string | null {
    return this.state.cacheDir;
  }
  get length(): number {
    return this.numRows;
  }

  /** All values of a column (a copy). Throws listing the columns when `name` is not one. */
  column(name: string): unknown[] {
    return this.store.columnSlice(name, 0, this.numRows);
  }
  /** Same as column(name) (HF's ds['name']). */
  get(name: string): unknown[] {
    return this.column(name);
  }

  /** Row i (negative counts from the end), a fresh object. */
  at(i: number): Row {
    const n = this.numRows;
    const j = i < 0 ? n + i : i;
    if (!Number.isInteger(j) || j < 0 || j >= n) throw new RangeError(`Index ${i} out of range for a dataset of ${n} rows`);
    return this.store.row(j);
  }

  *[Symbol.iterator](): Iterator<Row> {
    for (let i = 0; i < this.numRows; i++) yield this.store.row(i);
  }

  /** Batches of consecutive rows as column -> values (HF's Dataset.iter). */
  *iter(opts: { batchSize: number; dropLastBatch?: boolean }): Generator<Batch> {
    const bs = opts.batchSize;
    if (!(bs >= 1)) throw new RangeError(`iter: batchSize must be >= 1, got ${bs}`);
    for (let s = 0; s < this.numRows; s += bs) {
      const e = Math.min(this.numRows, s + bs);
      if (opts.dropLastBatch && e - s < bs) return;
      yield this.store.batch(s, e);
    }
  }

  toList(): Row[] {
    return [...this];
  }
  toDict(): Batch {
    return this.store.batch(0, this.numRows);
  }

  /** Rows [start, end) with Array.prototype.slice semantics (negatives count from the end). */
  slice(start = 0, end = this.numRows): Dataset {
    const n = this.numRows;
    const s = Math.max(0, Math.min(n, start < 0 ? n + start : start));
    const e = Math.max(s, Math.min(n, end < 0 ? n + end : end));
    return this.derive(this.store.select(Int32Array.from({ length: e - s }, (_, k) => s + k)), 'select', { range: [s, e] });
  }

  /** The rows at `indices` (in that order; repeats allowed). No data is copied. */
  select(indices: Iterable<number> | ArrayLike<number>): Dataset {
    const arr: ArrayLike<number> = ArrayBuffer.isView(indices) ? (indices as ArrayLike<number>) : Array.from(indices as Iterable<number>);
    for (let i = 0; i < arr.length; i++)
      if (!Number.isInteger(arr[i])) throw new TypeError(`select: index ${JSON.stringify(arr[i])} at position ${i} is not an integer`);
    const idx = Int32Array.from(arr);
    return this.derive(this.store.select(idx), 'select', { indices: hashBytes(new Uint8Array(idx.buffer)) });
  }

  /** A seeded permutation of the rows (xoshiro128**, see rng.ts; not numpy's order). No seed: random. */
  shuffle(opts: { seed?: number } = {}): Dataset {
    const seed = opts.seed ?? randomSeed();
    return this.derive(this.store.select(permutation(this.numRows, seed)), 'shuffle', { seed });
  }

  /**
   * Splits into a DatasetDict {train, test} with HF's sizes: a fractional testSize is rounded up,
   * a fractional trainSize down, integers are counts; the test rows are the first of the permutation.
   */
  trainTestSplit(opts: TrainTestSplitOptions = {}): DatasetDict {
    const n = this.numRows;
    let { testSize, trainSize } = opts;
    if (testSize === undefined && trainSize === undefined) testSize = 0.25;
    for (const [name, v] of [['testSize', testSize], ['trainSize', trainSize]] as const) {
      if (v === undefined) continue;
      if (isCount(v) ? v >= n : !(v > 0 && v < 1))
        throw new RangeError(`${name}=${v} should be either positive and smaller than the number of samples ${n} or a float in the (0, 1) range`);
    }
    if (testSize !== undefined && trainSize !== undefined && !isCount(testSize) && !isCount(trainSize) && testSize + trainSize > 1)
      throw new RangeError(`The sum of testSize and trainSize = ${testSize + trainSize}, should be in the (0, 1) range. Reduce testSize and/or trainSize.`);
    let nTest = testSize === undefined ? undefined : isCount(testSize) ? testSize : Math.ceil(testSize * n);
    let nTrain = trainSize === undefined ? undefined : isCount(trainSize) ? trainSize : Math.floor(trainSize * n);
    if (nTrain === undefined) nTrain = n - nTest!;
    if (nTest === undefined) nTest = n - nTrain;
    if (nTrain + nTest > n)
      throw new RangeError(`The sum of trainSize and testSize = ${nTrain + nTest}, should be smaller than the number of samples ${n}. Reduce testSize and/or trainSize.`);
    if (nTrain === 0)
      throw new RangeError(`With n_samples=${n}, testSize=${testSize} and trainSize=${trainSize}, the resulting train set will be empty. Adjust any of the aforementioned parameters.`);
    const shuffle = opts.shuffle ?? true;
    const seed = shuffle ? opts.seed ?? randomSeed() : null;
    let test: Int32Array, train: Int32Array;
    if (seed === null) {
      train = Int32Array.from({ length: nTrain }, (_, i) => i);
      test = Int32Array.from({ length: nTest }, (_, i) => nTrain! + i);
    } else {
      const p = permutation(n, seed);
      test = p.slice(0, nTest);
      train = p.slice(nTest, nTest + nTrain);
    }
    const args = { testSize, trainSize, shuffle, seed };
    return new DatasetDict({
      train: this.derive(this.store.select(train), 'train_test_split', { ...args, part: 'train' }),
      test: this.derive(this.store.select(test), 'train_test_split', { ...args, part: 'test' }),
    });
  }

  /** Rows ordered by a scalar column (stable; nulls last). */
  sort(column: string, opts: { reverse?: boolean } = {}): Dataset {
    return this.derive(this.store.select(sortIndices(this.store, column, opts.reverse)), 'sort', { column, reverse: !!opts.reverse });
  }

  /** Distinct values of a column in first-seen order (list columns: distinct elements). */
  unique(column: string): unknown[] {
    return uniqueValues(this.store, column);
  }

  /**
   * Applies `fn` to every row (or batch with `batched: true`) and merges what it returns into the
   * row; see MapOptions. Results of datasets loaded from files are cached on disk keyed by the
   * input fingerprint, fn's source and the options: a re-run loads the cache without calling fn.
   * Values fn reads from its closure must be given as `captures: { name: value }` to be cached (see MapOptions.captures).
   */
  map<R extends Row = Row>(fn: (example: R, ...extra: any[]) => MaybePromise<Row | void | null | undefined>, opts?: MapOptions & { batched?: false }): Promise<Dataset>;
  map<B extends Batch = Batch>(fn: (batch: B, ...extra: any[]) => MaybePromise<Batch | void | null | undefined>, opts: MapOptions & { batched: true }): Promise<Dataset>;
  async map(fn: (...args: any[]) => unknown, opts: MapOptions = {}): Promise<Dataset> {
    const r = await runMap({ store: this.store, ...this.state }, fn, opts);
    return new Dataset(r.store, { ...this.state, fingerprint: r.fingerprint });
  }

  /** Keeps the rows for which fn is truthy (batched: fn returns one boolean per row). Cached like map. */
  filter<R extends Row = Row>(fn: (example: R, ...extra: any[]) => MaybePromise<unknown>, opts?: TransformOptions & { batched?: false }): Promise<Dataset>;
  filter<B extends Batch = Batch>(fn: (batch: B, ...extra: any[]) => MaybePromise<unknown[]>, opts: TransformOptions & { batched: true }): Promise<Dataset>;
  async filter(fn: (...args: any[]) => unknown, opts: TransformOptions = {}): Promise<Dataset> {
    const r = await runFilter({ store: this.store, ...this.state }, fn, opts);
    return new Dataset(r.store, { ...this.state, fingerprint: r.fingerprint });
  }

  /** Drops columns (a name or several); unknown names throw listing the columns. */
  removeColumns(names: string | readonly string[]): Dataset {
    const drop = typeof names === 'string' ? [names] : [...names];
    for (const n of drop) if (!this.columnNames.includes(n)) throw missingColumn(n, this.columnNames);
    return this.derive(this.store.selectColumns(this.columnNames.filter((c) => !drop.includes(c))), 'remove_columns', { drop });
  }

  /** Keeps only these columns, in this order. */
  selectColumns(names: string | readonly string[]): Dataset {
    const keep = typeof names === 'string' ? [names] : [...names];
    return this.derive(this.store.selectColumns(keep), 'select_columns', { keep });
  }

  renameColumn(from: string, to: string): Dataset {
    return this.renameColumns({ [from]: to });
  }

  /** Renames columns {old: new}; throws for unknown old names and for new names that already exist. */
  renameColumns(mapping: Readonly<Record<string, string>>): Dataset {
    const m = new Map(Object.entries(mapping));
    for (const from of m.keys()) if (!this.columnNames.includes(from)) throw missingColumn(from, this.columnNames, 'Original column name');
    const after = this.columnNames.map((c) => m.get(c) ?? c);
    const dup = after.filter((c, i) => after.indexOf(c) !== i);
    if (dup.length) throw new Error(`renameColumns: column name(s) ${JSON.stringify(dup)} would appear twice; current columns ${JSON.stringify(this.columnNames)}`);
    return this.derive(this.store.selectColumns(this.columnNames, m), 'rename_columns', { mapping });
  }

  /** Converts one column to a new feature, validating every value (e.g. strings -> ClassLabel names). */
  castColumn(name: string, feature: FeatureType): Dataset {
    this.store.checkColumn(name);
    const values = encodeColumn(name, this.column(name), feature);
    return this.derive(withColumns(this.store, new Map([[name, { feature, values }]])), 'cast_column', { name, feature });
  }

  /** Converts all columns to `features` (same column names). */
  cast(features: Features): Dataset {
    return this.derive(castStore(this.store, features), 'cast', { features });
  }

  /** Turns a string column into a ClassLabel whose names are its sorted distinct values (HF class_encode_column). */
  classEncodeColumn(name: string): Dataset {
    this.store.checkColumn(name);
    const f = this.features[name];
    if (!(f instanceof Value) || (f.dtype !== 'string' && f.dtype !== 'large_string'))
      throw new TypeError(`classEncodeColumn: column '${name}' must be a string column, it is ${String(f)}`);
    const names = (this.unique(name).filter((v) => v !== null) as string[]).sort();
    return this.castColumn(name, new ClassLabel({ names }));
  }

  /** Adds a column of one value per row (feature inferred unless given). */
  addColumn(name: string, values: readonly unknown[], feature?: FeatureType): Dataset {
    if (this.columnNames.includes(name)) throw new Error(`addColumn: column '${name}' already exists; columns ${JSON.stringify(this.columnNames)}`);
    if (values.length !== this.numRows) throw new Error(`Column lengths mismatch: addColumn('${name}') got ${values.length} values for ${this.numRows} rows`);
    const f = feature ?? inferFeature(name, values);
    const store = withColumns(this.store, new Map([[name, { feature: f, values: encodeColumn(name, values, f) }]]));
    return this.derive(store, 'add_column', { name, feature: f, values: hashBytes(JSON.stringify(values) ?? '') });
  }

  /** Struct columns become `parent.child` columns (squad: answers -> answers.text, answers.answer_start). */
  flatten(): Dataset {
    return this.derive(flattenStore(this.store), 'flatten', {});
  }

  /** @internal The same dataset under another split name (what loadDataset's split spec selected). */
  withSplit(split: string): Dataset {
    return new Dataset(this.store, { ...this.state, split });
  }

  /** The same rows with the indices mapping applied (contiguous storage). Fingerprint unchanged. */
  flattenIndices(): Dataset {
    return new Dataset(this.store.flattenIndices(), this.state);
  }

  /** HF's repr: `Dataset({\n    features: ['a', 'b'],\n    num_rows: 3\n})`. */
  toString(): string {
    return `Dataset({\n    features: [${this.columnNames.map(pyStr).join(', ')}],\n    num_rows: ${this.numRows}\n})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** Rows of several datasets one after another (features must match); HF concatenate_datasets. */
export function concatenateDatasets(datasets: readonly Dataset[]): Dataset {
  const store = concatStores(datasets.map((d) => d.store));
  const { fingerprint } = updateFingerprint(datasets[0]?.fingerprint ?? '', 'concatenate', { parts: datasets.map((d) => d.fingerprint) });
  return new Dataset(store, { fingerprint, cacheDir: datasets[0]?.cacheDir ?? null, split: null });
}
