// src/data/dataset-dict.ts — DatasetDict: named splits ('train', 'validation', 'test') of Datasets,
// with the per-split transforms and HF's repr. Mirrors datasets/dataset_dict.py.
import { inspect } from 'node:util';
import { join } from 'node:path';
import type { Batch, Dataset, Row } from './dataset.js';
import { checkSplitName, isDatasetDictDir, readDatasetDictSplitDirs, writeDatasetDictJson } from './disk.js';
import { ClassLabel, type FeatureType, type Features } from './features.js';
import type { MapOptions, TransformOptions } from './map.js';
import { pyList } from './split.js';

type MaybePromise<T> = T | Promise<T>;
// The overloads of Dataset.map/filter collapsed to their implementation signature, for forwarding.
interface Untyped {
  map(fn: unknown, opts: MapOptions): Promise<Dataset>;
  filter(fn: unknown, opts: TransformOptions): Promise<Dataset>;
}

/**
 * Splits by name. `get(name)` throws listing the splits when one is missing.
 * @example
 * const dd = await loadDataset('conll2003', { dataDir });
 * const tokenized = await dd.map(tokenizeAndAlign, { batched: true });
 * tokenized.get('train').numRows
 */
export class DatasetDict implements Iterable<[string, Dataset]> {
  private readonly splits: Map<string, Dataset>;

  constructor(splits: Readonly<Record<string, Dataset>> | ReadonlyMap<string, Dataset>) {
    this.splits = new Map(splits instanceof Map ? splits : Object.entries(splits));
  }

  /** The split `name`; throws naming the available splits when it does not exist. */
  get(name: string): Dataset {
    const d = this.splits.get(name);
    if (d === undefined) throw new Error(`Unknown split "${name}". Should be one of ${pyList([...this.splits.keys()])}.`);
    return d;
  }
  has(name: string): boolean {
    return this.splits.has(name);
  }
  keys(): string[] {
    return [...this.splits.keys()];
  }
  values(): Dataset[] {
    return [...this.splits.values()];
  }
  entries(): [string, Dataset][] {
    return [...this.splits.entries()];
  }
  get size(): number {
    return this.splits.size;
  }
  [Symbol.iterator](): Iterator<[string, Dataset]> {
    return this.splits.entries();
  }

  /** Rows per split. */
  get numRows(): Record<string, number> {
    return this.perSplit((d) => d.numRows);
  }
  get columnNames(): Record<string, string[]> {
    return this.perSplit((d) => d.columnNames);
  }
  get features(): Record<string, Features> {
    return this.perSplit((d) => d.features);
  }

  private perSplit<T>(f: (d: Dataset, name: string) => T): Record<string, T> {
    return Object.fromEntries(this.entries().map(([k, d]) => [k, f(d, k)]));
  }

  private each(f: (d: Dataset, name: string) => Dataset): DatasetDict {
    return new DatasetDict(new Map(this.entries().map(([k, d]) => [k, f(d, k)])));
  }

  private async eachAsync(f: (d: Dataset, name: string) => Promise<Dataset>): Promise<DatasetDict> {
    const out = new Map<string, Dataset>();
    for (const [k, d] of this.entries()) out.set(k, await f(d, k)); // one split at a time: progress bars stay readable
    return new DatasetDict(out);
  }

  /** Dataset.map on every split (the progress label names the split). */
  map<R extends Row = Row>(fn: (example: R, ...extra: any[]) => MaybePromise<Row | void | null | undefined>, opts?: MapOptions & { batched?: false }): Promise<DatasetDict>;
  map<B extends Batch = Batch>(fn: (batch: B, ...extra: any[]) => MaybePromise<Batch | void | null | undefined>, opts: MapOptions & { batched: true }): Promise<DatasetDict>;
  map(fn: (...args: any[]) => unknown, opts: MapOptions = {}): Promise<DatasetDict> {
    return this.eachAsync((d, k) => (d as unknown as Untyped).map(fn, { ...opts, desc: opts.desc ?? `Map ${k}` }));
  }

