// src/data/hub-push.ts — Dataset.pushToHub / DatasetDict.pushToHub: datasets' push_to_hub
// (arrow_dataset.py _push_parquet_shards_to_hub + _push_to_repo, dataset_dict.py): each split
// is cut into contiguous shards of at most max_shard_size ("500MB") as Parquet files
// `{data_dir}/{split}-{i:05d}-of-{n:05d}.parquet` (data_dir = the config name, or `data` for
// 'default'), README.md's `configs` / `dataset_info` are updated (hub-card.ts), and all of it is
// uploaded in one commit (uploadFolder, repo type 'dataset').  Shards the new ones replace
// (`{data_dir}/{split}-*`, or all of `{data_dir}/` for a DatasetDict) are deleted afterwards.
// The methods join Dataset and DatasetDict here (declaration merging) so the core classes stay
// free of Hub code; src/data/index.ts imports this module.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { uploadFolder, type CommitInfo } from '../hub/index.js';
import { normalizeOptions, type WithCamelAliases } from '../utils/options.js';
import { Dataset } from './dataset.js';
import { DatasetDict } from './dataset-dict.js';
import { type Features, featuresEqual } from './features.js';
import { isSplitName, splitNameMessage } from './files.js';
import { type SplitInfo, parseCard, renderCard, updateCardForPush } from './hub-card.js';
import { matchPattern } from './hub-files.js';
import { openRepoForPush } from './hub-load.js';
import { writeParquet } from './parquet-write.js';

export { writeParquet };

/** Options of Dataset.pushToHub (push_to_hub's keyword arguments; camelCase spellings accepted). */
export interface PushToHubOptions {
  /** The config (subset) name (default 'default'); 'data' is reserved. */
  config_name?: string;
  /** Make this config the default one. */
  set_default?: boolean;
  /** The split name (default the dataset's split, else 'train'). */
  split?: string;
  /** Folder of the Parquet files in the repo (default the config name, or 'data' for 'default'). */
  data_dir?: string;
  /** Commit title (default 'Upload dataset'). */
  commit_message?: string;
  commit_description?: string;
  /** Visibility of a repo created here. */
  private?: boolean;
  /** Write token (default HF_TOKEN / the saved login). */
  token?: string | boolean;
  /** Branch to commit to (default 'main'). */
  revision?: string;
  /** Largest shard, as bytes of the in-memory table: a number or '500MB' / '1GiB' (default '500MB'). */
  max_shard_size?: number | string;
  /** The number of shards instead of max_shard_size. */
  num_shards?: number;
}

/** Options of DatasetDict.pushToHub: the same, with num_shards per split and no split. */
export interface DatasetDictPushOptions extends Omit<PushToHubOptions, 'split' | 'num_shards'> {
  num_shards?: Readonly<Record<string, number>>;
}

declare module './dataset.js' {
  interface Dataset {
    /**
     * Uploads this dataset to a Hub dataset repo as Parquet shards with HF's README metadata, in
     * one commit; `loadDataset(repoId)` (here or in Python) reads it back.
     * @example await ds.pushToHub('me/mrpc-clean', { split: 'train', max_shard_size: '100MB' });
     */
    pushToHub(repoId: string, opts?: WithCamelAliases<PushToHubOptions>): Promise<CommitInfo>;
  }
}
declare module './dataset-dict.js' {
  interface DatasetDict {
    /**
     * Uploads every split (replacing the config's previous splits) in one commit.
     * @example await dd.pushToHub('me/mrpc', { config_name: 'mrpc', private: true });
     */
    pushToHub(repoId: string, opts?: WithCamelAliases<DatasetDictPushOptions>): Promise<CommitInfo>;
  }
}

const OPTION_NAMES = ['config_name', 'set_default', 'split', 'data_dir', 'commit_message', 'commit_description', 'private', 'token', 'revision', 'max_shard_size', 'num_shards'];

/** datasets.utils.py_utils.convert_file_size_to_int: 500MB = 500 * 10^6, 1GiB = 2^30. */
export function fileSizeToInt(size: number | string): number {
  if (typeof size === 'number') {
    if (!(Number.isFinite(size) && size > 0)) throw new RangeError(`max_shard_size must be a positive number of bytes, got ${size}`);
    return size;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?\s*$/i.exec(size);
  if (!m) throw new RangeError(`max_shard_size: '${size}' is not a size (e.g. 500MB, 1GiB, 1000000)`);
  const unit = (m[2] ?? 'B').toUpperCase();
  const pow = { B: 0, K: 1, M: 2, G: 3, T: 4 }[unit[0] as 'B' | 'K' | 'M' | 'G' | 'T'];
  const base = unit.includes('I') ? 1024 : 1000;
  return Math.floor(Number(m[1]) * base ** pow);
}

/** Dataset._estimate_nbytes: the Arrow buffers' size, scaled to the rows an indices mapping keeps. */
function estimateNbytes(ds: Dataset): number {
  const { table, tableRows, numRows } = ds.store;
  const bytes = table.data.reduce((a, d) => a + d.byteLength, 0);
  return tableRows === 0 ? 0 : Math.round((bytes * numRows) / tableRows);
}

/** A split written as shards under `dir`; returns the repo paths and the split's info. */
async function writeShards(ds: Dataset, dir: string, o: { dataDir: string; split: string; maxShard: number; numShards?: number }): Promise<{ paths: string[]; info: SplitInfo; bytes: number }> {
  const nbytes = estimateNbytes(ds);
  const n = o.numShards ?? Math.floor(nbytes / o.maxShard) + 1;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`num_shards must be a positive integer, got ${n}`);
  if (n > Math.max(1, ds.numRows)) throw new RangeError(`num_shards (${n}) is larger than the number of rows (${ds.numRows}) of split '${o.split}'`);
  const pad = (i: number): string => String(i).padStart(5, '0');
  const div = Math.floor(ds.numRows / n), mod = ds.numRows % n;
  const paths: string[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    // Dataset.shard(contiguous=True): the first `mod` shards get one more row
    const start = div * i + Math.min(i, mod);
    const end = start + div + (i < mod ? 1 : 0);
    const path = `${o.dataDir}/${o.split}-${pad(i)}-of-${pad(n)}.parquet`;
    const file = writeParquet(ds.store.batch(start, end), ds.features);
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), file);
    bytes += file.byteLength;
    paths.push(path);
  }
  return { paths, info: { name: o.split, num_bytes: nbytes, num_examples: ds.numRows }, bytes };
}

