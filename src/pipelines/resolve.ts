// resolve.ts — where `pipeline(task, { model: 'name' })` finds a checkpoint: the part of
// transformers' pipelines/__init__.py that maps a folder or a Hub id to a local folder.  A folder
// is used as is; a Hub id becomes its snapshot folder in HF's cache (src/hub: reused when cached,
// downloaded otherwise unless HF_HUB_OFFLINE=1), holding the model's and the tokenizer's files.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  MODEL_FILES, TOKENIZER_FILES, hubCacheDir, isValidRepoId, resolvePretrained, storageFolder, type HubOptions, type PretrainedFiles,
} from '../hub/index.js';

/** A model checkpoint with its tokenizer (the pipeline's tokenizer defaults to the model's folder). */
const PIPELINE_FILES: PretrainedFiles = { ...MODEL_FILES, optional: [...new Set([...MODEL_FILES.optional ?? [], ...TOKENIZER_FILES.optional ?? []])] };

/**
 * A checkpoint folder for `idOrDir`: an existing folder; else a Hub id (`bert-base-uncased`,
 * `org/name`) resolved through HF's cache with the Hub options (revision, token, ...).
 * `tokenizerOnly`: only the tokenizer's files are needed.
 * @throws Error for a name that is neither; the Hub's errors naming the repo, file and revision
 */
export async function resolveCheckpoint(idOrDir: string, hub: HubOptions = {}, tokenizerOnly = false): Promise<string> {
  if (!existsSync(idOrDir) && !isValidRepoId(idOrDir)) throw new Error(`pipeline: '${idOrDir}' is neither a folder nor a hub id`);
  return resolvePretrained(idOrDir, tokenizerOnly ? TOKENIZER_FILES : PIPELINE_FILES, hub);
}

/** huggingface_hub's cache folder (kept here for the callers of earlier versions; see src/hub). */
export { hubCacheDir };

/** The snapshot folder of `id` at refs/main in a hub cache, or null when it is not cached. */
export function cachedSnapshot(id: string, cacheDir?: string): string | null {
  const storage = storageFolder(hubCacheDir(cacheDir), id);
  const ref = join(storage, 'refs', 'main');
  if (!existsSync(ref)) return null;
  const snap = join(storage, 'snapshots', readFileSync(ref, 'utf8').trim());
  return existsSync(snap) ? snap : null;
}