  filter<R extends Row = Row>(fn: (example: R, ...extra: any[]) => MaybePromise<unknown>, opts?: TransformOptions & { batched?: false }): Promise<DatasetDict>;
  filter<B extends Batch = Batch>(fn: (batch: B, ...extra: any[]) => MaybePromise<unknown[]>, opts: TransformOptions & { batched: true }): Promise<DatasetDict>;
  filter(fn: (...args: any[]) => unknown, opts: TransformOptions = {}): Promise<DatasetDict> {
    return this.eachAsync((d, k) => (d as unknown as Untyped).filter(fn, { ...opts, desc: opts.desc ?? `Filter ${k}` }));
  }

  /** Shuffles every split with the same seed, or a seed per split ({train: 1, test: 2}). */
  shuffle(opts: { seed?: number; seeds?: Readonly<Record<string, number>> } = {}): DatasetDict {
    return this.each((d, k) => d.shuffle({ seed: opts.seeds?.[k] ?? opts.seed }));
  }
  removeColumns(names: string | readonly string[]): DatasetDict {
    return this.each((d) => d.removeColumns(names));
  }
  selectColumns(names: string | readonly string[]): DatasetDict {
    return this.each((d) => d.selectColumns(names));
  }
  renameColumn(from: string, to: string): DatasetDict {
    return this.each((d) => d.renameColumn(from, to));
  }
  renameColumns(mapping: Readonly<Record<string, string>>): DatasetDict {
    return this.each((d) => d.renameColumns(mapping));
  }
  castColumn(name: string, feature: FeatureType): DatasetDict {
    return this.each((d) => d.castColumn(name, feature));
  }
  cast(features: Features): DatasetDict {
    return this.each((d) => d.cast(features));
  }
  classEncodeColumn(name: string): DatasetDict {
    // HF encodes with the names of all splits together, so ids agree across splits.
    const names = new Set<string>();
    for (const d of this.values()) for (const v of d.unique(name)) if (typeof v === 'string') names.add(v);
    const sorted = [...names].sort();
    return this.each((d) => d.castColumn(name, new ClassLabel({ names: sorted })));
  }
  sort(column: string, opts: { reverse?: boolean } = {}): DatasetDict {
    return this.each((d) => d.sort(column, opts));
  }
  flatten(): DatasetDict {
    return this.each((d) => d.flatten());
  }
  /** Distinct values of a column per split. */
  unique(column: string): Record<string, unknown[]> {
    return this.perSplit((d) => d.unique(column));
  }

  /**
   * Writes dataset_dict.json and one saveToDisk folder per split (HF's layout).  Split names
   * become folder names, so each must match HF's split-name rule '^\w+(\.\w+)*$' (no
   * separators, no `..`); all are checked before anything is written.
   */
  async saveToDisk(dir: string): Promise<void> {
    for (const k of this.keys()) checkSplitName(k, `DatasetDict.saveToDisk(${JSON.stringify(dir)})`);
    for (const [k, d] of this.entries()) await d.saveToDisk(join(dir, k));
    await writeDatasetDictJson(dir, this.keys());
  }

  /**
   * Reads a folder written by saveToDisk or HF's DatasetDict.save_to_disk.  The split names in
   * dataset_dict.json must pass HF's split-name rule, and each split folder (and every file read)
   * must resolve (realpath) inside `dir`: entries or symlinks reaching outside are refused.
   */
  static async loadFromDisk(dir: string, opts: { cacheDir?: string } = {}): Promise<DatasetDict> {
    if (!(await isDatasetDictDir(dir))) throw new Error(`${dir} is not a DatasetDict folder (no dataset_dict.json); use Dataset.loadFromDisk for a single dataset`);
    // Imported here, not at the top: dataset.ts imports this module.
    const { Dataset } = await import('./dataset.js');
    const out = new Map<string, Dataset>();
    for (const [k, splitDir] of await readDatasetDictSplitDirs(dir)) out.set(k, await Dataset.loadFromDisk(splitDir, opts));
    return new DatasetDict(out);
  }

  /** HF's repr: each split's Dataset repr, indented, inside `DatasetDict({...})`. */
  toString(): string {
    const body = this.entries().map(([k, d]) => `${k}: ${d.toString()}`).join('\n').replace(/^/gm, '    ');
    return `DatasetDict({\n${body}\n})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
