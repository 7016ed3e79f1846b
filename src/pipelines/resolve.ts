// resolve.ts — where `pipeline(task, { model: 'name' })` finds a checkpoint: the part of
// transformers' pipelines/__init__.py + huggingface_hub's snapshot lookup that maps a folder or a
// hub id to a local folder.  A folder is used as is; a hub id is read from the local HF cache
// (HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub), else fetched into it with @huggingface/hub.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Files fetched for a hub id missing from the cache; the first weights file found wins. */
const HUB_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt', 'vocab.json', 'merges.txt', 'spiece.model', 'generation_config.json'];
const HUB_WEIGHTS = ['model.safetensors', 'pytorch_model.bin'];

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/** huggingface_hub's cache folder: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub. */
export function hubCacheDir(): string {
  if (process.env.HF_HUB_CACHE) return process.env.HF_HUB_CACHE;
  const home = process.env.HF_HOME ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface');
  return join(home, 'hub');
}

/** The snapshot folder of `id` at refs/main in a hub cache, or null when it is not cached. */
export function cachedSnapshot(id: string, cacheDir = hubCacheDir()): string | null {
  const repo = join(cacheDir, `models--${id.replace(/\//g, '--')}`);
  const ref = join(repo, 'refs', 'main');
  if (!existsSync(ref)) return null;
  const snap = join(repo, 'snapshots', readFileSync(ref, 'utf8').trim());
  return isDir(snap) ? snap : null;
}

/**
 * A checkpoint folder for `idOrDir`: an existing folder; else a hub id (`bert-base-uncased`,
 * `org/name`) from the HF cache; else downloaded into the cache (config.json, tokenizer files,
 * weights) unless HF_HUB_OFFLINE=1.
 * @throws Error naming the id and the cache folder when none of these works.
 */
export async function resolveCheckpoint(idOrDir: string): Promise<string> {
  if (isDir(idOrDir)) return idOrDir;
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(idOrDir)) throw new Error(`pipeline: '${idOrDir}' is neither a folder nor a hub id`);
  const cacheDir = hubCacheDir();
  const cached = cachedSnapshot(idOrDir, cacheDir);
  if (cached) return cached;
  if (process.env.HF_HUB_OFFLINE === '1') throw new Error(`pipeline: '${idOrDir}' is not a folder and not in the HF cache ${cacheDir} (HF_HUB_OFFLINE=1)`);
  const hub = await import('@huggingface/hub');
  const fetchOne = (path: string): Promise<string | null> =>
    hub.downloadFileToCacheDir({ repo: idOrDir, path, cacheDir, accessToken: process.env.HF_TOKEN }).catch(() => null);
  const config = await fetchOne('config.json');
  if (config === null) throw new Error(`pipeline: '${idOrDir}' is not a folder, not in the HF cache ${cacheDir}, and its config.json could not be downloaded`);
  for (const f of HUB_FILES) await fetchOne(f);
  let weights: string | null = null;
  for (const f of HUB_WEIGHTS) if ((weights = await fetchOne(f)) !== null) break;
  if (weights === null) throw new Error(`pipeline: '${idOrDir}' has config.json but no ${HUB_WEIGHTS.join(' / ')} on the Hub`);
  return dirname(config);
}