interface SplitJob { ds: Dataset; split: string; numShards?: number }

/** The shared push: shards of each split, the updated card, one commit, then the replaced shards deleted. */
async function push(repoId: string, jobs: SplitJob[], o: Record<string, unknown>, whole: boolean): Promise<CommitInfo> {
  const config = (o.config_name as string | undefined) ?? 'default';
  if (config === 'data') throw new Error("`config_name` cannot be 'data'. Please, choose another name for configuration.");
  if (o.max_shard_size !== undefined && o.num_shards !== undefined) throw new Error('Failed to push_to_hub: please specify either max_shard_size or num_shards, but not both.');
  for (const j of jobs) if (!isSplitName(j.split)) throw new Error(splitNameMessage(j.split));
  const features: Features = jobs[0]!.ds.features;
  for (const j of jobs.slice(1)) {
    if (!featuresEqual(j.ds.features, features)) throw new Error(`pushToHub: split '${j.split}' has other features than split '${jobs[0]!.split}'; one config has one set of features (cast first)`);
  }
  const dataDir = ((o.data_dir as string | undefined) || (config !== 'default' ? config : 'data')).replace(/^\/+|\/+$/g, '');
  const token = o.token as string | boolean | undefined;
  const revision = (o.revision as string | undefined) ?? 'main';
  const repo = await openRepoForPush(repoId, revision, token);
  const dir = await mkdtemp(join(tmpdir(), 'tunekit-push-dataset-'));
  try {
    const maxShard = fileSizeToInt((o.max_shard_size as number | string | undefined) ?? '500MB');
    const written: string[] = [];
    const infos: SplitInfo[] = [];
    let uploaded = 0;
    for (const j of jobs) {
      const r = await writeShards(j.ds, dir, { dataDir, split: j.split, maxShard, numShards: j.numShards });
      written.push(...r.paths);
      infos.push(r.info);
      uploaded += r.bytes;
    }
    const card = repo.readme ? parseCard(readFileSync(repo.readme, 'utf8'), `dataset ${repoId}: README.md`) : { data: {}, body: '' };
    // a repo pushed before README configs existed: its data/{split}-* files become the 'default' config (as HF does)
    if (!Array.isArray(card.data.configs) && config !== 'default') {
      const old = [...new Set(matchPattern(repo.files, 'data/*-[0-9][0-9][0-9][0-9][0-9]-of-[0-9][0-9][0-9][0-9][0-9]*.*').map((f) => /^data\/(.*)-\d{5}-of-\d{5}/.exec(f)![1]!))];
      if (old.length) card.data.configs = [{ config_name: 'default', data_files: old.map((s) => ({ split: s, path: `data/${s}-*` })) }];
    }
    updateCardForPush(card.data, { config, dataDir, features, splits: infos, uploadedBytes: uploaded, keepOtherSplits: !whole, setDefault: o.set_default === true });
    await writeFile(join(dir, 'README.md'), renderCard(card));
    // datasets deletes, in the same commit, the files the new shards replace
    const replaced = whole ? matchPattern(repo.files, `${dataDir}/*`) : jobs.flatMap((j) => matchPattern(repo.files, `${dataDir}/${j.split}-*`));
    return await uploadFolder(repoId, dir, {
      repoType: 'dataset', commitMessage: (o.commit_message as string | undefined) ?? 'Upload dataset', commitDescription: o.commit_description as string | undefined,
      token, revision, private: o.private as boolean | undefined, createRepo: !repo.exists, deletePaths: replaced.filter((f) => !written.includes(f)),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

Dataset.prototype.pushToHub = async function pushToHub(this: Dataset, repoId: string, opts: WithCamelAliases<PushToHubOptions> = {}): Promise<CommitInfo> {
  const o = normalizeOptions(opts, { names: OPTION_NAMES }, 'Dataset.pushToHub');
  const split = (o.split as string | undefined) ?? this.split ?? 'train';
  return push(repoId, [{ ds: this, split, numShards: o.num_shards as number | undefined }], o, false);
};

DatasetDict.prototype.pushToHub = async function pushToHub(this: DatasetDict, repoId: string, opts: WithCamelAliases<DatasetDictPushOptions> = {}): Promise<CommitInfo> {
  const o = normalizeOptions(opts, { names: OPTION_NAMES.filter((n) => n !== 'split') }, 'DatasetDict.pushToHub');
  if (this.size === 0) throw new Error('DatasetDict.pushToHub: the DatasetDict has no split');
  const shards = (o.num_shards as Record<string, number> | undefined) ?? {};
  for (const k of Object.keys(shards)) if (!this.has(k)) throw new Error(`DatasetDict.pushToHub: num_shards names split '${k}', which is not one of ${JSON.stringify(this.keys())}`);
  return push(repoId, this.entries().map(([split, ds]) => ({ ds, split, numShards: shards[split] })), o, true);
};
