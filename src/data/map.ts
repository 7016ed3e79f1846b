// src/data/map.ts — Dataset.map / Dataset.filter: run a user function over rows or batches,
// build the result columns, and cache it on disk keyed by fingerprint. Mirrors
// datasets/arrow_dataset.py (map, _map_single, filter) and arrow_writer.py (try the input
// feature of a column first, else infer). A function's closure is keyed through `captures`
// (see fingerprint.ts transformFingerprint): HF's dill hashing of closures, made explicit.
import { Int32, makeData, Field, Schema, Struct, RecordBatch, Table, type Data } from 'apache-arrow';
import { cacheFilePath, isCachingEnabled, tryReadCache, tryWriteCache } from './cache.js';
import { encodeColumn, encodeValue, inferFeature, intListFeature, intListFits, scanIntLists } from './encode.js';
import { type FeatureType, type Features, missingColumn } from './features.js';
import { isSafeFingerprint, transformFingerprint, warnUncached } from './fingerprint.js';
import { buildIntListData, featuresOfTable } from './arrow.js';
import { ProgressBar } from './progress.js';
import { type Batch, type Row, Store } from './store.js';
import { camelKeys, normalizeOptions, type SnakeAliases } from '../utils/options.js';

/** What a transform reads: the rows, their fingerprint and where cache files go (null: in memory, no cache). */
export interface TransformInput {
  store: Store;
  fingerprint: string;
  cacheDir: string | null;
}

/** A transform's result rows and their fingerprint. */
export interface TransformOutput {
  store: Store;
  fingerprint: string;
}

/** Options shared by map and filter, in camelCase (each also accepted under its HF snake_case name). */
export interface TransformOptionsCamel {
  /** Call fn on batches (column -> values) instead of single rows. Default false. */
  batched?: boolean;
  /** Rows per batch when batched; <= 0 or null means the whole dataset in one batch. Default 1000. */
  batchSize?: number | null;
  /** Also pass the row index (or the batch's indices) as the second argument. */
  withIndices?: boolean;
  /** Passed as the last argument of fn, and hashed into the fingerprint (HF fn_kwargs). */
  fnKwargs?: unknown;
  /**
   * The values of the variables fn reads from its closure, by name: `{ max_length, tokenizer }`.
   * They are hashed into the fingerprint (not passed to fn), so a changed value misses the cache.
   * A function that reads a closure variable missing here is not cached (random fingerprint, one
   * warning naming the variables), since JavaScript cannot see a closure's values from outside.
   * Values: primitives, plain objects, arrays, Maps, Sets, typed arrays, functions whose own
   * closure is in `captures` too, and objects with fingerprint(), toJSON() or savePretrained(dir).
   */
  captures?: Readonly<Record<string, unknown>>;
  /** Reuse a cached result when one exists (default true; false recomputes and overwrites). */
  loadFromCacheFile?: boolean;
  /** Progress-bar label. */
  desc?: string;
  /** Override the computed fingerprint (HF's new_fingerprint). */
  newFingerprint?: string;
  /** Drop the last batch when it has fewer than batchSize rows (HF drop_last_batch). */
  dropLastBatch?: boolean;
  /** Accepted for HF compatibility; fn runs in this process whatever the value. */
  numProc?: number | null;
}

/** Options shared by map and filter: HF's names (`batch_size`, `fn_kwargs`, ...) or their camelCase forms. */
export interface TransformOptions extends TransformOptionsCamel, SnakeAliases<TransformOptionsCamel> {}

/** Options of Dataset.map, in camelCase. */
export interface MapOptionsCamel extends TransformOptionsCamel {
  /** Columns to drop from the input before fn's outputs are merged (required when the row count changes). */
  removeColumns?: string | readonly string[];
  /** Features of the output (skips inference; values are validated against them). */
  features?: Features;
}

/** Options of Dataset.map: HF's argument names (`remove_columns`, `load_from_cache_file`, ...) or their camelCase forms. */
export interface MapOptions extends MapOptionsCamel, SnakeAliases<MapOptionsCamel> {}

const TRANSFORM_NAMES = ['batched', 'batch_size', 'with_indices', 'fn_kwargs', 'captures', 'load_from_cache_file', 'desc', 'new_fingerprint', 'drop_last_batch', 'num_proc'];
const MAP_NAMES = [...TRANSFORM_NAMES, 'remove_columns', 'features'];

