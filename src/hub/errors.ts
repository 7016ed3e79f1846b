// errors.ts — the Hub errors of huggingface_hub/errors.py that a caller can act on, each naming the
// repo, the file and the revision: not found (404, and the Hub's X-Error-Code refinements),
// access denied (401 / 403: the message says how to pass HF_TOKEN), server errors after the
// retries, an unreachable endpoint, and a file missing from the cache when no request may be made.

/** What was asked for, for messages. */
export interface HubTarget {
  repoId: string;
  repoType?: string;
  filename?: string;
  revision?: string;
}

/** `org/name (file x, revision y)`; datasets and spaces are named as such. */
export function describeTarget(t: HubTarget): string {
  const kind = t.repoType && t.repoType !== 'model' ? `${t.repoType} ` : '';
  const parts = [t.filename !== undefined ? `file ${t.filename}` : null, `revision ${t.revision ?? 'main'}`].filter(Boolean);
  return `${kind}${t.repoId} (${parts.join(', ')})`;
}

/** Any Hub failure; `status` is the HTTP status when the server answered. */
export class HubError extends Error {
  override name = 'HubError';
  /** X-Repo-Commit of the error response, when the Hub sent it (a missing file's commit). */
  repoCommit?: string;
  constructor(message: string, readonly target: HubTarget, readonly status?: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** 404: the repo, the revision or the file does not exist (or is private and no valid token was sent). */
export class RepositoryNotFoundError extends HubError { override name = 'RepositoryNotFoundError'; }
/** 404 with X-Error-Code RevisionNotFound: the repo exists, the branch / tag / commit does not. */
export class RevisionNotFoundError extends RepositoryNotFoundError { override name = 'RevisionNotFoundError'; }
/** 404 with X-Error-Code EntryNotFound: the repo and revision exist, the file does not. */
export class EntryNotFoundError extends RepositoryNotFoundError { override name = 'EntryNotFoundError'; }
/** 401 / 403: no token, a wrong token, or a gated repo whose terms were not accepted. */
export class HubAuthError extends HubError { override name = 'HubAuthError'; }
/** 5xx (or 408 / 429) still failing after the retries. */
export class HubServerError extends HubError { override name = 'HubServerError'; }
/** The endpoint could not be reached (DNS, refused connection, timeout) and the cache could not answer. */
export class HubConnectionError extends HubError { override name = 'HubConnectionError'; }
/** Offline (HF_HUB_OFFLINE=1 or local_files_only) and the file is not in the cache. */
export class LocalEntryNotFoundError extends HubError { override name = 'LocalEntryNotFoundError'; }
/** A downloaded file does not match the size or sha256 the Hub announced; the partial file was removed. */
export class HubIntegrityError extends HubError { override name = 'HubIntegrityError'; }

/** The error of a non-2xx response to a request about `target` (hf_raise_for_status). */
export function errorForResponse(res: { status: number; headers: Headers; statusText?: string }, target: HubTarget, url: string, sentToken: boolean): HubError {
  const code = res.headers.get('x-error-code');
  const what = describeTarget(target);
  const serverMsg = res.headers.get('x-error-message');
  const detail = serverMsg ? ` — the Hub says: ${serverMsg}` : '';
  const tokenHint = sentToken
    ? 'the token that was sent (HF_TOKEN, HUGGING_FACE_HUB_TOKEN or the token option) has no access to it'
    : 'if it is private or gated, set HF_TOKEN (or pass the token option) to a token with read access';
  if (code === 'GatedRepo')
    return new HubAuthError(`gated repository: ${what} needs its terms accepted on the Hub and HF_TOKEN set to a token of an account that accepted them (${res.status} from ${url})${detail}`, target, res.status);
  if (code === 'RevisionNotFound')
    return new RevisionNotFoundError(`repository or file not found: ${what} — no such branch, tag or commit (${res.status} from ${url})${detail}`, target, res.status);
  if (code === 'EntryNotFound') {
    const e = new EntryNotFoundError(`repository or file not found: ${what} — the repository has no such file at that revision (${res.status} from ${url})${detail}`, target, res.status);
    e.repoCommit = res.headers.get('x-repo-commit') ?? undefined;
    return e;
  }
  if (res.status === 404 || code === 'RepoNotFound')
    return new RepositoryNotFoundError(`repository or file not found: ${what} (${res.status} from ${url}); ${tokenHint}${detail}`, target, res.status);
  if (res.status === 401 || res.status === 403)
    return new HubAuthError(`access denied (${res.status}) to ${what} at ${url}: ${tokenHint}${detail}`, target, res.status);
  if (res.status >= 500 || res.status === 408 || res.status === 429)
    return new HubServerError(`the Hub answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''} for ${what} at ${url}${detail}`, target, res.status);
  return new HubError(`unexpected HTTP ${res.status} for ${what} at ${url}${detail}`, target, res.status);
}

/** Status codes worth another try (huggingface_hub _DEFAULT_RETRY_ON_STATUS_CODES). */
export const RETRY_STATUS: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);
