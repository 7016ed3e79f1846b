// pretrained.ts — what every fromPretrained calls first: a local path is used as it is; a Hub id
// (`org/name` or `name`) becomes a local snapshot folder holding the files that loader reads
// (transformers' cached_file / cached_files with from_pretrained's revision, cache_dir, token,
// local_files_only, subfolder, force_download).  All files come from one commit: the first answer
// pins the branch or tag to its commit hash, so a push in between cannot mix two versions.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { safeRelative, storageFolder } from './cache.js';
import { DEFAULT_REVISION, REGEX_COMMIT_HASH, hubCacheDir, isValidRepoId } from './constants.js';
import { hfHubDownload } from './download.js';
import { EntryNotFoundError, HubError, LocalEntryNotFoundError, RepositoryNotFoundError } from './errors.js';
import type { ProgressCallback } from './progress.js';

/**
 * from_pretrained's Hub options, in HF's spelling (camelCase aliases accepted).  A local folder
 * ignores them.
 */
export interface HubOptions {
  /** Branch, tag or commit hash (default 'main'). */
  revision?: string;
  /** The hub cache folder (default HF_HUB_CACHE, else HF_HOME/hub). */
  cache_dir?: string;
  cacheDir?: string;
  /** Access token (default HF_TOKEN / HUGGING_FACE_HUB_TOKEN / the saved login); false sends none. */
  token?: string | boolean;
  /** Use only the cache, make no request (as HF_HUB_OFFLINE=1). */
  local_files_only?: boolean;
  localFilesOnly?: boolean;
  /** Download again even when cached. */
  force_download?: boolean;
  forceDownload?: boolean;
  /** Folder inside the repo (or the local folder) holding the files. */
  subfolder?: string;
  /** Download progress (default: a stderr bar for files over 10 MB on a terminal). */
  onProgress?: ProgressCallback;
}

/** The option names of {@link HubOptions}, for loaders that reject unknown options. */
export const HUB_OPTION_NAMES: readonly (keyof HubOptions)[] = [
  'revision', 'cache_dir', 'cacheDir', 'token', 'local_files_only', 'localFilesOnly', 'force_download', 'forceDownload', 'subfolder', 'onProgress',
];

/** Splits an options object into its Hub options and the rest (the loader's own options). */
export function splitHubOptions<T extends object>(opts: T): [HubOptions, Omit<T, keyof HubOptions>] {
  const hub: Record<string, unknown> = {}, rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(opts ?? {})) ((HUB_OPTION_NAMES as readonly string[]).includes(k) ? hub : rest)[k] = v;
  return [hub as HubOptions, rest as Omit<T, keyof HubOptions>];
}

/** The files a loader needs: all `required`, the first existing name of each `oneOf` group, `optional` when present. */
export interface PretrainedFiles {
  required?: readonly string[];
  oneOf?: readonly (readonly string[])[];
  optional?: readonly string[];
}

/** transformers' order of preference for weights (models/loading/checkpoint.ts reads the same). */
export const WEIGHTS_NAMES = ['model.safetensors', 'model.safetensors.index.json', 'pytorch_model.bin', 'pytorch_model.bin.index.json'] as const;
/** config.json alone (AutoConfig, PretrainedConfig.fromPretrained). */
export const CONFIG_FILES: PretrainedFiles = { required: ['config.json'] };
/** A model: config, weights (shards follow their index), generation config. */
export const MODEL_FILES: PretrainedFiles = { required: ['config.json'], oneOf: [WEIGHTS_NAMES], optional: ['generation_config.json'] };
/** A tokenizer: whichever of its files the repo has (config.json names the model_type). */
export const TOKENIZER_FILES: PretrainedFiles = {
  optional: ['tokenizer_config.json', 'tokenizer.json', 'special_tokens_map.json', 'config.json', 'vocab.txt', 'vocab.json', 'merges.txt', 'spiece.model', 'tokenizer.model'],
};
/** A peft adapter (adapter_model.bin of older peft as fallback). */
export const ADAPTER_FILES: PretrainedFiles = { required: ['adapter_config.json'], oneOf: [['adapter_model.safetensors', 'adapter_model.bin']] };
/** generation_config.json alone. */
export const GENERATION_CONFIG_FILES: PretrainedFiles = { required: ['generation_config.json'] };

const isMissing = (e: unknown): boolean => e instanceof EntryNotFoundError || e instanceof LocalEntryNotFoundError;

/** Shard names of a downloaded `*.index.json` (its weight_map values), checked to stay inside the repo. */
function shardsOf(indexPath: string, name: string): string[] {
  let index: { weight_map?: Record<string, unknown> };
  try {
    index = JSON.parse(readFileSync(indexPath, 'utf8')) as typeof index;
  } catch (e) {
    throw new Error(`${name}: not valid JSON (${(e as Error).message})`);
  }
  if (!index || typeof index.weight_map !== 'object' || index.weight_map === null) throw new Error(`${name}: no weight_map object`);
  const shards = new Set<string>();
  for (const [k, f] of Object.entries(index.weight_map)) {
    if (typeof f !== 'string') throw new Error(`${name}: weight_map['${k}'] is not a file name`);
    safeRelative(f, `${name}: weight_map['${k}']`);
    shards.add(f);
  }
  return [...shards];
}

