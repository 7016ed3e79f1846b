// src/data/load.ts — loadDataset: local files in a known format -> DatasetDict (or the Datasets of a
// split spec). Mirrors datasets/load.py (load_dataset with packaged builders json/csv/text/parquet/
// arrow and data_files) plus the dataset scripts the tutorials use (conll2003, glue/mrpc, squad_v2),
// reading the same files those scripts download; Hub dataset repos go to hub-load.ts.
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import { featuresOfTable, tableFromBytes } from './arrow.js';
import { cacheRoot } from './cache.js';
import { concatenateDatasets, Dataset } from './dataset.js';
import { DatasetDict } from './dataset-dict.js';
import { inferFeature } from './encode.js';
import { type Features, featuresEqual } from './features.js';
import { type DataFiles, inferDataFiles, readDataFile, resolveDataFiles } from './files.js';
import { hashBytes, hashValue } from './fingerprint.js';
import { conllBuilder } from './loaders/conll.js';
import { csvBuilder } from './loaders/csv.js';
import { glueBuilder } from './loaders/glue.js';
import { jsonBuilder } from './loaders/json.js';
import { parquetBuilder } from './loaders/parquet.js';
import { squadBuilder } from './loaders/squad.js';
import { textBuilder } from './loaders/text.js';
import { CANONICAL_DATASETS } from './hub-canonical.js';
import { isHubDatasetPath, loadHubDataset, splitsOfSpec } from './hub-load.js';
import type { Builder, FormatOptions, ParsedFile } from './loaders/types.js';
import { ProgressBar } from './progress.js';
import { resolveSplitSpec } from './split.js';
import { Store } from './store.js';

const arrowBuilder: Builder = {
  extensions: ['.arrow'],
  parse: (bytes) => {
    const table = tableFromBytes(bytes);
    const features = featuresOfTable(table);
    const store = Store.fromTable(table, features);
    return { columns: new Map(Object.keys(features).map((k) => [k, [...store.tableColumn(k)]])), numRows: table.numRows, features };
  },
};

/** Builders by name; `squad` and `squad_v2` share the flattening (v2 just has unanswerable questions). */
export const BUILDERS: Readonly<Record<string, Builder>> = {
  json: jsonBuilder, csv: csvBuilder, text: textBuilder, parquet: parquetBuilder, arrow: arrowBuilder,
  conll2003: conllBuilder, glue: glueBuilder, squad: squadBuilder, squad_v2: squadBuilder,
};

/** Options of loadDataset: where the files are, which split, features, cache root, and format options. */
export interface LoadDatasetOptions extends FormatOptions {
  /** The files: a path/glob, a list, or split -> path(s). Relative to dataDir when given. */
  dataFiles?: DataFiles;
  /** A folder: its files are assigned to splits by name (train/valid/dev/test...), or by the builder's known layout. */
  dataDir?: string;
  /** A split spec ('train', 'train[:10%]', 'train+test', ...): returns a Dataset instead of a DatasetDict. */
  split?: string;
  /** Column types to use instead of the builder's or inferred ones (values are converted and checked). */
  features?: Features;
  /** Cache root for map/filter results of this data (default: see cacheRoot()); HF's `cache_dir`. Hub files go to the HF hub cache. */
  cacheDir?: string;
  cache_dir?: string;
  /** Hub datasets: branch, tag or commit (default 'main'). */
  revision?: string;
  /** Hub datasets: access token (default HF_TOKEN / the saved login); false sends none. */
  token?: string | boolean;
}

async function filesFor(builderName: string, builder: Builder, opts: LoadDatasetOptions): Promise<Map<string, string[]>> {
  const base = opts.dataDir ?? process.cwd();
  if (opts.dataFiles !== undefined) return resolveDataFiles(opts.dataFiles, base);
  if (opts.dataDir === undefined) throw new Error(`loadDataset('${builderName}'): give dataFiles or dataDir (nothing is downloaded)`);
  const defaults = builder.defaultFiles?.(opts);
  if (defaults) {
    const present: Record<string, string> = {};
    for (const [split, f] of Object.entries(defaults)) {
      if (await stat(join(opts.dataDir, f)).then(() => true, () => false)) present[split] = f;
    }
    if (Object.keys(present).length === 0)
      throw new Error(`loadDataset('${builderName}'): none of ${JSON.stringify(Object.values(defaults))} found in '${opts.dataDir}'`);
    return resolveDataFiles(present, base);
  }
  return inferDataFiles(opts.dataDir, builder.extensions);
}

