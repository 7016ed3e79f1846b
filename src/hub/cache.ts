// cache.ts — huggingface_hub's cache layout (file_download.py), shared with Python so either side
// reuses the other's downloads:
//   <cache>/models--org--name/blobs/<etag>                 file contents, named by ETag (git sha1 or LFS sha256)
//   <cache>/models--org--name/snapshots/<commit>/<path>    relative symlink ../../blobs/<etag> (a copy where symlinks fail)
//   <cache>/models--org--name/refs/<branch or tag>         the commit hash it pointed to when last asked
//   <cache>/models--org--name/.no_exist/<commit>/<path>    empty: the Hub said the file does not exist
import { existsSync, lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { REGEX_COMMIT_HASH, hubCacheDir, isTrue, repoFolderName, type RepoType } from './constants.js';

/** The repo's folder in the cache: `<cache>/models--org--name`. */
export function storageFolder(cacheDir: string, repoId: string, repoType: RepoType = 'model'): string {
  return join(cacheDir, repoFolderName(repoId, repoType));
}

/**
 * A repo file name as a path below a folder (`sub/dir/file.json`), refusing absolute paths and
 * `..` segments so that a name from a server cannot write outside the cache.
 * @throws TypeError naming the file
 */
export function safeRelative(filename: string, what = 'filename'): string {
  const parts = filename.split('/');
  if (filename === '' || isAbsolute(filename) || filename.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..'))
    throw new TypeError(`${what} '${filename}' is not a relative path inside the repository`);
  return parts.join(sep);
}

/** snapshots/<commit>/<filename> (not checked for existence). */
export function pointerPath(storage: string, commit: string, filename: string): string {
  if (!REGEX_COMMIT_HASH.test(commit) && (commit.includes('/') || commit.includes('..') || commit === '')) throw new TypeError(`invalid snapshot name '${commit}'`);
  return join(storage, 'snapshots', commit, safeRelative(filename));
}

/** The commit a branch or tag pointed to when last resolved (refs/<revision>), or null. */
export function readRef(storage: string, revision: string): string | null {
  const p = join(storage, 'refs', safeRelative(revision, 'revision'));
  try {
    if (!statSync(p).isFile()) return null;
    return readFileSync(p, 'utf8').trim() || null; // Python writes no newline; hand-made refs may have one
  } catch {
    return null;
  }
}

/** The commit of `revision` as far as the cache knows: itself when a full hash, else its ref. */
export function cachedCommit(storage: string, revision: string): string | null {
  return REGEX_COMMIT_HASH.test(revision) ? revision : readRef(storage, revision);
}

/**
 * Records refs/<revision> = commit (file_download._cache_commit_hash_for_specific_revision):
 * nothing for a commit hash or an unchanged ref; otherwise a temp file renamed over the old one, so
 * a reader never sees half a hash.  Errors are ignored (a read-only cache still serves its files).
 */
export async function writeRef(storage: string, revision: string, commit: string): Promise<void> {
  if (revision === commit) return;
  const p = join(storage, 'refs', safeRelative(revision, 'revision'));
  if (readRef(storage, revision) === commit) return;
  const tmp = `${p}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(p), { recursive: true });
    await writeFile(tmp, commit);
    await rename(tmp, p);
  } catch {
    await rm(tmp, { force: true }).catch(() => {});
  }
}

/** Marks `filename` as absent at `commit` (.no_exist/<commit>/<filename>), best effort. */
export async function markNoExist(storage: string, commit: string, filename: string): Promise<void> {
  const p = join(storage, '.no_exist', commit, safeRelative(filename));
  try {
    await mkdir(dirname(p), { recursive: true });
    if (!existsSync(p)) await writeFile(p, '');
  } catch { /* as Python: a cache we cannot write to only loses this shortcut */ }
}

/** Result of {@link tryLoadFromCache} for a file the Hub said does not exist. */
export const CACHED_NO_EXIST = Symbol('CACHED_NO_EXIST');

/**
 * The cached path of a file, with no request (huggingface_hub try_to_load_from_cache): the
 * snapshot file of the revision's commit, `CACHED_NO_EXIST` when the Hub said it is absent
 * there, or null when the cache cannot tell.
 */
export function tryLoadFromCache(repoId: string, filename: string, opts: { cacheDir?: string; revision?: string; repoType?: RepoType } = {}): string | typeof CACHED_NO_EXIST | null {
  const storage = storageFolder(hubCacheDir(opts.cacheDir), repoId, opts.repoType);
  const commit = cachedCommit(storage, opts.revision ?? 'main');
  if (commit === null) return null;
  const p = pointerPath(storage, commit, filename);
  if (existsSync(p)) return p;
  if (existsSync(join(storage, '.no_exist', commit, safeRelative(filename)))) return CACHED_NO_EXIST;
  return null;
}

/**
 * Puts a blob at its snapshot path (file_download._create_symlink): a symlink with a relative
 * target (`../../blobs/<etag>`, so a moved cache keeps working), as Python makes them.  Where
 * symlinks are refused (some file systems, Windows without developer mode) or
 * HF_HUB_DISABLE_SYMLINKS is set, the file itself: moved there when the blob was just
 * downloaded, copied when it may be shared with other snapshots.
 */
export async function linkBlob(blob: string, pointer: string, newBlob: boolean): Promise<void> {
  await mkdir(dirname(pointer), { recursive: true });
  await rm(pointer, { force: true });
  if (!isTrue(process.env.HF_HUB_DISABLE_SYMLINKS)) {
    try {
      await symlink(relative(dirname(resolve(pointer)), resolve(blob)), pointer);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // another process linked it the same way in between: fine
      if (code === 'EEXIST' && lstatSync(pointer).isSymbolicLink() && resolve(dirname(pointer), readlinkSync(pointer)) === resolve(blob)) return;
      if (code === 'EEXIST') throw e;
    }
  }
  if (newBlob) {
    try {
      await rename(blob, pointer);
      return;
    } catch { /* another device: copy below */ }
  }
  const tmp = `${pointer}.${randomBytes(4).toString('hex')}.tmp`;
  await copyFile(blob, tmp);
  await rename(tmp, pointer);
  if (newBlob) await rm(blob, { force: true });
}

/** CACHEDIR.TAG (bford.info/cachedir) so backup tools skip the cache, written once as Python does. */
export async function writeCachedirTag(cacheDir: string): Promise<void> {
  const p = join(cacheDir, 'CACHEDIR.TAG');
  if (existsSync(p)) return;
  await writeFile(p, 'Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by huggingface_hub.\n# For information about cache directory tags, see:\n#\thttps://bford.info/cachedir/\n').catch(() => {});
}

