// src/data/disk.ts — the save_to_disk folder layout, read and written like HF's so that either side
// loads the other's folders: data-0000i-of-0000n.arrow (Arrow IPC streams with the features in
// the schema metadata), dataset_info.json, state.json; a DatasetDict adds dataset_dict.json and one
// folder per split. Mirrors datasets/arrow_dataset.py save_to_disk / load_from_disk.
import { readFile, realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, sep } from 'node:path';
import * as arrow from 'apache-arrow';
import { featuresOfTable } from './arrow.js';
import { exists, readArrowFile, writeArrowFile, writeFileAtomic } from './cache.js';
import { type Features, featuresFromJSON, featuresToJSON } from './features.js';
import { isSplitName, splitNameMessage } from './files.js';
import { isSafeFingerprint } from './fingerprint.js';

/** What one saved dataset folder holds. */
export interface SavedDataset {
  table: arrow.Table;
  features: Features;
  fingerprint: string;
  split: string | null;
}

/** Writes a flat (no indices) table as HF's single-shard layout. */
export async function writeDatasetDir(dir: string, saved: SavedDataset): Promise<void> {
  const file = 'data-00000-of-00001.arrow';
  await writeArrowFile(join(dir, file), saved.table);
  const info = { citation: '', description: '', features: featuresToJSON(saved.features), homepage: '', license: '' };
  await writeFileAtomic(join(dir, 'dataset_info.json'), JSON.stringify(info, null, 2));
  const state = {
    _data_files: [{ filename: file }],
    _fingerprint: saved.fingerprint,
    _format_columns: null,
    _format_kwargs: {},
    _format_type: null,
    _output_all_columns: false,
    _split: saved.split,
  };
  await writeFileAtomic(join(dir, 'state.json'), JSON.stringify(state, null, 2));
}

// ---- reading a folder that may come from elsewhere (a downloaded archive, a shared drive) ----
// Every name loadFromDisk takes from the folder's JSON (dataset_dict.json "splits", state.json
// "_data_files[].filename" and "_fingerprint") is checked before it touches a path, and every file
// and split folder it opens is resolved with realpath and must lie inside the dataset folder's own
// realpath: a symlink (or a `..`) pointing elsewhere is refused rather than followed.  Files are
// then read through their resolved path, so the checked path is the one opened.

/** The folder's real path (symlinks resolved), or the "state.json not found" error when it does not exist. */
async function realDir(dir: string): Promise<string> {
  try {
    return await realpath(dir);
  } catch {
    throw new Error(`${join(dir, 'state.json')} not found: not a folder written by saveToDisk / save_to_disk`);
  }
}

/** Whether `real` lies strictly inside `root` (both real paths). */
function isInside(root: string, real: string): boolean {
  const rel = relative(root, real);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * The real path of `root/name`, checked to lie inside `root` (a real path) and to be a regular
 * file (or a folder when `kind` is 'folder').  Returns null when it does not exist.
 */
async function resolveInside(root: string, shown: string, name: string, kind: 'file' | 'folder'): Promise<string | null> {
  let real: string;
  try {
    real = await realpath(join(root, name));
  } catch {
    return null;
  }
  if (!isInside(root, real))
    throw new Error(`${shown} resolves to ${real}, outside the dataset folder ${root} (a symlink?); refusing to read it`);
  const st = await stat(real);
  if (kind === 'file' ? !st.isFile() : !st.isDirectory()) throw new Error(`${shown}: expected a ${kind === 'file' ? 'regular file' : 'folder'}`);
  return real;
}

/** An entry from the folder's JSON for an error message (long ones cut). */
function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}

/** Parses `dir/name` (checked inside `root`); undefined when it does not exist and `optional`. */
async function readJson(root: string, dir: string, name: string, optional = false): Promise<unknown> {
  const shown = join(dir, name);
  const real = await resolveInside(root, shown, name, 'file');
  if (real === null) {
    if (optional) return undefined;
    throw new Error(`${shown} not found: not a folder written by saveToDisk / save_to_disk`);
  }
  const text = await readFile(real, 'utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${shown}: invalid JSON (${(e as Error).message})`);
  }
}

/**
 * A data file name from state.json: a plain file name in the folder (HF writes
 * data-0000i-of-0000n.arrow), so no path separator (/ or \), no NUL, not absolute, not . or ..
 */
function isPlainFileName(name: unknown): name is string {
  return typeof name === 'string' && name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name) && !isAbsolute(name) && basename(name) === name;
}