function mergeParsed(parts: ParsedFile[], given: Features | undefined): { columns: Map<string, unknown[]>; numRows: number; features: Features } {
  const names: string[] = [];
  for (const p of parts) for (const k of p.columns.keys()) if (!names.includes(k)) names.push(k);
  const numRows = parts.reduce((a, p) => a + p.numRows, 0);
  const columns = new Map<string, unknown[]>();
  for (const n of names) columns.set(n, parts.flatMap((p) => p.columns.get(n) ?? new Array<unknown>(p.numRows).fill(null)));
  if (given) {
    const extra = names.filter((n) => !(n in given));
    if (extra.length) throw new Error(`loadDataset: columns ${JSON.stringify(extra)} are not in the given features ${JSON.stringify(Object.keys(given))}`);
    return { columns, numRows, features: given };
  }
  const fs = parts.map((p) => p.features);
  const first = fs[0];
  const same = first !== undefined && fs.every((f) => f !== undefined && featuresEqual(f, first)) && JSON.stringify(Object.keys(first)) === JSON.stringify(names);
  const features: Features = same ? first : Object.fromEntries(names.map((n) => [n, inferFeature(n, columns.get(n)!)]));
  return { columns, numRows, features };
}

/**
 * Loads a dataset: local data files, or a dataset repo of the Hugging Face Hub.
 * - `path`: a builder ('json', 'csv', 'text', 'parquet', 'arrow', or 'conll2003', 'glue' with
 *   `name: 'mrpc'`, 'squad', 'squad_v2' reading local files given by dataFiles / dataDir), a local
 *   folder (builder chosen by the files' extension), or a Hub dataset: 'org/name', or a legacy
 *   name such as 'glue' / 'imdb' (the Hub's new home of it, hub-canonical.ts) — its config is
 *   the second argument (or `name`), with `revision` and `token`.
 * - Without `split`: a DatasetDict of every split; with `split`: that Dataset (HF slicing syntax,
 *   percent bounds rounded to the closest row like HF's ReadInstruction).
 * The fingerprint hashes the files' contents and the options, so cached map results survive a
 * re-run and are invalidated when a file changes.
 * @example
 * const mrpc = await loadDataset('glue', 'mrpc');                      // the Hub's nyu-mll/glue
 * const local = await loadDataset('glue', { name: 'mrpc', dataDir: 'shared/data/glue_mrpc' });
 * const small = await loadDataset('json', { dataFiles: 'a.jsonl', split: 'train[:10%]' });
 */
export async function loadDataset(path: string, name: string | undefined, opts: LoadDatasetOptions & { split: string }): Promise<Dataset>;
export async function loadDataset(path: string, name?: string, opts?: LoadDatasetOptions): Promise<DatasetDict>;
export async function loadDataset(path: string, opts: LoadDatasetOptions & { split: string }): Promise<Dataset>;
export async function loadDataset(path: string, opts?: LoadDatasetOptions): Promise<DatasetDict>;
export async function loadDataset(path: string, nameOrOpts?: string | LoadDatasetOptions, more?: LoadDatasetOptions): Promise<Dataset | DatasetDict> {
  let opts: LoadDatasetOptions = typeof nameOrOpts === 'object' && nameOrOpts !== null ? nameOrOpts : more ?? {};
  if (typeof nameOrOpts === 'string') {
    if (opts.name !== undefined && opts.name !== nameOrOpts) throw new Error(`loadDataset('${path}'): the config name is given twice, '${nameOrOpts}' and name: '${opts.name}'`);
    opts = { ...opts, name: nameOrOpts };
  }
  if (opts.cacheDir !== undefined && opts.cache_dir !== undefined && opts.cacheDir !== opts.cache_dir)
    throw new Error(`loadDataset('${path}'): cacheDir '${opts.cacheDir}' and cache_dir '${opts.cache_dir}' differ; give one`);
  if (await isHubLoad(path, opts)) {
    const { dataFiles, dataDir, split, cacheDir, cache_dir, features, revision, token, name, ...format } = opts;
    const dd = await loadHubDataset(path, name, {
      revision, token, cacheDir: cacheDir ?? cache_dir, features, dataFiles, dataDir, format, splits: split === undefined ? undefined : splitsOfSpec(split),
    });
    return split === undefined ? dd : selectSplit(dd, split);
  }
  let builderName = path;
  let builder = BUILDERS[path];
  if (!builder) {
    const isDir = await stat(path).then((s) => s.isDirectory(), () => false);
    if (!isDir) throw new Error(`loadDataset: '${path}' is neither a builder (${Object.keys(BUILDERS).join(', ')}) nor a local folder, nor a Hub dataset ('namespace/name', or one of the legacy names ${Object.keys(CANONICAL_DATASETS).join(', ')})`);
    const files = (await inferDataFiles(path, Object.values(BUILDERS).flatMap((b) => b.extensions))).values().next().value ?? [];
    const f = files[0]!.toLowerCase();
    builderName = ['parquet', 'arrow', 'json', 'csv', 'text'].find((n) => BUILDERS[n]!.extensions.some((e) => f.endsWith(e)))!;
    builder = BUILDERS[builderName]!;
    opts = { ...opts, dataDir: opts.dataDir ?? path };
  }
  const fileMap = await filesFor(builderName, builder, opts);
  const { dataFiles: _df, dataDir: _dd, split: _sp, cacheDir, cache_dir, features, revision: _r, token: _t, ...format } = opts;
  const dd = await buildDatasetDict({ builderName, builder, fileMap, format, features, cacheDir: cacheDir ?? cache_dir });
  if (opts.split === undefined) return dd;
  return selectSplit(dd, opts.split);
}

