// constants.ts — huggingface_hub's constants.py as functions: the environment is read at each call
// (not once at import, as Python does) so that a process, and a test, can change HF_ENDPOINT /
// HF_HUB_CACHE / HF_HUB_OFFLINE / HF_TOKEN between calls.  Also the repo id rules of
// utils/_validators.py and the cache folder name of file_download.repo_folder_name.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The Hub's repository kinds (huggingface_hub REPO_TYPES). */
export type RepoType = 'model' | 'dataset' | 'space';
export const REPO_TYPES: readonly RepoType[] = ['model', 'dataset', 'space'];

/** A full commit hash: revisions of this form are immutable, so the cache can answer alone. */
export const REGEX_COMMIT_HASH = /^[0-9a-f]{40}$/;
export const DEFAULT_REVISION = 'main';
const DEFAULT_ENDPOINT = 'https://huggingface.co';

/** constants._is_true: 1 / ON / YES / TRUE, any case. */
export function isTrue(v: string | undefined): boolean {
  return v !== undefined && ['1', 'ON', 'YES', 'TRUE'].includes(v.toUpperCase());
}

/** Python's os.path.expanduser + expandvars for the `~` and `$VAR` / `${VAR}` forms. */
function expand(p: string): string {
  const home = p === '~' || p.startsWith('~/') ? homedir() + p.slice(1) : p;
  return home.replace(/\$(\w+)|\$\{(\w+)\}/g, (m, a: string | undefined, b: string | undefined) => process.env[(a ?? b)!] ?? m);
}

/** HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface. */
export function hfHome(): string {
  const env = process.env.HF_HOME;
  return expand(env ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface'));
}

/** The hub cache: `cacheDir` when given, else HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE (legacy), else HF_HOME/hub. */
export function hubCacheDir(cacheDir?: string | null): string {
  if (cacheDir) return expand(cacheDir);
  return expand(process.env.HF_HUB_CACHE ?? process.env.HUGGINGFACE_HUB_CACHE ?? join(hfHome(), 'hub'));
}

/** The Hub's base URL: `endpoint` when given, else HF_ENDPOINT, else https://huggingface.co (no trailing slash). */
export function hubEndpoint(endpoint?: string | null): string {
  return (endpoint || process.env.HF_ENDPOINT || DEFAULT_ENDPOINT).replace(/\/+$/, '');
}

/** HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) set to a true value: no request is made, only the cache is read. */
export function isOffline(): boolean {
  return isTrue(process.env.HF_HUB_OFFLINE || process.env.TRANSFORMERS_OFFLINE);
}

/**
 * The token huggingface_hub's get_token() finds: `token` when a string; none when `false`;
 * else HF_TOKEN, HUGGING_FACE_HUB_TOKEN, then the file HF_TOKEN_PATH (default HF_HOME/token)
 * that `hf auth login` writes.  HF_HUB_DISABLE_IMPLICIT_TOKEN keeps the implicit ones unsent.
 */
export function getToken(token?: string | boolean | null): string | undefined {
  if (typeof token === 'string' && token !== '') return token;
  if (token === false) return undefined;
  if (token !== true && isTrue(process.env.HF_HUB_DISABLE_IMPLICIT_TOKEN)) return undefined;
  const env = process.env.HF_TOKEN || process.env.HUGGING_FACE_HUB_TOKEN;
  if (env) return env.trim();
  const file = expand(process.env.HF_TOKEN_PATH ?? join(hfHome(), 'token'));
  try {
    if (existsSync(file)) return readFileSync(file, 'utf8').trim() || undefined;
  } catch { /* unreadable token file: as Python, no token */ }
  return undefined;
}

/** Seconds: HF_HUB_ETAG_TIMEOUT for metadata requests, HF_HUB_DOWNLOAD_TIMEOUT for a silent download (both default 10). */
export function timeouts(): { etag: number; download: number } {
  const num = (v: string | undefined): number | undefined => (v && Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : undefined);
  return { etag: num(process.env.HF_HUB_ETAG_TIMEOUT) ?? 10, download: num(process.env.HF_HUB_DOWNLOAD_TIMEOUT) ?? 10 };
}

/** Whether `s` has the form of a Hub repo id (`name` or `namespace/name`): utils/_validators.validate_repo_id. */
export function isValidRepoId(s: string): boolean {
  if (typeof s !== 'string' || s.split('/').length > 2) return false;
  const part = /^(?![-.])[\w.-]{1,96}(?<![-.])$/;
  if (!s.split('/').every((p) => part.test(p) && /^[\x00-\x7f]*$/.test(p))) return false;
  return !s.includes('--') && !s.includes('..') && !s.endsWith('.git');
}

/**
 * Checks a repo id and repo type, naming the bad one.
 * @throws TypeError for an invalid id or type
 */
export function validateRepo(repoId: string, repoType: string, who: string): void {
  if (!isValidRepoId(repoId))
    throw new TypeError(`${who}: '${repoId}' is not a valid Hub repo id (namespace/name or name: letters, digits, '-', '_', '.', at most 96 each, no '--' or '..', not starting or ending with '-' or '.')`);
  if (!(REPO_TYPES as readonly string[]).includes(repoType)) throw new TypeError(`${who}: repo_type must be one of ${REPO_TYPES.join(', ')}, got '${repoType}'`);
}

/** `models--org--name` (datasets--, spaces--): the repo's folder in the cache. */
export function repoFolderName(repoId: string, repoType: RepoType = 'model'): string {
  return [`${repoType}s`, ...repoId.split('/')].join('--');
}

/** The URL prefix of a repo type: '' for models, 'datasets/' and 'spaces/' otherwise. */
export function repoUrlPrefix(repoType: RepoType): string {
  return repoType === 'model' ? '' : `${repoType}s/`;
}
