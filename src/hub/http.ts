// http.ts — requests to the Hub with Node's fetch (undici): the headers huggingface_hub sends
// (Bearer token, no compression so sizes are real), retries with backoff on 408 / 429 / 5xx and
// network errors (utils/_http.http_backoff), and the HEAD of a file with its metadata:
// X-Repo-Commit, X-Linked-Etag or ETag, X-Linked-Size or Content-Length, and the download URL
// (file_download.get_hf_file_metadata).  Redirects on the same host (renamed repos) are followed;
// a redirect to another host (a CDN, signed) is not: its Location is where the bytes are.
import { HubConnectionError, HubError, HubServerError, RETRY_STATUS, errorForResponse, type HubTarget } from './errors.js';

/** Retry count and first backoff delay (doubling each time) for requests that may be retried. */
export const RETRY = { tries: 4, baseDelayMs: 200, maxDelayMs: 8000 };

const USER_AGENT = `tunekit; node/${process.versions.node}`;

/** Request headers: user agent, `authorization: Bearer <token>` when there is one, plus `extra`. */
export function hubHeaders(token: string | undefined, extra: Record<string, string> = {}): Record<string, string> {
  return { 'user-agent': USER_AGENT, ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The network cause of a fetch failure (`ECONNREFUSED`, `ENOTFOUND`, a timeout), for messages. */
export function networkCause(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError') return 'timed out';
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e);
}

/** Whether `e` is a transport failure of fetch (not an HTTP status). */
export function isNetworkError(e: unknown): boolean {
  return !(e instanceof HubError) && (e instanceof TypeError || (e as { name?: string })?.name === 'TimeoutError' || (e as { name?: string })?.name === 'AbortError');
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Milliseconds before the request is abandoned (default HF_HUB_ETAG_TIMEOUT). */
  timeoutMs: number;
  /** Retry 408 / 429 / 5xx and network errors with backoff (default true). */
  retry?: boolean;
  redirect?: 'follow' | 'manual';
  /** Aborts the request and its body (the timeout covers only the wait for the response headers). */
  signal?: AbortSignal;
  /** For error messages. */
  target: HubTarget;
}

/**
 * One request with the retries of http_backoff; a non-2xx, non-3xx answer becomes the HubError
 * of its status (404 names the repo and file; 401 / 403 mention HF_TOKEN).
 * @throws HubServerError after the last retry of a 5xx; HubConnectionError when the host cannot be reached
 */
export async function hubRequest(url: string, o: RequestOptions): Promise<Response> {
  const tries = o.retry === false ? 1 : RETRY.tries;
  let last: unknown;
  for (let attempt = 0; attempt < tries; attempt++) {
    let res: Response;
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(new DOMException(`no response in ${o.timeoutMs} ms`, 'TimeoutError')), o.timeoutMs);
    const onAbort = (): void => ctrl.abort(o.signal!.reason);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      res = await fetch(url, { method: o.method ?? 'GET', headers: o.headers, body: o.body, redirect: o.redirect ?? 'follow', signal: ctrl.signal });
    } catch (e) {
      o.signal?.removeEventListener('abort', onAbort);
      if (o.signal?.aborted) throw e;
      last = e;
      if (attempt + 1 < tries) { await sleep(backoff(attempt, null)); continue; }
      throw new HubConnectionError(`cannot reach ${new URL(url).origin} for ${o.target.repoId} (${networkCause(e)}); check the connection, HF_ENDPOINT, or set HF_HUB_OFFLINE=1 to use only the local cache`, o.target, undefined, { cause: e });
    } finally {
      clearTimeout(timer);
    }
    if (res.ok || (res.status >= 300 && res.status < 400)) return res;
    const err = errorForResponse(res, o.target, url, !!o.headers?.authorization);
    await res.body?.cancel().catch(() => {});
    if (!RETRY_STATUS.has(res.status)) throw err;
    last = err;
    if (attempt + 1 < tries) await sleep(backoff(attempt, res.headers.get('retry-after')));
  }
  if (last instanceof HubServerError && tries > 1)
    throw new HubServerError(`${last.message} (gave up after ${tries} tries)`, last.target, last.status);
  throw last;
}

function backoff(attempt: number, retryAfter: string | null): number {
  const ra = retryAfter !== null && /^\d+(\.\d+)?$/.test(retryAfter) ? Number(retryAfter) * 1000 : null;
  return Math.min(ra ?? RETRY.baseDelayMs * 2 ** attempt, RETRY.maxDelayMs);
}

/** What a HEAD on `/resolve/` tells (file_download.HfFileMetadata). */
export interface FileMetadata {
  commitHash: string | null;
  /** X-Linked-Etag (the LFS sha256) or ETag (the git blob sha1), unquoted. */
  etag: string | null;
  /** Where to GET the bytes: the resolve URL, or a CDN Location. */
  location: string;
  size: number | null;
}

/** ETag header value without W/ and quotes (file_download._normalize_etag). */
export function normalizeEtag(etag: string | null): string | null {
  return etag === null ? null : etag.replace(/^W\//, '').replace(/^"+|"+$/g, '');
}

const intOrNull = (v: string | null): number | null => (v !== null && /^\d+$/.test(v) ? Number(v) : null);

/**
 * HEAD `url` (get_hf_file_metadata), following redirects that stay on the same host, up to 10.
 * `accept-encoding: identity` so that Content-Length is the file's size.
 */
export async function fileMetadata(url: string, headers: Record<string, string>, o: { timeoutMs: number; retry: boolean; target: HubTarget }): Promise<FileMetadata> {
  let current = url;
  for (let hop = 0; hop < 10; hop++) {
    const res = await hubRequest(current, { method: 'HEAD', headers: { ...headers, 'accept-encoding': 'identity' }, redirect: 'manual', timeoutMs: o.timeoutMs, retry: o.retry, target: o.target });
    const loc = res.headers.get('location');
    const isRedirect = res.status >= 300 && res.status < 400 && loc !== null;
    const meta: FileMetadata = {
      commitHash: res.headers.get('x-repo-commit'),
      etag: normalizeEtag(res.headers.get('x-linked-etag') ?? res.headers.get('etag')),
      location: isRedirect ? new URL(loc, current).href : current,
      size: intOrNull(res.headers.get('x-linked-size')) ?? (isRedirect ? null : intOrNull(res.headers.get('content-length'))),
    };
    if (!isRedirect || !sameHost(current, meta.location)) return meta;
    current = meta.location;
  }
  throw new HubError(`too many redirects while resolving ${url}`, o.target);
}

/** Whether two URLs have the same host name (auth may follow a redirect between them). */
export function sameHost(a: string, b: string): boolean {
  return new URL(a).hostname.toLowerCase() === new URL(b).hostname.toLowerCase();
}
