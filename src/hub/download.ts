// download.ts — hfHubDownload: huggingface_hub's hf_hub_download into the shared cache
// (file_download._hf_hub_download_to_cache_dir).  A full commit hash already in the cache is
// answered with no request; otherwise a HEAD on /resolve/ gives the commit, ETag and size; a
// snapshot file already there (or its blob) is reused; else the blob is downloaded (transfer.ts)
// and linked into snapshots/<commit>/.  When the Hub cannot be asked (offline, unreachable, 5xx,
// no access) the cache answers if it can, as Python does.
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CACHED_NO_EXIST, cachedCommit, linkBlob, markNoExist, pointerPath, safeRelative, storageFolder, writeCachedirTag, writeRef } from './cache.js';
import { DEFAULT_REVISION, REGEX_COMMIT_HASH, getToken, hubCacheDir, hubEndpoint, isOffline, repoUrlPrefix, timeouts, validateRepo, type RepoType } from './constants.js';
import {
  EntryNotFoundError, HubConnectionError, HubError, HubServerError, LocalEntryNotFoundError, RevisionNotFoundError, describeTarget, type HubTarget,
} from './errors.js';
import { fileMetadata, hubHeaders, sameHost, type FileMetadata } from './http.js';
import { progressFor, type ProgressCallback } from './progress.js';
import { downloadBlob } from './transfer.js';

/** Options of {@link hfHubDownload} (huggingface_hub's keyword arguments, camelCase). */
export interface HubDownloadOptions {
  /** Branch, tag or full commit hash (default 'main'). */
  revision?: string;
  /** 'model' (default), 'dataset' or 'space'. */
  repoType?: RepoType;
  /** Folder of the file inside the repo (joined before `filename`). */
  subfolder?: string;
  /** The hub cache (default HF_HUB_CACHE, else HF_HOME/hub). */
  cacheDir?: string;
  /** Access token; default HF_TOKEN / HUGGING_FACE_HUB_TOKEN / the saved login; `false` sends none. */
  token?: string | boolean;
  /** Hub base URL (default HF_ENDPOINT, else https://huggingface.co). */
  endpoint?: string;
  /** Answer from the cache only, never make a request (also when HF_HUB_OFFLINE=1). */
  localFilesOnly?: boolean;
  /** Download again even when cached. */
  forceDownload?: boolean;
  /** Progress of the transfer; default: a stderr bar for files over 10 MB when stderr is a terminal. */
  onProgress?: ProgressCallback;
}

/** huggingface_hub.utils.quote: every byte but letters, digits and `_.-~` percent-encoded ('/' kept in paths). */
const quote = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** `${endpoint}/${prefix}${repoId}/resolve/${revision}/${filename}` (hf_hub_url). */
export function hfHubUrl(repoId: string, filename: string, o: { revision?: string; repoType?: RepoType; endpoint?: string } = {}): string {
  return `${hubEndpoint(o.endpoint)}/${repoUrlPrefix(o.repoType ?? 'model')}${repoId}/resolve/${quote(o.revision ?? DEFAULT_REVISION)}/${filename.split('/').map(quote).join('/')}`;
}

/** Downloads running in this process, by blob path: a second caller waits for the first. */
const inFlight = new Map<string, Promise<void>>();

/**
 * Path of `filename` of `repoId` in the cache (snapshots/<commit>/<filename>, a symlink to its
 * blob), downloading it first when needed.
 * @example
 *   const cfg = await hfHubDownload('openai-community/gpt2', 'config.json', { revision: 'main' });
 * @throws RepositoryNotFoundError / EntryNotFoundError / RevisionNotFoundError (404), HubAuthError
 *   (401 / 403), HubServerError (5xx after retries), HubConnectionError, LocalEntryNotFoundError
 *   (offline and not cached) — each naming the repo, file and revision
 */