/** HF's spelling or camelCase in, camelCase out; unknown names are errors with the closest known one. */
function transformOptions<T>(opts: unknown, names: string[], who: string): T {
  return camelKeys(normalizeOptions(opts, { names }, who)) as T;
}

type Fn = (...args: any[]) => unknown;

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

function asList(v: string | readonly string[] | undefined): string[] {
  return v === undefined ? [] : typeof v === 'string' ? [v] : [...v];
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? `an object of class ${(v as object).constructor?.name}` : typeof v;
}

/** Batch boundaries for [0, n). */
function batchRanges(n: number, opts: TransformOptions): [number, number][] {
  const bs = opts.batched ? (opts.batchSize === null || opts.batchSize === undefined ? 1000 : opts.batchSize <= 0 ? n : opts.batchSize) : 1;
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += bs) {
    const e = Math.min(n, s + bs);
    if (opts.dropLastBatch && e - s < bs) break;
    out.push([s, e]);
  }
  return out;
}

function callArgs(first: unknown, start: number, end: number, opts: TransformOptions): unknown[] {
  const args = [first];
  if (opts.withIndices) args.push(opts.batched ? Array.from({ length: end - start }, (_, k) => start + k) : start);
  if (opts.fnKwargs !== undefined) args.push(opts.fnKwargs);
  return args;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** Resolves the fingerprint and cache path of a transform; null path = not cached. */
async function planCache(input: TransformInput, transform: string, fn: Fn, args: Record<string, unknown>, opts: TransformOptions): Promise<{ fingerprint: string; path: string | null }> {
  if (typeof fn !== 'function') throw new TypeError(`Dataset.${transform}: the first argument must be a function, got ${describe(fn)}`);
  if (opts.captures !== undefined && !isPlainObject(opts.captures))
    throw new TypeError(`Dataset.${transform}: captures must be an object of the variables the function reads ({ name: value }), got ${describe(opts.captures)}`);
  let fingerprint = opts.newFingerprint;
  if (fingerprint !== undefined && (typeof fingerprint !== 'string' || !isSafeFingerprint(fingerprint)))
    throw new Error(`Dataset.${transform}: invalid newFingerprint ${JSON.stringify(fingerprint)}: it names cache files, so it must be 1 to 64 characters without / \\ : < > | ? * or control characters, and not . or ..`);
  let cacheable = true;
  // In-memory data and disabled caching never touch the cache: no hashing, no warning (as in HF).
  const caching = input.cacheDir !== null && isCachingEnabled();
  if (fingerprint === undefined) {
    const r = await transformFingerprint(input.fingerprint, transform, fn, opts.captures, args);
    fingerprint = r.fingerprint;
    cacheable = r.cacheable;
    if (!cacheable && caching) warnUncached(`Dataset.${transform}`, r.source, r.problem ?? 'unhashable');
  }
  const path = caching && cacheable ? cacheFilePath(input.cacheDir!, fingerprint) : null;
  return { fingerprint, path };
}

/**
 * The columns of what fn returned. A tokenizer's BatchEncoding (src/tokenizers/encoding.ts,
 * recognised by shape: this layer does not import tokenizers) gives its `data` keys plus any
 * property the function added to it (`enc.label = ...`), as HF's map takes the dict it subclasses.
 */
function resultEntries(res: object): [string, unknown][] {
  const r = res as Record<string, unknown>;
  if (!isPlainObject(res) && isPlainObject(r.data) && Array.isArray(r.encodings) && typeof r.wordIds === 'function') {
    const own = Object.entries(r).filter(([k, v]) => !BATCH_ENCODING_FIELDS.has(k) && typeof v !== 'function');
    return [...Object.entries(r.data), ...own.filter(([k]) => !Object.hasOwn(r.data as object, k))];
  }
  return Object.entries(res);
}
/** BatchEncoding's own fields that are not columns. */
const BATCH_ENCODING_FIELDS = new Set(['data', 'encodings', 'nSequences', 'wordIdRows']);

/**
 * Output feature of one column: given features, else the input's feature if every value fits it
 * (HF try_type), else inferred. Columns of integer lists (tokenizer outputs) that fit go straight
 * to Arrow data (buildIntListData); anything else is encoded value by value.
 */
function resolveColumn(name: string, values: unknown[], given: Features | undefined, input: Features): { feature: FeatureType; values: unknown[] | Data } {
  const ints = scanIntLists(values);
  if (given) {
    const f = given[name];
    if (f === undefined) throw new Error(`map: the function returned column '${name}', which is not in the given features ${JSON.stringify(Object.keys(given))}`);
    if (ints && intListFits(ints, f)) return { feature: f, values: buildIntListData(values, f, ints.total) };
    return { feature: f, values: encodeColumn(name, values, f) };
  }
  const prev = input[name];
  if (prev !== undefined) {
    if (ints && intListFits(ints, prev)) return { feature: prev, values: buildIntListData(values, prev, ints.total) };
    try {
      const where = { column: name, row: 0, strict: true };
      const out = values.map((v, i) => ((where.row = i), encodeValue(v, prev, where)));
      return { feature: prev, values: out };
    } catch {
      // falls through to inference, as HF does when try_type fails
    }
  }
  const inferred = ints && intListFeature(name, ints);
  if (inferred) return { feature: inferred, values: buildIntListData(values, inferred, ints!.total) };
  const f = inferFeature(name, values);
  return { feature: f, values: encodeColumn(name, values, f) };
}

/**
 * Runs Dataset.map. Batched fns may return more or fewer rows than they got (e.g. QA overflow
 * windows) if every input column is removed or overwritten; all returned columns must have one length.
 */
export async function runMap(input: TransformInput, fn: Fn, given: MapOptions = {}): Promise<TransformOutput> {
  const opts = transformOptions<MapOptionsCamel>(given, MAP_NAMES, 'Dataset.map');
  const store = input.store;
  const remove = asList(opts.removeColumns);
  for (const c of remove) if (!store.columnNames.includes(c)) throw missingColumn(c, store.columnNames, 'map: column to remove');
  const { fingerprint, path } = await planCache(input, 'map', fn, {
    batched: !!opts.batched, batchSize: opts.batched ? opts.batchSize ?? 1000 : null, withIndices: !!opts.withIndices,
    fnKwargs: opts.fnKwargs, removeColumns: remove, features: opts.features ?? null, dropLastBatch: !!opts.dropLastBatch,
  }, opts);
  if (path && opts.loadFromCacheFile !== false) {
    const t = await tryReadCache(path);
    if (t) return { store: Store.fromTable(t, featuresOfTable(t)), fingerprint };
  }

  const removeSet = new Set(remove);
  const out = new Map<string, unknown[]>();
  let outRows = 0;
  let updated = false;
  const bar = new ProgressBar({ total: store.numRows, desc: opts.desc ?? 'Map' });
  for (const [s, e] of batchRanges(store.numRows, opts)) {
    const arg: Row | Batch = opts.batched ? store.batch(s, e) : store.row(s);
    let res = fn(...callArgs(arg, s, e, opts));
    if (isThenable(res)) res = await res;
    let produced: Batch;
    if (res === null || res === undefined) {
      produced = {};
    } else if (typeof res !== 'object' || Array.isArray(res)) {
      throw new TypeError(`map: the function must return ${opts.batched ? 'an object of columns (arrays)' : 'an object (a row)'} or nothing, got ${describe(res)}`);
    } else if (opts.batched) {
      produced = {};
      for (const [k, v] of resultEntries(res)) {
        if (!Array.isArray(v) && !(ArrayBuffer.isView(v) && !(v instanceof DataView)))
          throw new TypeError(`map (batched): column '${k}' returned by the function is ${describe(v)}, expected an array with one value per row`);
        produced[k] = Array.isArray(v) ? v : Array.from(v as unknown as ArrayLike<unknown>);
      }
    } else {
      produced = Object.fromEntries(resultEntries(res).map(([k, v]) => [k, [v]]));
    }
    const keys = Object.keys(produced);
    if (keys.length > 0) updated = true;
    const lengths = keys.map((k) => produced[k]!.length);
    if (new Set(lengths).size > 1)
      throw new Error(`map: the function returned columns of different lengths for rows ${s}..${e - 1}: ` +
        keys.map((k, i) => `${k}: ${lengths[i]}`).join(', '));
    const m = keys.length > 0 ? lengths[0]! : e - s;
    // Like HF, input columns are merged from the object fn received (a column it deleted is gone).
    const kept = store.columnNames.filter((c) => !removeSet.has(c) && !(c in produced) && c in arg);
    if (m !== e - s && kept.length > 0)
      throw new Error(`Column lengths mismatch: the function returned ${m} rows for a batch of ${e - s} (rows ${s}..${e - 1}), ` +
        `but input columns ${JSON.stringify(kept)} would keep ${e - s}. Remove them with removeColumns: ${JSON.stringify(kept)} ` +
        '(or return them with the new length).');
    // Column order as HF's {**inputs, **outputs}: input columns keep their place, new ones follow.
    const merged: Batch = {};
    for (const c of store.columnNames) {
      if (c in produced) merged[c] = produced[c];
      else if (kept.includes(c)) merged[c] = opts.batched ? (arg as Batch)[c] : [(arg as Row)[c]];
    }
    for (const k of keys) if (!(k in merged)) merged[k] = produced[k];
    for (const [k, v] of Object.entries(merged)) {
      let col = out.get(k);
      if (col === undefined) out.set(k, (col = new Array<unknown>(outRows).fill(null))); // a column first seen late: earlier rows null
      for (const x of v) col.push(x);
    }
    outRows += m;
    for (const col of out.values()) while (col.length < outRows) col.push(null); // a column missing in this batch
    bar.update(e - s);
  }
  bar.close();

  if (!updated && remove.length === 0 && !opts.features && !opts.dropLastBatch) {
    // fn returned nothing for every row (side effects only): the data is unchanged, as in HF.
    return { store, fingerprint };
  }
  const features: Features = {};
  const cols = new Map<string, unknown[] | Data>();
  if (opts.features) {
    const extra = [...out.keys()].filter((k) => !(k in opts.features!));
    if (extra.length) throw new Error(`map: output columns ${JSON.stringify(extra)} are not in the given features ${JSON.stringify(Object.keys(opts.features))}`);
  }
  const names = opts.features ? Object.keys(opts.features).filter((k) => out.has(k)) : [...out.keys()];
  for (const name of names) {
    const r = resolveColumn(name, out.get(name)!, opts.features, store.features);
    features[name] = r.feature;
    cols.set(name, r.values);
  }
  const result = Store.fromEncoded(cols, features, outRows);
  if (path) await tryWriteCache(path, result.table);
  return { store: result, fingerprint };
}

/** Runs Dataset.filter: fn returns a boolean per row (or an array of booleans per batch). */
export async function runFilter(input: TransformInput, fn: Fn, given: TransformOptions = {}): Promise<TransformOutput> {
  const opts = transformOptions<TransformOptionsCamel>(given, TRANSFORM_NAMES, 'Dataset.filter');
  const store = input.store;
  const { fingerprint, path } = await planCache(input, 'filter', fn, {
    batched: !!opts.batched, batchSize: opts.batched ? opts.batchSize ?? 1000 : null, withIndices: !!opts.withIndices, fnKwargs: opts.fnKwargs,
  }, opts);
  if (path && opts.loadFromCacheFile !== false) {
    const t = await tryReadCache(path);
    const col = t?.getChild('indices');
    if (col) return { store: store.select(Int32Array.from(col.toArray() as ArrayLike<number>)), fingerprint };
  }
  const keep: number[] = [];
  const bar = new ProgressBar({ total: store.numRows, desc: opts.desc ?? 'Filter' });
  for (const [s, e] of batchRanges(store.numRows, opts)) {
    let res = fn(...callArgs(opts.batched ? store.batch(s, e) : store.row(s), s, e, opts));
    if (isThenable(res)) res = await res;
    if (opts.batched) {
      if (!Array.isArray(res) || res.length !== e - s)
        throw new TypeError(`filter (batched): the function must return one boolean per row (${e - s}), got ${Array.isArray(res) ? `${res.length} values` : describe(res)}`);
      res.forEach((b, k) => b && keep.push(s + k));
    } else if (res) {
      keep.push(s);
    }
    bar.update(e - s);
  }
  bar.close();
  const idx = Int32Array.from(keep);
  if (path) await tryWriteCache(path, indicesTable(idx));
  return { store: store.select(idx), fingerprint };
}

/** A one-column table `indices` (int32), the cache file of a filter. */
function indicesTable(idx: Int32Array): Table {
  const field = new Field('indices', new Int32(), false);
  const schema = new Schema([field]);
  const child = makeData({ type: new Int32(), length: idx.length, nullCount: 0, data: idx });
  return new Table(schema, new RecordBatch(schema, makeData({ type: new Struct([field]), length: idx.length, nullCount: 0, children: [child] })));
}
