// src/data/disk-load.ts — load_from_disk: a saved Dataset or DatasetDict folder, whichever it is.
// Mirrors datasets/load.py load_from_disk.
import { Dataset } from './dataset.js';
import { DatasetDict } from './dataset-dict.js';
import { isDatasetDictDir } from './disk.js';

/**
 * Reads a folder written by saveToDisk (ours or HF's save_to_disk): a DatasetDict when it has
 * dataset_dict.json, else a Dataset. Map results on it are cached under the cache root.
 */
export async function loadFromDisk(dir: string, opts: { cacheDir?: string } = {}): Promise<Dataset | DatasetDict> {
  return (await isDatasetDictDir(dir)) ? DatasetDict.loadFromDisk(dir, opts) : Dataset.loadFromDisk(dir, opts);
}
