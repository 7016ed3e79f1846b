// src/data/disk.ts — the save_to_disk folder layout, read and written like HF's so that either side
// loads the other's folders: data-0000i-of-0000n.arrow (Arrow IPC streams with the features in
// the schema metadata), dataset_info.json, state.json; a DatasetDict adds dataset_dict.json and one
// folder per split. Mirrors datasets/arrow_dataset.py save_to_disk / load_from_disk.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { featuresOfTable } from './arrow.js';
import { exists, readArrowFile, writeArrowFile, writeFileAtomic } from './cache.js';
import { type Features, featuresFromJSON, featuresToJSON } from './features.js';

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

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new Error(`${path} not found: not a folder written by saveToDisk / save_to_disk`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: invalid JSON (${(e as Error).message})`);
  }
}

/** Reads a folder written by writeDatasetDir or by HF's Dataset.save_to_disk (any number of shards). */
export async function readDatasetDir(dir: string): Promise<SavedDataset> {
  const state = (await readJson(join(dir, 'state.json'))) as { _data_files?: { filename: string }[]; _fingerprint?: string; _split?: string | null };
  const files = state._data_files ?? [];
  if (files.length === 0) throw new Error(`${join(dir, 'state.json')}: no _data_files listed`);
  const tables = [];
  for (const f of files) tables.push(await readArrowFile(join(dir, f.filename)));
  const batches = tables.flatMap((t) => t.batches);
  const schema = tables[0]!.schema;
  let table = new arrow.Table(schema, batches.length ? batches : []);
  if (batches.length === 0) table = tables[0]!;
  let features = featuresOfTable(table);
  const infoPath = join(dir, 'dataset_info.json');
  if (await exists(infoPath)) {
    const info = (await readJson(infoPath)) as { features?: unknown };
    if (info.features) {
      const f = featuresFromJSON(info.features);
      if (JSON.stringify(Object.keys(f)) === JSON.stringify(schema.fields.map((x) => x.name))) features = f;
    }
  }
  return { table, features, fingerprint: state._fingerprint ?? '', split: state._split ?? null };
}

/** True when `dir` holds a DatasetDict (dataset_dict.json). */
export async function isDatasetDictDir(dir: string): Promise<boolean> {
  return exists(join(dir, 'dataset_dict.json'));
}

/** The split names listed in a DatasetDict folder's dataset_dict.json. */
export async function readDatasetDictSplits(dir: string): Promise<string[]> {
  const j = (await readJson(join(dir, 'dataset_dict.json'))) as { splits?: string[] };
  if (!Array.isArray(j.splits)) throw new Error(`${join(dir, 'dataset_dict.json')}: no "splits" list`);
  return j.splits;
}

/** Writes dataset_dict.json ({"splits": [...]}, HF's format). */
export async function writeDatasetDictJson(dir: string, splits: readonly string[]): Promise<void> {
  await writeFileAtomic(join(dir, 'dataset_dict.json'), JSON.stringify({ splits }));
}