export async function hfHubDownload(repoId: string, filename: string, opts: HubDownloadOptions = {}): Promise<string> {
  const repoType = opts.repoType ?? 'model';
  validateRepo(repoId, repoType, 'hfHubDownload');
  const file = opts.subfolder ? `${opts.subfolder.replace(/\/+$/, '')}/${filename}` : filename;
  safeRelative(file);
  const revision = opts.revision ?? DEFAULT_REVISION;
  const cacheDir = hubCacheDir(opts.cacheDir);
  const storage = storageFolder(cacheDir, repoId, repoType);
  const target: HubTarget = { repoId, repoType, filename: file, revision };

  if (REGEX_COMMIT_HASH.test(revision) && !opts.forceDownload) {
    const p = pointerPath(storage, revision, file);
    if (existsSync(p)) return p;
  }
  const fromCache = (): string | null => {
    const commit = cachedCommit(storage, revision);
    if (commit === null) return null;
    const p = pointerPath(storage, commit, file);
    return existsSync(p) ? p : null;
  };
  const offline = isOffline() ? 'HF_HUB_OFFLINE=1' : opts.localFilesOnly ? 'local_files_only' : null;
  if (offline !== null) {
    const p = fromCache();
    if (p !== null) return p;
    throw new LocalEntryNotFoundError(`${describeTarget(target)} is not in the HF cache ${cacheDir}, and ${offline} forbids downloading it`, target);
  }

  const token = getToken(opts.token);
  const headers = hubHeaders(token);
  const url = hfHubUrl(repoId, file, { revision, repoType, endpoint: opts.endpoint });
  const t = timeouts();
  let meta: FileMetadata;
  try {
    // no retries first: when the Hub is down, a cached file answers at once (Python's fast fallback)
    meta = await fileMetadata(url, headers, { timeoutMs: t.etag * 1000, retry: false, target });
  } catch (e) {
    if (e instanceof EntryNotFoundError && e.repoCommit && REGEX_COMMIT_HASH.test(e.repoCommit)) {
      await markNoExist(storage, e.repoCommit, file);
      await writeRef(storage, revision, e.repoCommit);
    }
    if (!(e instanceof HubError) || e instanceof EntryNotFoundError || e instanceof RevisionNotFoundError) throw e;
    if (opts.forceDownload) throw e;
    const p = fromCache();
    if (p !== null) return p;
    if (!(e instanceof HubConnectionError || e instanceof HubServerError)) throw e;
    meta = await fileMetadata(url, headers, { timeoutMs: t.etag * 1000, retry: true, target });
  }
  if (!meta.commitHash)
    throw new HubError(`the answer of ${url} has no X-Repo-Commit header, so ${hubEndpoint(opts.endpoint)} does not look like a Hugging Face Hub endpoint: check HF_ENDPOINT (or the endpoint option), proxies and firewalls`, target);
  if (!meta.etag) throw new HubError(`the answer of ${url} has no ETag, so the download of ${describeTarget(target)} could not be verified or cached`, target);
  if (!/^[\w.-]+$/.test(meta.etag)) throw new HubError(`the ETag ${JSON.stringify(meta.etag)} of ${url} is not a file name the cache can use`, target);
  const commit = meta.commitHash;
  const blob = join(storage, 'blobs', meta.etag);
  const pointer = pointerPath(storage, commit, file);

  if (!opts.forceDownload && existsSync(pointer)) {
    await writeRef(storage, revision, commit);
    return pointer;
  }
  await mkdir(dirname(blob), { recursive: true });
  await mkdir(dirname(pointer), { recursive: true });
  await writeCachedirTag(cacheDir);
  await writeRef(storage, revision, commit);
  if (!opts.forceDownload && existsSync(blob)) {
    await linkBlob(blob, pointer, false);
    return pointer;
  }
  let running = inFlight.get(blob);
  const mine = running === undefined;
  if (!running) {
    const progress = progressFor(opts.onProgress, meta.size);
    const dlHeaders = sameHost(url, meta.location) ? headers : hubHeaders(undefined); // no token to a CDN
    running = (async () => {
      if (opts.forceDownload) await rm(`${blob}.incomplete`, { force: true });
      await downloadBlob({
        url: meta.location, headers: dlHeaders, blobPath: blob, expectedSize: meta.size, etag: meta.etag!, target,
        idleTimeoutMs: t.download * 1000, onProgress: progress && ((p) => progress({ ...p, repoId, filename: file })),
      });
    })().finally(() => inFlight.delete(blob));
    inFlight.set(blob, running);
  }
  await running;
  await linkBlob(blob, pointer, mine);
  return pointer;
}

/** Whether `e` is the "file does not exist" answer (the optional-file case of resolvePretrained). */
export function isMissingEntry(e: unknown): boolean {
  return e instanceof EntryNotFoundError || e === CACHED_NO_EXIST;
}
