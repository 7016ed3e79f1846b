// upload.ts — uploadFolder / createRepo / pushToHub (huggingface_hub HfApi.upload_folder,
// create_repo, and transformers' PushToHubMixin: save to a temp folder, upload it in one commit).
// The commit itself goes through @huggingface/hub's `commit`, which speaks the Hub's commit API
// (preupload to sort small files from LFS ones, the LFS batch API with basic / multipart / Xet
// transfers, the NDJSON commit) and takes any endpoint as `hubUrl`; writing that protocol again
// here would duplicate a maintained client.  Errors are turned into tunekit's Hub errors.
import { openAsBlob } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix, relative, sep } from 'node:path';
import { DEFAULT_REVISION, getToken, hubEndpoint, isOffline, validateRepo, type RepoType } from './constants.js';
import { HubAuthError, HubError, RepositoryNotFoundError, describeTarget, type HubTarget } from './errors.js';
import { filterRepoFiles } from './snapshot.js';

/** Options of {@link uploadFolder} and the pushToHub methods. */
export interface UploadOptions {
  /** The commit's title (default 'Upload folder using tunekit'). */
  commitMessage?: string;
  /** The commit's description. */
  commitDescription?: string;
  /** Write token (default HF_TOKEN / HUGGING_FACE_HUB_TOKEN / the saved login). */
  token?: string | boolean;
  /** Hub base URL (default HF_ENDPOINT, else https://huggingface.co). */
  endpoint?: string;
  /** Branch to commit to (default 'main'). */
  revision?: string;
  /** 'model' (default), 'dataset' or 'space'. */
  repoType?: RepoType;
  /** Create the repo first when it does not exist (default true, as push_to_hub). */
  createRepo?: boolean;
  /** Visibility of a repo created here. */
  private?: boolean;
  /** Folder inside the repo to upload into (default the root). */
  pathInRepo?: string;
  /** Only files matching one of these fnmatch patterns. */
  allowPatterns?: string | string[];
  /** Files to leave out (besides .git/ and .cache/huggingface/, always left out). */
  ignorePatterns?: string | string[];
  /** Repo paths to delete in the same commit (huggingface_hub's delete_patterns, as exact paths). */
  deletePaths?: string[];
}

/** What a commit made. */
export interface CommitInfo {
  /** The new commit's hash. */
  commitOid: string;
  commitUrl: string;
}

/** Left out of every upload, as huggingface_hub's DEFAULT_IGNORE_PATTERNS. */
const DEFAULT_IGNORE = ['.git', '.git/*', '*/.git', '*/.git/*', '.cache/huggingface', '.cache/huggingface/*', '*/.cache/huggingface/*'];

type HubLib = typeof import('@huggingface/hub');
let lib: Promise<HubLib> | null = null;
const hubLib = (): Promise<HubLib> => (lib ??= import('@huggingface/hub'));

/** @huggingface/hub's HubApiError (statusCode, url) as tunekit's Hub error for `target`. */
function asHubError(e: unknown, target: HubTarget, sentToken: boolean): unknown {
  const status = (e as { statusCode?: unknown }).statusCode;
  if (typeof status !== 'number') {
    if (e instanceof TypeError && /access token must start with 'hf_'/.test(e.message))
      return new HubAuthError(`${describeTarget(target)}: the token is not a Hugging Face access token (they start with 'hf_'); set HF_TOKEN to a write token`, target, undefined, { cause: e });
    return e;
  }
  const msg = (e as Error).message;
  if (status === 401 || status === 403)
    return new HubAuthError(`access denied (${status}) writing to ${describeTarget(target)}: ${sentToken ? 'the token sent has no write access to it' : 'no token was sent; set HF_TOKEN (or pass the token option) to a token with write access'} — ${msg}`, target, status, { cause: e });
  if (status === 404)
    return new RepositoryNotFoundError(`repository or file not found: ${describeTarget(target)} — create it first (createRepo: true) or check the name and branch — ${msg}`, target, status, { cause: e });
  return new HubError(`the Hub answered ${status} while writing to ${describeTarget(target)}: ${msg}`, target, status, { cause: e });
}

/**
 * Creates a repo (HfApi.create_repo with exist_ok=True: an existing repo is not an error).
 * @returns the repo's URL
 */