/** The packaged builders: their names always mean local files (as datasets' _PACKAGED_DATASETS_MODULES). */
const PACKAGED = ['json', 'csv', 'text', 'parquet', 'arrow'];

/**
 * Whether loadDataset goes to the Hub: not a packaged builder, not a local folder, and either a
 * Hub id or a legacy name; the script builders (glue, conll2003, squad...) read local files when
 * dataFiles or dataDir say where they are, else their Hub dataset.
 */
async function isHubLoad(path: string, opts: LoadDatasetOptions): Promise<boolean> {
  if (PACKAGED.includes(path)) return false;
  if (BUILDERS[path] && (opts.dataFiles !== undefined || opts.dataDir !== undefined)) return false;
  if (!path.startsWith('hf://') && (await stat(path).then((s) => s.isDirectory(), () => false))) return false;
  return isHubDatasetPath(path);
}

/** What {@link buildDatasetDict} builds from. */
export interface BuildOptions {
  builderName: string;
  builder: Builder;
  /** Split -> local files, in order. */
  fileMap: ReadonlyMap<string, readonly string[]>;
  format: FormatOptions;
  /** The caller's features: every file's columns are converted to them. */
  features?: Features;
  /** Features for files whose format carries no HF metadata (a Hub card's dataset_info). */
  fallbackFeatures?: Features;
  /** Cache root (see cacheRoot()). */
  cacheDir?: string;
  /** Folder under the cache root (default the builder's name): `org___name/config` for Hub data. */
  cacheName?: string;
}

/**
 * Parses each split's files with a builder into a DatasetDict.  Fingerprints hash the files'
 * contents and the options, so cached map results survive a re-run and die with a changed file.
 */
export async function buildDatasetDict(o: BuildOptions): Promise<DatasetDict> {
  const splits = new Map<string, { columns: Map<string, unknown[]>; numRows: number; features: Features }>();
  const contentHashes: Record<string, string[]> = {};
  for (const [split, files] of o.fileMap) {
    const bar = new ProgressBar({ desc: `Generating ${split} split` });
    const parts: ParsedFile[] = [];
    contentHashes[split] = [];
    for (const file of files) {
      const bytes = await readDataFile(file);
      contentHashes[split]!.push(hashBytes(bytes));
      let p = await o.builder.parse(bytes, file, o.format);
      if (o.fallbackFeatures && !p.hfMetadata) p = { ...p, features: o.fallbackFeatures };
      parts.push(p);
      bar.update(p.numRows);
    }
    bar.close();
    splits.set(split, mergeParsed(parts, o.features));
  }
  const loadFp = hashValue({ builder: o.builderName, format: o.format, features: o.features ?? null, files: contentHashes, ...(o.fallbackFeatures ? { fallback: o.fallbackFeatures } : {}) }).slice(0, 16);
  const dir = join(cacheRoot(o.cacheDir), ...(o.cacheName ?? o.builderName).split('/'), loadFp);
  const datasets = new Map<string, Dataset>();
  for (const [split, s] of splits) {
    const store = Store.fromColumns(s.columns, s.features, s.numRows);
    datasets.set(split, new Dataset(store, { fingerprint: hashValue({ loadFp, split }).slice(0, 16), cacheDir: dir, split }));
  }
  return new DatasetDict(datasets);
}

/** A split spec over a DatasetDict: slices, concatenated with '+'. The result's `split` is the spec. */
export function selectSplit(dd: DatasetDict, spec: string): Dataset {
  const ranges = resolveSplitSpec(spec, dd.numRows);
  const parts = ranges.map((r) => {
    const d = dd.get(r.split);
    return r.from === 0 && r.to === d.numRows ? d : d.slice(r.from, r.to);
  });
  const ds = parts.length === 1 ? parts[0]! : concatenateDatasets(parts);
  return ds.withSplit(spec);
}