/** Reads a folder written by writeDatasetDir or by HF's Dataset.save_to_disk (any number of shards). */
export async function readDatasetDir(dir: string): Promise<SavedDataset> {
  const root = await realDir(dir);
  const statePath = join(dir, 'state.json');
  const state = (await readJson(root, dir, 'state.json')) as { _data_files?: unknown; _fingerprint?: unknown; _split?: unknown } | null;
  if (state === null || typeof state !== 'object' || Array.isArray(state)) throw new Error(`${statePath}: expected a JSON object`);
  const files = state._data_files ?? [];
  if (!Array.isArray(files)) throw new Error(`${statePath}: "_data_files" must be a list of {"filename": ...}, got ${show(files)}`);
  if (files.length === 0) throw new Error(`${statePath}: no _data_files listed`);
  const fingerprint = state._fingerprint ?? '';
  if (typeof fingerprint !== 'string' || (fingerprint !== '' && !isSafeFingerprint(fingerprint)))
    throw new Error(`${statePath}: invalid "_fingerprint" ${show(fingerprint)}: it names a cache folder, so it must be at most 64 characters without / \\ : < > | ? * or control characters, and not . or ..`);
  const split = state._split ?? null;
  if (split !== null && typeof split !== 'string') throw new Error(`${statePath}: "_split" must be a string or null, got ${show(split)}`);
  const tables = [];
  for (const f of files as unknown[]) {
    const name = (f as { filename?: unknown } | null)?.filename;
    if (!isPlainFileName(name))
      throw new Error(`${statePath}: data file entry ${show(f)} is not allowed: "filename" must be a plain file name inside the folder (no path separators, .., absolute paths or NUL)`);
    const real = await resolveInside(root, join(dir, name), name, 'file');
    if (real === null) throw new Error(`${join(dir, name)} not found (listed in ${statePath})`);
    tables.push(await readArrowFile(real));
  }
  const batches = tables.flatMap((t) => t.batches);
  const schema = tables[0]!.schema;
  let table = new arrow.Table(schema, batches.length ? batches : []);
  if (batches.length === 0) table = tables[0]!;
  let features = featuresOfTable(table);
  const info = (await readJson(root, dir, 'dataset_info.json', true)) as { features?: unknown } | null | undefined;
  if (info?.features) {
    const f = featuresFromJSON(info.features);
    if (JSON.stringify(Object.keys(f)) === JSON.stringify(schema.fields.map((x) => x.name))) features = f;
  }
  return { table, features, fingerprint, split };
}

/** True when `dir` holds a DatasetDict (dataset_dict.json). */
export async function isDatasetDictDir(dir: string): Promise<boolean> {
  return exists(join(dir, 'dataset_dict.json'));
}

/** Throws unless `name` is a valid split name (HF's rule, SPLIT_NAME_RE): it names a folder under the DatasetDict's. */
export function checkSplitName(name: unknown, where: string): asserts name is string {
  if (!isSplitName(name)) throw new Error(`${where}: split ${show(name)} is not allowed as a folder name: ${splitNameMessage(name)}`);
}

/** The split names listed in a DatasetDict folder's dataset_dict.json, each checked (checkSplitName). */
export async function readDatasetDictSplits(dir: string): Promise<string[]> {
  return (await readDatasetDictSplitDirs(dir)).map(([k]) => k);
}

/**
 * The splits of a DatasetDict folder with the real path of each split's folder, checked to lie
 * inside the DatasetDict folder (a split folder that is a symlink to elsewhere is refused).
 */
export async function readDatasetDictSplitDirs(dir: string): Promise<[string, string][]> {
  const root = await realDir(dir);
  const jsonPath = join(dir, 'dataset_dict.json');
  const j = (await readJson(root, dir, 'dataset_dict.json')) as { splits?: unknown } | null;
  if (j === null || typeof j !== 'object' || !Array.isArray(j.splits)) throw new Error(`${jsonPath}: no "splits" list`);
  for (const k of j.splits as unknown[]) checkSplitName(k, jsonPath);
  const out: [string, string][] = [];
  for (const k of j.splits as string[]) {
    const real = await resolveInside(root, join(dir, k), k, 'folder');
    if (real === null) throw new Error(`${join(dir, k)} not found (split '${k}' listed in ${jsonPath})`);
    out.push([k, real]);
  }
  return out;
}

/** Writes dataset_dict.json ({"splits": [...]}, HF's format). */
export async function writeDatasetDictJson(dir: string, splits: readonly string[]): Promise<void> {
  for (const k of splits) checkSplitName(k, `DatasetDict.saveToDisk(${JSON.stringify(dir)})`);
  await writeFileAtomic(join(dir, 'dataset_dict.json'), JSON.stringify({ splits }));
}