/**
 * A local folder for `idOrDir`: the path itself when it exists (joined with `subfolder`), or when
 * it cannot be a Hub id (the loader then reports its own error); else the snapshot folder
 * `<cache>/models--org--name/snapshots/<commit>[/subfolder]` after downloading `files` (cached
 * files are reused; offline only the cache is read).
 * @example
 *   const dir = await resolvePretrained('org/tiny', MODEL_FILES, { revision: 'v1.0' });
 * @throws the Hub errors of hfHubDownload, naming the repo, file and revision
 */
export async function resolvePretrained(idOrDir: string, files: PretrainedFiles, opts: HubOptions = {}): Promise<string> {
  const sub = opts.subfolder ? opts.subfolder.replace(/\/+$/, '') : '';
  if (existsSync(idOrDir)) return sub && statSync(idOrDir).isDirectory() ? join(idOrDir, sub) : idOrDir;
  if (!isValidRepoId(idOrDir)) return idOrDir;
  if (sub) safeRelative(sub, 'subfolder');
  const cacheDir = hubCacheDir(opts.cache_dir ?? opts.cacheDir);
  const snapshots = join(storageFolder(cacheDir, idOrDir), 'snapshots');
  let revision = opts.revision ?? DEFAULT_REVISION;
  let commit: string | null = null;
  let offlineMiss: LocalEntryNotFoundError | null = null; // why an optional file was skipped offline
  const dl = {
    cacheDir, token: opts.token, localFilesOnly: opts.local_files_only ?? opts.localFilesOnly,
    forceDownload: opts.force_download ?? opts.forceDownload, onProgress: opts.onProgress,
  };
  const fetchOne = async (name: string, optional: boolean): Promise<string | null> => {
    try {
      const p = await hfHubDownload(idOrDir, sub ? `${sub}/${name}` : name, { ...dl, revision });
      if (commit === null) {
        commit = relative(snapshots, p).split(sep)[0]!;
        if (REGEX_COMMIT_HASH.test(commit)) revision = commit; // pin the commit for the other files
      }
      return p;
    } catch (e) {
      if (optional && isMissing(e)) {
        if (e instanceof LocalEntryNotFoundError) offlineMiss ??= e;
        return null;
      }
      if (e instanceof RepositoryNotFoundError && !(e instanceof EntryNotFoundError)) e.message += `; '${idOrDir}' is not a local folder either`;
      if (e instanceof LocalEntryNotFoundError && commit === null) e.message += ` ('${idOrDir}' is not a local folder either)`;
      throw e;
    }
  };
  const pool = async (names: readonly string[], optional: boolean): Promise<(string | null)[]> => {
    const out: (string | null)[] = new Array(names.length).fill(null);
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(4, names.length) }, async () => {
      for (let i = next++; i < names.length; i = next++) out[i] = await fetchOne(names[i]!, optional);
    }));
    return out;
  };
  const fetchShards = async (name: string, path: string | null): Promise<void> => {
    if (path !== null && name.endsWith('.index.json')) await pool(shardsOf(path, `${idOrDir}/${name}`), false);
  };

  for (const name of files.required ?? []) await fetchShards(name, await fetchOne(name, false));
  for (const group of files.oneOf ?? []) {
    let found: string | null = null;
    for (const name of group) if ((found = await fetchOne(name, true)) !== null) { await fetchShards(name, found); break; }
    if (found === null)
      throw new EntryNotFoundError(`repository or file not found: ${idOrDir} (revision ${opts.revision ?? DEFAULT_REVISION}) has none of ${group.join(', ')}${sub ? ` in ${sub}/` : ''}`, { repoId: idOrDir, revision });
  }
  const optional = [...(files.optional ?? [])];
  while (commit === null && optional.length) await fetchShards(optional[0]!, await fetchOne(optional.shift()!, true)); // until one pins the commit
  const found = await pool(optional, true);
  for (let i = 0; i < optional.length; i++) await fetchShards(optional[i]!, found[i]!);
  if (commit === null && offlineMiss !== null) {
    (offlineMiss as LocalEntryNotFoundError).message += ` ('${idOrDir}' is not a local folder either)`;
    throw offlineMiss;
  }
  if (commit === null)
    throw new HubError(`${idOrDir} (revision ${revision}): none of ${(files.optional ?? []).join(', ')} exists${sub ? ` in ${sub}/` : ''}, and it is not a local folder`, { repoId: idOrDir, revision });
  return sub ? join(snapshots, commit, sub) : join(snapshots, commit);
}