export async function createRepo(repoId: string, opts: Pick<UploadOptions, 'token' | 'endpoint' | 'repoType' | 'private'> = {}): Promise<string> {
  const repoType = opts.repoType ?? 'model';
  validateRepo(repoId, repoType, 'createRepo');
  if (!repoId.includes('/')) throw new TypeError(`createRepo: '${repoId}' needs its namespace (user or organization): 'namespace/${repoId}'`);
  const token = getToken(opts.token);
  const target: HubTarget = { repoId, repoType };
  if (isOffline()) throw new HubError(`createRepo ${describeTarget(target)}: HF_HUB_OFFLINE=1 forbids requests to the Hub`, target);
  if (!token) throw new HubAuthError(`createRepo ${describeTarget(target)}: creating a repo needs a write token; set HF_TOKEN (or pass the token option)`, target);
  const hub = await hubLib();
  try {
    const r = await hub.createRepo({ repo: { type: repoType, name: repoId }, accessToken: token, hubUrl: hubEndpoint(opts.endpoint), ...(opts.private !== undefined ? { visibility: opts.private ? 'private' : 'public' } : {}) });
    return r.repoUrl;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 409) return `${hubEndpoint(opts.endpoint)}/${repoType === 'model' ? '' : `${repoType}s/`}${repoId}`;
    throw asHubError(e, target, !!token);
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const parent = (e as unknown as { parentPath?: string; path?: string }).parentPath ?? (e as unknown as { path: string }).path;
    out.push(relative(dir, join(parent, e.name)).split(sep).join('/'));
  }
  return out.sort();
}

/**
 * Uploads the files of `dir` to a repo in one commit (HfApi.upload_folder); small text files go
 * inline, large or binary ones through LFS, as the Hub's preupload answer decides.
 * @example
 *   const { commitOid } = await uploadFolder('me/tiny-llama', 'runs/out', { commitMessage: 'Add weights' });
 * @throws HubAuthError (no or read-only token), RepositoryNotFoundError (repo missing and createRepo false), HubError
 */
export async function uploadFolder(repoId: string, dir: string, opts: UploadOptions = {}): Promise<CommitInfo> {
  const repoType = opts.repoType ?? 'model';
  validateRepo(repoId, repoType, 'uploadFolder');
  if (!(await stat(dir).catch(() => null))?.isDirectory()) throw new TypeError(`uploadFolder: ${dir} is not a folder`);
  const branch = opts.revision ?? DEFAULT_REVISION;
  const target: HubTarget = { repoId, repoType, revision: branch };
  if (isOffline()) throw new HubError(`uploadFolder to ${describeTarget(target)}: HF_HUB_OFFLINE=1 forbids requests to the Hub`, target);
  const token = getToken(opts.token);
  if (opts.createRepo ?? true) await createRepo(repoId, opts);
  const ignore = [...DEFAULT_IGNORE, ...(opts.ignorePatterns === undefined ? [] : typeof opts.ignorePatterns === 'string' ? [opts.ignorePatterns] : opts.ignorePatterns)];
  const files = filterRepoFiles(await listFiles(dir), opts.allowPatterns, ignore);
  if (files.length === 0) throw new Error(`uploadFolder: no file of ${dir} to upload${opts.allowPatterns ? ` (allowPatterns ${JSON.stringify(opts.allowPatterns)})` : ''}`);
  const prefix = opts.pathInRepo ? `${posix.normalize(opts.pathInRepo).replace(/^\/+|\/+$/g, '')}/` : '';
  const uploads = new Set(files.map((f) => prefix + f));
  const operations: ({ operation: 'addOrUpdate'; path: string; content: Blob } | { operation: 'delete'; path: string })[] = [
    // a path both uploaded and deleted is uploaded: deletions clear what the new files replace
    ...(opts.deletePaths ?? []).filter((p) => !uploads.has(p)).map((path) => ({ operation: 'delete' as const, path })),
    ...await Promise.all(files.map(async (f) => ({
      operation: 'addOrUpdate' as const, path: prefix + f, content: await openAsBlob(join(dir, ...f.split('/'))),
    }))),
  ];
  const hub = await hubLib();
  try {
    const out = await hub.commit({
      repo: { type: repoType, name: repoId }, operations, title: opts.commitMessage ?? 'Upload folder using tunekit',
      description: opts.commitDescription, branch, hubUrl: hubEndpoint(opts.endpoint), ...(token ? { accessToken: token } : {}),
    });
    if (!out) throw new HubError(`the commit to ${describeTarget(target)} returned nothing`, target);
    return { commitOid: out.commit.oid, commitUrl: out.commit.url };
  } catch (e) {
    throw asHubError(e, target, !!token);
  }
}

/**
 * transformers' push_to_hub: `save` writes the object's files into a fresh temp folder, which is
 * uploaded in one commit and removed.
 */
export async function pushFolderToHub(repoId: string, save: (dir: string) => Promise<unknown>, opts: UploadOptions = {}): Promise<CommitInfo> {
  const dir = await mkdtemp(join(tmpdir(), 'tunekit-push-'));
  try {
    await save(dir);
    return await uploadFolder(repoId, dir, { commitMessage: 'Upload with tunekit', ...opts });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
