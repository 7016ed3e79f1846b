// transfer.ts — the bytes of one blob: GET into `blobs/<etag>.incomplete`, resumed with a Range
// request from what is already there (after a dropped connection in this call, or a previous
// process's interrupted download), checked against the announced size and, for LFS files whose
// ETag is a sha256, against that hash; only then renamed to `blobs/<etag>` in one step.  An
// interrupted download therefore never leaves a blob that loads as complete (file_download.http_get).
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { HubConnectionError, HubError, HubIntegrityError, type HubTarget } from './errors.js';
import { RETRY, hubRequest, networkCause, sameHost } from './http.js';
import type { DownloadProgress } from './progress.js';

/** Failed reads of a body before giving up; the count restarts whenever bytes arrive (http_get's _nb_retries). */
const BODY_RETRIES = 5;
const SHA256 = /^[0-9a-f]{64}$/;

export interface BlobDownload {
  /** The resolve URL, or the CDN location the HEAD pointed to. */
  url: string;
  headers: Record<string, string>;
  blobPath: string;
  expectedSize: number | null;
  /** The normalized ETag: a 64-hex one is the file's sha256 (LFS) and is verified. */
  etag: string;
  target: HubTarget;
  /** Milliseconds without a byte before a read is abandoned (HF_HUB_DOWNLOAD_TIMEOUT). */
  idleTimeoutMs: number;
  onProgress?: (p: Omit<DownloadProgress, 'repoId' | 'filename'>) => void;
}

/** A local write failure (disk full...): not retried as a network error is. */
class DiskError {
  constructor(readonly error: unknown) {}
}

const sizeOf = (p: string): Promise<number> => stat(p).then((s) => s.size, () => 0);

async function hashPrefix(path: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

/** GET with redirects followed by hand, so that the token is dropped when the host changes (a CDN). */
async function get(d: BlobDownload, from: number, signal: AbortSignal): Promise<Response> {
  let url = d.url;
  let headers: Record<string, string> = { ...d.headers, 'accept-encoding': 'identity', ...(from > 0 ? { range: `bytes=${from}-` } : {}) };
  for (let hop = 0; hop < 10; hop++) {
    const res = await hubRequest(url, { headers, redirect: 'manual', timeoutMs: d.idleTimeoutMs, signal, target: d.target });
    const loc = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || loc === null) return res;
    await res.body?.cancel().catch(() => {});
    const next = new URL(loc, url).href;
    if (!sameHost(url, next)) {
      const { authorization: _dropped, ...rest } = headers;
      headers = rest;
    }
    url = next;
  }
  throw new HubError(`too many redirects while downloading ${d.url}`, d.target);
}

/**
 * Downloads one blob to `d.blobPath` (see the file header).  On failure the `.incomplete` file is
 * kept when its bytes may be the start of the file (a later call resumes from it) and removed when
 * it is known to be wrong (too long, or a hash mismatch).
 * @throws HubConnectionError when the body keeps failing; HubIntegrityError on a size or sha256 mismatch
 */
export async function downloadBlob(d: BlobDownload): Promise<void> {
  const incomplete = `${d.blobPath}.incomplete`;
  let have = await sizeOf(incomplete);
  if (d.expectedSize !== null && have > d.expectedSize) {
    await rm(incomplete, { force: true });
    have = 0;
  }
  const verify = SHA256.test(d.etag);
  let hash = verify ? createHash('sha256') : null;
  if (hash && have > 0) await hashPrefix(incomplete, hash);
  const fh = await open(incomplete, 'a');
  const restart = async (): Promise<void> => {
    await fh.truncate(0);
    have = 0;
    hash = verify ? createHash('sha256') : null;
  };
  try {
    let failures = 0;
    while (d.expectedSize === null || have < d.expectedSize) {
      const ctrl = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const arm = (): void => { clearTimeout(timer); timer = setTimeout(() => ctrl.abort(new Error(`no data for ${d.idleTimeoutMs} ms`)), d.idleTimeoutMs); };
      try {
        arm();
        const res = await get(d, have, ctrl.signal);
        if (res.status === 416) { // the range starts past the end: what we have is not this file
          await res.body?.cancel().catch(() => {});
          await restart();
          if (++failures > BODY_RETRIES) throw new HubIntegrityError(`the server refuses ranges of ${d.url}`, d.target, 416);
          continue;
        }
        if (res.status === 206 && Number(/^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1] ?? NaN) !== have) {
          await res.body?.cancel().catch(() => {}); // a range we did not ask for: start over from byte 0
          await restart();
          if (++failures > BODY_RETRIES) throw new HubIntegrityError(`the server answers wrong ranges of ${d.url}`, d.target, 206);
          continue;
        }
        if (res.status !== 206 && have > 0) await restart(); // the server ignored the range: the whole file follows
        if (!res.body) break;
        const reader = res.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          arm();
          await fh.write(value).catch((err: unknown) => { throw new DiskError(err); });
          hash?.update(value);
          have += value.length;
          failures = 0;
          d.onProgress?.({ downloaded: have, total: d.expectedSize, done: false });
          if (d.expectedSize !== null && have > d.expectedSize) break;
        }
        if (d.expectedSize === null || have >= d.expectedSize) break;
        throw new Error(`the connection closed after ${have} of ${d.expectedSize} bytes`);
      } catch (e) {
        if (e instanceof HubError && !(e instanceof HubConnectionError)) throw e;
        if (e instanceof DiskError) throw e.error;
        if (++failures > BODY_RETRIES)
          throw new HubConnectionError(`download of ${d.target.repoId}/${d.target.filename ?? ''} from ${new URL(d.url).origin} failed after ${BODY_RETRIES} retries (${networkCause(e)}); ${have} bytes are kept in ${incomplete} and the next call resumes from there`, d.target, undefined, { cause: e });
        await new Promise((r) => setTimeout(r, Math.min(RETRY.baseDelayMs * 2 ** (failures - 1), RETRY.maxDelayMs)));
      } finally {
        clearTimeout(timer);
      }
    }
  } finally {
    await fh.close();
  }
  if (d.expectedSize !== null && have !== d.expectedSize) {
    await rm(incomplete, { force: true });
    throw new HubIntegrityError(`consistency check failed: ${d.target.filename} should have ${d.expectedSize} bytes but ${have} arrived from ${d.url}; the partial file was removed, retry the download`, d.target);
  }
  if (hash) {
    const got = hash.digest('hex');
    if (got !== d.etag) {
      await rm(incomplete, { force: true });
      throw new HubIntegrityError(`sha256 mismatch for ${d.target.repoId}/${d.target.filename}: expected ${d.etag}, got ${got}; the partial file was removed, retry the download`, d.target);
    }
  }
  await rename(incomplete, d.blobPath);
  d.onProgress?.({ downloaded: have, total: d.expectedSize ?? have, done: true });
}
