// snapshot.ts — snapshotDownload (huggingface_hub/_snapshot_download.py): the revision is resolved
// to a commit and its file list read from /api/{type}s/{repo}/revision/{rev} (repo_info), the
// files kept by allow / ignore patterns (fnmatch, as utils.filter_repo_objects) are downloaded at
// that commit into snapshots/<commit>/, and that folder is returned.  Offline, or when the Hub
// cannot be asked, the cached snapshot of the revision is returned as it is.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { cachedCommit, storageFolder, writeRef } from './cache.js';
import { DEFAULT_REVISION, REGEX_COMMIT_HASH, getToken, hubCacheDir, hubEndpoint, isOffline, timeouts, validateRepo } from './constants.js';
import { hfHubDownload, type HubDownloadOptions } from './download.js';
import { HubConnectionError, HubError, HubServerError, LocalEntryNotFoundError, RevisionNotFoundError, describeTarget, type HubTarget } from './errors.js';
import { hubHeaders, hubRequest } from './http.js';

export interface SnapshotDownloadOptions extends Omit<HubDownloadOptions, 'subfolder' | 'forceDownload'> {
  /** Only files matching one of these fnmatch patterns (`*.json`, `onnx/`); default all. */
  allowPatterns?: string | string[];
  /** Files matching one of these are skipped. */
  ignorePatterns?: string | string[];
  /** Parallel downloads (default 4). */
  maxWorkers?: number;
}

/** Python's fnmatch.translate: `*` and `?` also match '/', `[...]` / `[!...]` classes. */
export function fnmatchToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) { re += '\\['; continue; }
      let cls = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
      if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
      re += `[${cls}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

/** utils.filter_repo_objects: keep paths matching an allow pattern (all when none) and no ignore pattern; `dir/` means `dir/*`. */
export function filterRepoFiles(paths: readonly string[], allow?: string | string[], ignore?: string | string[]): string[] {
  const compile = (p?: string | string[]): RegExp[] | null =>
    p === undefined ? null : (typeof p === 'string' ? [p] : p).map((x) => fnmatchToRegExp(x.endsWith('/') ? `${x}*` : x));
  const a = compile(allow), ig = compile(ignore);
  return paths.filter((f) => (a === null || a.some((r) => r.test(f))) && !(ig ?? []).some((r) => r.test(f)));
}

/** repo_info at a revision: its commit and file names. */
async function repoRevision(repoId: string, revision: string, o: SnapshotDownloadOptions, target: HubTarget): Promise<{ sha: string; files: string[] }> {
  const type = o.repoType ?? 'model';
  const url = `${hubEndpoint(o.endpoint)}/api/${type}s/${repoId}/revision/${encodeURIComponent(revision)}`;
  const res = await hubRequest(url, { headers: hubHeaders(getToken(o.token)), timeoutMs: timeouts().etag * 1000, target });
  let info: { sha?: unknown; siblings?: { rfilename?: unknown }[] };
  try {
    info = await res.json() as typeof info;
  } catch (e) {
    throw new HubError(`${url} did not answer JSON; check HF_ENDPOINT`, target, res.status, { cause: e });
  }
  if (typeof info.sha !== 'string' || !REGEX_COMMIT_HASH.test(info.sha)) throw new HubError(`${url}: the repo info has no commit sha`, target);
  const files = (info.siblings ?? []).map((s) => s.rfilename).filter((f): f is string => typeof f === 'string');
  return { sha: info.sha, files };
}

/**
 * Downloads the files of a repo at a revision and returns the snapshot folder holding them.
 * @example
 *   const dir = await snapshotDownload('org/tiny', { allowPatterns: ['*.json', '*.safetensors'] });
 * @throws the errors of hfHubDownload; LocalEntryNotFoundError offline when the revision has no cached snapshot
 */
export async function snapshotDownload(repoId: string, opts: SnapshotDownloadOptions = {}): Promise<string> {
  const repoType = opts.repoType ?? 'model';
  validateRepo(repoId, repoType, 'snapshotDownload');
  const revision = opts.revision ?? DEFAULT_REVISION;
  const cacheDir = hubCacheDir(opts.cacheDir);
  const storage = storageFolder(cacheDir, repoId, repoType);
  const target: HubTarget = { repoId, repoType, revision };
  const cachedSnapshot = (): string | null => {
    const c = cachedCommit(storage, revision);
    return c !== null && existsSync(join(storage, 'snapshots', c)) ? join(storage, 'snapshots', c) : null;
  };
  const offline = isOffline() ? 'HF_HUB_OFFLINE=1' : opts.localFilesOnly ? 'local_files_only' : null;
  if (offline !== null) {
    const snap = cachedSnapshot();
    if (snap !== null) return snap;
    throw new LocalEntryNotFoundError(`${describeTarget(target)} has no snapshot in the HF cache ${cacheDir}, and ${offline} forbids downloading it`, target);
  }
  let info: { sha: string; files: string[] };
  try {
    info = await repoRevision(repoId, revision, opts, target);
  } catch (e) {
    if (e instanceof RevisionNotFoundError || !(e instanceof HubError)) throw e;
    const snap = cachedSnapshot(); // the Hub cannot be asked: the cached snapshot answers, as in Python
    if (snap !== null && (e instanceof HubConnectionError || e instanceof HubServerError || e.status === 401 || e.status === 403)) return snap;
    throw e;
  }
  const files = filterRepoFiles(info.files, opts.allowPatterns, opts.ignorePatterns);
  const queue = [...files];
  const workers = Math.max(1, Math.min(opts.maxWorkers ?? 4, queue.length));
  await Promise.all(Array.from({ length: workers }, async () => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift())
      await hfHubDownload(repoId, f, { ...opts, revision: info.sha });
  }));
  await writeRef(storage, revision, info.sha);
  await mkdir(join(storage, 'snapshots', info.sha), { recursive: true }); // also when no file matched
  return join(storage, 'snapshots', info.sha);
}
