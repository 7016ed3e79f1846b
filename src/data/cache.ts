// src/data/cache.ts — where transform results are cached and how they are written. Mirrors the
// caching switches of datasets/fingerprint.py (enable_caching / disable_caching) and the
// cache-<fingerprint>.arrow files that arrow_dataset.py writes beside a dataset's data.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type * as arrow from 'apache-arrow';
import { tableFromBytes, tableToBytes } from './arrow.js';

let cachingEnabled = true;

/** Turns map/filter result caching off process-wide (results are recomputed, nothing is written). */
export function disableCaching(): void {
  cachingEnabled = false;
}

/** Turns result caching back on (the default). */
export function enableCaching(): void {
  cachingEnabled = true;
}

/** False after disableCaching() or when TUNEKIT_DISABLE_CACHING=1. */
export function isCachingEnabled(): boolean {
  return cachingEnabled && !truthy(process.env.TUNEKIT_DISABLE_CACHING);
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.toLowerCase());
}

/**
 * The cache root: an explicit `cacheDir` option, else $TUNEKIT_DATASETS_CACHE, else
 * $HF_DATASETS_CACHE, else ~/.cache/tunekit/datasets. Tests point the env var at a temp dir.
 */
export function cacheRoot(cacheDir?: string): string {
  return cacheDir ?? process.env.TUNEKIT_DATASETS_CACHE ?? process.env.HF_DATASETS_CACHE ?? join(homedir(), '.cache', 'tunekit', 'datasets');
}

/** The file a transform with this fingerprint is cached in (HF's naming). */
export function cacheFilePath(cacheDir: string, fingerprint: string): string {
  return join(cacheDir, `cache-${fingerprint}.arrow`);
}

/** Writes `path` so that readers never see a partial file: a temp file in the same folder, then rename. */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Whether a path exists (file or folder). */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Reads an Arrow IPC file written by writeArrowFile or by HF, naming the file on failure. */
export async function readArrowFile(path: string): Promise<arrow.Table> {
  const bytes = await readFile(path);
  try {
    return tableFromBytes(bytes);
  } catch (e) {
    throw new Error(`${path}: not a readable Arrow IPC file (${(e as Error).message})`);
  }
}

/** Writes a table as an Arrow IPC stream file, atomically. */
export async function writeArrowFile(path: string, table: arrow.Table): Promise<void> {
  await writeFileAtomic(path, tableToBytes(table));
}

/**
 * Loads a cached table, or returns null when there is none or it cannot be read (a corrupt cache
 * file is recomputed, not fatal).
 */
export async function tryReadCache(path: string): Promise<arrow.Table | null> {
  if (!(await exists(path))) return null;
  try {
    return await readArrowFile(path);
  } catch (e) {
    process.emitWarning(`ignoring unreadable cache file ${path}: ${(e as Error).message}`, { code: 'TUNEKIT_DATASETS_CACHE' });
    return null;
  }
}

/** Writes a cache file; a failure (read-only folder, full disk) warns and leaves the result uncached. */
export async function tryWriteCache(path: string, table: arrow.Table): Promise<boolean> {
  try {
    await writeArrowFile(path, table);
    return true;
  } catch (e) {
    process.emitWarning(`could not write cache file ${path}: ${(e as Error).message}`, { code: 'TUNEKIT_DATASETS_CACHE' });
    return false;
  }
}
